"""Predict first: one multiple-choice question per lab about the outcome on this machine.

The learner picks an answer before the run; it is saved with the run. Afterwards the
measured answer is read from the run's result rows (`findings.py`) and set beside the
prediction with a one-line verdict. Pure code, no torch.

    question = question_for("quantize")        # None for a lab without one
    saved = Prediction.of(question, 2).to_json()    # stored in lab_runs.prediction
    answer = measured("quantize", rows)        # the choice the numbers fall in, and the numbers
    verdict(Prediction.from_json(saved), answer)
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from studyapp.deck.model import Text
from studyapp.labs import findings
from studyapp.labs.findings import Rows, multiple


@dataclass(frozen=True)
class Question:
    prompt: Text
    choices: tuple[Text, ...]
    bounds: tuple[float, ...]  # value v is choice i when bounds[i - 1] <= v < bounds[i]


@dataclass(frozen=True)
class Measured:
    value: float
    choice: int  # the index of the choice the measured value falls in
    text: Text  # what was measured, in one line


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

    def to_json(self) -> dict[str, Any]:
        return {"choice": self.choice,
                "prompt": {"bg": self.prompt.bg, "en": self.prompt.en},
                "answer": {"bg": self.answer.bg, "en": self.answer.en}}

    @classmethod
    def from_json(cls, data: Any) -> Prediction | None:
        """The stored prediction, or None for a run without one (or an unreadable one)."""
        if not isinstance(data, Mapping) or not isinstance(data.get("choice"), int):
            return None
        prompt, answer = data.get("prompt") or {}, data.get("answer") or {}
        return cls(data["choice"], Text(str(prompt.get("bg", "")), str(prompt.get("en", ""))),
                   Text(str(answer.get("bg", "")), str(answer.get("en", ""))))


_SPEED_CHOICES = (
    Text("по-бавно", "slower"),
    Text("почти същото (±10%)", "about the same (±10%)"),
    Text("до 2× по-бързо", "up to 2× faster"),
    Text("над 2× по-бързо", "more than 2× faster"),
)
_SPEED_BOUNDS = (0.9, 1.1, 2.0)


def _latency(found: findings.Latency) -> tuple[float, Text]:
    ratio = found.cold_ms / found.median_ms
    return ratio, Text(
        f"първото извикване {found.cold_ms:.3g} ms, топлата медиана {found.median_ms:.3g} ms: "
        f"{multiple(ratio)}",
        f"first call {found.cold_ms:.3g} ms, warm median {found.median_ms:.3g} ms: "
        f"{multiple(ratio)}")


def _speedup(variant: str, baseline: str) -> Callable[[findings.Speedups], tuple[float, Text]]:
    """The speed-up of `variant` against `baseline` at the smallest batch, and its line."""

    def describe(found: findings.Speedups) -> tuple[float, Text]:
        model, speedup = f"{found.model}, " if found.model else "", multiple(found.small)
        return found.small, Text(
            f"{model}пакет {found.small_batch}: {variant} {speedup} спрямо {baseline}",
            f"{model}batch {found.small_batch}: {variant} {speedup} against {baseline}")

    return describe


def _prune(found: findings.Pruning) -> tuple[float, Text]:
    lost = (found.dense_accuracy - found.pruned_accuracy) * 100
    pct = f"{found.sparsity:.0%}"
    return lost, Text(
        f"при {pct} разреденост точността е {found.pruned_accuracy:.1%} срещу "
        f"{found.dense_accuracy:.1%}: −{lost:.1f} пункта",
        f"at {pct} sparsity accuracy is {found.pruned_accuracy:.1%} against "
        f"{found.dense_accuracy:.1%}: −{lost:.1f} points")


def _batching(found: findings.Batching) -> tuple[float, Text]:
    ratio = found.throughput / found.throughput_1
    return ratio, Text(
        f"{found.throughput_1:.0f} елем./s при пакет 1, {found.throughput:.0f} при пакет "
        f"{found.batch}: {multiple(ratio)}",
        f"{found.throughput_1:.0f} items/s at batch 1, {found.throughput:.0f} at batch "
        f"{found.batch}: {multiple(ratio)}")


def _profile(found: findings.Hotspot) -> tuple[float, Text]:
    return found.share * 100, Text(f"{found.operator}: {found.share:.0%} от времето на CPU",
                                   f"{found.operator}: {found.share:.0%} of the CPU time")


Found = TypeVar("Found")


@dataclass(frozen=True)
class _Lab(Generic[Found]):
    """A lab's question, the finding its answer is read from, and how it is measured and said."""

    question: Question
    find: Callable[[Rows], Found | None]
    describe: Callable[[Found], tuple[float, Text]]


_LABS: dict[str, _Lab[Any]] = {
    "latency": _Lab(Question(
        Text("Колко по-бавно от топлата медиана ще е първото (студено) извикване на модела "
             "на тази машина?",
             "How much slower than the warm median will the first (cold) call of the model "
             "be on this machine?"),
        (Text("под 2×", "under 2×"), Text("2–10×", "2–10×"), Text("10–100×", "10–100×"),
         Text("над 100×", "more than 100×")),
        (2.0, 10.0, 100.0)), findings.latency, _latency),
    "quantize": _Lab(Question(
        Text("Динамична int8 срещу fp32 в PyTorch, пакет 1, на тази машина:",
             "Dynamic int8 against fp32 in PyTorch, batch 1, on this machine:"),
        _SPEED_CHOICES, _SPEED_BOUNDS), findings.int8_in_torch, _speedup("int8", "fp32")),
    "prune": _Lab(Question(
        Text("Глобално окъсяване на 90% от теглата по големина, без дообучение: колко точност "
             "се губи?",
             "Global magnitude pruning of 90% of the weights, without fine-tuning: how much "
             "accuracy is lost?"),
        (Text("под 1 пункт", "under 1 point"), Text("1–5 пункта", "1–5 points"),
         Text("5–20 пункта", "5–20 points"), Text("над 20 пункта", "more than 20 points")),
        (1.0, 5.0, 20.0)), findings.pruning, _prune),
    "batching": _Lab(Question(
        Text("Пропускателната способност (елементи/s) при най-големия пакет спрямо пакет 1:",
             "Throughput (items/s) at the largest batch against batch 1:"),
        (Text("почти същата (под 1.5×)", "about the same (under 1.5×)"),
         Text("1.5–4×", "1.5–4×"), Text("4–20×", "4–20×"), Text("над 20×", "more than 20×")),
        (1.5, 4.0, 20.0)), findings.batching, _batching),
    "onnx": _Lab(Question(
        Text("ONNX Runtime с всички оптимизации на графа срещу torch, пакет 1:",
             "ONNX Runtime with every graph optimization against torch, batch 1:"),
        _SPEED_CHOICES, _SPEED_BOUNDS),
        findings.ort_against_torch, _speedup("ONNX Runtime", "torch")),
    "profile": _Lab(Question(
        Text("Какъв дял от времето на CPU ще вземе най-скъпият оператор?",
             "What share of the CPU time will the most expensive operator take?"),
        (Text("под 25%", "under 25%"), Text("25–50%", "25–50%"), Text("50–75%", "50–75%"),
         Text("над 75%", "more than 75%")),
        (25.0, 50.0, 75.0)), findings.hotspot, _profile),
}


def question_for(lab_id: str) -> Question | None:
    """The lab's question, or None for a lab without one (a test lab, say)."""
    lab = _LABS.get(lab_id)
    return lab.question if lab else None


def measured(lab_id: str, rows: Rows) -> Measured | None:
    """The choice the run's numbers fall in, or None when the rows do not say."""
    lab = _LABS.get(lab_id)
    found = lab.find(rows) if lab else None
    if lab is None or found is None:
        return None
    value, text = lab.describe(found)
    return Measured(value, bisect_right(lab.question.bounds, value), text)


def verdict(prediction: Prediction, answer: Measured) -> Text:
    """One line: right, one step off, or far off, with what was measured."""
    off = abs(prediction.choice - answer.choice)
    if off == 0:
        return Text(f"Позна: {answer.text.bg}.", f"Right: {answer.text.en}.")
    if off == 1:
        return Text(f"Близо, с една стъпка встрани: {answer.text.bg}.",
                    f"Close, one step off: {answer.text.en}.")
    return Text(f"Далеч: {answer.text.bg}.", f"Far off: {answer.text.en}.")
