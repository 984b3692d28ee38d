"""The measurement harness every lab times with.

One cold first call, reported apart; at least 10 warm-up calls; then timed calls until both
a minimum number of samples (≥ 20) and a minimum time are reached. The summary gives the
median, p90, p99, mean, standard deviation and coefficient of variation, flags a noisy
measurement (CV > 0.15), and records the thread count it ran with. Calls run under
`torch.inference_mode()` with torch held at a fixed thread count; ONNX Runtime sessions
get the same count from `ort_session_options`.

torch and onnxruntime are imported inside the functions (lab child process only).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from studyapp.deck.model import Text
from studyapp.labs.events import Column

if TYPE_CHECKING:
    import onnxruntime

NOISY_CV = 0.15
MIN_WARMUP = 10
MIN_SAMPLES = 20


@dataclass(frozen=True)
class TimingConfig:
    warmup: int = MIN_WARMUP
    min_samples: int = MIN_SAMPLES
    min_time_s: float = 0.5
    max_samples: int = 100_000

    def __post_init__(self) -> None:
        if self.warmup < MIN_WARMUP or self.min_samples < MIN_SAMPLES:
            raise ValueError(f"need at least {MIN_WARMUP} warm-up calls and {MIN_SAMPLES} samples")
        if self.max_samples < self.min_samples or self.min_time_s < 0:
            raise ValueError("max_samples must be ≥ min_samples and min_time_s ≥ 0")


QUICK = TimingConfig(min_time_s=0.05)  # for `quick` runs: the minimum counts, barely any time
DEFAULT = TimingConfig()


@dataclass(frozen=True)
class Stats:
    """Summary of timed samples, in milliseconds."""

    n: int
    median_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    std_ms: float
    min_ms: float
    max_ms: float

    @property
    def cv(self) -> float:
        """Coefficient of variation: std / mean."""
        return self.std_ms / self.mean_ms if self.mean_ms > 0 else math.inf

    @property
    def noisy(self) -> bool:
        return self.cv > NOISY_CV


def summarize(samples_ms: Sequence[float]) -> Stats:
    """Percentiles by linear interpolation; std is the sample standard deviation (n − 1)."""
    if len(samples_ms) < 2:
        raise ValueError("need at least two samples")
    values = np.asarray(samples_ms, dtype=np.float64)
    p50, p90, p99 = np.percentile(values, [50, 90, 99])
    return Stats(
        n=len(values), median_ms=float(p50), p90_ms=float(p90), p99_ms=float(p99),
        mean_ms=float(values.mean()), std_ms=float(values.std(ddof=1)),
        min_ms=float(values.min()), max_ms=float(values.max()),
    )


@dataclass(frozen=True)
class Timing:
    """One harness measurement of a callable."""

    cold_ms: float  # the first call, before any warm-up
    stats: Stats  # the timed warm calls
    samples_ms: tuple[float, ...]
    warmup: int
    threads: int

    def row(self) -> dict[str, float | int | bool]:
        """The standard timing columns (`TIMING_COLUMNS`), for a lab to merge into its row."""
        s = self.stats
        return {
            "cold_ms": self.cold_ms, "median_ms": s.median_ms, "p90_ms": s.p90_ms,
            "p99_ms": s.p99_ms, "mean_ms": s.mean_ms, "std_ms": s.std_ms, "cv": s.cv,
            "noisy": s.noisy, "samples": s.n, "threads": self.threads,
        }


def _column(key: str, bg: str, en: str, unit: str = "") -> Column:
    return Column(key, Text(bg, en), unit)


TIMING_COLUMNS: tuple[Column, ...] = (
    _column("cold_ms", "студено", "cold", "ms"),
    _column("median_ms", "медиана", "median", "ms"),
    _column("p90_ms", "p90", "p90", "ms"),
    _column("p99_ms", "p99", "p99", "ms"),
    _column("mean_ms", "средно", "mean", "ms"),
    _column("std_ms", "σ", "std", "ms"),
    _column("cv", "CV", "CV"),
    _column("noisy", "шумно", "noisy"),
    _column("samples", "проби", "samples"),
    _column("threads", "нишки", "threads"),
)


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


def ort_session_options(threads: int) -> onnxruntime.SessionOptions:
    """Session options with the same fixed thread count the torch timings use."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3  # errors only: warnings would only clutter stderr
    return options


def synchronizer(device: str) -> Callable[[], None] | None:
    """What to call after each timed call so that asynchronous GPU work is counted."""
    if device.startswith("cuda"):
        import torch

        return torch.cuda.synchronize
    return None


def measure(
    fn: Callable[[], Any],
    *,
    threads: int,
    config: TimingConfig = DEFAULT,
    synchronize: Callable[[], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Timing:
    """Time `fn()` (which must already hold its seeded input) as described above."""
    import torch

    def timed() -> float:
        started = clock()
        fn()
        if synchronize is not None:
            synchronize()
        return (clock() - started) * 1e3

    with torch_threads(threads), torch.inference_mode():
        cold_ms = timed()
        for _ in range(config.warmup):
            timed()
        samples: list[float] = []
        started = clock()
        while len(samples) < config.max_samples and (
            len(samples) < config.min_samples or clock() - started < config.min_time_s
        ):
            samples.append(timed())
    return Timing(cold_ms, summarize(samples), tuple(samples), config.warmup, threads)
