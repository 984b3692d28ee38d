"""Lab `latency` (step 1, example 2): one `time.time()` reading against a real measurement.

The module's example times ONE call of a model with `time.time()` and prints it. This lab
does exactly that on the first call of the cached trained digits model in a few fresh Python
processes (`latency_cold.py`: a first call in the process that has just trained the model
would not be cold), then shows what the single number hides: how far that cold call is from
the warm latency, how much 20 single `time.time()` readings of the warm model disagree, what
the harness reports (median with its interval, p90/p99, spread, rounds, stalls), how one
thread compares with several (timed interleaved), how fine the two clocks tick here, and
where the call sits on this machine's roofline. The reading is `lessons/latency.py`'s.
torch is imported inside the functions (lab child process only).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from studyapp.labs import harness, latency_cold
from studyapp.labs.columns import columns
from studyapp.labs.events import Column, Emitter, Row
from studyapp.labs.findings import put_interval
from studyapp.labs.lessons import latency as lesson
from studyapp.labs.params import Params, ParamSpec
from studyapp.labs.readings import cautions, cuda_skipped
from studyapp.text import Text

if TYPE_CHECKING:
    from torch import nn

    from studyapp.labs.roofline import Roofline

PARAMS: dict[str, ParamSpec] = {
    "model": ParamSpec(str, "mlp", choices=("mlp", "cnn", "wide_mlp"),
                       help=Text("обученият модел, който се мери",
                                 "the trained model that is timed")),
    "batch": ParamSpec(int, 1, min=1, max=1024,
                       help=Text("изображения в едно извикване", "images per call")),
    "readings": ParamSpec(int, 20, min=5, max=200,
                          help=Text("единични отчитания с time.time()",
                                    "single time.time() readings")),
}


@dataclass(frozen=True)
class Size:
    processes: int  # fresh processes, each timing one cold first call
    plan: harness.Plan  # the harness comparison
    clock_tries: int  # reads of each clock for its smallest step


SIZES = {
    "quick": Size(3, harness.QUICK, 200),
    "default": Size(5, harness.Plan(rounds=21, block_s=0.02, budget_s=4.0), 2000),
}
SERIES_POINTS = 200  # harness samples drawn on the plot (the first ones, in order)
TIMINGS, CLOCKS = "timings", "clocks"
MANY, ONE = "threads", "one thread"  # the comparison's names

TIMING_TABLE = columns(
    Column("variant", Text("измерване", "measurement")),
    Column("latency_ms_cold", Text("1-во, time.time()", "1st, time.time()"), "ms"),
    Column("latency_ms_cold_perf_counter", Text("1-во, perf_counter", "1st, perf_counter"),
           "ms"),
    Column("latency_ms_second", Text("2-ро извикване", "2nd call"), "ms"),
    Column("latency_ms_min", Text("мин", "min"), "ms"), "latency_ms_median", "latency_ms_low",
    "latency_ms_high", "latency_ms_p90", "latency_ms_p99",
    Column("latency_ms_max", Text("макс", "max"), "ms"), "spread", "samples", "rounds",
    "stalls", "threads", "speedup", "speedup_low", "speedup_high", "bound",
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


def clock_facts(name: Literal["time", "perf_counter"], tries: int) -> ClockFacts:
    info = time.get_clock_info(name)
    return ClockFacts(name, info.resolution * 1e9,
                      smallest_step_ns(getattr(time, name), tries), info.monotonic)


def single_readings(call: harness.Call, count: int,
                    synchronize: Callable[[], None] | None) -> list[float]:
    """`count` readings in ms, each one warm call between two `time.time()` reads."""
    import torch

    reading = harness.stopwatch(call, synchronize, clock=time.time)
    with torch.no_grad():
        return [reading() for _ in range(count)]


def cold_rows(calls: list[latency_cold.FirstCall], trained_first: bool,
              train_seconds: float, common: Row) -> list[Row]:
    return [{
        "variant": f"1st call, fresh process {index}",
        "variant_bg": f"1-во извикване, нов процес {index}", "measurement": "cold",
        "latency_ms_cold": call.time_s * 1e3,
        "latency_ms_cold_perf_counter": call.perf_counter_s * 1e3,
        "latency_ms_second": call.second_s * 1e3, "seed_printout": call.printout,
        "from_cache": call.from_cache,
        "trained_first": trained_first, "train_seconds": train_seconds if trained_first else None,
        "samples": 1, **common,
    } for index, call in enumerate(calls, start=1)]


def singles_row(singles: list[float], common: Row) -> Row:
    return {"variant": f"{len(singles)} × time.time()",
            "variant_bg": f"{len(singles)} × time.time()", "measurement": "singles",
            "latency_ms_min": min(singles), "latency_ms_max": max(singles),
            "latency_ms_median": statistics.median(singles),
            "spread_ratio": max(singles) / min(singles), "samples": len(singles), **common}


def harness_row(timing: harness.Timing, measurement: str, variant: Text, threads: int,
                common: Row) -> Row:
    """A harness timing at `threads` threads (the comparison itself ran at the lab's count,
    each call switching to its own)."""
    return {
        "variant": variant.en, "variant_bg": variant.bg, "measurement": measurement,
        **common, **timing.as_row(samples=True), "threads": threads,
        # the harness's own first call is not cold here: the fresh processes measure that
        "latency_ms_cold": None,
        "latency_ms_min": timing.min_ms, "latency_ms_max": timing.max_ms,
        "warmup": timing.warmup,
    }


@dataclass(frozen=True)
class Measured:
    rows: list[Row]  # the harness at the lab's thread count (and at one thread)
    timing: harness.Timing  # the harness at the lab's thread count
    singles: list[float]


def measure_warm(call: harness.Call, threads: int, device: str, size: Size,
                 readings: int, common: Row, emit: Emitter) -> Measured:
    """The harness at the lab's thread count — against one thread, interleaved, on a CPU
    with more than one thread — then the single time.time() readings."""
    sync = harness.synchronizer(device)
    message = Text("харнес, редуващи се кръгове", "harness, interleaved rounds")
    calls, counts = {MANY: call}, {MANY: threads}
    if threads > 1 and device == "cpu":
        calls[ONE], counts[ONE] = call, 1
    comparison = harness.interleaved(
        calls, threads=counts, plan=size.plan, synchronize={name: sync for name in calls},
        on_round=lambda done, total: emit.progress(done, total, message))
    main = harness_row(comparison[MANY], "harness",
                       Text("харнес, perf_counter", "harness, perf_counter"), threads, common)
    rows = [main]
    if ONE in calls:
        put_interval(main, "speedup", comparison.speedup(ONE, MANY))
        rows.append(harness_row(comparison[ONE], "one_thread",
                                Text("харнес, 1 нишка", "harness, 1 thread"), 1, common))
    singles = single_readings(call, readings, sync)
    return Measured(rows, comparison[MANY], singles)


def place(rows: list[Row], model: nn.Module, batch: int,
          threads: int) -> tuple[Roofline, list[Text]]:
    """The harness rows on this machine's roofline (each at its own thread count)."""
    from studyapp.labs import roofline_probe
    from studyapp.labs.roofline import place as place_row
    from studyapp.labs.work import work

    roof = roofline_probe.roofline(threads)
    done = work(model, batch)
    timed = [row for row in rows if row["measurement"] in ("harness", "one_thread")]
    for row in timed:
        place_row(row, done, roof)
    return roofline_probe.checked(timed, roof)


def run(params: Params, emit: Emitter) -> None:
    from studyapp.labs import envinfo

    load = envinfo.load_average()  # before the lab adds its own
    threads, batch, seed = int(params["threads"]), int(params["batch"]), int(params["seed"])
    device, model_name = str(params["device"]), str(params["model"])
    size = SIZES[str(params["size"])]
    if device == "cuda" and not envinfo.cuda_available():
        device = "cpu"
    setup: latency_cold.Setup = {"model": model_name, "batch": batch, "seed": seed,
                                 "threads": threads, "device": device}
    with latency_cold.FreshProcesses(setup, size.processes) as fresh:  # importing from now
        measure_and_report(params, setup, fresh, load, emit)


def measure_and_report(p: Params, setup: latency_cold.Setup,
                       fresh: latency_cold.FreshProcesses, load: float | None,
                       emit: Emitter) -> None:
    """Everything after the fresh processes started: the model, the cold calls, the warm
    calls, the clocks, the roofline, and the result."""
    import torch

    from studyapp.labs import envinfo, zoo
    from studyapp.labs.digits import sample_batch

    threads, batch, device = setup["threads"], setup["batch"], setup["device"]
    model_name, size = setup["model"], SIZES[str(p["size"])]
    harness.set_threads(threads)
    skipped: list[Row] = []
    if device != p["device"]:
        skipped.append(cuda_skipped(emit, threads, Text(
            "Няма CUDA GPU тук: измерено е на процесора.",
            "No CUDA GPU here: measured on the CPU.")))
    trained = zoo.trained(model_name, progress=emit.progress)
    total = 4
    emit.progress(1, total, Text("първо извикване в нови процеси",
                                 "first call in fresh processes"))
    calls = fresh.first_calls()
    common: Row = {"threads": threads, "device": device, "model": model_name,
                   "batch_size": batch, "status": "ok"}
    model = trained.model.to(device)
    x = torch.from_numpy(sample_batch(batch, setup["seed"])).to(device)
    emit.progress(2, total, Text("топли извиквания", "warm calls"))
    warm = measure_warm(lambda: model(x), threads, device, size, int(p["readings"]), common,
                        emit)
    emit.progress(3, total, Text("резолюция на часовниците", "clock resolution"))
    clocks = [clock_facts(name, size.clock_tries) for name in ("time", "perf_counter")]
    timings = [*cold_rows(calls, not trained.from_cache, trained.train_seconds, common),
               singles_row(warm.singles, common), *warm.rows]
    clock_rows = [{"variant": f"time.{clock.name}()", "measurement": "clock",
                   "resolution_ns": clock.resolution_ns, "step_ns": clock.step_ns,
                   "share_of_call": clock.step_ns / (warm.timing.median_ms * 1e6),
                   "monotonic": clock.monotonic, "threads": threads, "device": device}
                  for clock in clocks]
    roof: Roofline | None = None
    notes: list[Text] = []
    if device == "cpu":
        roof, notes = place(timings, model, batch, threads)
    emit.progress(total, total, Text("готово", "done"))
    emit.table(TIMINGS, Text(f"Латентност на {model_name}, пакет {batch}",
                             f"Latency of {model_name}, batch {batch}"), TIMING_TABLE, timings)
    emit.table(CLOCKS, Text("Часовници", "Clocks"), CLOCK_TABLE, clock_rows)
    axis = (Text("извикване №", "call #"), Text("ms", "ms"))
    emit.series(Text("единични time.time()", "single time.time()"), *axis,
                list(range(1, len(warm.singles) + 1)), warm.singles)
    shown = warm.timing.samples_ms[:SERIES_POINTS]
    emit.series(Text("харнес (perf_counter)", "harness (perf_counter)"), *axis,
                list(range(1, len(shown) + 1)), list(shown))
    rows = [*timings, *clock_rows, *skipped]
    reading = [*lesson.reading(rows, roof, load, envinfo.usable_cores()), *notes]
    emit.result(rows, [*reading, *cautions(load, rows)],
                None if roof is None else roof.to_json())
