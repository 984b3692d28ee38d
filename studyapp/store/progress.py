"""The learner's progress outside the review log: each module's first study day, and the
answers written down before studying a prompt (prior answers)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from studyapp.store.tables import ModuleProgressRow, PriorAnswerRow


def first_study_days(session: Session) -> dict[str, date | None]:
    """Each module with recorded progress, and its first study day."""
    return dict(session.exec(
        select(ModuleProgressRow.module_id, col(ModuleProgressRow.first_study_day))
    ).all())


def first_study_day(session: Session, module_id: str) -> date | None:
    row = session.get(ModuleProgressRow, module_id)
    return row.first_study_day if row is not None else None


def mark_studied(session: Session, module_id: str, day: date) -> date:
    """Record `day` as the module's first study day unless one is recorded; the day that
    stands."""
    row = session.get(ModuleProgressRow, module_id)
    if row is None:
        row = ModuleProgressRow(module_id=module_id)
    if row.first_study_day is None:
        row.first_study_day = day
        session.add(row)
    return row.first_study_day


def prior_answers(session: Session) -> dict[str, str]:
    """Card id -> the learner's own words for the prompt."""
    return dict(session.exec(select(PriorAnswerRow.card_id, PriorAnswerRow.text)).all())


def save_prior_answer(session: Session, card_id: str, text: str, at: datetime) -> None:
    """Keep the learner's words for a prompt; blank text clears them."""
    row = session.get(PriorAnswerRow, card_id)
    if not text.strip():
        if row is not None:
            session.delete(row)
        return
    session.merge(PriorAnswerRow(card_id=card_id, text=text, saved_at=at))
