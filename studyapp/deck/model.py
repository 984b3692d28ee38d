"""Content dataclasses: a module and its cards, in two languages."""

from __future__ import annotations

import hashlib
import marshal
from dataclasses import dataclass, field
from functools import cached_property
from itertools import count
from operator import attrgetter
from pathlib import Path
from typing import Literal

from studyapp.text import Text

CardKind = Literal[
    "prior", "concept", "step", "reading", "recall", "example", "pitfall", "quiz", "recap", "plan",
    "result",
]
CARD_KINDS: tuple[CardKind, ...] = (
    "prior", "concept", "step", "reading", "recall", "example", "pitfall", "quiz", "recap", "plan"
)

REVERSE_SUFFIX = ".reverse"

# Kinds that the SM-2 scheduler grades. `prior` answers are free text that is
# shown back after the module; `step`, `reading` (a step's study text) and `recap`
# are study material.
# `result` cards are not content: the learner builds them from their own lab runs.
RESULT_KIND: CardKind = "result"
REVIEWABLE_KINDS: frozenset[str] = frozenset(
    {"concept", "recall", "example", "pitfall", "quiz", "plan", RESULT_KIND}
)


@dataclass(frozen=True)
class PlanOffset:
    """How long after the first study day a spaced-review-plan prompt unlocks."""

    days: int = 0
    weeks: int = 0
    months: int = 0


@dataclass(frozen=True)
class Card:
    """One card of a module.

    `back` is what the learner grades themselves against; `notes` is detail shown after
    the answer and not graded; `cue` is the question review asks where the front alone
    does not say it (it replaces the kind's usual cue). `body` is a reading's study text.
    `code` may differ by language only in its comments.
    """

    id: str
    kind: CardKind
    order: int
    front: Text
    back: Text | None = None
    lab: str | None = None
    step: int | None = None
    focus: Text | None = None
    task: Text | None = None
    code: Text | None = None
    code_lang: str = "python"
    offset: PlanOffset | None = None
    cue: Text | None = None
    notes: Text | None = None
    body: Text | None = None

    @property
    def reviewable(self) -> bool:
        return self.kind in REVIEWABLE_KINDS

    @property
    def is_reverse(self) -> bool:
        """A concept card asked the other way round: definition → term (id ends `.reverse`)."""
        return self.kind == "concept" and self.id.endswith(REVERSE_SUFFIX)


def pair_id(card_id: str) -> str:
    """The id a card shares with its other direction: a reverse card's forward id."""
    return card_id.removesuffix(REVERSE_SUFFIX)


@dataclass(frozen=True)
class Module:
    """A module and its cards. It does not change, so what is derived from all its cards is
    computed once, on first use, and kept with it (`positions`, `plan_ids`, `layout_digest`).
    """

    id: str
    path: Path
    title: Text
    overview: Text
    cards: tuple[Card, ...] = field(default_factory=tuple)
    source: str | None = None

    @cached_property
    def positions(self) -> dict[str, int]:
        """Each card id's place in `cards` (ids are unique in a module)."""
        return dict(zip(map(attrgetter("id"), self.cards), count()))

    @cached_property
    def plan_ids(self) -> tuple[str, ...]:
        """The ids of the spaced-review-plan prompts, in order."""
        return tuple(card.id for card in self.cards if card.offset is not None)

    @cached_property
    def layout_digest(self) -> bytes:
        """A digest of the module id and each card's id, kind and order, in order: all of
        the module but its texts. `marshal` format 2 has no back-references, so equal values
        give equal bytes."""
        columns: tuple[str | list[str | int], ...] = (
            self.id, *(list(map(attrgetter(name), self.cards)) for name in ("id", "kind", "order")))
        return hashlib.blake2b(marshal.dumps(columns, 2)).digest()

    def card(self, card_id: str) -> Card:
        for card in self.cards:
            if card.id == card_id:
                return card
        raise KeyError(card_id)

    def of_kind(self, kind: str) -> list[Card]:
        return [card for card in self.cards if card.kind == kind]
