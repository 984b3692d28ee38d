"""Instants: stored as UTC text in the format every version wrote, handed out aware UTC.

What SQLModel makes of a bare `datetime` annotation changed between its versions (naive
values read back, or aware ones); the store declares its own column type so that neither
the file nor the values the code sees depend on it.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import STUDY_START, StudyClock
from sqlalchemy import DateTime
from sqlalchemy.exc import StatementError
from sqlmodel import SQLModel

from studyapp.deck import load_modules
from studyapp.labs.catalog import LAB_IDS
from studyapp.services.study import StudyService
from studyapp.store import lab_runs
from studyapp.store.engine import reading, writing
from studyapp.store.migrations import open_database
from studyapp.store.result_cards import add_result_cards, result_source
from studyapp.store.reviews import history
from studyapp.store.tables import UTCDateTime
from studyapp.text import Text

# 09:00 in Sofia (UTC+2 in March) is 07:00 UTC; SQLAlchemy's SQLite DATETIME text.
STORED = "2026-03-02 07:00:00.000000"
INSTANT = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
LATER = timezone(timedelta(hours=-5))  # another zone for the same instants


def instants(value: object) -> Iterable[datetime]:
    """Every datetime inside a record the store handed out (dataclasses, lists, tuples)."""
    if isinstance(value, datetime):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from instants(getattr(value, field.name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from instants(item)


def assert_aware_utc(values: Iterable[datetime]) -> int:
    count = 0
    for value in values:
        assert value.tzinfo is not None and value.utcoffset() == timedelta(0), value
        count += 1
    return count


def test_every_instant_column_is_declared_with_the_utc_type() -> None:
    columns = [column for table in SQLModel.metadata.sorted_tables for column in table.columns
               if isinstance(getattr(column.type, "impl_instance", column.type), DateTime)]
    assert len(columns) == 7
    assert all(isinstance(column.type, UTCDateTime) for column in columns), columns


def test_instants_are_written_as_utc_text_in_the_old_format(
    tmp_path: Path, tiny_content: Path
) -> None:
    service = StudyService.open(tmp_path / "study.db", load_modules(tiny_content, LAB_IDS),
                                StudyClock())  # 09:00 in Sofia
    service.start_review().grade(5)
    service.save_prior_answer("prior.1", "my words")
    run_id = lab_runs.start_run(service.engine, "latency", {}, STUDY_START)
    lab_runs.finish_run(service.engine, run_id, "ok", STUDY_START.astimezone(LATER))
    service.close()
    with closing(sqlite3.connect(tmp_path / "study.db")) as con:
        stored = con.execute(
            "SELECT at FROM review_log UNION ALL SELECT first_seen FROM card_state "
            "WHERE first_seen IS NOT NULL UNION ALL SELECT saved_at FROM prior_answer "
            "UNION ALL SELECT started_at FROM lab_run UNION ALL SELECT finished_at FROM lab_run"
        ).fetchall()
    assert stored == [(STORED,)] * 5


def test_values_written_by_earlier_versions_read_back_aware_utc(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    open_database(path, INSTANT).dispose()
    with closing(sqlite3.connect(path)) as con, con:
        con.execute("INSERT INTO card_state (card_id, module_id, kind, ord, reviewable, "
                    "repetitions, interval, due, first_seen, first_seen_day) VALUES "
                    "('c', 'm', 'concept', 1, 1, 1, 1, '2026-03-03', ?, '2026-03-02')", (STORED,))
        con.execute("INSERT INTO review_log (card_id, session_id, at, study_day, grade, "
                    "before_repetitions, before_easiness_x100, before_interval, "
                    "after_repetitions, after_easiness_x100, after_interval, after_due) VALUES "
                    "('c', 's', ?, '2026-03-02', 5, 0, 250, 0, 1, 260, 1, '2026-03-03')",
                    (STORED,))
        con.execute("INSERT INTO lab_run (lab_id, params_json, status, started_at, "
                    "finished_at, duration_s) VALUES ('latency', '{}', 'ok', ?, "
                    "'2026-03-02 07:00:12.500000', 12.5)", (STORED,))
    engine = open_database(path, INSTANT)
    try:
        run = lab_runs.get_run(engine, 1)
        assert (run.started_at, run.finished_at) == (INSTANT, INSTANT + timedelta(seconds=12.5))
        assert assert_aware_utc(instants(run)) == 2
        with writing(engine) as session:
            add_result_cards(session, module_id="m", run_id=1, lab_id="latency",
                             texts=[(Text("В", "Q"), Text("О", "A"))], at=INSTANT)
        with reading(engine) as session:
            entries = history(session, "c")
            source = result_source(session, "result.1.1")
        assert [entry.at for entry in entries] == [INSTANT]
        assert source is not None and source.started_at == INSTANT
        assert assert_aware_utc(instants([entries, source])) == 2
    finally:
        engine.dispose()


def test_every_instant_the_store_hands_out_is_aware_utc(
    tmp_path: Path, tiny_content: Path
) -> None:
    clock = StudyClock()
    service = StudyService.open(tmp_path / "study.db", load_modules(tiny_content, LAB_IDS),
                                clock)
    session = service.start_review()
    session.grade(5)
    session.grade(4)
    session.undo()
    engine = service.engine
    run_id = lab_runs.start_run(engine, "latency", {}, clock())
    later = clock.advance(seconds=3).astimezone(LATER)
    finished = lab_runs.finish_run(engine, run_id, "ok", later)
    assert finished.duration_s == pytest.approx(3)
    with writing(engine) as db:
        cards = add_result_cards(db, module_id="tiny", run_id=run_id, lab_id="latency",
                                 texts=[(Text("В", "Q"), Text("О", "A"))], at=clock())
    service.include_cards([("tiny", card) for card in cards])
    handed_out = [
        finished, lab_runs.get_run(engine, run_id), lab_runs.list_runs(engine),
        service.card_state("concept.c01"), service.card_info("concept.c01"),
        service.card_info(cards[0].id),
    ]
    assert assert_aware_utc(instants(handed_out)) == 10
    exported = service.export_data()
    stamps = [row[key] for rows in exported.values() for row in rows
              for key in ("at", "first_seen", "undone_at", "started_at", "finished_at",
                          "created_at", "saved_at") if row.get(key)]
    assert stamps and all(stamp.endswith("+00:00") for stamp in stamps), stamps
    service.close()


def test_a_naive_instant_is_refused_on_write(tmp_path: Path) -> None:
    engine = open_database(tmp_path / "study.db", INSTANT)
    try:
        with pytest.raises(StatementError) as refused:
            lab_runs.start_run(engine, "latency", {}, INSTANT.replace(tzinfo=None))
        assert isinstance(refused.value.orig, ValueError)
        assert lab_runs.list_runs(engine) == []
    finally:
        engine.dispose()
