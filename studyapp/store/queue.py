"""Queries behind today's review queue and the dashboard counts (the rules that use them are
in `studyapp.srs.queue_rules`).

They are on the path of every queue build, so each statement is built once
with bound parameters and runs on the session's connection (Core rows, no
ORM loading). Each due day is read through its column (`studyapp.store.cells`), so a
hand-edited one that is not a date is a StoreError naming its row.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import date

from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select

from studyapp.store.cells import read_cell, stored
from studyapp.store.tables import CardStateRow, ReviewLogRow

PLAN_KIND = "plan"

_ACTIVE = (col(CardStateRow.removed).is_(False), col(CardStateRow.reviewable).is_(True))
_NEW = (col(CardStateRow.due).is_(None), CardStateRow.kind != PLAN_KIND, *_ACTIVE)

_DUE = (
    select(CardStateRow.card_id, stored(CardStateRow.due))
    .where(col(CardStateRow.due) <= bindparam("day"), *_ACTIVE)
    .order_by(col(CardStateRow.due), col(CardStateRow.ord))
)
# A due that sorts after every date (text such as 'notadate', or bytes) is never due, and
# would hold its card out of the queue unseen; the due index finds one at once.
_NEVER_DUE = (
    select(CardStateRow.card_id, stored(CardStateRow.due))
    .where(col(CardStateRow.due) > date.max, *_ACTIVE)
    .limit(1)
)
_NEW_CARDS = (
    select(CardStateRow.card_id)
    .where(*_NEW)
    .order_by(col(CardStateRow.due), col(CardStateRow.ord))
)
_PLANS = (
    select(CardStateRow.card_id, CardStateRow.module_id)
    .where(col(CardStateRow.card_id).in_(bindparam("ids", expanding=True)),
           col(CardStateRow.due).is_(None), *_ACTIVE)
    .order_by(col(CardStateRow.ord))
)
_FIRST_SEEN = (
    select(func.count())
    .select_from(CardStateRow)
    .where(CardStateRow.first_seen_day == bindparam("day"), CardStateRow.kind != PLAN_KIND)
)
# SQLite gives bare columns next to max() from the row holding the maximum,
# so the covering index on the day answers this alone.
_LATEST_OF_DAY = (
    select(ReviewLogRow.card_id, ReviewLogRow.grade, func.max(ReviewLogRow.id))
    .where(ReviewLogRow.study_day == bindparam("day"), col(ReviewLogRow.undone_at).is_(None))
    .group_by(col(ReviewLogRow.card_id))
)
_NEXT_DUE = select(func.min(stored(CardStateRow.due))).where(
    col(CardStateRow.due) > bindparam("day"), *_ACTIVE
)


def due_cards(session: Session, today: date) -> list[tuple[str, date]]:
    """Answered cards due on or before `today`: oldest due first, then learning-path order.

    A due that is not a date is a StoreError naming its card, whether it sorts before
    `today` or after every date."""
    refuse_never_due(session)
    rows = session.connection().execute(_DUE, {"day": today})
    return [(card_id, _due(session, due)) for card_id, due in rows]


def refuse_never_due(session: Session) -> None:
    """A StoreError naming a card whose due sorts after every date, if one has such a due:
    no query by day would ever find that card."""
    for _, never in session.connection().execute(_NEVER_DUE):
        _due(session, never)


def _due(session: Session, value: object) -> date:
    due: date = read_cell(session, CardStateRow.due, value)
    return due


def new_cards(session: Session) -> Iterator[str]:
    """Every never-answered card in learning-path order (plan prompts excluded), read as
    the caller goes: the queue skips those held back for the day and stops at the daily
    limit."""
    return iter(session.connection().execute(_NEW_CARDS).scalars())


def unanswered_plan_cards(session: Session, plan_ids: Collection[str]) -> list[tuple[str, str]]:
    """(card id, module id) of the plan prompts among `plan_ids` never answered yet."""
    if not plan_ids:
        return []
    rows = session.connection().execute(_PLANS, {"ids": list(plan_ids)})
    return [(card_id, module_id) for card_id, module_id in rows]


def first_seen_on(session: Session, day: date) -> int:
    """New cards (plan prompts excluded) first answered on the study day `day`."""
    return session.connection().execute(_FIRST_SEEN, {"day": day}).scalar_one()


def latest_grades(session: Session, day: date) -> list[tuple[str, int]]:
    """(card id, grade) of each card's latest answer of the study day `day` (undone answers
    aside), in the order those answers were given."""
    latest = session.connection().execute(_LATEST_OF_DAY, {"day": day})
    return [(card_id, grade) for _, card_id, grade in
            sorted((last_id, card_id, grade) for card_id, grade, last_id in latest)]


def next_due_after(session: Session, day: date) -> date | None:
    found = session.connection().execute(_NEXT_DUE, {"day": day}).scalar_one()
    return None if found is None else _due(session, found)
