"""What the quantize lab teaches from its numbers: int8 against fp32 at two batch sizes, the
int8 file's size, and fp16 on the CPU."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from studyapp.deck.model import Text
from studyapp.labs.findings import Rows, Speedups, find, number, spanned, speedups
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


def int8_in_torch(rows: Rows) -> Speedups | None:
    """Dynamic int8 against fp32 in torch on the CPU."""
    return speedups(rows, runtime="torch", precision="int8", device="cpu")


def half_in_torch(rows: Rows) -> Speedups | None:
    """fp16 against fp32 in torch on the CPU (a GPU run has rows of both)."""
    return speedups(rows, runtime="torch", precision="fp16", device="cpu")


@dataclass(frozen=True)
class Sizes:
    int8_share: float  # the int8 file's size as a share of the fp32 file
    accuracy_change_pp: float  # percentage points, int8 minus fp32


def int8_size(rows: Rows) -> Sizes | None:
    """The torch int8 file against fp32: its size share, accuracy moved."""
    int8 = find(rows, runtime="torch", precision="int8", device="cpu")
    share, change = number(int8, "size_ratio"), number(int8, "accuracy_change_pp")
    if share is None or change is None:
        return None
    return Sizes(share, change)


def batch_cards(int8: Speedups, reading: Sequence[Text]) -> list[CardDraft]:
    if int8.large is None or not (int8.small.high < int8.large.low
                                  or int8.large.high < int8.small.low):
        return []  # only where the batch really changed the speed-up
    return [CardDraft(
        Text(f"На твоята машина динамичната int8 направи {int8.model} {spanned(int8.small)} "
             f"при пакет {int8.small_batch}, но {spanned(int8.large)} при пакет "
             f"{int8.large_batch} спрямо fp32. Защо зависи от пакета?",
             f"On your machine dynamic int8 made {int8.model} {spanned(int8.small)} at batch "
             f"{int8.small_batch} but {spanned(int8.large)} at batch {int8.large_batch} "
             "against fp32. Why does it depend on the batch?"),
        with_reading(Text(
            "int8 печели, когато времето отива за четене на тегла и умножения; при малък "
            "пакет доминират постоянните разходи на извикване (Python, диспечер, "
            "квантизиране на активациите), които int8 не съкращава.",
            "int8 wins where time goes to reading weights and multiplying; at a small "
            "batch the fixed cost per call (Python, dispatcher, quantizing the "
            "activations) dominates, and int8 does not shrink it."),
            reading, f"batch {int8.small_batch}:"))]


def size_cards(size: Sizes, reading: Sequence[Text]) -> list[CardDraft]:
    return [CardDraft(
        Text(f"Твоят int8 файл е {size.int8_share:.2f} от fp32, а точността се промени с "
             f"{size.accuracy_change_pp:+.1f} пункта. Защо не точно 0.25?",
             f"Your int8 file is {size.int8_share:.2f} of the fp32 one and accuracy moved "
             f"by {size.accuracy_change_pp:+.1f} points. Why not exactly 0.25?"),
        with_reading(Text(
            "Теглото става 1 байт вместо 4, но файлът пази и мащаби, нулеви точки, "
            "отклонения във fp32 и описание на графа; при малък модел тази постоянна "
            "част тежи повече.",
            "Each weight becomes 1 byte instead of 4, but the file also keeps scales, "
            "zero points, fp32 biases and the graph; in a small model that fixed part "
            "weighs more."), reading, "int8 files"))]


def half_cards(half: Speedups, reading: Sequence[Text]) -> list[CardDraft]:
    if half.large is None:
        return []
    return [CardDraft(
        Text(f"fp16 на CPU даде {spanned(half.large)} спрямо fp32 при пакет {half.large_batch} "
             "на твоята машина. Кога по-малкият тип наистина ускорява?",
             f"fp16 on the CPU gave {spanned(half.large)} against fp32 at batch "
             f"{half.large_batch} on your machine. When does the smaller type really "
             "speed things up?"),
        with_reading(Text(
            "Само когато хардуерът смята в него (AVX512-FP16, AMX, GPU тензорни ядра); "
            "иначе стойностите се преобразуват към fp32 и печалбата е само в размера.",
            "Only where the hardware computes in it (AVX512-FP16, AMX, GPU tensor cores); "
            "elsewhere values are converted to fp32 and only the size shrinks."),
            reading, "fp16:"))]


LESSON = Lesson(
    Question(Text("Динамична int8 срещу fp32 в PyTorch, пакет 1, на тази машина:",
                  "Dynamic int8 against fp32 in PyTorch, batch 1, on this machine:"),
             SPEED_CHOICES, SPEED_BOUNDS),
    int8_in_torch, speedup_line("int8", "fp32"),
    (CardMaker(int8_in_torch, batch_cards), CardMaker(int8_size, size_cards),
     CardMaker(half_in_torch, half_cards)))
