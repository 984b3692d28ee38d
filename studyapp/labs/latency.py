"""Lab `latency` (step 1, example 2): one `time.time()` reading against a real measurement.

The module's example times ONE call of a model with `time.time()` and prints it. This lab
does exactly that on the first call of a trained digits model, then shows what the single
number hides: how far the cold first call is from the warm latency, how much 20 single
`time.time()` readings of the warm model disagree, what the harness (warm-up, repeats,
`perf_counter`) gives as median/p90/p99/CV, and how fine the two clocks tick here.
torch is imported inside the functions (lab child process only).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from studyapp.deck.model import Text
from studyapp.labs import harness
from studyapp.labs.columns import columns
from studyapp.labs.events import Column, Emitter
from studyapp.labs.params import ParamSpec
from studyapp.labs.readings import cuda_skipped

PARAMS: dict[str, ParamSpec] = {
    "model": ParamSpec(str, "mlp", choices=("mlp", "cnn", "wide_mlp"),
                       help=Text("обученият модел, който се мери",
                                 "the trained model that is timed")),
    "batch": ParamSpec(int, 1, min=1, max=1024,
                       help=Text("изображения в едно извикване", "images per call")),
    "readings": ParamSpec(int, 20, min=5, max=200,
                          help=Text("единични измервания с time.time()",
                                    "single time.time() readings")),
}

MIN_TIME_S = {"quick": harness.QUICK_MIN_TIME_S, "default": 2.0}
CLOCK_TRIES = {"quick": 200, "default": 2000}
SERIES_POINTS = 200  # harness samples drawn on the plot (the first ones, in order)
TIMINGS, CLOCKS = "timings", "clocks"

TIMING_TABLE = columns(
    Column("variant", Text("измерване", "measurement")), "latency_ms_cold",
    Column("latency_ms_min", Text("мин", "min"), "ms"), "latency_ms_median", "latency_ms_p90",
    "latency_ms_p99", Column("latency_ms_max", Text("макс", "max"), "ms"), "cv", "samples",
)
CLOCK_TABLE = (
    Column("variant", Text("часовник", "clock")),
    Column("resolution_ns", Text("обявена резолюция", "stated resolution"), "ns"),
    Column("step_ns", Text("най-малка стъпка", "smallest step"), "ns"),
    Column("share_of_call", Text("дял от едно извикване", "share of one call")),
    Column("monotonic", Text("монотонен", "monotonic")),
)


@dataclass(frozen=True)
class ClockFacts:
    name: str
    resolution_ns: float  # what the OS says (time.get_clock_info)
    step_ns: float  # the smallest change seen between two reads
    monotonic: bool


def smallest_step_ns(clock: Callable[[], float], tries: int) -> float:
    """The smallest non-zero difference between consecutive reads of `clock`, in ns."""
    best = float("inf")
    for _ in range(tries):
        first = clock()
        second = clock()
        while second == first:
            second = clock()
        best = min(best, second - first)
    return best * 1e9


def clock_facts(name: str, tries: int) -> ClockFacts:
    info = time.get_clock_info(name)
    return ClockFacts(name, info.resolution * 1e9,
                      smallest_step_ns(getattr(time, name), tries), info.monotonic)


class SeedStyleFirstCall:
    """Calls the model; the first call is also timed as the module's example does it."""

    def __init__(self, call: Callable[[], Any], synchronize: Callable[[], None] | None) -> None:
        self._call, self._sync = call, synchronize
        self.seconds: float | None = None  # the example's `end_time - start_time`

    def __call__(self) -> Any:
        if self.seconds is not None:
            return self._call()
        start_time = time.time()
        output = self._call()
        if self._sync is not None:
            self._sync()
        self.seconds = time.time() - start_time
        return output


def single_readings(call: Callable[[], Any], count: int,
                    synchronize: Callable[[], None] | None) -> list[float]:
    """`count` readings in ms, each one warm call between two `time.time()` reads."""
    import torch

    reading = harness.stopwatch(call, synchronize, clock=time.time)
    with torch.no_grad():
        return [reading() for _ in range(count)]


def _fmt(ms: float) -> str:
    return f"{ms:.3f}" if ms < 10 else f"{ms:.1f}"


def threads_reading(timing: harness.Timing, one_thread: harness.Timing,
                    load: float | None, cores: int) -> Text:
    """Compare the chosen thread count with one thread, and say why they differ."""
    ratio = timing.median_ms / one_thread.median_ms
    tail = timing.p90_ms / one_thread.p90_ms
    parts_bg = [f"С 1 нишка медианата е {_fmt(one_thread.median_ms)} ms и p90 "
                f"{_fmt(one_thread.p90_ms)} ms; с {timing.threads} — {_fmt(timing.median_ms)} "
                f"и {_fmt(timing.p90_ms)} ms."]
    parts_en = [f"With 1 thread the median is {_fmt(one_thread.median_ms)} ms and p90 "
                f"{_fmt(one_thread.p90_ms)} ms; with {timing.threads}, "
                f"{_fmt(timing.median_ms)} and {_fmt(timing.p90_ms)} ms."]
    if ratio > 1.5 or tail > 3:
        parts_bg.append("При толкова малко работа на извикване разделянето между нишки струва "
                        "повече, отколкото спестява, а когато други програми държат ядрата, "
                        "нишка, която чака изместен партньор, спира цялото извикване.")
        parts_en.append("With this little work per call, splitting it across threads costs "
                        "more than it saves, and when other programs hold the cores, a thread "
                        "waiting for a descheduled partner stalls the whole call.")
    elif ratio < 1 / 1.5:
        parts_bg.append("Тук има достатъчно работа, за да се раздели между нишките.")
        parts_en.append("There is enough work per call here to share between threads.")
    else:
        parts_bg.append("Броят нишки почти не променя тази латентност.")
        parts_en.append("The thread count barely changes this latency.")
    if load is not None:
        parts_bg.append(f"Натоварването (load average) беше {load:.1f} при {cores} ядра.")
        parts_en.append(f"The load average was {load:.1f} on {cores} cores.")
    return Text(" ".join(parts_bg), " ".join(parts_en))


def reading(cold_ms: float, seed_printout: str, singles: list[float],
            timing: harness.Timing, clocks: list[ClockFacts]) -> list[Text]:
    """What this run's numbers say, in both languages."""
    median = timing.median_ms
    low, high = min(singles), max(singles)
    pool_bg = f", пускане на {timing.threads} работни нишки" if timing.threads > 1 else ""
    pool_en = f", starting {timing.threads} worker threads" if timing.threads > 1 else ""
    texts = [Text(
        f"Първото извикване, измерено като в примера с time.time(), отне {_fmt(cold_ms)} ms "
        f"(примерът би отпечатал „{seed_printout}“) — {cold_ms / median:.0f}× топлата медиана "
        f"от {_fmt(median)} ms. То плаща еднократни разходи (заделяне на памет, избор на "
        f"ядра, студени кешове{pool_bg}): едно измерване на първото извикване мери "
        "стартирането, не модела.",
        f"The first call, timed like the example with time.time(), took {_fmt(cold_ms)} ms "
        f"(the example would print \"{seed_printout}\") — {cold_ms / median:.0f}× the warm "
        f"median of {_fmt(median)} ms. It pays one-time costs (memory allocation, kernel "
        f"selection, cold caches{pool_en}): one timing of the first call measures start-up, "
        "not the model.",
    )]
    texts.append(Text(
        f"{len(singles)} единични измервания с time.time() на вече топлия модел дадоха от "
        f"{_fmt(low)} до {_fmt(high)} ms — {high / low:.1f}× разлика. Всяко от тях можеше да "
        "бъде отчетено като „латентността“.",
        f"{len(singles)} single time.time() readings of the already warm model ranged from "
        f"{_fmt(low)} to {_fmt(high)} ms — a {high / low:.1f}× spread. Any one of them could "
        "have been reported as \"the latency\".",
    ))
    steady_bg = ("шумно: CV над 0,15 — нещо друго е ползвало процесора; пуснете отново "
                 "или намалете натоварването" if timing.noisy else "стабилно (CV ≤ 0,15)")
    steady_en = ("noisy: CV above 0.15 — something else was using the CPU; run again or "
                 "reduce the load" if timing.noisy else "steady (CV ≤ 0.15)")
    seconds = sum(timing.samples_ms) / 1e3
    texts.append(Text(
        f"Харнесът направи {timing.warmup} загряващи и {timing.samples} измерени извиквания "
        f"за {seconds:.1f} s при {timing.threads} нишки: медиана {_fmt(median)} ms, p90 "
        f"{_fmt(timing.p90_ms)} ms, p99 {_fmt(timing.p99_ms)} ms (опашка "
        f"{timing.p99_ms / median:.1f}× медианата), CV {timing.cv:.2f} — {steady_bg}.",
        f"The harness made {timing.warmup} warm-up and {timing.samples} timed calls in "
        f"{seconds:.1f} s at {timing.threads} threads: median {_fmt(median)} ms, p90 "
        f"{_fmt(timing.p90_ms)} ms, p99 {_fmt(timing.p99_ms)} ms (a tail of "
        f"{timing.p99_ms / median:.1f}× the median), CV {timing.cv:.2f} — {steady_en}.",
    ))
    wall, counter = clocks
    share = wall.step_ns / (median * 1e6)
    texts.append(Text(
        f"time.time() тук се променя на стъпки от {wall.step_ns:.0f} ns ({share:.2%} от едно "
        f"извикване), perf_counter — на {counter.step_ns:.0f} ns. "
        + ("Стъпката на time.time() е съизмерима с извикването: то едва се вижда. "
           if share > 0.05 else "Резолюцията не е проблемът тук — разсейването е. ")
        + "time.time() следва часовника на стената, който NTP може да премести по време на "
        "измерването; perf_counter е монотонен и е направен за интервали.",
        f"time.time() here moves in steps of {wall.step_ns:.0f} ns ({share:.2%} of one call), "
        f"perf_counter in steps of {counter.step_ns:.0f} ns. "
        + ("time.time()'s step is comparable to the call: it can barely see it. "
           if share > 0.05 else "Resolution is not the problem here — the spread is. ")
        + "time.time() follows the wall clock, which NTP may move during a measurement; "
        "perf_counter is monotonic and made for intervals.",
    ))
    return texts


@dataclass(frozen=True)
class Measured:
    cold_ms: float  # the first call, timed as the example does
    seed_printout: str  # what the example would print for it
    singles: list[float]  # single time.time() readings of the warm model, ms
    timing: harness.Timing  # the harness at the chosen thread count
    one_thread: harness.Timing | None  # the harness at one thread (CPU, threads > 1)
    clocks: list[ClockFacts]  # time.time, then perf_counter


def measure_all(call: Callable[[], Any], p: dict[str, Any], device: str, emit: Emitter
                ) -> Measured:
    """Every measurement of the lab, in the order that keeps the first call cold."""
    total, threads, size = 4, int(p["threads"]), str(p["size"])
    sync = harness.synchronizer(device)
    emit.progress(1, total, Text("студено извикване и загряване", "cold call and warm-up"))
    first_call = SeedStyleFirstCall(call, sync)
    timing = harness.measure(first_call, threads=threads, min_time_s=MIN_TIME_S[size],
                             synchronize=sync)
    seconds = first_call.seconds or 0.0
    emit.progress(2, total, Text("единични измервания с time.time()",
                                 "single time.time() readings"))
    singles = single_readings(call, int(p["readings"]), sync)
    emit.progress(3, total, Text("резолюция на часовниците и 1 нишка",
                                 "clock resolution and one thread"))
    clocks = [clock_facts(name, CLOCK_TRIES[size]) for name in ("time", "perf_counter")]
    one_thread = None
    if threads > 1 and device == "cpu":
        one_thread = harness.measure(call, threads=1, min_time_s=MIN_TIME_S[size] / 4)
    emit.progress(total, total, Text("готово", "done"))
    return Measured(seconds * 1e3, f"Inference time: {seconds:.4f} seconds", singles, timing,
                    one_thread, clocks)


def timing_rows(m: Measured, common: dict[str, Any]) -> list[dict[str, Any]]:
    t = m.timing
    rows: list[dict[str, Any]] = [
        {"variant": "1st call, time.time() (example)",
         "variant_bg": "1-во извикване, time.time() (пример)",
         "latency_ms_cold": m.cold_ms, "seed_printout": m.seed_printout, "samples": 1, **common},
        {"variant": f"{len(m.singles)} × time.time()",
         "variant_bg": f"{len(m.singles)} × time.time()",
         "latency_ms_min": min(m.singles), "latency_ms_max": max(m.singles),
         "latency_ms_median": statistics.median(m.singles),
         "spread_ratio": max(m.singles) / min(m.singles), "samples": len(m.singles), **common},
        {"variant": "harness, perf_counter", "variant_bg": "харнес, perf_counter",
         **t.as_row(samples=True), "latency_ms_cold": m.cold_ms, "latency_ms_min": t.min_ms,
         "latency_ms_max": t.max_ms, "latency_ms_mean": t.mean_ms, "latency_ms_std": t.std_ms,
         "warmup": t.warmup, **common},
    ]
    if m.one_thread is not None:
        one = m.one_thread
        rows.append({"variant": "harness, 1 thread", "variant_bg": "харнес, 1 нишка",
                     **one.as_row(samples=True), "latency_ms_min": one.min_ms,
                     "latency_ms_max": one.max_ms, **common, "threads": 1,
                     "latency_ms_cold": None})  # its first call came after the model was warm
    return rows


def clock_rows(m: Measured, threads: int, device: str) -> list[dict[str, Any]]:
    return [
        {"variant": f"time.{clock.name}()", "resolution_ns": clock.resolution_ns,
         "step_ns": clock.step_ns, "share_of_call": clock.step_ns / (m.timing.median_ms * 1e6),
         "monotonic": clock.monotonic, "threads": threads, "device": device}
        for clock in m.clocks
    ]


def run(params: dict[str, object], emit: Emitter) -> None:
    import torch

    from studyapp.labs import envinfo, zoo
    from studyapp.labs.digits import sample_batch

    p: dict[str, Any] = dict(params)
    threads, batch = int(p["threads"]), int(p["batch"])
    device, model_name = str(p["device"]), str(p["model"])
    harness.set_threads(threads)
    skipped: list[dict[str, Any]] = []
    if device == "cuda" and not envinfo.cuda_available():
        skipped.append(cuda_skipped(emit, threads, Text(
            "Няма CUDA GPU тук: измерено е на процесора.",
            "No CUDA GPU here: measured on the CPU.")))
        device = "cpu"
    model = zoo.trained(model_name, progress=emit.progress).model.to(device)
    x = torch.from_numpy(sample_batch(batch, int(p["seed"]))).to(device)
    m = measure_all(lambda: model(x), p, device, emit)

    common = {"threads": threads, "device": device, "model": model_name, "batch_size": batch,
              "status": "ok"}
    timings, clocks = timing_rows(m, common), clock_rows(m, threads, device)
    emit.table(TIMINGS, Text(f"Латентност на {model_name}, пакет {batch}",
                             f"Latency of {model_name}, batch {batch}"), TIMING_TABLE, timings)
    emit.table(CLOCKS, Text("Часовници", "Clocks"), CLOCK_TABLE, clocks)
    axis = (Text("извикване №", "call #"), Text("ms", "ms"))
    emit.series(Text("единични time.time()", "single time.time()"), *axis,
                list(range(1, len(m.singles) + 1)), m.singles)
    shown = m.timing.samples_ms[:SERIES_POINTS]
    emit.series(Text("харнес (perf_counter)", "harness (perf_counter)"), *axis,
                list(range(1, len(shown) + 1)), list(shown))
    texts = reading(m.cold_ms, m.seed_printout, m.singles, m.timing, m.clocks)
    if m.one_thread is not None:
        env = envinfo.cpu_info()
        texts.insert(3, threads_reading(m.timing, m.one_thread, env["load_average_1m"],
                                        env["usable_cores"]))
    emit.result([*timings, *clocks, *skipped], texts)
