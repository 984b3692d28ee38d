"""Study services beyond the queue: content sync, dashboard, stats, prior answers, position."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import StudyClock, tiny_cards, write_module_toml

from studyapp.deck import Card, load_modules
from studyapp.errors import StudyappError
from studyapp.labs.catalog import LAB_IDS
from studyapp.services.study import StudyService
from studyapp.services.values import Settings, UnknownCardError

MONDAY = date(2026, 3, 2)


def open_service(db: Path, content: Path, clock: StudyClock) -> StudyService:
    return StudyService.open(db, load_modules(content, LAB_IDS), clock)


def test_content_sync_adds_removes_and_keeps_history_by_id(
    tmp_path: Path, study_clock: StudyClock
) -> None:
    db = tmp_path / "study.db"
    content = write_module_toml(tmp_path / "content", tiny_cards(concepts=3, plans=False))
    service = open_service(db, content, study_clock)
    session = service.start_review()
    session.grade(5)  # c01
    session.grade(4)  # c02
    service.close()

    cards = tiny_cards(concepts=3, plans=False)
    cards = [card for card in cards if card["id"] != "concept.c02"]  # removed
    cards[2]["front"] = {"bg": "Ново име", "en": "New name"}  # c01 edited
    cards.append({"id": "quiz.new", "kind": "quiz", "front": {"bg": "В?"}, "back": {"bg": "О"}})
    write_module_toml(tmp_path / "content", cards)
    study_clock.advance(days=1)
    service = open_service(db, content, study_clock)
    assert service.card("concept.c01").front.en == "New name"
    assert [h.grade for h in service.card_info("concept.c01").history] == [5]
    assert service.start_review().upcoming() == ["concept.c01", "concept.c03", "quiz.new"]
    with pytest.raises(UnknownCardError, match=r"concept\.c02"):
        service.card("concept.c02")
    log_cards = {row["card_id"] for row in service.export_data()["review_log"]}
    assert log_cards == {"concept.c01", "concept.c02"}  # the removed card's answer stays
    removed = {row["card_id"]: row["removed"] for row in service.export_data()["card_state"]}
    assert removed["concept.c02"] and not removed["concept.c01"]
    service.close()

    write_module_toml(tmp_path / "content", tiny_cards(concepts=3, plans=False))
    service = open_service(db, content, study_clock)  # c02 is back, with its state
    assert service.card_state("concept.c02").repetitions == 1
    assert "concept.c02" in service.start_review().upcoming()
    service.close()


def test_dashboard_counts_streak_forecast_and_heatmap(
    tmp_path: Path, tiny_content: Path, study_clock: StudyClock
) -> None:
    service = open_service(tmp_path / "study.db", tiny_content, study_clock)
    for day in range(3):
        session = service.start_review()
        while session.current() is not None:
            session.grade(5 if day else 4)
        if day < 2:
            study_clock.advance(days=1)
    board = service.dashboard()
    today = MONDAY + timedelta(days=2)
    assert board.today == today
    assert board.streak == 3
    assert board.due_reviews == 0 and board.new_available == 0 and board.redrills == 0
    assert len(board.heatmap) == 84 and max(board.heatmap) == today
    assert [board.heatmap[MONDAY + timedelta(days=i)] for i in range(3)] == [10, 13, 3]
    assert len(board.forecast) == 30 and board.forecast[0][0] == today
    assert sum(count for _, count in board.forecast) == 14  # 13 answered cards and plan.1w
    assert board.next_plan == MONDAY + timedelta(weeks=1)
    study_clock.advance(days=2)  # a day without answers breaks the streak
    assert service.dashboard().streak == 0
    service.close()


def test_stats_per_day_retention_easiness_and_kinds(
    tmp_path: Path, tiny_content: Path, study_clock: StudyClock
) -> None:
    service = open_service(tmp_path / "study.db", tiny_content, study_clock)
    session = service.start_review()
    grades = [5, 5, 4, 3, 2, 1, 0, 5, 5, 5]
    for grade in grades:
        session.grade(grade)
    while session.current() is not None:
        session.grade(4)  # the three re-drills (grades 2, 1, 0), plus the grade-3 one
    stats = service.stats(days=7)
    assert stats.today == MONDAY
    assert stats.total_reviews == 14
    assert stats.reviews_per_day[-1] == (MONDAY, 14) and len(stats.reviews_per_day) == 7
    assert stats.first_review_retention == pytest.approx(7 / 10)
    assert sum(count for _, count in stats.easiness_histogram) == 10
    assert (2.6, 5) in stats.easiness_histogram  # the five 5s
    assert stats.counts_by_kind == {"concept": 10}
    assert stats.streak == 1
    with pytest.raises(ValueError):
        service.stats(days=0)
    service.close()


def test_settings_prior_answers_and_study_position_round_trip(
    tmp_path: Path, tiny_content: Path, study_clock: StudyClock
) -> None:
    db = tmp_path / "study.db"
    service = open_service(db, tiny_content, study_clock)
    assert service.settings() == Settings()
    assert service.prior_answers() == {} and service.study_position() is None
    service.save_settings(Settings(lang="en", rollover_hour=6, new_per_day=0))
    service.save_prior_answer("prior.1", "Running a trained model.")
    service.save_prior_answer("prior.2", "It matters.")
    service.save_prior_answer("prior.2", "  ")  # blank clears
    service.save_study_position("concept.c03")
    with pytest.raises(StudyappError):
        service.save_prior_answer("prior.nope", "x")
    service.close()
    service = open_service(db, tiny_content, study_clock)
    assert service.settings() == Settings(lang="en", rollover_hour=6, new_per_day=0)
    assert service.prior_answers() == {"prior.1": "Running a trained model."}
    assert service.study_position() == "concept.c03"
    assert [card.id for card in service.cards()][:3] == ["prior.1", "prior.2", "concept.c01"]
    service.close()



class _CountedCard(Card):
    """A card that counts the reads of its fields, over all cards."""

    reads = 0

    def __getattribute__(self, name: str) -> Any:
        _CountedCard.reads += 1
        return super().__getattribute__(name)


def test_a_reopen_over_the_same_modules_reads_no_card_again(
    tmp_path: Path, tiny_content: Path, study_clock: StudyClock
) -> None:
    modules = [
        replace(module, cards=tuple(_CountedCard(**{field.name: getattr(card, field.name)
                                                    for field in fields(card)})
                                    for card in module.cards))
        for module in load_modules(tiny_content, LAB_IDS)
    ]
    StudyService.open(tmp_path / "study.db", modules, study_clock).close()
    assert _CountedCard.reads > 0
    _CountedCard.reads = 0
    service = StudyService.open(tmp_path / "study.db", modules, study_clock)
    assert _CountedCard.reads == 0  # the digest and the indexes were kept with the modules
    assert service.start_review().upcoming()[:2] == ["concept.c01", "concept.c02"]
    service.close()
