"""Plain records the store hands out to the services and the screens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from studyapp.jsonvalue import JsonObject, JsonValue


@dataclass(frozen=True)
class CardState:
    card_id: str
    repetitions: int
    easiness: float
    interval: int
    due: date | None  # None for a card never answered
    first_seen: datetime | None


@dataclass(frozen=True)
class ReviewEntry:
    at: datetime  # UTC
    grade: int
    answer: str | None
    redrill: bool
    response_ms: int | None
    before: tuple[int, float, int]  # repetitions, easiness, interval
    after: tuple[int, float, int]


@dataclass(frozen=True)
class ResultSource:
    """The lab run a result card was built from."""

    run_id: int
    lab_id: str
    started_at: datetime  # UTC


@dataclass(frozen=True)
class LabRunRecord:
    """A lab run's row as stored: its results still JSON (the services rebuild the run)."""

    id: int
    lab_id: str
    params: JsonObject
    status: str  # running, ok, failed, cancelled, timeout
    results: JsonObject | None
    environment: JsonObject | None
    error: str | None
    prediction: JsonValue  # as the learner's choice was stored (`Prediction.to_json`)
    card_id: str | None
    started_at: datetime  # UTC
    finished_at: datetime | None
    duration_s: float | None
