"""The queue's rules decide alone, on plain values: no store behind them."""

from __future__ import annotations

from datetime import date

from studyapp.srs.queue_rules import (
    needs_redrill,
    new_card_room,
    next_review,
    open_redrills,
    scheduled,
)
from studyapp.srs.sm2 import Sm2State

DAY = date(2024, 3, 10)


def test_due_cards_keep_their_order_and_unlocked_plans_merge_in_by_day_then_path() -> None:
    rank = {"a": 0, "b": 1, "plan.x": 2, "plan.y": 3}
    due = [("b", date(2024, 3, 8)), ("gone", date(2024, 3, 8)), ("a", DAY)]
    plans = [("plan.y", date(2024, 3, 9)), ("plan.x", DAY), ("plan.later", date(2024, 3, 11))]
    assert scheduled(due, plans, DAY, rank | {"plan.later": 4}) == [
        ("b", False), ("plan.y", True), ("a", False), ("plan.x", True)]


def test_an_answer_moves_the_card_by_sm2_from_the_day_it_was_given() -> None:
    after, due = next_review(Sm2State.new(), 5, DAY)
    assert (after.repetitions, after.interval, due) == (1, 1, date(2024, 3, 11))


def test_grades_below_four_are_redrilled_the_same_day() -> None:
    assert [grade for grade in range(6) if needs_redrill(grade)] == [0, 1, 2, 3]
    assert open_redrills([("a", 3), ("b", 5), ("c", 0)]) == ["a", "c"]


def test_new_cards_fill_what_the_daily_limit_leaves() -> None:
    assert new_card_room(10, 4) == 6
    assert new_card_room(10, 12) == 0
