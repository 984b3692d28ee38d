"""The measurement harness every lab times with: variants compared in interleaved rounds.

The variants a lab compares are timed in one process, round after round, each round in a
shuffled order (as Google Benchmark's random interleaving does), so a slow minute of a shared
machine hits all of them alike. Before the rounds each variant makes one cold call, reported
apart, and its warm-up calls; each round then times a block of its calls lasting at least
`Plan.block_s`, and the round's value is the block's median. A round far slower than the
others (a stall: another program took the core, the process was stopped) is measured again,
a bounded number of times; a stall that keeps coming back leaves the variant `noisy`.

A variant's latency is the median of its round values, with a distribution-free 95% interval
(`stats.median_interval`); a comparison of two variants is the median of their per-round
ratios, with its interval (`Comparison.speedup`). Calls run under `torch.inference_mode()`,
with the garbage collector paused and torch held at a fixed thread count; ONNX Runtime
sessions from `ort_session` get the same count.

torch and onnxruntime are imported inside the functions (lab child process only).
"""

from __future__ import annotations

import contextlib
import gc
import math
import time
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from studyapp.labs import stats
from studyapp.labs.columns import columns
from studyapp.labs.envinfo import contended, cpu_seconds
from studyapp.labs.events import Column
from studyapp.labs.stats import Interval

if TYPE_CHECKING:
    import onnxruntime
    import torch

MIN_WARMUP = 10
MAX_BLOCK_CALLS = 10_000
OTHERS_JUDGED_AFTER_S = 0.1  # rounds shorter than this are too short to tell who else ran
JUDGE_ROUNDS = 4  # at most this many times the plan's rounds, to last the plan's `min_s`
OPT_LEVELS = ("disable", "basic", "extended", "all")

Call = Callable[[], object]
Sync = Callable[[], None]


@dataclass(frozen=True)
class Plan:
    """How long and how often the variants of one comparison are timed."""

    rounds: int = 15
    block_s: float = 0.01  # each variant's block of calls in a round lasts at least this
    warmup: int = MIN_WARMUP  # warm calls before the rounds (fewer once warmup_s is spent)
    warmup_s: float = 0.5
    budget_s: float | None = None  # fewer rounds (never under stats.MIN_ROUNDS) to fit this
    min_s: float = OTHERS_JUDGED_AFTER_S  # more rounds to last this long: long enough to
    # read how much of the cores other programs took
    retries: int | None = None  # stalled rounds measured again; default rounds // 2

    def __post_init__(self) -> None:
        if self.rounds < stats.MIN_ROUNDS:
            raise ValueError(f"need at least {stats.MIN_ROUNDS} rounds for an interval")


QUICK = Plan(rounds=stats.MIN_ROUNDS + 2, block_s=0.002, warmup_s=0.1)
DEFAULT = Plan()


@dataclass(frozen=True)
class Timing:
    """One variant's warm calls, in milliseconds, and its cold first call apart."""

    cold_ms: float
    median_ms: float  # the median of the round values
    low_ms: float  # the 95% interval of that median
    high_ms: float
    p90_ms: float  # over every timed call
    p99_ms: float
    mean_ms: float
    std_ms: float
    samples: int  # timed calls
    rounds: int  # rounds kept
    stalls: int  # stalled rounds measured again
    clean: bool  # no stall was left and the interval is usable
    threads: int
    min_ms: float = math.nan
    max_ms: float = math.nan
    warmup: int = 0
    samples_ms: tuple[float, ...] = ()
    rounds_ms: tuple[float, ...] = ()
    others_cores: float | None = None  # cores other programs kept busy during the rounds

    @property
    def noisy(self) -> bool:
        return not self.clean

    @property
    def spread(self) -> float:
        """p90 / median: how long the slow tail of single calls is."""
        return self.p90_ms / self.median_ms if self.median_ms else math.inf

    @property
    def interval(self) -> Interval:
        return Interval(self.median_ms, self.low_ms, self.high_ms)

    def as_row(self, *, samples: bool = False) -> dict[str, float | int | bool]:
        """The row vocabulary's timing metrics (`TIMING_COLUMNS`), for a lab's row; with
        `samples`, also how many timed calls and rounds they come from."""
        row: dict[str, float | int | bool] = {
            "latency_ms_median": self.median_ms, "latency_ms_low": self.low_ms,
            "latency_ms_high": self.high_ms, "latency_ms_p90": self.p90_ms,
            "latency_ms_p99": self.p99_ms, "latency_ms_cold": self.cold_ms,
            "spread": self.spread, "noisy": self.noisy, "threads": self.threads,
        }
        if self.others_cores is not None:
            row["others_cores"] = self.others_cores
        if samples:
            row |= {"samples": self.samples, "rounds": self.rounds, "stalls": self.stalls}
        return row


def summarize(
    samples_ms: Sequence[float], *, rounds_ms: Sequence[float] = (), cold_ms: float = math.nan,
    threads: int = 0, warmup: int = 0, stalls: int = 0, stalled_left: bool = False,
    others_cores: float | None = None,
) -> Timing:
    """Statistics of the timed calls; the median and its interval come from the round values
    (`rounds_ms`; every sample is a round of its own when none are given). Percentiles are
    linearly interpolated; std is the sample standard deviation (n − 1). The timing is clean
    unless a stall stayed or other programs took cores its threads needed. A wide interval
    is no disturbance: it is what the rounds showed, and every ratio read from them says
    "no measurable difference" until the interval excludes it."""
    if len(samples_ms) < 2:
        raise ValueError("need at least two samples")
    values = np.asarray(samples_ms, dtype=np.float64)
    per_round = list(rounds_ms) or list(values)
    middle = stats.median_interval(per_round)
    p90, p99 = (float(v) for v in np.percentile(values, [90, 99]))
    crowded = contended(threads, others_cores)
    return Timing(
        cold_ms=cold_ms, median_ms=middle.value, low_ms=middle.low, high_ms=middle.high,
        p90_ms=p90, p99_ms=p99, mean_ms=float(values.mean()), std_ms=float(values.std(ddof=1)),
        samples=len(values), rounds=len(per_round), stalls=stalls,
        clean=not (stalled_left or crowded), threads=threads,
        min_ms=float(values.min()), max_ms=float(values.max()), warmup=warmup,
        samples_ms=tuple(float(v) for v in values), rounds_ms=tuple(float(v) for v in per_round),
        others_cores=others_cores,
    )


TIMING_COLUMNS: tuple[Column, ...] = columns(
    "latency_ms_median", "latency_ms_low", "latency_ms_high", "latency_ms_p90",
    "latency_ms_cold", "spread", "noisy", "threads")


def set_threads(n: int) -> int:
    """torch's intra-op thread count set to `n` for the rest of the process; returns `n`."""
    import torch

    torch.set_num_threads(n)
    return n


@contextlib.contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """torch's intra-op thread count held at `threads`, restored afterwards."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def quiet_collector() -> Iterator[None]:
    """Python's garbage collector paused (after one full collection), as `timeit` does."""
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def synchronizer(device: str) -> Sync | None:
    """What to call after each timed call so that asynchronous GPU work is counted."""
    if device.startswith("cuda"):
        import torch

        return torch.cuda.synchronize
    return None


def stopwatch(
    fn: Call, synchronize: Sync | None = None, clock: Callable[[], float] = time.perf_counter,
) -> Callable[[], float]:
    """`fn` made to return how long one call took, in ms by `clock`; with `synchronize`, the
    call's asynchronous GPU work is waited for inside the timing."""
    def timed() -> float:
        started = clock()
        fn()
        if synchronize is not None:
            synchronize()
        return (clock() - started) * 1e3

    return timed


@dataclass(frozen=True)
class Comparison:
    """Variants timed in the same rounds: a `Timing` each, and ratios between them."""

    timings: dict[str, Timing]

    def __getitem__(self, name: str) -> Timing:
        return self.timings[name]

    def speedup(self, base: str, other: str) -> Interval:
        """How many times faster `other` ran than `base`, round by round, with its interval."""
        return stats.paired_ratio(self.timings[base].rounds_ms, self.timings[other].rounds_ms)

    @property
    def clean(self) -> bool:
        return all(timing.clean for timing in self.timings.values())


class _Rounds:
    """The state of one interleaved measurement: blocks, round values and the clock."""

    def __init__(self, timers: dict[str, Callable[[], float]], plan: Plan, seed: int,
                 clock: Callable[[], float], threads: dict[str, int],
                 set_threads: Callable[[int], object]) -> None:
        self.timers, self.plan, self.clock = timers, plan, clock
        self.threads, self._set_threads, self._current = threads, set_threads, 0
        self.order = np.random.default_rng(seed)
        self.cold: dict[str, float] = {}
        self.warmup: dict[str, int] = {}
        self.block: dict[str, int] = {}
        self.calls: dict[str, list[list[float]]] = {name: [] for name in timers}

    def prepare(self) -> None:
        """Each variant's cold call, its warm-up, and how many calls fill its block."""
        for name, timed in self.timers.items():
            self.use(name)
            self.cold[name] = timed()
            warm: list[float] = []
            started = self.clock()
            while len(warm) < self.plan.warmup and (
                    len(warm) < 2 or self.clock() - started < self.plan.warmup_s):
                warm.append(timed())
            self.warmup[name] = len(warm)
            typical_s = max(float(np.median(warm)) / 1e3, 1e-9)
            self.block[name] = max(1, min(MAX_BLOCK_CALLS,
                                          math.ceil(self.plan.block_s / typical_s)))

    def rounds_that_fit(self) -> int:
        """The plan's rounds, fewer (never under MIN_ROUNDS) where its budget asks, more
        (up to JUDGE_ROUNDS times as many) where they would end before the plan's `min_s`."""
        per_round_s = max(1e-9, sum(self.block[name] * float(np.median(self.calls[name][-1]))
                                    / 1e3 for name in self.timers))
        rounds = self.plan.rounds
        if self.plan.budget_s is not None:
            rounds = max(stats.MIN_ROUNDS, min(rounds, int(self.plan.budget_s / per_round_s)))
        judged = math.ceil(self.plan.min_s / per_round_s)
        return max(rounds, min(judged, JUDGE_ROUNDS * self.plan.rounds))

    def one_round(self) -> None:
        names = list(self.timers)
        for index in self.order.permutation(len(names)):
            name = names[index]
            timed = self.timers[name]
            self.use(name)
            self.calls[name].append([timed() for _ in range(self.block[name])])

    def use(self, name: str) -> None:
        """torch set to the variant's own thread count before its calls."""
        if self.threads[name] != self._current:
            self._set_threads(self.threads[name])
            self._current = self.threads[name]

    def samples(self, name: str) -> list[float]:
        """Every timed call of the variant, less the first of each block of three or more:
        that one pays for switching from another variant (its caches, its threads)."""
        return [call for block in self.calls[name]
                for call in (block[1:] if len(block) >= 3 else block)]

    @property
    def done(self) -> int:
        """Rounds measured and kept so far."""
        return len(next(iter(self.calls.values())))

    def values(self, name: str) -> list[float]:
        """Each round's value: the median of its block, less the block's first call where
        the block has three or more (see `samples`)."""
        return [float(np.median(block[1:] if len(block) >= 3 else block))
                for block in self.calls[name]]

    def stalled(self) -> list[int]:
        """Rounds in which any variant stalled."""
        return sorted({index for name in self.timers for index in stats.stalled(self.values(name))})

    def drop(self, rounds: Sequence[int]) -> None:
        for blocks in self.calls.values():
            for index in sorted(rounds, reverse=True):
                del blocks[index]


def interleaved(
    calls: Mapping[str, Call], *, threads: int | Mapping[str, int], plan: Plan = DEFAULT,
    synchronize: Mapping[str, Sync | None] | None = None, seed: int = 0,
    clock: Callable[[], float] = time.perf_counter,
    on_round: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Time every call of `calls` (each already holding its seeded input) in shuffled rounds.

    `threads` is torch's thread count for every variant, or per variant (set before each
    block; an ONNX Runtime session keeps the count it was made with, so give it that one);
    `synchronize` names, per variant, what waits for its asynchronous GPU work; `on_round`
    hears (rounds done, rounds planned) after each round.
    """
    import torch

    if not calls:
        raise ValueError("nothing to time")
    sync = synchronize or {}
    timers = {name: stopwatch(fn, sync.get(name), clock) for name, fn in calls.items()}
    counts = ({name: threads[name] for name in calls} if isinstance(threads, Mapping)
              else dict.fromkeys(calls, threads))
    state = _Rounds(timers, plan, seed, clock, counts, torch.set_num_threads)
    retries = plan.rounds // 2 if plan.retries is None else plan.retries
    with torch_threads(torch.get_num_threads()), torch.inference_mode(), quiet_collector():
        before, started = cpu_seconds(), clock()  # warm-up included: a longer window
        state.prepare()
        planned = 0
        while state.done < max(planned, 1):
            state.one_round()
            planned = planned or state.rounds_that_fit()
            if on_round is not None:
                on_round(state.done, planned)
        stalls = 0
        while (bad := state.stalled()) and stalls < retries:
            again = bad[:retries - stalls]
            state.drop(again)
            for _ in again:
                state.one_round()
            stalls += len(again)
        others = others_cores(before, cpu_seconds(), clock() - started)
        left = {name: stats.stalled(state.values(name)) for name in timers}
        leftover = sorted({index for rounds in left.values() for index in rounds})
        if leftover and state.done - len(leftover) >= stats.MIN_ROUNDS:
            state.drop(leftover)
    return Comparison({
        name: summarize(state.samples(name), rounds_ms=state.values(name),
                        cold_ms=state.cold[name], threads=counts[name],
                        warmup=state.warmup[name], stalls=stalls,
                        stalled_left=bool(left[name]), others_cores=others)
        for name in timers
    })


def others_cores(before: tuple[float, float] | None, after: tuple[float, float] | None,
                  wall_s: float) -> float | None:
    """Cores other programs (and the hypervisor) kept busy on average over `wall_s`."""
    if before is None or after is None or wall_s < OTHERS_JUDGED_AFTER_S:
        return None
    machine, mine = after[0] - before[0], after[1] - before[1]
    return max(0.0, (machine - mine) / wall_s)


Case = TypeVar("Case", bound=Hashable)
Result = TypeVar("Result")


def shuffled_rounds(cases: Sequence[Case], rounds: int, run: Callable[[int, Case], Result], *,
                    threads: int, seed: int, on_round: Callable[[int], None],
                    ) -> tuple[dict[Case, list[Result]], float | None]:
    """Every case once per round, in an order `seed` shuffles afresh each round, with torch at
    `threads`, in inference mode and with the collector paused: `run(round, case)` gives a
    case's result, `on_round(done)` hears each finished round. The results by case, in round
    order, and the cores other programs kept busy meanwhile (`others_cores`)."""
    import torch

    results: dict[Case, list[Result]] = {case: [] for case in cases}
    order = np.random.default_rng(seed)
    with torch_threads(threads), torch.inference_mode(), quiet_collector():
        before, started = cpu_seconds(), time.perf_counter()
        for round_index in range(rounds):
            for index in order.permutation(len(cases)):
                results[cases[index]].append(run(round_index, cases[index]))
            on_round(round_index + 1)
        others = others_cores(before, cpu_seconds(), time.perf_counter() - started)
    return results, others


def measure(
    fn: Call, *, threads: int, plan: Plan = DEFAULT, synchronize: Sync | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Timing:
    """Time `fn()` alone (it must already hold its seeded input), in rounds as above."""
    return interleaved({"call": fn}, threads=threads, plan=plan,
                       synchronize={"call": synchronize}, clock=clock)["call"]


def torch_call(model: torch.nn.Module, x: np.ndarray | torch.Tensor,
               device: str = "cpu") -> Call:
    """`model(x)` on `device`, the model and the input moved there once."""
    import torch

    model = model.to(device)
    tensor = torch.as_tensor(np.asarray(x) if isinstance(x, np.ndarray) else x).to(device)
    return lambda: model(tensor)


def ort_call(session: onnxruntime.InferenceSession, feeds: Mapping[str, np.ndarray]) -> Call:
    """`session.run(None, feeds)`; its thread count is the one set in `ort_session`."""
    inputs = dict(feeds)
    return lambda: session.run(None, inputs)


def ort_session_options(threads: int) -> onnxruntime.SessionOptions:
    """Session options with the same fixed thread count the torch timings use. Its worker
    threads sleep as soon as a run ends instead of spinning: spinning threads would hold the
    cores the next variant in the round needs (torch at two threads ran about 1.4× slower
    after ONNX Runtime here), and ONNX Runtime itself loses nothing measurable."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3  # errors only: warnings would only clutter stderr
    return options


def ort_session(
    path_or_bytes: str | Path | bytes, *, threads: int, opt_level: str = "all",
    providers: list[str] | None = None, profile_prefix: str | None = None,
    optimized_path: str | Path | None = None,
) -> onnxruntime.InferenceSession:
    """An ONNX Runtime session at a fixed thread count and graph optimization level
    (disable | basic | extended | all), profiling to `profile_prefix*.json` and writing the
    optimized graph to `optimized_path` when given."""
    import onnxruntime

    if opt_level not in OPT_LEVELS:
        raise ValueError(f"opt_level must be one of {', '.join(OPT_LEVELS)}")
    level = onnxruntime.GraphOptimizationLevel
    options = ort_session_options(threads)
    options.graph_optimization_level = {
        "disable": level.ORT_DISABLE_ALL, "basic": level.ORT_ENABLE_BASIC,
        "extended": level.ORT_ENABLE_EXTENDED, "all": level.ORT_ENABLE_ALL,
    }[opt_level]
    if profile_prefix is not None:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    if optimized_path is not None:
        options.optimized_model_filepath = str(optimized_path)
    model = path_or_bytes if isinstance(path_or_bytes, bytes) else str(path_or_bytes)
    return onnxruntime.InferenceSession(
        model, options, providers=providers or ["CPUExecutionProvider"])


def file_size(*paths: str | Path) -> int:
    """Bytes on disk of all `paths` together (an `.onnx` and its `.onnx.data`, say)."""
    return sum(Path(path).stat().st_size for path in paths)
