"""What the prune lab teaches from its numbers: accuracy against sparsity, with and without
fine-tuning, and the latency of a model full of zeros."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from studyapp.deck.model import Text
from studyapp.labs.findings import Rows, multiple, number
from studyapp.labs.lesson import CardDraft, CardMaker, Lesson, Question, exact, with_reading
from studyapp.labs.stats import Interval


@dataclass(frozen=True)
class Pruning:
    dense_accuracy: float
    sparsity: float  # the highest unstructured sparsity of the sweep
    pruned_accuracy: float  # at that sparsity, without fine-tuning
    tuned_accuracy: float | None  # the same after fine-tuning
    dense_ms: float | None
    pruned_ms: float | None  # latency of the final model at that sparsity


def _unstructured(row: object) -> bool:
    return isinstance(row, dict) and str(row.get("variant", "")).startswith("L1 unstr")


def pruning(rows: Rows) -> Pruning | None:
    sweep = [row for row in rows if _unstructured(row) and number(row, "sparsity") is not None
             and number(row, "accuracy") is not None]
    plain = [row for row in sweep if not row.get("fine_tuned")]
    if len(plain) < 2:
        return None
    dense = min(plain, key=lambda row: number(row, "sparsity") or 0.0)
    top = max(plain, key=lambda row: number(row, "sparsity") or 0.0)
    sparsity = number(top, "sparsity") or 0.0
    tuned = next((row for row in sweep if row.get("fine_tuned")
                  and number(row, "sparsity") == sparsity), None)
    final = tuned or top
    dense_final = next((row for row in sweep if number(row, "sparsity") == number(dense,
                        "sparsity") and number(row, "latency_ms_median") is not None), None)
    return Pruning(number(dense, "accuracy") or 0.0, sparsity, number(top, "accuracy") or 0.0,
                   number(tuned, "accuracy"), number(dense_final, "latency_ms_median"),
                   number(final, "latency_ms_median"))


def describe(found: Pruning) -> tuple[Interval, Text]:
    lost = (found.dense_accuracy - found.pruned_accuracy) * 100
    pct = f"{found.sparsity:.0%}"
    return exact(lost), Text(
        f"при {pct} разреденост точността е {found.pruned_accuracy:.1%} срещу "
        f"{found.dense_accuracy:.1%}: −{lost:.1f} пункта",
        f"at {pct} sparsity accuracy is {found.pruned_accuracy:.1%} against "
        f"{found.dense_accuracy:.1%}: −{lost:.1f} points")


def _ms(value: float) -> str:
    return f"{value:.3g} ms"


def cards(found: Pruning, reading: Sequence[Text]) -> list[CardDraft]:
    pct = f"{found.sparsity:.0%}"
    tuned_bg = (f", а след дообучение — {found.tuned_accuracy:.1%}"
                if found.tuned_accuracy is not None else "")
    tuned_en = (f", and {found.tuned_accuracy:.1%} after fine-tuning"
                if found.tuned_accuracy is not None else "")
    made = [CardDraft(
        Text(f"При {pct} неструктурно окъсяване точността ти падна от "
             f"{found.dense_accuracy:.1%} на {found.pruned_accuracy:.1%}{tuned_bg}. Защо "
             "дообучението помага?",
             f"At {pct} unstructured pruning your accuracy fell from "
             f"{found.dense_accuracy:.1%} to {found.pruned_accuracy:.1%}{tuned_en}. Why does "
             "fine-tuning help?"),
        with_reading(Text(
            "Махнатите тегла носеха част от решението; дообучението позволява на останалите "
            "да поемат ролята им. Без него големите нива на окъсяване чупят модела.",
            "The removed weights carried part of the decision; fine-tuning lets the remaining "
            "ones take over their role. Without it, high sparsity breaks the model."),
            reading, "accuracy", "Accuracy"))]
    if found.dense_ms is not None and found.pruned_ms is not None:
        ratio = found.dense_ms / found.pruned_ms
        made.append(CardDraft(
            Text(f"С {pct} нули в теглата моделът ти е {multiple(ratio)} по скорост "
                 f"({_ms(found.dense_ms)} → {_ms(found.pruned_ms)}). Защо неструктурното "
                 "окъсяване рядко ускорява?",
                 f"With {pct} zeros in its weights your model runs at {multiple(ratio)} "
                 f"({_ms(found.dense_ms)} → {_ms(found.pruned_ms)}). Why does unstructured "
                 "pruning rarely speed things up?"),
            with_reading(Text(
                "Плътните ядра умножават и нулите: формата на матриците не се променя. "
                "Ускорение дават структурното окъсяване (по-малки матрици) или разредени "
                "формати и ядра при много висока разреденост.",
                "Dense kernels multiply the zeros too: the matrices keep their shape. Speed "
                "comes from structured pruning (smaller matrices) or sparse formats and "
                "kernels at very high sparsity."), reading, "latency", "Latency")))
    return made


LESSON = Lesson(
    Question(
        Text("Глобално окъсяване на 90% от теглата по големина, без дообучение: колко точност "
             "се губи?",
             "Global magnitude pruning of 90% of the weights, without fine-tuning: how much "
             "accuracy is lost?"),
        (Text("под 1 пункт", "under 1 point"), Text("1–5 пункта", "1–5 points"),
         Text("5–20 пункта", "5–20 points"), Text("над 20 пункта", "more than 20 points")),
        (1.0, 5.0, 20.0)),
    pruning, describe, (CardMaker(pruning, cards),))
