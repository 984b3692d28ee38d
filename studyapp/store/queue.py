"""Queries behind today's review queue and the dashboard counts.

The queries that can return many rows run on the session's connection
(Core rows, no ORM loading): they are on the path of every queue build.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from studyapp.store.tables import CardStateRow, ReviewLogRow

PLAN_KIND = "plan"
REDRILL_BELOW = 4  # a grade below this brings the card back within the session


def _active() -> tuple[object, ...]:
    return (col(CardStateRow.removed).is_(False), col(CardStateRow.reviewable).is_(True))


def due_cards(session: Session, today: date) -> list[tuple[str, date]]:
    """Answered cards due on or before `today`: oldest due first, then learning-path order."""
    rows = session.connection().execute(
        select(CardStateRow.card_id, CardStateRow.due)
        .where(col(CardStateRow.due) <= today, *_active())
        .order_by(col(CardStateRow.due), col(CardStateRow.ord))
    )
    return [(card_id, due) for card_id, due in rows.all() if due is not None]


def new_cards(session: Session, limit: int) -> list[str]:
    """Up to `limit` never-answered cards in learning-path order (plan prompts excluded)."""
    if limit <= 0:
        return []
    return list(session.exec(
        select(CardStateRow.card_id)
        .where(col(CardStateRow.due).is_(None), CardStateRow.kind != PLAN_KIND, *_active())
        .order_by(col(CardStateRow.due), col(CardStateRow.ord))
        .limit(limit)
    ))


def count_new(session: Session) -> int:
    return session.exec(
        select(func.count())
        .select_from(CardStateRow)
        .where(col(CardStateRow.due).is_(None), CardStateRow.kind != PLAN_KIND, *_active())
    ).one()


def unanswered_plan_cards(session: Session, plan_ids: Collection[str]) -> list[tuple[str, str]]:
    """(card id, module id) of the plan prompts among `plan_ids` never answered yet."""
    if not plan_ids:
        return []
    rows = session.connection().execute(
        select(CardStateRow.card_id, CardStateRow.module_id)
        .where(col(CardStateRow.card_id).in_(plan_ids), col(CardStateRow.due).is_(None),
               *_active())
        .order_by(col(CardStateRow.ord))
    )
    return [(card_id, module_id) for card_id, module_id in rows]


def first_seen_on(session: Session, day: date) -> int:
    """New cards (plan prompts excluded) first answered on the study day `day`."""
    return session.exec(
        select(func.count())
        .select_from(CardStateRow)
        .where(CardStateRow.first_seen_day == day, CardStateRow.kind != PLAN_KIND)
    ).one()


def open_redrills(session: Session, day: date) -> list[str]:
    """Cards whose latest answer of `day` is below 4: they still owe a repeat today.

    Relies on SQLite's rule that with max() the other bare columns come from
    the row holding the maximum, so the index on the day answers it alone.
    """
    latest = session.connection().execute(
        select(ReviewLogRow.card_id, ReviewLogRow.grade, func.max(ReviewLogRow.id))
        .where(ReviewLogRow.study_day == day, col(ReviewLogRow.undone_at).is_(None))
        .group_by(col(ReviewLogRow.card_id))
    )
    pending = sorted((last_id, card_id) for card_id, grade, last_id in latest
                     if grade < REDRILL_BELOW)
    return [card_id for _, card_id in pending]


def next_due_after(session: Session, day: date) -> date | None:
    return session.exec(
        select(func.min(CardStateRow.due)).where(col(CardStateRow.due) > day, *_active())
    ).one()
