"""Result cards: stored with a link to their run, queued and graded like content cards."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import StudyClock

from studyapp.deck import load_modules
from studyapp.labs.catalog import LAB_IDS
from studyapp.services.study import StudyService
from studyapp.store import lab_runs
from studyapp.store.engine import reading, writing
from studyapp.store.errors import StoreError
from studyapp.store.migrations import SCHEMA_VERSION, migrate, open_database
from studyapp.store.result_cards import add_result_cards, result_cards, result_cards_of_run
from studyapp.text import Text

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
TEXTS = [(Text("Защо ×3?", "Why ×3?"), Text("Заради VNNI.", "Because of VNNI.")),
         (Text("Защо ×1?", "Why ×1?"), Text("Режийни разходи.", "Overhead."))]


def _accept(service: StudyService, texts: list[tuple[Text, Text]] = TEXTS) -> list[str]:
    engine = service.engine
    run_id = lab_runs.start_run(engine, "quantize", {"size": "quick"}, NOW)
    lab_runs.finish_run(engine, run_id, "ok", NOW, results={"rows": []})
    with writing(engine) as session:
        cards = add_result_cards(session, module_id="tiny", run_id=run_id, lab_id="quantize",
                                 texts=texts, at=NOW)
    service.include_cards([("tiny", card) for card in cards])
    return [card.id for card in cards]


def test_upgrading_a_version_2_database_adds_the_result_card_table(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    assert migrate(path, target=2) == 2
    with sqlite3.connect(path) as con:
        con.execute("INSERT INTO lab_run (lab_id, params_json, status, started_at) "
                    "VALUES ('latency', '{}', 'ok', '2026-03-01 07:00:00')")
    engine = open_database(path, NOW)
    try:
        with writing(engine) as session:
            cards = add_result_cards(session, module_id="m", run_id=1, lab_id="latency",
                                     texts=TEXTS[:1], at=NOW)
        with reading(engine) as session:
            assert [card.id for _, card in result_cards(session)] == ["result.1.1"]
            assert cards[0].front == TEXTS[0][0] and cards[0].lab == "latency"
    finally:
        engine.dispose()
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    assert len(list(tmp_path.glob("old.db.*.bak"))) == 1


def test_result_cards_are_numbered_per_run_and_need_a_run(tmp_path: Path) -> None:
    engine = open_database(tmp_path / "a.db", NOW)
    try:
        run_id = lab_runs.start_run(engine, "latency", {}, NOW)
        with writing(engine) as session:
            add_result_cards(session, module_id="m", run_id=run_id, lab_id="latency",
                             texts=TEXTS[:1], at=NOW)
        with writing(engine) as session:
            add_result_cards(session, module_id="m", run_id=run_id, lab_id="latency",
                             texts=TEXTS[1:], at=NOW)
        with reading(engine) as session:
            assert result_cards_of_run(session, run_id) == [f"result.{run_id}.1",
                                                            f"result.{run_id}.2"]
        with pytest.raises(StoreError, match="999"), writing(engine) as session:
            add_result_cards(session, module_id="m", run_id=999, lab_id="latency",
                             texts=TEXTS, at=NOW)
    finally:
        engine.dispose()


def test_accepted_cards_are_queued_graded_and_survive_content_sync(
    tmp_path: Path, tiny_content: Path, study_clock: StudyClock
) -> None:
    modules = load_modules(tiny_content, LAB_IDS)
    db = tmp_path / "study.db"
    service = StudyService.open(db, modules, study_clock)
    try:
        ids = _accept(service)
        queue = [item.card.id for item in service.queue()]
        assert queue[:2] == ids  # new result cards come before the content's new cards
        session = service.start_review()
        item = session.current()
        assert item is not None and item.card.kind == "result" and item.is_new
        assert item.card.back == TEXTS[0][1]
        session.grade(5)
        info = service.card_info(ids[0])
        assert [entry.grade for entry in info.history] == [5]
        assert info.state.interval == 1
        exported = service.export_data()["result_card"]
        assert [row["card_id"] for row in exported] == ids and exported[0]["run_id"] == 1
    finally:
        service.close()

    reopened = StudyService.open(db, modules, study_clock)  # sync runs again on open
    try:
        assert reopened.card_state(ids[0]).interval == 1
        assert ids[1] in [item.card.id for item in reopened.queue()]
        assert reopened.card(ids[1]).front == TEXTS[1][0]
    finally:
        reopened.close()


def test_answered_result_cards_count_as_their_own_kind_and_name_their_run(
    tmp_path: Path, tiny_content: Path, study_clock: StudyClock
) -> None:
    service = StudyService.open(tmp_path / "study.db", load_modules(tiny_content, LAB_IDS),
                                study_clock)
    try:
        ids = _accept(service)
        session = service.start_review()
        session.grade(5)
        session.grade(4)
        assert service.stats().counts_by_kind == {"result": 2}
        session.grade(5)  # the first content card
        assert service.stats().counts_by_kind == {"result": 2, "concept": 1}
        source = service.card_info(ids[1]).source
        assert source is not None
        assert (source.run_id, source.lab_id, source.started_at) == (1, "quantize", NOW)
        assert service.card_info("concept.c01").source is None
    finally:
        service.close()
