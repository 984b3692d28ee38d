"""Today's review queue and the answers written against it.

`StudyService` reads the queue (the queue it shows, the dashboard's counts) and
`ReviewSession` works through it (grading, undo); both go through `StudyQueue`. "Now"
always comes from the injected clock, the study day from the saved rollover hour and time
zone. Each method is one unit of work on the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from typing import NamedTuple

from sqlalchemy import Engine
from sqlmodel import Session

from studyapp.clock import Clock
from studyapp.services.cards import CardIndex
from studyapp.services.settings import day_of, read_settings
from studyapp.services.values import QueueItem
from studyapp.srs import queue_rules
from studyapp.srs.calendar import plan_unlock_day
from studyapp.srs.pairs import PairGate
from studyapp.store import progress
from studyapp.store import queue as queue_db
from studyapp.store import reviews as reviews_db
from studyapp.store.engine import reading, writing
from studyapp.store.errors import StoreError
from studyapp.store.records import CardState
from studyapp.store.reviews import Recorded


class QueueEntry(NamedTuple):
    """One place in the queue: the card, and whether it is new or a same-session repeat."""

    card_id: str
    is_new: bool
    redrill: bool


@dataclass(frozen=True)
class QueueParts:
    """Today's queue: scheduled reviews and unlocked plan prompts, new cards, re-drills."""

    scheduled: list[QueueEntry]
    new: list[str]
    redrills: list[str]


class StudyQueue:
    def __init__(self, engine: Engine, cards: CardIndex, clock: Clock) -> None:
        self._engine = engine
        self._cards = cards
        self._clock = clock
        self._studied: set[str] = set()  # modules known to have a first study day

    def now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("the clock must give timezone-aware instants")
        return now

    def day_of(self, at: datetime) -> date:
        with reading(self._engine) as session:
            return day_of(read_settings(session), at)

    def today(self) -> date:
        return self.day_of(self.now())

    def entries(self, day: date) -> list[QueueEntry]:
        """The queue of study day `day`: scheduled, then new cards, then open re-drills."""
        with reading(self._engine) as session:
            parts = self.parts(session, day, read_settings(session).new_per_day,
                               self.unlocked_plans(session, day))
        return [*parts.scheduled,
                *(QueueEntry(card_id, True, False) for card_id in parts.new),
                *(QueueEntry(card_id, False, True) for card_id in parts.redrills)]

    def items(self, entries: Sequence[QueueEntry]) -> list[QueueItem]:
        """The entries with their cards and current states."""
        with reading(self._engine) as session:
            return [QueueItem(self._cards.card(entry.card_id),
                              reviews_db.read_state(session, entry.card_id),
                              entry.is_new, entry.redrill)
                    for entry in entries]

    def parts(
        self, session: Session, day: date, limit: int, plans: list[tuple[str, date]]
    ) -> QueueParts:
        """Today's queue in its three parts, less the cards held back for the day: a card
        whose other direction was answered today or comes earlier in the queue."""
        rank = self._cards.ranks
        scheduled = [QueueEntry(card_id, is_plan, False) for card_id, is_plan
                     in queue_rules.scheduled(queue_db.due_cards(session, day), plans, day, rank)]
        latest = queue_db.latest_grades(session, day)
        gate = PairGate({card_id for card_id, _ in latest})
        scheduled = [entry for entry in scheduled if gate.admits(entry.card_id)]
        room = queue_rules.new_card_room(limit, queue_db.first_seen_on(session, day))
        new = list(islice((card_id for card_id in queue_db.new_cards(session)
                           if card_id in rank and gate.admits(card_id)), room)) if room else []
        queued = {entry.card_id for entry in scheduled} | set(new)
        redrills = [card_id for card_id in queue_rules.open_redrills(latest)
                    if self._cards.is_reviewable(card_id) and card_id not in queued]
        return QueueParts(scheduled, new, redrills)

    def unlocked_plans(self, session: Session, today: date) -> list[tuple[str, date]]:
        """(card id, unlock day) of unanswered plan prompts of modules already studied."""
        firsts = progress.first_study_days(session)
        plans = []
        for card_id, module_id in queue_db.unanswered_plan_cards(session, self._cards.plan_ids):
            card = self._cards.known(card_id)
            first = firsts.get(module_id)
            if card is not None and card.offset is not None and first is not None:
                plans.append((card_id, plan_unlock_day(first, card.offset)))
        return plans

    def record(
        self, card_id: str, grade: int, *, redrill: bool, session_id: str,
        answer: str | None = None, response_ms: int | None = None,
    ) -> Recorded:
        """Write one answer (state and log, one transaction): its log id, the new state and
        whether it counted as a re-drill (asked for, or the card already moved today).

        `grade` is checked by the caller. A card moves at most one SM-2 step per study day: an
        answer to a card that already moved today (in another review session, whose queue was
        built before it) is logged as a re-drill instead. That is read inside the writing
        transaction, so two writers cannot both take the step."""
        self._cards.card(card_id)  # UnknownCardError for a card not loaded
        module_id = self._cards.module_of(card_id)
        now = self.now()
        with writing(self._engine) as session:
            day = day_of(read_settings(session), now)
            before = reviews_db.standing(session, card_id)
            redrill = redrill or reviews_db.moved_on(session, card_id, day)
            if not redrill:
                after, after_due = queue_rules.next_review(before.state, grade, day)
            elif before.due is None:
                raise StoreError("never_answered", card_id=card_id)
            else:
                after, after_due = before.state, before.due
            result = reviews_db.log_answer(
                session, card_id=card_id, grade=grade, at=now, day=day, session_id=session_id,
                before=before, after=after, after_due=after_due, redrill=redrill,
                answer=answer, response_ms=response_ms,
            )
            if module_id not in self._studied:
                progress.mark_studied(session, module_id, day)
        self._studied.add(module_id)
        return result

    def take_back(self, log_id: int) -> CardState:
        """Undo one logged answer: the log row is marked undone, the state restored."""
        with writing(self._engine) as session:
            return reviews_db.undo_answer(session, log_id, self.now())

    def next_due(self) -> date | None:
        """The first day after today with a card due."""
        today = self.today()
        with reading(self._engine) as session:
            return queue_db.next_due_after(session, today)
