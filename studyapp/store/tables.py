"""Every SQLModel table of the study database, in one module.

The schema itself is created and changed by `migrations.py` (ordered DDL
steps); these classes map the current version. Instants are aware UTC
(SQLModel stores them without the offset); study days are ISO dates.
Easiness is kept exact in integer hundredths.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel


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
    first_seen: datetime | None = None  # UTC instant of the first answer
    first_seen_day: date | None = None  # study day of the first answer


class ReviewLogRow(SQLModel, table=True):
    __tablename__ = "review_log"

    id: int | None = Field(default=None, primary_key=True)
    card_id: str = Field(foreign_key="card_state.card_id")
    session_id: str
    at: datetime  # UTC
    study_day: date
    grade: int
    answer: str | None = None
    response_ms: int | None = None
    redrill: bool = False  # a same-session repeat: the SM-2 state did not change
    first_answer: bool = False  # the card's first graded answer
    before_repetitions: int
    before_easiness_x100: int
    before_interval: int
    before_due: date | None = None
    after_repetitions: int
    after_easiness_x100: int
    after_interval: int
    after_due: date
    undone_at: datetime | None = None  # UTC; an undone answer stays in the log, marked


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
    saved_at: datetime  # UTC


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
    started_at: datetime  # UTC
    finished_at: datetime | None = None
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
    created_at: datetime  # UTC
