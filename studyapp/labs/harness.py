"""The measurement harness every lab times with.

One cold first call, reported apart; at least 10 warm-up calls; then timed calls until both
a minimum number of samples (≥ 20) and a minimum time are reached. The result gives the
median, p90, p99, mean, standard deviation and coefficient of variation, flags a noisy
measurement (CV > 0.15), and records the thread count it ran with. Calls run under
`torch.inference_mode()` with torch held at a fixed thread count; ONNX Runtime sessions from
`ort_session` get the same count.

torch and onnxruntime are imported inside the functions (lab child process only).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from studyapp.labs.columns import columns
from studyapp.labs.events import Column

if TYPE_CHECKING:
    import onnxruntime
    import torch

NOISY_CV = 0.15
MIN_WARMUP = 10
MIN_SAMPLES = 20
MIN_TIME_S = 0.5
QUICK_MIN_TIME_S = 0.05  # quick runs: the minimum counts and barely any time
OPT_LEVELS = ("disable", "basic", "extended", "all")


@dataclass(frozen=True)
class Timing:
    """Timed warm calls, in milliseconds, and the cold first call apart."""

    cold_ms: float
    median_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    std_ms: float
    cv: float  # std / mean
    samples: int
    noisy: bool  # cv > NOISY_CV
    threads: int
    min_ms: float = math.nan
    max_ms: float = math.nan
    warmup: int = 0
    samples_ms: tuple[float, ...] = ()

    def as_row(self, *, samples: bool = False) -> dict[str, float | int | bool]:
        """The row vocabulary's timing metrics (`TIMING_COLUMNS`), for a lab's row; with
        `samples`, also how many timed calls they come from."""
        row: dict[str, float | int | bool] = {
            "latency_ms_median": self.median_ms, "latency_ms_p90": self.p90_ms,
            "latency_ms_p99": self.p99_ms, "latency_ms_cold": self.cold_ms,
            "cv": self.cv, "noisy": self.noisy, "threads": self.threads,
        }
        return {**row, "samples": self.samples} if samples else row


def summarize(
    samples_ms: Sequence[float], *, cold_ms: float = math.nan, threads: int = 0, warmup: int = 0
) -> Timing:
    """Percentiles by linear interpolation; std is the sample standard deviation (n − 1)."""
    if len(samples_ms) < 2:
        raise ValueError("need at least two samples")
    values = np.asarray(samples_ms, dtype=np.float64)
    p50, p90, p99 = (float(v) for v in np.percentile(values, [50, 90, 99]))
    mean, std = float(values.mean()), float(values.std(ddof=1))
    cv = std / mean if mean > 0 else math.inf
    return Timing(
        cold_ms=cold_ms, median_ms=p50, p90_ms=p90, p99_ms=p99, mean_ms=mean, std_ms=std,
        cv=cv, samples=len(values), noisy=cv > NOISY_CV, threads=threads,
        min_ms=float(values.min()), max_ms=float(values.max()), warmup=warmup,
        samples_ms=tuple(float(v) for v in values),
    )


TIMING_COLUMNS: tuple[Column, ...] = columns(
    "latency_ms_median", "latency_ms_p90", "latency_ms_p99", "latency_ms_cold", "cv", "noisy",
    "threads")


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


def synchronizer(device: str) -> Callable[[], None] | None:
    """What to call after each timed call so that asynchronous GPU work is counted."""
    if device.startswith("cuda"):
        import torch

        return torch.cuda.synchronize
    return None


def stopwatch(
    fn: Callable[[], object], synchronize: Callable[[], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
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


def measure(
    fn: Callable[[], object],
    *,
    threads: int,
    min_time_s: float = MIN_TIME_S,
    warmup: int = MIN_WARMUP,
    min_samples: int = MIN_SAMPLES,
    max_samples: int = 100_000,
    synchronize: Callable[[], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Timing:
    """Time `fn()` (which must already hold its seeded input) as described above."""
    import torch

    if warmup < MIN_WARMUP or min_samples < MIN_SAMPLES or max_samples < min_samples:
        raise ValueError(f"need at least {MIN_WARMUP} warm-up calls and {MIN_SAMPLES} samples")

    timed = stopwatch(fn, synchronize, clock)
    with torch_threads(threads), torch.inference_mode():
        cold_ms = timed()
        for _ in range(warmup):
            timed()
        samples: list[float] = []
        started = clock()
        while len(samples) < max_samples and (
            len(samples) < min_samples or clock() - started < min_time_s
        ):
            samples.append(timed())
    return summarize(samples, cold_ms=cold_ms, threads=threads, warmup=warmup)


def measure_torch(
    model: torch.nn.Module, x: Any, *, threads: int, min_time_s: float = MIN_TIME_S,
    device: str = "cpu",
) -> Timing:
    """`model(x)` timed on `device` (model and input moved there; the GPU synchronised)."""
    import torch

    model = model.to(device)
    tensor = torch.as_tensor(np.asarray(x) if isinstance(x, np.ndarray) else x).to(device)
    return measure(lambda: model(tensor), threads=threads, min_time_s=min_time_s,
                   synchronize=synchronizer(device))


def measure_ort(
    session: onnxruntime.InferenceSession, feeds: Mapping[str, np.ndarray], *, threads: int,
    min_time_s: float = MIN_TIME_S,
) -> Timing:
    """`session.run(None, feeds)` timed; `threads` is recorded (set it in `ort_session`)."""
    inputs = dict(feeds)
    return measure(lambda: session.run(None, inputs), threads=threads, min_time_s=min_time_s)


def ort_session_options(threads: int) -> onnxruntime.SessionOptions:
    """Session options with the same fixed thread count the torch timings use."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
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
