"""Recording answers, undoing them, and reading a card's state and history.

Callers run these inside one writing unit of work, so the state and its log
row are committed together or not at all. Where an answer moves a card is decided by the
caller (`studyapp.srs.queue_rules`); these only read and write.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, col, select

from studyapp.srs.sm2 import Sm2State
from studyapp.store.cells import Cells, TableCells, read_cell, stored
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


class Standing(NamedTuple):
    """A card's state as an answer finds it: SM-2's part, its due day and its first answer
    (None for a card never answered)."""

    state: Sm2State
    due: date | None
    first_seen: datetime | None


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


def _state_row(session: Session, card_id: str) -> Cells:
    found = TableCells(CardStateRow, session).rows(col(CardStateRow.card_id) == card_id)
    if not found:
        raise StoreError("unknown_card", card_id=card_id)
    return found[0]


def standing(session: Session, card_id: str) -> Standing:
    """The card's state as an answer finds it, each cell read through its column. Runs as
    Core statements on the session's connection: it is the hot path of a review."""
    found = session.connection().execute(_SELECT_STATE, {"key": card_id}).one_or_none()
    if found is None:
        raise StoreError("unknown_card", card_id=card_id)
    repetitions, easiness_x100, interval, due, first_seen = (
        read_cell(session, column, value) for column, value in zip(_STATE, found, strict=True))
    return Standing(Sm2State.from_x100(repetitions, easiness_x100, interval), due, first_seen)


def moved_on(session: Session, card_id: str, day: date) -> bool:
    """Whether the card has a standing (not undone, not re-drill) answer of the study day
    `day`: one that moved its SM-2 state."""
    stepped = session.connection().execute(_STEPPED_ON_DAY, {"key": card_id, "day": day})
    return stepped.first() is not None


def log_answer(
    session: Session,
    *,
    card_id: str,
    grade: int,
    at: datetime,
    day: date,
    session_id: str,
    before: Standing,
    after: Sm2State,
    after_due: date,
    redrill: bool,
    answer: str | None = None,
    response_ms: int | None = None,
) -> Recorded:
    """Log one answer given to a card found as `before` and, unless it is a re-drill, save
    `after` and `after_due` as its state. Callers read `before` in the same writing unit of
    work, so no other answer comes between."""
    connection = session.connection()
    first = not redrill and before.due is None
    at_utc = to_utc(at)
    inserted = connection.execute(_INSERT_LOG, {
        "card_id": card_id, "session_id": session_id, "at": at_utc, "study_day": day,
        "grade": grade, "answer": answer, "response_ms": response_ms, "redrill": redrill,
        "first_answer": first,
        "before_repetitions": before.state.repetitions,
        "before_easiness_x100": before.state.easiness_x100,
        "before_interval": before.state.interval, "before_due": before.due,
        "after_repetitions": after.repetitions, "after_easiness_x100": after.easiness_x100,
        "after_interval": after.interval, "after_due": after_due,
    })
    first_seen = at_utc if first else before.first_seen
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
