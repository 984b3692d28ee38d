"""What the profile lab teaches from its numbers: the operator that takes the time, and where
the model sits on this machine's roofline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from studyapp.deck.model import Text
from studyapp.labs.findings import Rows, find, number
from studyapp.labs.lesson import CardDraft, CardMaker, Lesson, Question, exact, with_reading
from studyapp.labs.stats import Interval


@dataclass(frozen=True)
class Hotspot:
    operator: str
    share: float
    layer: str | None  # the slowest layer (module) and its share, when profiled
    layer_share: float | None
    bound: str | None  # at the largest profiled batch, on this machine's roofline
    share_of_roofline: float | None


def hotspot(rows: Rows) -> Hotspot | None:
    operators = [row for row in rows if row.get("section") == "operators"
                 and number(row, "share") is not None]
    if not operators:
        return None
    top = max(operators, key=lambda row: number(row, "share") or 0.0)
    layer = find(rows, section="modules", bottleneck=True)
    placed = [row for row in rows if row.get("section") == "roofline"
              and isinstance(row.get("bound"), str)]
    widest = max(placed, key=lambda row: number(row, "batch_size") or 0) if placed else None
    return Hotspot(
        str(top.get("variant", "")), number(top, "share") or 0.0,
        f"{layer.get('layer_type', '')} {layer.get('variant', '')}".strip() if layer else None,
        number(layer, "share"), str(widest["bound"]) if widest else None,
        number(widest, "share_of_roofline"))


def describe(found: Hotspot) -> tuple[Interval, Text]:
    return exact(found.share * 100), Text(
        f"{found.operator}: {found.share:.0%} от времето на CPU",
        f"{found.operator}: {found.share:.0%} of the CPU time")


BOUND_NAMES = {"memory": Text("паметта", "memory"), "compute": Text("смятането", "compute"),
               "overhead": Text("постоянните разходи на извикване", "per-call overhead")}


def cards(found: Hotspot, reading: Sequence[Text]) -> list[CardDraft]:
    made = [CardDraft(
        Text(f"Профилът на твоята машина даде {found.share:.0%} от времето на {found.operator}. "
             "Защо се профилира, преди да се оптимизира?",
             f"Your machine's profile gave {found.share:.0%} of the time to {found.operator}. "
             "Why profile before optimizing?"),
        with_reading(Text(
            "Времето рядко е разпределено равно: един-два оператора вземат повечето. "
            "Оптимизация другаде не може да спечели повече от дела им (закон на Амдал).",
            "Time is rarely spread evenly: one or two operators take most of it. Optimizing "
            "elsewhere cannot win more than their share (Amdahl's law)."),
            reading, found.operator))]
    if found.bound in BOUND_NAMES and found.share_of_roofline is not None:
        bound = BOUND_NAMES[found.bound]
        made.append(CardDraft(
            Text(f"По roofline на твоята машина моделът е ограничен от {bound.bg} и стига "
                 f"{found.share_of_roofline:.1%} от достижимите GFLOP/s. Какво следва от това?",
                 f"On your machine's roofline the model is bound by {bound.en} and reaches "
                 f"{found.share_of_roofline:.1%} of the attainable GFLOP/s. What follows?"),
            with_reading(Text(
                "Ограничен от паметта модел се ускорява с по-малко байтове (квантизация, "
                "сливане, по-голям пакет за повече FLOP на байт); ограничен от смятането — с "
                "по-бързи ядра и по-малко операции; ограничен от постоянните разходи — с "
                "по-малко извиквания и по-голям пакет.",
                "A memory-bound model speeds up with fewer bytes (quantization, fusion, a "
                "bigger batch for more FLOP per byte); a compute-bound one with faster kernels "
                "and fewer operations; an overhead-bound one with fewer calls and a bigger "
                "batch."), reading, "roofline")))
    return made


LESSON = Lesson(
    Question(
        Text("Какъв дял от времето на CPU ще вземе най-скъпият оператор?",
             "What share of the CPU time will the most expensive operator take?"),
        (Text("под 25%", "under 25%"), Text("25–50%", "25–50%"), Text("50–75%", "50–75%"),
         Text("над 75%", "more than 75%")),
        (25.0, 50.0, 75.0)),
    hotspot, describe, (CardMaker(hotspot, cards),))
