"""What the onnx lab teaches from its numbers: ONNX Runtime against eager torch."""

from __future__ import annotations

from collections.abc import Sequence

from studyapp.deck.model import Text
from studyapp.labs.findings import Rows, Speedups, spanned, speedups
from studyapp.labs.lesson import (
    SPEED_BOUNDS,
    SPEED_CHOICES,
    CardDraft,
    CardMaker,
    Lesson,
    Question,
    speedup_line,
    with_reading,
)


def ort_against_torch(rows: Rows) -> Speedups | None:
    """ONNX Runtime with every graph optimization against eager torch."""
    return speedups(rows, section="runtimes", variant="ORT all")


def cards(found: Speedups, reading: Sequence[Text]) -> list[CardDraft]:
    if not found.small.excludes(1.0):
        return []  # no measurable difference: nothing to explain
    large_bg = (f" и {spanned(found.large)} при пакет {found.large_batch}"
                if found.large is not None else "")
    large_en = (f" and {spanned(found.large)} at batch {found.large_batch}"
                if found.large is not None else "")
    return [CardDraft(
        Text(f"На твоята машина ONNX Runtime беше {spanned(found.small)} спрямо torch при пакет "
             f"{found.small_batch}{large_bg}. Откъде идва разликата?",
             f"On your machine ONNX Runtime ran at {spanned(found.small)} against torch at batch "
             f"{found.small_batch}{large_en}. Where does the difference come from?"),
        with_reading(Text(
            "ONNX Runtime изпълнява готов граф без Python и диспечера на torch и слива "
            "операции (напр. Gemm+Relu); при малки модели и пакети постоянните разходи на "
            "извикване са голямата част от времето.",
            "ONNX Runtime runs a fixed graph without Python and torch's dispatcher and fuses "
            "operations (e.g. Gemm+Relu); with small models and batches the fixed cost per "
            "call is most of the time."), reading, "torch"))]


LESSON = Lesson(
    Question(Text("ONNX Runtime с всички оптимизации на графа срещу torch, пакет 1:",
                  "ONNX Runtime with every graph optimization against torch, batch 1:"),
             SPEED_CHOICES, SPEED_BOUNDS),
    ort_against_torch, speedup_line("ONNX Runtime", "torch"),
    (CardMaker(ort_against_torch, cards),))
