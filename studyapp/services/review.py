"""One review session: today's queue, grading, re-drills and undo.

`StudyService.start_review()` (`studyapp.services.study`) opens one; the study's queue
(`studyapp.services.queue`) does the reading and writing, the session keeps its own queue
and the answers given.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from uuid import uuid4

from studyapp.services.queue import QueueEntry, StudyQueue
from studyapp.services.values import GradeResult, QueueItem, SessionSummary
from studyapp.srs.queue_rules import needs_redrill
from studyapp.srs.sm2 import check_grade
from studyapp.store.errors import StoreError


@dataclass(frozen=True)
class _Answer:
    card_id: str
    log_id: int
    grade: int
    redrill: bool
    queue_before: tuple[QueueEntry, ...]


class ReviewSession:
    """Today's queue: overdue, due today, unlocked plan prompts, new cards, then repeats.

    A card whose other direction (a concept and its reverse) was answered today, or comes
    earlier in the queue, waits for another day.

    A grade below 4 sends the card to the back of the queue as a re-drill
    until it is answered with 4 or 5; re-drills are logged but leave the SM-2
    state alone. An answer to a card that another session has moved today counts as a
    re-drill too (decided as the answer is written). Undo goes back answer by answer within
    the current study day.
    The session holds no database connection between calls.
    """

    def __init__(self, study: StudyQueue) -> None:
        self._study = study
        self._id = uuid4().hex
        self._started = study.now()
        self._day = study.today()
        self._queue: list[QueueEntry] = study.entries(self._day)
        self._answers: list[_Answer] = []
        self._undo_floor = 0  # answers before this index belong to an earlier study day
        self._current: QueueItem | None = None

    @property
    def day(self) -> date:
        return self._day

    def current(self) -> QueueItem | None:
        if not self._queue:
            return None
        if self._current is None:
            [self._current] = self._study.items(self._queue[:1])
        return self._current

    def remaining(self) -> int:
        return len(self._queue)

    def answered(self) -> int:
        """Answers given in this session that stand (re-drills included)."""
        return len(self._answers)

    def upcoming(self) -> list[str]:
        """The card ids still queued, current first (a re-drilled card appears again)."""
        return [entry.card_id for entry in self._queue]

    def grade(
        self, grade: int, answer: str | None = None, response_ms: int | None = None
    ) -> GradeResult:
        """Record `grade` (a whole number 0..5, else ValueError and nothing is written) for the
        current card; this is where a grade is checked, before it goes further."""
        check_grade(grade)
        if not self._queue:
            raise StoreError("nothing_to_review")
        entry = self._queue[0]
        log_id, state, redrill = self._study.record(
            entry.card_id, grade, redrill=entry.redrill, session_id=self._id,
            answer=answer, response_ms=response_ms,
        )
        again = needs_redrill(grade)
        self._answers.append(_Answer(entry.card_id, log_id, grade, redrill, tuple(self._queue)))
        self._queue.pop(0)
        if again:
            self._queue.append(QueueEntry(entry.card_id, is_new=False, redrill=True))
        self._current = None
        assert state.due is not None
        return GradeResult(entry.card_id, grade, state.interval, state.due, again)

    def can_undo(self) -> bool:
        return len(self._answers) > self._undo_floor

    def undo(self) -> QueueItem | None:
        """Take back the last answer: its card is current again with its state from before."""
        if not self.can_undo():
            raise StoreError("nothing_to_undo")
        last = self._answers[-1]
        self._study.take_back(last.log_id)
        self._answers.pop()
        self._queue = list(last.queue_before)
        self._current = None
        return self.current()

    def summary(self) -> SessionSummary:
        reviewed = [answer.grade for answer in self._answers if not answer.redrill]
        return SessionSummary(
            reviewed=len(reviewed),
            redrills=len(self._answers) - len(reviewed),
            cards=len({answer.card_id for answer in self._answers}),
            grades=dict(sorted(Counter(reviewed).items())),
            seconds=(self._study.now() - self._started).total_seconds(),
            next_due=self._study.next_due(),
        )

    def refresh_if_day_changed(self) -> bool:
        """Rebuild the queue when the study day has rolled over.

        The old day's answers stay in the summary but can no longer be undone.
        """
        today = self._study.today()
        if today == self._day:
            return False
        self._day = today
        self._queue = self._study.entries(today)
        self._undo_floor = len(self._answers)
        self._current = None
        return True
