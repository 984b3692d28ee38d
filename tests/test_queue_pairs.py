"""A concept card and its reverse are never shown on the same study day."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import StudyClock, write_module_toml

from studyapp.deck import load_modules
from studyapp.labs.catalog import LAB_IDS
from studyapp.services.study import StudyService
from studyapp.srs.pairs import PairGate


def concept(card_id: str) -> dict[str, object]:
    return {"id": card_id, "kind": "concept", "front": {"bg": card_id, "en": card_id},
            "back": {"bg": "Определение", "en": "Definition"}}


CARDS = [concept("concept.a"), concept("concept.b"), concept("concept.a.reverse"),
         concept("concept.b.reverse"), concept("concept.c")]


@pytest.fixture
def service(tmp_path: Path, study_clock: StudyClock):
    content = write_module_toml(tmp_path / "content", CARDS)
    svc = StudyService.open(tmp_path / "study.db", load_modules(content, LAB_IDS), study_clock)
    yield svc
    svc.close()


def answer_all(service: StudyService, grade: int = 5) -> list[str]:
    session = service.start_review()
    answered = []
    while (item := session.current()) is not None:
        answered.append(item.card.id)
        session.grade(grade)
    return answered


# --- the rule ---------------------------------------------------------------------------------


def held_back(queue: list[str], answered_today: set[str]) -> set[str]:
    gate = PairGate(answered_today)
    return {card_id for card_id in queue if not gate.admits(card_id)}


def test_the_later_of_a_pair_in_the_queue_waits() -> None:
    queue = ["concept.a", "concept.b", "concept.a.reverse", "concept.c", "concept.b.reverse"]
    assert held_back(queue, answered_today=set()) == {"concept.a.reverse", "concept.b.reverse"}


def test_a_card_whose_other_direction_was_answered_today_waits() -> None:
    assert held_back(["concept.a", "concept.c"], answered_today={"concept.a.reverse"}) == {
        "concept.a"}


def test_a_card_answered_today_itself_keeps_its_redrill() -> None:
    assert held_back(["concept.a"], answered_today={"concept.a"}) == set()


def test_cards_without_another_direction_never_wait() -> None:
    assert held_back(["quiz.1", "step1.recall.1"], answered_today={"quiz.2"}) == set()


# --- the queue ----------------------------------------------------------------------------------


def test_the_first_day_shows_forward_cards_and_holds_their_reverses_back(
    service: StudyService,
) -> None:
    assert [item.card.id for item in service.queue()] == ["concept.a", "concept.b", "concept.c"]
    assert service.dashboard().new_available == 3
    assert answer_all(service) == ["concept.a", "concept.b", "concept.c"]
    assert service.queue() == []  # a later session of the same day still holds them back


def test_a_reverse_waits_while_its_forward_card_is_due(
    service: StudyService, study_clock: StudyClock
) -> None:
    answer_all(service)  # day 1: the forward cards, each due again tomorrow
    study_clock.advance(days=1)
    assert [item.card.id for item in service.queue()] == ["concept.a", "concept.b", "concept.c"]
    board = service.dashboard()
    assert (board.due_reviews, board.new_available) == (3, 0)
    answer_all(service)  # day 2: forward cards again, next due in six days
    study_clock.advance(days=1)
    queue = service.queue()
    assert [(item.card.id, item.is_new) for item in queue] == [
        ("concept.a.reverse", True), ("concept.b.reverse", True)]
    assert service.dashboard().new_available == 2


def test_when_both_directions_are_due_the_earlier_due_goes_first_and_the_other_waits(
    service: StudyService, study_clock: StudyClock
) -> None:
    answer_all(service)
    study_clock.advance(days=1)
    answer_all(service)
    study_clock.advance(days=1)
    answer_all(service)  # day 3: the reverses, due again on day 4
    study_clock.advance(days=5)  # day 8: the reverses are overdue, the forward cards due
    due = [item.card.id for item in service.queue()]
    assert due == ["concept.a.reverse", "concept.b.reverse", "concept.c"]
    assert service.dashboard().due_reviews == 3


def test_a_failed_card_is_redrilled_while_its_reverse_waits(service: StudyService) -> None:
    session = service.start_review()
    session.grade(2)  # concept.a, below 4: a re-drill later today
    assert session.upcoming() == ["concept.b", "concept.c", "concept.a"]
    assert "concept.a.reverse" not in [item.card.id for item in service.queue()]
