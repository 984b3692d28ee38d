"""The batching lab's row vocabulary and how its rows are picked out. Pure code, no torch.

The lab times its variants at every batch size (and ONNX Runtime at 1…N threads) in one
interleaved comparison, `comparison == SWEEP`, and its two roofline demonstrations with their
probe kernels in another, `DEMOS`; a demonstration row names what it is under `demo`. The
lab writes its rows with these names, and its lesson reads them back with these functions.
"""

from __future__ import annotations

from studyapp.labs.findings import Row, Rows, number
from studyapp.text import Text

EAGER = "torch eager"
MKL_PACKED = "torch MKL prepacked"
ONEDNN_PACKED = "torch oneDNN prepacked"
ORT = "ONNX Runtime"
GPU = "cuda"
GPU_COPY = "cuda+H2D"
PACKED_ONCE = (MKL_PACKED, ONEDNN_PACKED, ORT)  # weights packed once, before timing
CPU_VARIANTS = (EAGER, *PACKED_ONCE)
THREAD_VARIANT = ORT  # the variant also timed at 1…N threads (a session per count)
SWEEP = "sweep"  # `comparison`: batches, variants and thread counts timed in the same rounds
DEMOS = "demos"  # `comparison`: the roofline demonstrations and their probe kernels
MEMORY_DEMO, COMPUTE_DEMO = "memory", "compute"  # `demo` of the two demonstrations…
BANDWIDTH_PROBE, PEAK_PROBE = "read", "gemm"  # …and of the kernels they are measured against
PLATEAU_UP_TO = 16  # the small batches where a per-call weight copy can cancel the gain


def batch_of(row: Row | None) -> int:
    return int(number(row, "batch_size") or 0)


def threads_of(row: Row | None) -> int:
    return int(number(row, "threads") or 0)


def lab_threads(rows: Rows) -> int:
    """The thread count the lab ran its sweep at: the highest among the sweep's rows."""
    return max((threads_of(row) for row in rows if row.get("comparison") == SWEEP), default=0)


def _timed(row: Row, variant: str) -> bool:
    return (row.get("comparison") == SWEEP and row.get("variant") == variant
            and number(row, "latency_ms_median") is not None)


def series(rows: Rows, variant: str, threads: int | None = None) -> list[Row]:
    """One variant's timed sweep rows at `threads` (the lab's count by default), by batch."""
    count = lab_threads(rows) if threads is None else threads
    return sorted((row for row in rows if _timed(row, variant) and threads_of(row) == count),
                  key=batch_of)


def at_batch(rows: Rows, variant: str, batch: int) -> Row | None:
    """One variant's sweep row at `batch`, at the lab's thread count."""
    return next((row for row in series(rows, variant) if batch_of(row) == batch), None)


def thread_sweep(rows: Rows, batch: int) -> list[Row]:
    """THREAD_VARIANT at `batch`, one row per thread count, fewest threads first."""
    return sorted((row for row in rows if _timed(row, THREAD_VARIANT)
                   and batch_of(row) == batch), key=threads_of)


def demo(rows: Rows, kind: str) -> Row | None:
    """The demonstration row of `kind` (MEMORY_DEMO, COMPUTE_DEMO, or a probe kernel)."""
    return next((row for row in rows if row.get("comparison") == DEMOS
                 and row.get("demo") == kind), None)


def label(row: Row) -> Text:
    """The row's variant as a reader sees it, in both languages."""
    name = str(row.get("variant", "?"))
    return Text(str(row.get("variant_bg") or name), name)
