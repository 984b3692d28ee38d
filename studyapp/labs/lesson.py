"""What a lab teaches from its own numbers: a question to predict before it runs, the
finding read from its result rows afterwards, and review cards built from that finding.

Each lab's lesson is the module `studyapp.labs.lessons.<lab id>`, holding `LESSON`: pure
code, no torch, since the app reads stored runs with it. `predictions.py` and
`result_cards.py` ask `lesson_for(lab_id)`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from studyapp.labs.catalog import LAB_IDS
from studyapp.labs.findings import Rows, Speedups, spanned
from studyapp.labs.stats import Interval
from studyapp.text import Text

Found = TypeVar("Found")


@dataclass(frozen=True)
class Question:
    prompt: Text
    choices: tuple[Text, ...]
    bounds: tuple[float, ...]  # value v is choice i when bounds[i - 1] <= v < bounds[i]


@dataclass(frozen=True)
class CardDraft:
    front: Text
    back: Text


@dataclass(frozen=True)
class CardMaker(Generic[Found]):
    """Cards about one finding of a run, made when the rows hold it (and support them)."""

    find: Callable[[Rows], Found | None]
    make: Callable[[Found, Sequence[Text]], list[CardDraft]]


# A card maker about some finding: each reads its own finding type, and Python's types
# cannot say "some type" (an existential); where one is built, `CardMaker(find, make)` checks
# that its two halves agree on it.
SomeCardMaker = CardMaker[Any]


@dataclass(frozen=True)
class Lesson(Generic[Found]):
    """A lab's question, the finding its answer is read from, how that finding is measured
    and said (a value with its interval, and one line), and its card makers."""

    question: Question
    find: Callable[[Rows], Found | None]
    describe: Callable[[Found], tuple[Interval, Text]]
    cards: tuple[SomeCardMaker, ...]


SomeLesson = Lesson[Any]  # a lesson about some finding: see SomeCardMaker


def lesson_for(lab_id: str) -> SomeLesson | None:
    """The lesson of one of the app's labs; None for any other lab (a test lab, say)."""
    if lab_id not in LAB_IDS:
        return None
    module = importlib.import_module(f"studyapp.labs.lessons.{lab_id}")
    lesson: SomeLesson = module.LESSON
    return lesson


def with_reading(back: Text, reading: Sequence[Text], *needles: str) -> Text:
    """`back`, followed by the first paragraph of the reading whose English names a needle."""
    for paragraph in reading:
        if any(needle in paragraph.en for needle in needles):
            return Text(f"{back.bg}\n\nОт прочита на пускането: {paragraph.bg}",
                        f"{back.en}\n\nFrom the run's reading: {paragraph.en}")
    return back


def exact(value: float) -> Interval:
    """A value measured without spread (a count, a size, an accuracy) as an interval."""
    return Interval(value, value, value)


SPEED_CHOICES = (
    Text("по-бавно", "slower"),
    Text("почти същото (±10%)", "about the same (±10%)"),
    Text("до 2× по-бързо", "up to 2× faster"),
    Text("над 2× по-бързо", "more than 2× faster"),
)
SPEED_BOUNDS = (0.9, 1.1, 2.0)


def speedup_line(variant: str, baseline: str) -> Callable[[Speedups], tuple[Interval, Text]]:
    """Describes the speed-up of `variant` against `baseline` at the smallest batch."""

    def describe(found: Speedups) -> tuple[Interval, Text]:
        model, speedup = f"{found.model}, " if found.model else "", spanned(found.small)
        return found.small, Text(
            f"{model}пакет {found.small_batch}: {variant} {speedup} спрямо {baseline}",
            f"{model}batch {found.small_batch}: {variant} {speedup} against {baseline}")

    return describe
