"""What the batching lab teaches from its numbers: throughput against per-item latency as the
batch grows, and one thread against many."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from studyapp.deck.model import Text
from studyapp.labs.findings import Rows, multiple, number
from studyapp.labs.lesson import CardDraft, CardMaker, Lesson, Question, exact, with_reading
from studyapp.labs.stats import Interval


@dataclass(frozen=True)
class Batching:
    variant: str
    batch: int  # the largest batch of the sweep
    throughput_1: float  # items per second at batch 1
    throughput: float  # at the largest batch
    item_ms_1: float
    item_ms: float
    one_thread_ms: float | None  # batch 1 with one thread, when measured


def batching(rows: Rows) -> Batching | None:
    measured = [row for row in rows if number(row, "throughput_per_s")
                and number(row, "batch_size") and number(row, "latency_ms_per_item")]
    if not measured:
        return None
    variant = str(measured[0].get("variant", ""))
    sweep = sorted((row for row in measured if row.get("variant") == variant),
                   key=lambda row: number(row, "batch_size") or 0)
    first, last = sweep[0], sweep[-1]
    if number(first, "batch_size") != 1 or first is last:
        return None
    one = next((row for row in measured if row.get("threads") == 1 and row.get("variant")
                != variant and number(row, "batch_size") == 1), None)
    return Batching(variant, int(number(last, "batch_size") or 0),
                    number(first, "throughput_per_s") or 0, number(last, "throughput_per_s") or 0,
                    number(first, "latency_ms_per_item") or 0,
                    number(last, "latency_ms_per_item") or 0,
                    number(one, "latency_ms_median"))


def describe(found: Batching) -> tuple[Interval, Text]:
    ratio = found.throughput / found.throughput_1
    return exact(ratio), Text(
        f"{found.throughput_1:.0f} елем./s при пакет 1, {found.throughput:.0f} при пакет "
        f"{found.batch}: {multiple(ratio)}",
        f"{found.throughput_1:.0f} items/s at batch 1, {found.throughput:.0f} at batch "
        f"{found.batch}: {multiple(ratio)}")


def _ms(value: float) -> str:
    return f"{value:.3g} ms"


def cards(found: Batching, reading: Sequence[Text]) -> list[CardDraft]:
    ratio = found.throughput / found.throughput_1
    made = [CardDraft(
        Text(f"На твоята машина пакет {found.batch} даде {found.throughput:.0f} елем./s "
             f"срещу {found.throughput_1:.0f} при пакет 1 ({multiple(ratio)}), а времето за "
             f"елемент стана {_ms(found.item_ms)} от {_ms(found.item_ms_1)}. Каква е цената?",
             f"On your machine batch {found.batch} gave {found.throughput:.0f} items/s against "
             f"{found.throughput_1:.0f} at batch 1 ({multiple(ratio)}), time per item went from "
             f"{_ms(found.item_ms_1)} to {_ms(found.item_ms)}. What is the price?"),
        with_reading(Text(
            "Пакетът споделя постоянните разходи и четенето на теглата между много входове, "
            "затова пропускателната способност расте; цената е латентността на пакета — "
            "всеки вход чака целия пакет (и събирането му).",
            "A batch shares the fixed costs and the weight reads among many inputs, so "
            "throughput grows; the price is the batch's latency — every input waits for the "
            "whole batch (and for it to fill)."), reading, "throughput", "Throughput"))]
    if found.one_thread_ms is not None:
        made.append(CardDraft(
            Text(f"При пакет 1 една нишка отне {_ms(found.one_thread_ms)} срещу "
                 f"{_ms(found.item_ms_1)} с всички ({found.variant}). Защо повече нишки не "
                 "помагат винаги?",
                 f"At batch 1 one thread took {_ms(found.one_thread_ms)} against "
                 f"{_ms(found.item_ms_1)} with all of them ({found.variant}). Why don't more "
                 "threads always help?"),
            with_reading(Text(
                "Малката работа не се дели добре: синхронизацията и пускането на нишките "
                "струват колкото самото смятане, а други процеси се борят за ядрата.",
                "Small work does not split well: synchronising and waking the threads costs "
                "as much as the arithmetic, and other processes compete for the cores."),
                reading, "thread")))
    return made


LESSON = Lesson(
    Question(
        Text("Пропускателната способност (елементи/s) при най-големия пакет спрямо пакет 1:",
             "Throughput (items/s) at the largest batch against batch 1:"),
        (Text("почти същата (под 1.5×)", "about the same (under 1.5×)"),
         Text("1.5–4×", "1.5–4×"), Text("4–20×", "4–20×"), Text("над 20×", "more than 20×")),
        (1.5, 4.0, 20.0)),
    batching, describe, (CardMaker(batching, cards),))
