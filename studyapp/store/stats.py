"""Aggregate queries for the dashboard and the stats screen.

Answers that were undone are left out everywhere; re-drills count as reviews.
Counts per day come from `review_day`, which triggers keep in step with the log.
Days and easiness are read through their columns (`studyapp.store.cells`), so a hand-edited
value that is not of its column's kind is a StoreError naming its row.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from studyapp.store.cells import read_cell, stored
from studyapp.store.queue import refuse_never_due
from studyapp.store.tables import CardStateRow, ReviewDayRow


def reviews_per_day(session: Session, first: date, last: date) -> dict[date, int]:
    """Answers per study day in [first, last]; days without answers are absent."""
    rows = session.connection().execute(
        select(stored(ReviewDayRow.study_day), ReviewDayRow.answers)
        .where(col(ReviewDayRow.study_day).between(first, last), ReviewDayRow.answers > 0)
    )
    return {read_cell(session, ReviewDayRow.study_day, day): answers for day, answers in rows}


def total_reviews(session: Session) -> int:
    return session.exec(select(func.coalesce(func.sum(ReviewDayRow.answers), 0))).one()


def first_answers(session: Session, first: date, last: date) -> tuple[int, int]:
    """(first answers, of them graded >= 3) given on study days in [first, last]."""
    total, passed = session.exec(
        select(func.coalesce(func.sum(ReviewDayRow.first_answers), 0),
               func.coalesce(func.sum(ReviewDayRow.first_passed), 0))
        .where(col(ReviewDayRow.study_day).between(first, last))
    ).one()
    return total, passed


def answered_by_kind_and_easiness(session: Session) -> list[tuple[str, int, int]]:
    """(kind, easiness in hundredths, cards) over the answered cards still in the content.

    One pass over a covering index serves both the easiness histogram and the
    counts by kind.
    """
    rows = session.connection().execute(
        select(CardStateRow.kind, stored(CardStateRow.easiness_x100), func.count())
        .where(col(CardStateRow.removed).is_(False), col(CardStateRow.due).is_not(None))
        .group_by(col(CardStateRow.kind), col(CardStateRow.easiness_x100))
    )
    return [(kind, read_cell(session, CardStateRow.easiness_x100, x100), count)
            for kind, x100, count in rows]


def due_per_day(session: Session, today: date, days: int) -> list[tuple[date, int]]:
    """Cards due on each of `days` days from `today`; overdue ones count on `today`."""
    refuse_never_due(session)
    last = today + timedelta(days=days - 1)
    rows = session.connection().execute(
        select(stored(CardStateRow.due), func.count())
        .where(col(CardStateRow.due) <= last, col(CardStateRow.removed).is_(False),
               col(CardStateRow.reviewable).is_(True))
        .group_by(col(CardStateRow.due))
    )
    counts: dict[date, int] = {}
    for due, count in rows:
        day = max(read_cell(session, CardStateRow.due, due), today)
        counts[day] = counts.get(day, 0) + count
    return [(today + timedelta(days=i), counts.get(today + timedelta(days=i), 0))
            for i in range(days)]


def streak(session: Session, today: date, known: dict[date, int], known_from: date) -> int:
    """Consecutive study days with an answer, ending today (or yesterday if none yet today).

    `known` holds the answers per day from `known_from` to today, already
    counted; older days are read only when the streak reaches `known_from`.
    """
    day = today if known.get(today) else today - timedelta(days=1)
    count = 0
    while day >= known_from and known.get(day):
        count += 1
        day -= timedelta(days=1)
    if day >= known_from:
        return count
    older = session.connection().execute(
        select(stored(ReviewDayRow.study_day))
        .where(col(ReviewDayRow.study_day) <= day, ReviewDayRow.answers > 0)
        .order_by(col(ReviewDayRow.study_day).desc())
    ).scalars()
    for studied in older:
        if read_cell(session, ReviewDayRow.study_day, studied) != day:
            break
        count += 1
        day -= timedelta(days=1)
    return count
