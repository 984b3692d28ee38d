"""Where the learner stands in the content: the first study day of each module, the prompts
answered in their own words, and the place in Study to come back to."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from studyapp.services.cards import CardIndex
from studyapp.services.queue import StudyQueue
from studyapp.store import progress as progress_db
from studyapp.store.engine import reading, writing
from studyapp.store.settings import save_settings, setting

_POSITION_KEY = "study.position"


class StudyProgress:
    def __init__(self, engine: Engine, queue: StudyQueue, cards: CardIndex) -> None:
        self._engine = engine
        self._queue = queue
        self._cards = cards

    def prior_answers(self) -> dict[str, str]:
        with reading(self._engine) as session:
            return progress_db.prior_answers(session)

    def save_prior_answer(self, card_id: str, text: str) -> None:
        """Keep the learner's own words for a prompt; blank text clears it."""
        self._cards.card(card_id)
        with writing(self._engine) as session:
            progress_db.save_prior_answer(session, card_id, text, self._queue.now())

    def first_study_day(self, module_id: str | None) -> date | None:
        """The day the module (None: the first one) was first studied, if it was."""
        with reading(self._engine) as session:
            return progress_db.first_study_day(session, self._cards.module_id(module_id))

    def mark_studied(self, module_id: str | None) -> date:
        """Record today as the first study day unless one is recorded; the day that stands."""
        today = self._queue.today()
        with writing(self._engine) as session:
            return progress_db.mark_studied(session, self._cards.module_id(module_id), today)

    def study_position(self) -> str | None:
        with reading(self._engine) as session:
            return setting(session, _POSITION_KEY)

    def save_study_position(self, position: str) -> None:
        with writing(self._engine) as session:
            save_settings(session, {_POSITION_KEY: position})
