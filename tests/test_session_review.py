"""The review session: queue order, new-card limit, re-drills, undo, day changes."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import StudyClock, tiny_cards, write_module_toml
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from studyapp.deck import load_modules
from studyapp.labs.catalog import LAB_IDS
from studyapp.services.study import StudyService
from studyapp.services.values import Settings
from studyapp.srs.sm2 import Sm2State

MONDAY = date(2026, 3, 2)


def open_service(tmp_path: Path, content: Path, clock: StudyClock) -> StudyService:
    return StudyService.open(tmp_path / "study.db", load_modules(content, LAB_IDS), clock)


@pytest.fixture
def service(tmp_path: Path, tiny_content: Path, study_clock: StudyClock):
    svc = open_service(tmp_path, tiny_content, study_clock)
    yield svc
    svc.close()


def answer_all(session, grade: int) -> list[str]:
    answered = []
    while (item := session.current()) is not None:
        answered.append(item.card.id)
        session.grade(grade)
    return answered


def test_first_day_offers_ten_new_reviewable_cards_in_path_order(service: StudyService) -> None:
    session = service.start_review()
    assert service.today() == MONDAY
    assert session.remaining() == 10
    item = session.current()
    assert item is not None and item.is_new and not item.redrill
    assert item.state.due is None and item.state.easiness == 2.5
    assert answer_all(session, 5) == [f"concept.c{i:02d}" for i in range(1, 11)]


def test_cards_first_seen_today_count_against_the_limit(
    service: StudyService, study_clock: StudyClock
) -> None:
    first = service.start_review()
    for _ in range(4):
        first.grade(5)
    again = service.start_review()
    assert again.remaining() == 6  # 10 - 4 seen today
    study_clock.advance(days=1)
    tomorrow = service.start_review()
    ids = tomorrow.upcoming()
    assert ids[:4] == [f"concept.c{i:02d}" for i in range(1, 5)]  # due reviews first
    assert ids[4] == "plan.1d"  # unlocked a day after the first answer
    assert ids[5:] == [f"concept.c{i:02d}" for i in range(5, 13)]  # then the 8 new left


def test_overdue_first_oldest_first_then_due_today_then_new(
    service: StudyService, study_clock: StudyClock
) -> None:
    service.save_settings(Settings(new_per_day=3))
    session = service.start_review()
    session.grade(5)  # c01 due Tue 3rd (1 day)
    study_clock.advance(days=1)
    session = service.start_review()
    assert session.current().card.id == "concept.c01"
    session.grade(5)  # c01: 6 days, due Mon 9th
    assert session.current().card.id == "plan.1d"  # unlocked today, before new cards
    session.grade(2)  # comes back as a re-drill; c02 is next
    assert session.current().card.id == "concept.c02"
    session.grade(5)  # c02 due Wed 4th
    study_clock.advance(days=7)  # Tue 10th
    ids = service.start_review().upcoming()
    assert ids == [
        "concept.c02", "plan.1d",  # both overdue since the 4th: path order
        "concept.c01", "plan.1w",  # overdue since the 9th (plan.1w unlocked then)
        "concept.c03", "concept.c04", "concept.c05",  # then new cards up to the limit
    ]


def test_grade_below_four_comes_back_as_a_redrill_without_moving_sm2(
    service: StudyService,
) -> None:
    service.save_settings(Settings(new_per_day=2))
    session = service.start_review()
    result = session.grade(2)
    assert result.redrill_queued and result.interval_days == 1
    assert result.due == MONDAY + timedelta(days=1)
    assert session.remaining() == 2
    session.grade(5)  # c02
    item = session.current()
    assert item is not None and item.redrill and item.card.id == "concept.c01"
    state_before = service.card_state("concept.c01")
    assert session.grade(3).redrill_queued  # still below 4: comes back again
    assert session.current().card.id == "concept.c01"
    done = session.grade(4)
    assert not done.redrill_queued and session.current() is None
    assert service.card_state("concept.c01") == state_before
    history = service.card_info("concept.c01").history
    assert [(h.grade, h.redrill) for h in history] == [(2, False), (3, True), (4, True)]
    assert history[1].before == history[1].after
    summary = session.summary()
    assert (summary.reviewed, summary.redrills, summary.grades) == (2, 2, {2: 1, 5: 1})
    assert (summary.cards, summary.answers) == (2, 4)  # four answers to two cards


def test_open_redrills_survive_a_new_session_the_same_day(service: StudyService) -> None:
    service.save_settings(Settings(new_per_day=1))
    service.start_review().grade(1)
    assert service.dashboard().redrills == 1
    later = service.start_review()
    item = later.current()
    assert item is not None and item.redrill and item.card.id == "concept.c01"
    later.grade(5)
    assert service.dashboard().redrills == 0


def test_multi_level_undo_restores_exact_states_and_keeps_the_log_honest(
    service: StudyService,
) -> None:
    session = service.start_review()
    before = [service.card_state(f"concept.c{i:02d}") for i in (1, 2, 3)]
    session.grade(5)
    session.grade(1)
    session.grade(4)
    assert session.can_undo()
    for expected_id in ("concept.c03", "concept.c02", "concept.c01"):
        item = session.undo()
        assert item is not None and item.card.id == expected_id and not item.redrill
    assert not session.can_undo()
    assert [service.card_state(f"concept.c{i:02d}") for i in (1, 2, 3)] == before
    assert session.remaining() == 10
    assert all(not service.card_info(f"concept.c{i:02d}").history for i in (1, 2, 3))
    log = service.export_data()["review_log"]
    assert len(log) == 3 and all(row["undone_at"] for row in log)
    assert service.start_review().remaining() == 10  # undone first answers free the new slots


def test_undo_of_a_redrill_leaves_state_and_requeues_it(service: StudyService) -> None:
    session = service.start_review()
    session.grade(2)
    for _ in range(9):
        session.grade(5)
    state = service.card_state("concept.c01")
    session.grade(4)  # the re-drill of c01
    assert session.current() is None
    item = session.undo()
    assert item is not None and item.redrill and item.card.id == "concept.c01"
    assert service.card_state("concept.c01") == state


def test_a_grade_outside_zero_to_five_raises_and_writes_nothing(service: StudyService) -> None:
    session = service.start_review()
    for bad in (-1, 6, 2.5, True, "3"):
        with pytest.raises(ValueError):
            session.grade(bad)  # type: ignore[arg-type]
    assert service.export_data()["review_log"] == []
    assert session.current().card.id == "concept.c01"


def test_refresh_rebuilds_the_queue_when_the_study_day_rolls_over(
    service: StudyService, study_clock: StudyClock
) -> None:
    session = service.start_review()
    answer_all(session, 5)
    assert not session.refresh_if_day_changed()
    study_clock.advance(hours=18)  # 03:00 next day: still Monday's study day
    assert service.today() == MONDAY and not session.refresh_if_day_changed()
    study_clock.advance(hours=1, minutes=30)  # 04:30: Tuesday
    assert session.refresh_if_day_changed()
    assert session.remaining() == 13  # ten due reviews, plan.1d, the two new cards left
    assert not session.can_undo()  # Monday's answers are final
    session.grade(5)
    assert session.can_undo() and session.summary().reviewed == 11


def test_a_run_of_fives_follows_the_exact_sm2_intervals(
    tmp_path: Path, study_clock: StudyClock
) -> None:
    content = write_module_toml(tmp_path / "content", tiny_cards(concepts=1, plans=False))
    service = open_service(tmp_path, content, study_clock)
    intervals = []
    for _ in range(6):
        session = service.start_review()
        item = session.current()
        assert item is not None and item.card.id == "concept.c01"
        result = session.grade(5)
        intervals.append(result.interval_days)
        study_clock.now = study_clock.now + timedelta(days=result.interval_days)
    assert intervals == [1, 6, 17, 48, 140, 420]
    state = service.card_state("concept.c01")
    assert state.easiness == Sm2State.from_x100(6, 310, 420).easiness
    service.close()


def test_plan_prompts_unlock_after_the_first_study_day(
    service: StudyService, study_clock: StudyClock
) -> None:
    service.save_settings(Settings(new_per_day=0))
    assert service.first_study_day() is None
    assert service.start_review().remaining() == 0
    assert service.mark_studied() == MONDAY
    assert service.dashboard().next_plan == MONDAY + timedelta(days=1)
    study_clock.advance(days=1)
    session = service.start_review()
    item = session.current()
    assert item is not None and item.card.id == "plan.1d" and item.is_new
    session.grade(5)
    assert service.mark_studied() == MONDAY  # the first day stands
    assert service.dashboard().next_plan == MONDAY + timedelta(weeks=1)
    study_clock.advance(days=9)
    ids = service.start_review().upcoming()
    assert ids == ["plan.1d", "plan.1w"]  # due since Wednesday, then unlocked on day 7


def test_answering_a_card_marks_its_module_studied(service: StudyService) -> None:
    service.start_review().grade(4)
    assert service.first_study_day() == MONDAY


def test_rollover_hour_and_time_zone_come_from_the_settings(
    service: StudyService, study_clock: StudyClock
) -> None:
    study_clock.advance(hours=16)  # Tue 01:00 in Sofia
    assert service.today() == MONDAY
    service.save_settings(Settings(rollover_hour=0))
    assert service.today() == MONDAY + timedelta(days=1)
    service.save_settings(Settings(rollover_hour=4, timezone="America/New_York"))
    assert service.today() == MONDAY  # 18:00 Monday in New York
    with pytest.raises(ValueError):
        service.save_settings(Settings(timezone="Mars/Olympus"))
    with pytest.raises(ValueError):
        service.save_settings(Settings(new_per_day=1000))
    with pytest.raises(ValueError):
        service.save_settings(Settings(rollover_hour=24))
    assert service.settings() == Settings(rollover_hour=4, timezone="America/New_York")


def test_an_answer_that_fails_midway_writes_neither_state_nor_log(
    service: StudyService, monkeypatch
) -> None:
    import studyapp.store.progress as session_module

    def broken(*_: object) -> None:
        raise RuntimeError("disk went away")

    session = service.start_review()
    before = service.card_state("concept.c01")
    monkeypatch.setattr(session_module, "mark_studied", broken)  # runs after state and log
    with pytest.raises(RuntimeError):
        session.grade(5)
    assert service.card_state("concept.c01") == before
    assert service.export_data()["review_log"] == []
    assert session.current().card.id == "concept.c01" and not session.can_undo()


@hypothesis_settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(grades=st.lists(st.integers(0, 5), min_size=1, max_size=14))
def test_undoing_every_answer_in_any_order_of_grades_restores_the_start(
    tmp_path_factory: pytest.TempPathFactory, tiny_content: Path, grades: list[int]
) -> None:
    clock = StudyClock()
    service = open_service(tmp_path_factory.mktemp("undo"), tiny_content, clock)
    states = {card.id: service.card_state(card.id) for card in service.cards()}
    session = service.start_review()
    queues = []
    for grade in grades:
        if session.current() is None:
            break
        queues.append(session.upcoming())
        session.grade(grade)
    while session.can_undo():
        session.undo()
        assert session.upcoming() == queues.pop()
    assert {card.id: service.card_state(card.id) for card in service.cards()} == states
    assert service.stats().total_reviews == 0
    assert service.start_review().upcoming() == session.upcoming()
    service.close()
