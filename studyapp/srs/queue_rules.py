"""The rules of a study day's queue: what is due and in what order, where an answer moves a
card, which cards come back within the day, how many new cards the day still takes.

Pure: the store reads the rows, these rules decide, the services put the two together.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from datetime import date

from studyapp.srs.calendar import due_day
from studyapp.srs.sm2 import Sm2State, review

REDRILL_BELOW = 4  # a grade below this brings the card back within the session


def scheduled(
    due: Iterable[tuple[str, date]], plans: Iterable[tuple[str, date]], day: date,
    rank: Mapping[str, int],
) -> list[tuple[str, bool]]:
    """The scheduled part of the queue of `day`, as (card id, whether it is a plan prompt).

    `due` is the answered cards due by `day` (oldest due first, then path order); those not
    ranked (not in the loaded content) are left out. The plan prompts of `plans` (card id,
    unlock day) unlocked by `day` are merged in by unlock day, then path order.
    """
    cards = ((due_on, rank[card_id], card_id, False) for card_id, due_on in due
             if card_id in rank)
    unlocked = sorted((unlock, rank[card_id], card_id, True)
                      for card_id, unlock in plans if unlock <= day)
    return [(card_id, is_plan) for _, _, card_id, is_plan in heapq.merge(cards, unlocked)]


def next_review(state: Sm2State, grade: int, day: date) -> tuple[Sm2State, date]:
    """The SM-2 state after an answer with `grade` on `day`, and the day the card is due next."""
    after = review(state, grade)
    return after, due_day(day, after.interval)


def needs_redrill(grade: int) -> bool:
    """Whether an answer with `grade` brings its card back later the same day."""
    return grade < REDRILL_BELOW


def open_redrills(latest: Iterable[tuple[str, int]]) -> list[str]:
    """The cards that still owe a repeat today, from each card's latest grade of the day
    (in the order given): those whose latest answer needs a re-drill."""
    return [card_id for card_id, grade in latest if needs_redrill(grade)]


def new_card_room(limit: int, first_seen_today: int) -> int:
    """How many new cards the day still takes: the daily limit less those first answered."""
    return max(0, limit - first_seen_today)
