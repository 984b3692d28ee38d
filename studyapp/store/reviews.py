"""Recording answers, undoing them, and reading a card's state and history.

Callers run these inside one writing unit of work, so the state and its log
row are committed together or not at all.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, col, select

from studyapp.srs.calendar import due_day
from studyapp.srs.sm2 import Sm2State, check_grade, review
from studyapp.store.cells import TableCells, read_cell, stored
from studyapp.store.errors import StoreError
from studyapp.store.records import CardState, ReviewEntry
from studyapp.store.tables import CardStateRow, ReviewLogRow, to_utc

# Built once: an answer then runs four cached statements with fresh parameters.
_STATE = (CardStateRow.repetitions, CardStateRow.easiness_x100, CardStateRow.interval,
          CardStateRow.due, CardStateRow.first_seen)
_SELECT_STATE = select(*(stored(column) for column in _STATE)).where(
    col(CardStateRow.card_id) == bindparam("key"))
_STEPPED_ON_DAY = select(ReviewLogRow.id).where(
    col(ReviewLogRow.card_id) == bindparam("key"), col(ReviewLogRow.study_day) == bindparam("day"),
    col(ReviewLogRow.redrill).is_(False), col(ReviewLogRow.undone_at).is_(None),
).limit(1)
_INSERT_LOG = insert(ReviewLogRow)
_UPDATE_STATE = update(CardStateRow).where(col(CardStateRow.card_id) == bindparam("key"))


class Recorded(NamedTuple):
    """A logged answer: its log row, the card's state after it, and whether it was a re-drill."""

    log_id: int
    state: CardState
    redrill: bool


def read_state(session: Session, card_id: str) -> CardState:
    """The card's state, each cell read through its column (a hand-edited value that is not
    of its column's kind is a StoreError naming it)."""
    row = _state_row(session, card_id)
    return CardState(card_id=card_id, repetitions=row["repetitions"],
                     easiness=row["easiness_x100"] / 100, interval=row["interval"],
                     due=row["due"], first_seen=row["first_seen"])


def _state_row(session: Session, card_id: str) -> dict[str, Any]:
    found = TableCells(CardStateRow, session).rows(col(CardStateRow.card_id) == card_id)
    if not found:
        raise StoreError("unknown_card", card_id=card_id)
    return found[0]


def record_answer(
    session: Session,
    *,
    card_id: str,
    grade: int,
    at: datetime,
    day: date,
    session_id: str,
    redrill: bool,
    answer: str | None = None,
    response_ms: int | None = None,
) -> Recorded:
    """Log one answer and, unless it is a re-drill, move the card's SM-2 state.

    A card moves at most one SM-2 step per study day: an answer to a card that already
    has a standing (not undone, not re-drill) answer of `day` — given in another review
    session, whose queue was built before it — is logged as a re-drill instead. The
    decision is read inside the caller's writing transaction, so two writers cannot both
    take the step. Runs as Core statements on the session's connection: it is the hot
    path of a review.
    """
    check_grade(grade)
    connection = session.connection()
    found = connection.execute(_SELECT_STATE, {"key": card_id}).one_or_none()
    if found is None:
        raise StoreError("unknown_card", card_id=card_id)
    if not redrill:
        stepped = connection.execute(_STEPPED_ON_DAY, {"key": card_id, "day": day})
        redrill = stepped.first() is not None
    repetitions, easiness_x100, interval, due, first_seen = (
        read_cell(session, column, value) for column, value in zip(_STATE, found, strict=True))
    before = Sm2State.from_x100(repetitions, easiness_x100, interval)
    if redrill:
        if due is None:
            raise StoreError("never_answered", card_id=card_id)
        after, after_due = before, due
    else:
        after = review(before, grade)
        after_due = due_day(day, after.interval)
    first = not redrill and due is None
    at_utc = to_utc(at)
    inserted = connection.execute(_INSERT_LOG, {
        "card_id": card_id, "session_id": session_id, "at": at_utc, "study_day": day,
        "grade": grade, "answer": answer, "response_ms": response_ms, "redrill": redrill,
        "first_answer": first,
        "before_repetitions": repetitions, "before_easiness_x100": easiness_x100,
        "before_interval": interval, "before_due": due,
        "after_repetitions": after.repetitions, "after_easiness_x100": after.easiness_x100,
        "after_interval": after.interval, "after_due": after_due,
    })
    if first:
        first_seen = at_utc
    if not redrill:
        changes: dict[str, object] = {
            "key": card_id, "repetitions": after.repetitions,
            "easiness_x100": after.easiness_x100, "interval": after.interval, "due": after_due,
        }
        if first:
            changes.update(first_seen=at_utc, first_seen_day=day)
        connection.execute(_UPDATE_STATE, changes)
    state = CardState(card_id, after.repetitions, after.easiness, after.interval, after_due,
                      first_seen)
    return Recorded(inserted.lastrowid, state, redrill)


def undo_answer(session: Session, log_id: int, at: datetime) -> CardState:
    """Mark the answer undone and restore the card's state from before it."""
    log = session.get(ReviewLogRow, log_id)
    if log is None or log.undone_at is not None:
        raise StoreError("answer_gone")
    now = _state_row(session, log.card_id)
    now_state = (now["repetitions"], now["easiness_x100"], now["interval"], now["due"])
    if now_state != (log.after_repetitions, log.after_easiness_x100, log.after_interval,
                     log.after_due):
        raise StoreError("answered_elsewhere", card_id=log.card_id)
    if not log.redrill:
        row = session.get_one(CardStateRow, log.card_id)
        row.repetitions, row.easiness_x100, row.interval, row.due = (
            log.before_repetitions, log.before_easiness_x100, log.before_interval,
            log.before_due)
        if log.first_answer:
            row.first_seen = row.first_seen_day = None
        session.add(row)
    log.undone_at = at
    session.add(log)
    session.flush()
    return read_state(session, log.card_id)


def history(session: Session, card_id: str) -> list[ReviewEntry]:
    """The card's answers that stand (undone ones left out), oldest first."""
    rows = TableCells(ReviewLogRow, session).rows(
        col(ReviewLogRow.card_id) == card_id, col(ReviewLogRow.undone_at).is_(None),
        order_by=(col(ReviewLogRow.id),))
    return [
        ReviewEntry(
            at=log["at"],
            grade=log["grade"],
            answer=log["answer"],
            redrill=log["redrill"],
            response_ms=log["response_ms"],
            before=(log["before_repetitions"], log["before_easiness_x100"] / 100,
                    log["before_interval"]),
            after=(log["after_repetitions"], log["after_easiness_x100"] / 100,
                   log["after_interval"]),
        )
        for log in rows
    ]
