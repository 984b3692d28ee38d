"""Every SQLModel table of the study database, in one module.

The schema itself is created and changed by `migrations.py` (ordered DDL
steps); these classes map the current version. Instants are `UTCDateTime`
columns: aware in, aware UTC out, whatever SQLModel's own default for a
datetime is. Study days are ISO dates. Easiness is kept exact in integer
hundredths.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, TypeDecorator
from sqlmodel import Field, SQLModel


def to_utc(at: datetime) -> datetime:
    """The same instant in UTC; a naive datetime has no instant and is refused."""
    if at.utcoffset() is None:
        raise ValueError("a naive datetime has no instant: pass a timezone-aware one")
    return at.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant, stored as SQLite's DATETIME text of its UTC wall time, with no offset
    ("2026-03-02 07:00:00.000000", as every version of the schema has stored it), and
    read back as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else to_utc(value).replace(tzinfo=None)

    # Any: the signature SQLAlchemy's TypeDecorator declares (a datetime here)
    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class CardStateRow(SQLModel, table=True):
    __tablename__ = "card_state"

    card_id: str = Field(primary_key=True)
    module_id: str
    kind: str
    ord: int  # position in the learning path across modules
    reviewable: bool
    removed: bool = False  # the id is no longer in the content
    repetitions: int = 0
    easiness_x100: int = 250
    interval: int = 0
    due: date | None = None  # None until the card is first answered
    first_seen: datetime | None = Field(default=None, sa_type=UTCDateTime)  # the first answer
    first_seen_day: date | None = None  # study day of the first answer


class ReviewLogRow(SQLModel, table=True):
    __tablename__ = "review_log"

    id: int | None = Field(default=None, primary_key=True)
    card_id: str = Field(foreign_key="card_state.card_id")
    session_id: str
    at: datetime = Field(sa_type=UTCDateTime)
    study_day: date
    grade: int
    answer: str | None = None
    response_ms: int | None = None
    redrill: bool = False  # a repeat of the card's day: the SM-2 state did not change
    first_answer: bool = False  # the card's first graded answer
    before_repetitions: int
    before_easiness_x100: int
    before_interval: int
    before_due: date | None = None
    after_repetitions: int
    after_easiness_x100: int
    after_interval: int
    after_due: date
    # an undone answer stays in the log, marked
    undone_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ReviewDayRow(SQLModel, table=True):
    """Answers per study day (undone ones left out), kept by triggers on review_log."""

    __tablename__ = "review_day"

    study_day: date = Field(primary_key=True)
    answers: int = 0
    first_answers: int = 0  # first graded answers of a card
    first_passed: int = 0  # of them, graded 3 or more


class PriorAnswerRow(SQLModel, table=True):
    __tablename__ = "prior_answer"

    card_id: str = Field(primary_key=True)
    text: str
    saved_at: datetime = Field(sa_type=UTCDateTime)


class SettingRow(SQLModel, table=True):
    __tablename__ = "setting"

    key: str = Field(primary_key=True)
    value: str


class ModuleProgressRow(SQLModel, table=True):
    __tablename__ = "module_progress"

    module_id: str = Field(primary_key=True)
    first_study_day: date | None = None


class LabRunRow(SQLModel, table=True):
    __tablename__ = "lab_run"

    id: int | None = Field(default=None, primary_key=True)
    lab_id: str
    card_id: str | None = None  # the card that launched the run
    params_json: str
    status: str  # running, ok, failed, cancelled, timeout
    results_json: str | None = None
    env_json: str | None = None
    error: str | None = None
    prediction_json: str | None = None
    started_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    duration_s: float | None = None


class ResultCardRow(SQLModel, table=True):
    """A review card built from the learner's own lab run; its SM-2 state is in card_state."""

    __tablename__ = "result_card"

    card_id: str = Field(primary_key=True, foreign_key="card_state.card_id")  # result.<run>.<n>
    run_id: int = Field(foreign_key="lab_run.id")
    lab_id: str
    module_id: str
    front_json: str  # {"bg": …, "en": …}
    back_json: str
    created_at: datetime = Field(sa_type=UTCDateTime)
