"""Predict first: one multiple-choice question per lab about the outcome on this machine.

The learner picks an answer before the run; it is saved with the run. Afterwards the
measured answer is read from the run's result rows by the lab's lesson (`lessons/`) and set
beside the prediction with a one-line verdict. Pure code, no torch.

    question = question_for("quantize")        # None for a lab without one
    saved = Prediction.of(question, 2).to_json()    # stored in lab_runs.prediction
    answer = measured("quantize", rows)        # the choices the numbers fall in, and the numbers
    verdict(Prediction.from_json(saved), answer)
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass

from studyapp.jsonvalue import Json
from studyapp.labs.findings import Rows, measured_cleanly
from studyapp.labs.lesson import Question, lesson_for
from studyapp.text import Text


@dataclass(frozen=True)
class Measured:
    value: float
    choice: int  # the index of the choice the measured value falls in
    text: Text  # what was measured, in one line
    low_choice: int  # the choices the ends of its interval fall in
    high_choice: int

    @property
    def choices(self) -> range:
        """Every choice the measured interval reaches."""
        return range(self.low_choice, self.high_choice + 1)


@dataclass(frozen=True)
class Prediction:
    """The learner's answer, kept with the question's words as they were asked."""

    choice: int
    prompt: Text
    answer: Text

    @classmethod
    def of(cls, question: Question, choice: int) -> Prediction:
        if not 0 <= choice < len(question.choices):
            raise ValueError(f"choice must be 0..{len(question.choices) - 1}, got {choice}")
        return cls(choice, question.prompt, question.choices[choice])

    def to_json(self) -> dict[str, Json]:
        return {"choice": self.choice, "prompt": self.prompt.to_json(),
                "answer": self.answer.to_json()}

    @classmethod
    def from_json(cls, data: object) -> Prediction | None:
        """The stored prediction, or None for a run without one (or an unreadable one)."""
        if not isinstance(data, Mapping) or not isinstance(data.get("choice"), int):
            return None
        return cls(data["choice"], Text.from_json(data.get("prompt") or {}),
                   Text.from_json(data.get("answer") or {}))


def question_for(lab_id: str) -> Question | None:
    """The lab's question, or None for a lab without one (a test lab, say)."""
    lesson = lesson_for(lab_id)
    return lesson.question if lesson else None


def measured(lab_id: str, rows: Rows) -> Measured | None:
    """The choices the run's numbers fall in, or None when the rows do not say (or the run
    could not measure cleanly)."""
    lesson = lesson_for(lab_id)
    found = lesson.find(rows) if lesson and measured_cleanly(rows) else None
    if lesson is None or found is None:
        return None
    value, text = lesson.describe(found)
    bounds = lesson.question.bounds
    return Measured(value.value, bisect_right(bounds, value.value), text,
                    bisect_right(bounds, value.low), bisect_right(bounds, value.high))


def verdict(prediction: Prediction, answer: Measured) -> Text:
    """One line: right, one step off, far off, or — when the measured interval reaches more
    than one answer, the predicted one among them — that this run cannot tell."""
    reached = answer.choices
    if prediction.choice in reached and len(reached) > 1:
        return Text(f"Не може да се каже: интервалът обхваща няколко отговора, и твоя — "
                    f"{answer.text.bg}.",
                    f"Cannot tell: the interval spans several answers, yours among them — "
                    f"{answer.text.en}.")
    off = min(abs(prediction.choice - choice) for choice in reached)
    if off == 0:
        return Text(f"Позна: {answer.text.bg}.", f"Right: {answer.text.en}.")
    if off == 1:
        return Text(f"Близо, с една стъпка встрани: {answer.text.bg}.",
                    f"Close, one step off: {answer.text.en}.")
    return Text(f"Далеч: {answer.text.bg}.", f"Far off: {answer.text.en}.")
