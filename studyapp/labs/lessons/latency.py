"""What the latency lab teaches from its rows: the cold first call of a fresh process against
the warm median, what single `time.time()` readings hide, what the harness reports, one thread
against several, the clocks, and where the call sits on the roofline.

Rows carry `measurement`: `cold` (one fresh process's first call), `singles` (single
`time.time()` readings of the warm model), `harness` (the harness at the lab's thread count,
with its speed-up over one thread when that was timed beside it), `one_thread` and `clock`.
Pure code: no torch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from studyapp.labs.findings import Row, Rows, interval, multiple, number, spanned
from studyapp.labs.lesson import CardDraft, CardMaker, Lesson, Question, with_reading
from studyapp.labs.readings import bound_sentence, bounds, join, times
from studyapp.labs.roofline import Roofline
from studyapp.labs.stats import Interval, median_interval
from studyapp.text import Text

BUSY_SLOWDOWN = 1.5  # several threads slower than one by more than this, all the interval long
NOTABLE_THREADS = 1.25  # a thread-count difference beyond this, all the interval long, is a card
LONG_TAIL = 1.5  # a p99 this many times the median is a long tail
COARSE_CLOCK = 0.05  # a clock step above this share of a call can barely see the call

Found = TypeVar("Found")


def of(rows: Rows, measurement: str) -> list[Row]:
    return [row for row in rows if row.get("measurement") == measurement]


def harness_row(rows: Rows) -> Row | None:
    return next((row for row in of(rows, "harness")
                 if number(row, "latency_ms_median") is not None), None)


def _ms(value: float | None) -> str:
    ms = value or 0.0
    return f"{ms:.3f}" if ms < 10 else f"{ms:.1f}"


def _interval_ms(found: Interval) -> str:
    return f"{_ms(found.low)}–{_ms(found.high)} ms"


def warm(row: Row) -> Interval | None:
    """The harness median with its interval, in ms."""
    values = [number(row, key) for key in ("latency_ms_median", "latency_ms_low",
                                           "latency_ms_high")]
    if any(value is None for value in values):
        return None
    median, low, high = (float(value or 0.0) for value in values)
    return Interval(median, low, high)


# --- one thread against several --------------------------------------------------------------


@dataclass(frozen=True)
class Threads:
    """The lab's thread count against one thread, timed interleaved."""

    threads: int
    many_ms: float
    one_ms: float
    speedup: Interval  # how many times faster `threads` threads ran than one
    bound: str | None  # where the call sits on the roofline at `threads` threads

    @property
    def busy(self) -> bool:
        """Far slower with several threads: another program holds the other cores."""
        return self.speedup.high < 1 / BUSY_SLOWDOWN


def threads(rows: Rows) -> Threads | None:
    many, one = harness_row(rows), next(iter(of(rows, "one_thread")), None)
    speedup = interval(many)
    if many is None or one is None or speedup is None:
        return None
    return Threads(int(number(many, "threads") or 0), number(many, "latency_ms_median") or 0.0,
                   number(one, "latency_ms_median") or 0.0, speedup,
                   str(many["bound"]) if many.get("bound") else None)


def busy(rows: Rows) -> bool:
    found = threads(rows)
    return found is not None and found.busy


def read_threads(found: Threads, load: float | None, cores: int) -> Text:
    """One thread against several, said as the interval allows; far slower means the other
    cores are busy, which says nothing about the model."""
    said = times(found.speedup)
    head = Text(f"С 1 нишка медианата е {_ms(found.one_ms)} ms, с {found.threads} — "
                f"{_ms(found.many_ms)} ms: {said.bg}.",
                f"With 1 thread the median is {_ms(found.one_ms)} ms, with {found.threads}, "
                f"{_ms(found.many_ms)} ms: {said.en}.")
    loaded = Text("", "") if load is None else Text(
        f"Натоварването (load average) в началото беше {load:.1f} при {cores} ядра.",
        f"The load average as the lab started was {load:.1f} on {cores} cores.")
    if found.busy:
        return join(head, Text(
            f"С {found.threads} нишки е многократно по-бавно: друга програма държи другото "
            "ядро и всяко извикване чака нишка, която не върви. Това не казва нищо за модела; "
            "затвори другите програми или използвай 1 нишка.",
            f"{found.threads} threads are far slower: another program is keeping the other "
            "core busy, and each call waits for a thread that is not running. This says "
            "nothing about the model; close the other programs or use 1 thread."), loaded)
    direction = found.speedup.direction()
    if direction > 0:
        why = Text("Извикването има достатъчно работа, за да се раздели между нишките.",
                   "The call has enough work to share between threads.")
    elif direction < 0 and found.bound == "overhead":
        why = Text("Извикването е ограничено от постоянните си разходи (виж roofline): да "
                   "събудиш и синхронизираш нишки за толкова малко работа струва повече, "
                   "отколкото спестява.",
                   "The call is overhead-bound (see the roofline): waking and synchronising "
                   "threads for so little work costs more than it saves.")
    else:
        why = Text("", "")
    return join(head, why, loaded)


# --- the cold first call ---------------------------------------------------------------------


@dataclass(frozen=True)
class ColdCall:
    """First calls of fresh processes against the warm median of the harness."""

    cold: Interval  # perf_counter around each first call, ms: median and interval
    example: Interval  # time.time() around the same calls, as the module's example does
    second: Interval  # each process's second call, ms
    warm: Interval  # the harness median and its interval, ms
    processes: int
    printout: str  # what the example prints for the median process
    trained_first: bool  # the model had to be trained in this run before the processes began
    train_seconds: float | None

    @property
    def ratio(self) -> Interval:
        """How many times the warm median the cold call took, with both intervals."""
        return Interval(self.cold.value / self.warm.value, self.cold.low / self.warm.high,
                        self.cold.high / self.warm.low)


def cold_call(rows: Rows) -> ColdCall | None:
    processes = [row for row in of(rows, "cold")  # one that trained the model is not cold
                 if number(row, "latency_ms_cold_perf_counter") is not None
                 and row.get("from_cache") is not False]
    main = harness_row(rows)
    warm_ms = warm(main) if main is not None else None
    if not processes or warm_ms is None or not warm_ms.low:
        return None

    def spread(key: str) -> Interval:
        return median_interval([number(row, key) or 0.0 for row in processes])

    example = spread("latency_ms_cold")
    middle = min(processes, key=lambda row: abs((number(row, "latency_ms_cold") or 0.0)
                                                - example.value))
    first = processes[0]
    return ColdCall(spread("latency_ms_cold_perf_counter"), example, spread("latency_ms_second"),
                    warm_ms, len(processes), str(middle.get("seed_printout", "")),
                    bool(first.get("trained_first")), number(first, "train_seconds"))


def read_cold(found: ColdCall) -> Text:
    ratio = found.ratio
    if ratio.direction() > 0:
        against = Text(f"{spanned(ratio)} спрямо топлата медиана от {_ms(found.warm.value)} ms",
                       f"{spanned(ratio)} the warm median of {_ms(found.warm.value)} ms")
    else:
        against = Text(f"без измерима разлика от топлата медиана от {_ms(found.warm.value)} ms "
                       f"({bounds(ratio)})",
                       f"no measurable difference from the warm median of "
                       f"{_ms(found.warm.value)} ms ({bounds(ratio)})")
    text = Text(
        f"В {found.processes} нови процеса на Python, всеки заредил кеширания модел, първото "
        f"извикване, измерено като в примера с time.time(), отне {_ms(found.example.value)} ms "
        f"(примерът би отпечатал „{found.printout}“); perf_counter около същото извикване: "
        f"{_ms(found.cold.value)} ms ({_interval_ms(found.cold)}) — {against.bg}. Второто "
        f"извикване в същия процес отне {_ms(found.second.value)} ms. Първото извикване в "
        "процес плаща еднократни разходи (подготовка на кернелите и нишките на библиотеката, "
        "заделяне на памет, студени кешове): едно негово отчитане мери стартирането, не "
        "модела.",
        f"In {found.processes} fresh Python processes that each loaded the cached model, the "
        f"first call, timed like the example with time.time(), took "
        f"{_ms(found.example.value)} ms (the example would print \"{found.printout}\"); "
        f"perf_counter around the same call: {_ms(found.cold.value)} ms "
        f"({_interval_ms(found.cold)}) — {against.en}. The second call in the same process "
        f"took {_ms(found.second.value)} ms. The first call in a process pays one-off costs "
        "(setting up the library's kernels and threads, allocating memory, cold caches): one "
        "reading of it measures start-up, not the model.")
    if not found.trained_first:
        return text
    took = "" if found.train_seconds is None else f" ({found.train_seconds:.1f} s)"
    return join(text, Text(
        f"Моделът трябваше първо да се обучи в това пускане{took} и беше кеширан; новите "
        "процеси го заредиха от кеша, както би направил скрипт, пуснат по-късно. В процеса, "
        "който току-що го е обучил, първото извикване изобщо не е студено.",
        f"The model had to be trained first in this run{took} and was cached; the fresh "
        "processes loaded it from the cache, as a script run later would. In the process that "
        "has just trained it, a first call is not cold at all."))


# --- single readings, the harness, the clocks, the roofline ----------------------------------


def read_singles(row: Row) -> Text:
    count = int(number(row, "samples") or 0)
    low, high = number(row, "latency_ms_min") or 0.0, number(row, "latency_ms_max") or 0.0
    spread = high / low if low else 0.0
    return Text(
        f"{count} единични отчитания с time.time() на вече топлия модел дадоха от "
        f"{_ms(low)} до {_ms(high)} ms — {spread:.1f}× разлика. Всяко от тях можеше да бъде "
        "обявено за „латентността“.",
        f"{count} single time.time() readings of the already warm model ranged from "
        f"{_ms(low)} to {_ms(high)} ms — a {spread:.1f}× spread. Any one of them could have "
        "been reported as \"the latency\".")


def read_harness(row: Row) -> Text:
    """The harness row: median with its interval, the tail, how many rounds and calls."""
    median = number(row, "latency_ms_median") or 0.0
    p90, p99 = number(row, "latency_ms_p90") or 0.0, number(row, "latency_ms_p99") or 0.0
    spread = number(row, "spread") or 0.0
    found = warm(row)
    shown = _interval_ms(found) if found else "—"
    counts = (int(number(row, "rounds") or 0), int(number(row, "samples") or 0),
              int(number(row, "warmup") or 0), int(number(row, "threads") or 0))
    tail = p99 / median if median else 0.0
    return Text(
        f"Харнесът направи {counts[0]} редуващи се кръга ({counts[1]} измерени извиквания след "
        f"{counts[2]} загряващи) с perf_counter при {counts[3]} нишки: медиана {_ms(median)} "
        f"ms (95% интервал от кръговете: {shown}), p90 {_ms(p90)} ms, p99 {_ms(p99)} ms. "
        f"Разсейване p90/медиана {spread:.2f}: девет извиквания от десет траят до {spread:.2f}× "
        f"медианата, а едно от сто — {tail:.1f}× или повече.",
        f"The harness ran {counts[0]} interleaved rounds ({counts[1]} timed calls after "
        f"{counts[2]} warm-up calls) with perf_counter at {counts[3]} threads: median "
        f"{_ms(median)} ms (95% interval from the rounds: {shown}), p90 {_ms(p90)} ms, p99 "
        f"{_ms(p99)} ms. Spread p90/median {spread:.2f}: nine calls in ten take at most "
        f"{spread:.2f}× the median, one in a hundred {tail:.1f}× or longer.")


def read_clocks(rows: Rows, median_ms: float) -> Text | None:
    clocks = {str(row.get("variant")): row for row in of(rows, "clock")}
    wall, counter = clocks.get("time.time()"), clocks.get("time.perf_counter()")
    if wall is None or counter is None or not median_ms:
        return None
    step, fine = number(wall, "step_ns") or 0.0, number(counter, "step_ns") or 0.0
    share = step / (median_ms * 1e6)
    coarse = share > COARSE_CLOCK
    return Text(
        f"time.time() тук се променя на стъпки от {step:.0f} ns ({share:.2%} от едно "
        f"извикване), perf_counter — на {fine:.0f} ns. "
        + ("Стъпката на time.time() е съизмерима с извикването: то едва се вижда. " if coarse
           else "Резолюцията не е проблемът тук — разсейването е. ")
        + "time.time() следва системния часовник, който NTP може да премести по време на "
        "измерването; perf_counter е монотонен и е направен за интервали.",
        f"time.time() here moves in steps of {step:.0f} ns ({share:.2%} of one call), "
        f"perf_counter in steps of {fine:.0f} ns. "
        + ("time.time()'s step is comparable to the call: it can barely see it. " if coarse
           else "Resolution is not the problem here — the spread is. ")
        + "time.time() follows the wall clock, which NTP may move during a measurement; "
        "perf_counter is monotonic and made for intervals.")


def read_roofline(row: Row, roof: Roofline) -> Text:
    """Where the harness row sits on this machine's roofline."""
    placed = bound_sentence(row, Text(f"Пакет {row.get('batch_size')}",
                                      f"Batch {row.get('batch_size')}"))
    return Text(
        f"Roofline на тази машина при {roof.threads} нишки: {roof.peak_gflops:.0f} GFLOP/s, "
        f"{roof.bandwidth_gbs:.1f} GB/s от паметта, {roof.main.cache_bandwidth_gbs:.0f} GB/s "
        f"от кеша. {placed.bg}.",
        f"This machine's roofline at {roof.threads} threads: {roof.peak_gflops:.0f} GFLOP/s, "
        f"{roof.bandwidth_gbs:.1f} GB/s from memory, {roof.main.cache_bandwidth_gbs:.0f} GB/s "
        f"from the cache. {placed.en}.")


def reading(rows: Rows, roof: Roofline | None, load: float | None, cores: int) -> list[Text]:
    """Every paragraph the rows support, in the order a learner meets the measurements."""
    texts: list[Text] = []
    found = cold_call(rows)
    if found is not None:
        texts.append(read_cold(found))
    texts += [read_singles(row) for row in of(rows, "singles")]
    main = harness_row(rows)
    if main is None:
        return texts
    texts.append(read_harness(main))
    several = threads(rows)
    if several is not None:
        texts.append(read_threads(several, load, cores))
    clocks = read_clocks(rows, number(main, "latency_ms_median") or 0.0)
    if clocks is not None:
        texts.append(clocks)
    if roof is not None and main.get("bound"):
        texts.append(read_roofline(main, roof))
    return texts


# --- the finding, the question and the cards -------------------------------------------------


def describe(found: ColdCall) -> tuple[Interval, Text]:
    ratio = found.ratio
    return ratio, Text(
        f"първото извикване в нов процес {_ms(found.cold.value)} ms ({found.processes} "
        f"процеса: {_interval_ms(found.cold)}), топлата медиана {_ms(found.warm.value)} ms: "
        f"{spanned(ratio)}",
        f"first call in a fresh process {_ms(found.cold.value)} ms ({found.processes} "
        f"processes: {_interval_ms(found.cold)}), warm median {_ms(found.warm.value)} ms: "
        f"{spanned(ratio)}")


def cold_cards(found: ColdCall, reading: Sequence[Text]) -> list[CardDraft]:
    """Only when the cold call is measurably slower than the warm median."""
    ratio = found.ratio
    if ratio.direction() <= 0:
        return []
    return [CardDraft(
        Text(f"На твоята машина първото извикване в нов процес отне {_ms(found.cold.value)} ms "
             f"({found.processes} процеса: {_interval_ms(found.cold)}), а топлата медиана е "
             f"{_ms(found.warm.value)} ms ({spanned(ratio)}). Защо?",
             f"On your machine the first call in a fresh process took "
             f"{_ms(found.cold.value)} ms ({found.processes} processes: "
             f"{_interval_ms(found.cold)}) and the warm median is {_ms(found.warm.value)} ms "
             f"({spanned(ratio)}). Why?"),
        with_reading(Text(
            "Първото извикване в процес плаща еднократни разходи: подготовка на кернелите и "
            "нишките, заделяне на памет, студени кешове. Едно time.time() около него мери "
            "стартирането, не инференцията; затова се загрява и се повтаря.",
            "The first call in a process pays one-off costs: setting up kernels and threads, "
            "allocating memory, cold caches. One time.time() around it measures start-up, not "
            "inference; hence warm-up and repeats."), reading, "first call"))]


def tail(rows: Rows) -> Row | None:
    return harness_row(rows)


def tail_cards(row: Row, reading: Sequence[Text]) -> list[CardDraft]:
    """Why percentiles: the answer says what this run's tail was, long or short."""
    median, p99 = number(row, "latency_ms_median") or 0.0, number(row, "latency_ms_p99") or 0.0
    if not median:
        return []
    ratio = multiple(p99 / median)
    if p99 >= LONG_TAIL * median:
        here = Text(f"Тук едно извикване от сто трае {ratio} медианата.",
                    f"Here one call in a hundred takes {ratio} the median.")
    else:
        here = Text(f"Тук опашката е къса (p99 {ratio} медианата), но при натоварване — други "
                    "процеси, зает сървър — тя расте.",
                    f"Here the tail is short (p99 {ratio} the median), but under load — other "
                    "processes, a busy server — it grows.")
    return [CardDraft(
        Text(f"Твоят p99 е {_ms(p99)} ms при медиана {_ms(median)} ms ({ratio}). Защо се "
             "посочват перцентили, а не едно средно?",
             f"Your p99 is {_ms(p99)} ms with a median of {_ms(median)} ms ({ratio}). Why "
             "report percentiles rather than one mean?"),
        with_reading(Text(
            "Латентността има опашка (планировчик, други процеси, кешове): средното я скрива, "
            "а потребителите я усещат. Медианата казва типичното, p90/p99 — колко лошо става "
            f"понякога. {here.bg}",
            "Latencies have a tail (scheduler, other processes, caches): a mean hides it and "
            "users feel it. The median tells the typical case, p90/p99 how bad it gets at "
            f"times. {here.en}"), reading, "p99"))]


def threads_cards(found: Threads, reading: Sequence[Text]) -> list[CardDraft]:
    """A notable difference between one thread and several (beyond ×1.25 all the interval
    long), not caused by a busy core."""
    notable = found.speedup.low > NOTABLE_THREADS or found.speedup.high < 1 / NOTABLE_THREADS
    if found.busy or not notable:
        return []
    direction, said = found.speedup.direction(), times(found.speedup)
    front = Text(f"С {found.threads} нишки извикването ти отне {_ms(found.many_ms)} ms, с 1 "
                 f"нишка — {_ms(found.one_ms)} ms ({said.bg}).",
                 f"With {found.threads} threads your call took {_ms(found.many_ms)} ms, with 1 "
                 f"thread {_ms(found.one_ms)} ms ({said.en}).")
    if direction < 0 and found.bound == "overhead":
        question, back = Text("Защо повече нишки забавят малко извикване?",
                              "Why can more threads slow a small call down?"), Text(
            "Всяко извикване събужда другите нишки и ги чака в края на всеки оператор; когато "
            "аритметиката е няколко микросекунди, това струва повече, отколкото разделянето "
            "спестява. Малките извиквания вървят най-добре на една нишка, а много такива "
            "едновременно — по една на ядро.",
            "Each call wakes the other threads and waits for them at the end of every "
            "operator; when the arithmetic takes a few microseconds, that costs more than the "
            "split saves. Small calls run best on one thread, and many of them at once one per "
            "core.")
    elif direction > 0:
        question, back = Text("Кога повече нишки помагат?", "When do more threads help?"), Text(
            "Когато извикването има достатъчно работа за разделяне: големи матрични "
            "произведения или много данни за четене, които повече ядра изтеглят по-бързо. "
            "Малките извиквания вместо това плащат за събуждане и синхронизация на нишките.",
            "When a call has enough work to split: large matrix products, or much data to "
            "read, which more cores pull in faster. Small calls pay for waking and "
            "synchronising threads instead.")
    else:
        return []
    return [CardDraft(Text(f"{front.bg} {question.bg}", f"{front.en} {question.en}"),
                      with_reading(back, reading, "With 1 thread"))]


def _unless_busy(find: Callable[[Rows], Found | None]) -> Callable[[Rows], Found | None]:
    """`find`, giving nothing when several threads were far slower than one: then the warm
    timings measure another program more than the model."""
    return lambda rows: None if busy(rows) else find(rows)


QUESTION = Question(
    Text("Колко по-бавно от топлата медиана ще е първото (студено) извикване на модела в нов "
         "процес на тази машина?",
         "How much slower than the warm median will the model's first (cold) call in a fresh "
         "process be on this machine?"),
    (Text("под 2×", "under 2×"), Text("2–10×", "2–10×"), Text("10–100×", "10–100×"),
     Text("над 100×", "more than 100×")),
    (2.0, 10.0, 100.0))

LESSON = Lesson(
    QUESTION, _unless_busy(cold_call), describe,
    (CardMaker(_unless_busy(cold_call), cold_cards), CardMaker(_unless_busy(tail), tail_cards),
     CardMaker(threads, threads_cards)))
