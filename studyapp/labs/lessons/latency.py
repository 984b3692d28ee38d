"""What the latency lab teaches from its numbers: the cold call against the warm median, and
the tail against the median."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from studyapp.deck.model import Text
from studyapp.labs.findings import Rows, multiple, number
from studyapp.labs.lesson import CardDraft, CardMaker, Lesson, Question, exact, with_reading
from studyapp.labs.stats import Interval


@dataclass(frozen=True)
class Latency:
    cold_ms: float
    median_ms: float
    p99_ms: float


def latency(rows: Rows) -> Latency | None:
    """The harness row of the latency lab: the cold call, the warm median and p99."""
    for row in rows:
        cold, median, p99 = (number(row, key) for key in
                             ("latency_ms_cold", "latency_ms_median", "latency_ms_p99"))
        if cold is not None and median and p99 is not None:
            return Latency(cold, median, p99)
    return None


def describe(found: Latency) -> tuple[Interval, Text]:
    ratio = found.cold_ms / found.median_ms
    return exact(ratio), Text(
        f"първото извикване {found.cold_ms:.3g} ms, топлата медиана {found.median_ms:.3g} ms: "
        f"{multiple(ratio)}",
        f"first call {found.cold_ms:.3g} ms, warm median {found.median_ms:.3g} ms: "
        f"{multiple(ratio)}")


def _ms(value: float) -> str:
    return f"{value:.3g} ms"


def cards(found: Latency, reading: Sequence[Text]) -> list[CardDraft]:
    cold, tail = found.cold_ms / found.median_ms, found.p99_ms / found.median_ms
    return [
        CardDraft(
            Text(f"На твоята машина първото извикване на модела отне {_ms(found.cold_ms)}, а "
                 f"топлата медиана е {_ms(found.median_ms)} ({multiple(cold)}). Защо?",
                 f"On your machine the model's first call took {_ms(found.cold_ms)} and the "
                 f"warm median is {_ms(found.median_ms)} ({multiple(cold)}). Why?"),
            with_reading(Text(
                "Първото извикване плаща еднократни разходи: заделяне на памет, избор и "
                "подготовка на ядра, студени кешове. Едно time.time() около него мери "
                "стартирането, не инференцията; затова се загрява и се повтаря.",
                "The first call pays one-off costs: memory allocation, choosing and preparing "
                "kernels, cold caches. One time.time() around it measures start-up, not "
                "inference; hence warm-up and repeats."), reading, "first call")),
        CardDraft(
            Text(f"Твоят p99 е {_ms(found.p99_ms)} при медиана {_ms(found.median_ms)} "
                 f"({multiple(tail)}). Защо се отчитат перцентили, а не едно средно?",
                 f"Your p99 is {_ms(found.p99_ms)} with a median of {_ms(found.median_ms)} "
                 f"({multiple(tail)}). Why report percentiles rather than one mean?"),
            with_reading(Text(
                "Закъсненията имат дълга опашка (планировчик, други процеси, кешове): средното "
                "я скрива, а потребителите я усещат. Медианата казва типичното, p90/p99 — "
                "колко лошо става понякога.",
                "Latencies have a long tail (scheduler, other processes, caches): a mean hides "
                "it and users feel it. The median tells the typical case, p90/p99 how bad it "
                "gets at times."), reading, "p99")),
    ]


LESSON = Lesson(
    Question(
        Text("Колко по-бавно от топлата медиана ще е първото (студено) извикване на модела "
             "на тази машина?",
             "How much slower than the warm median will the first (cold) call of the model "
             "be on this machine?"),
        (Text("под 2×", "under 2×"), Text("2–10×", "2–10×"), Text("10–100×", "10–100×"),
         Text("над 100×", "more than 100×")),
        (2.0, 10.0, 100.0)),
    latency, describe, (CardMaker(latency, cards),))
