"""The key numbers of a finished run, read from its result rows by plain code.

Predictions and result cards both start from these. No torch: the app reads stored runs.
Each function returns None when the rows do not hold what it needs (a variant was skipped,
a run of an older version), never a made-up number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Row = Mapping[str, object]
Rows = Sequence[Row]


def number(row: Row | None, key: str) -> float | None:
    """A finite number stored under `key`, or None."""
    value = None if row is None else row.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value == value and abs(value) != float("inf") else None


def multiple(value: float) -> str:
    """A ratio as the learner reads it: "×0.80", "×3.67" below ten, "×22" from ten up."""
    return f"×{value:.2f}" if value < 10 else f"×{value:.0f}"


def find(rows: Rows, **match: object) -> Row | None:
    """The first row whose values equal every one of `match`."""
    for row in rows:
        if all(row.get(key) == value for key, value in match.items()):
            return row
    return None


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


@dataclass(frozen=True)
class Speedups:
    """Speed-ups of one variant against its baseline at two batch sizes."""

    model: str
    small_batch: int
    small: float
    large_batch: int | None
    large: float | None


def _speedups(rows: Rows, **match: object) -> Speedups | None:
    matching = [row for row in rows if all(row.get(k) == v for k, v in match.items())
                and number(row, "speedup") is not None and number(row, "batch_size")]
    if not matching:
        return None
    model = str(matching[0].get("model") or "")
    same = sorted((row for row in matching if str(row.get("model") or "") == model),
                  key=lambda row: number(row, "batch_size") or 0)
    small, large = same[0], same[-1] if len(same) > 1 else None
    return Speedups(model, int(number(small, "batch_size") or 0), number(small, "speedup") or 0,
                    int(number(large, "batch_size") or 0) if large else None,
                    number(large, "speedup"))


def int8_in_torch(rows: Rows) -> Speedups | None:
    """Dynamic int8 against fp32 in torch on the CPU (the quantize lab)."""
    return _speedups(rows, runtime="torch", precision="int8", device="cpu")


def half_in_torch(rows: Rows) -> Speedups | None:
    """fp16 against fp32 in torch on the CPU (the quantize lab; a GPU run has rows of both)."""
    return _speedups(rows, runtime="torch", precision="fp16", device="cpu")


def ort_against_torch(rows: Rows) -> Speedups | None:
    """ONNX Runtime with every graph optimization against eager torch (the onnx lab)."""
    return _speedups(rows, section="runtimes", variant="ORT all")


@dataclass(frozen=True)
class Sizes:
    int8_share: float  # the int8 file's size as a share of the fp32 file
    accuracy_change_pp: float  # percentage points, int8 minus fp32


def int8_size(rows: Rows) -> Sizes | None:
    """The torch int8 file against fp32 (the quantize lab): its size share, accuracy moved."""
    int8 = find(rows, runtime="torch", precision="int8", device="cpu")
    share, change = number(int8, "size_ratio"), number(int8, "accuracy_change_pp")
    if share is None or change is None:
        return None
    return Sizes(share, change)


@dataclass(frozen=True)
class Pruning:
    dense_accuracy: float
    sparsity: float  # the highest unstructured sparsity of the sweep
    pruned_accuracy: float  # at that sparsity, without fine-tuning
    tuned_accuracy: float | None  # the same after fine-tuning
    dense_ms: float | None
    pruned_ms: float | None  # latency of the final model at that sparsity


def _unstructured(row: Row) -> bool:
    return str(row.get("variant", "")).startswith("L1 unstr")


def pruning(rows: Rows) -> Pruning | None:
    sweep = [row for row in rows if _unstructured(row) and number(row, "sparsity") is not None
             and number(row, "accuracy") is not None]
    plain = [row for row in sweep if not row.get("fine_tuned")]
    if len(plain) < 2:
        return None
    dense = min(plain, key=lambda row: number(row, "sparsity") or 0.0)
    top = max(plain, key=lambda row: number(row, "sparsity") or 0.0)
    sparsity = number(top, "sparsity") or 0.0
    tuned = next((row for row in sweep if row.get("fine_tuned")
                  and number(row, "sparsity") == sparsity), None)
    final = tuned or top
    dense_final = next((row for row in sweep if number(row, "sparsity") == number(dense,
                        "sparsity") and number(row, "latency_ms_median") is not None), None)
    return Pruning(number(dense, "accuracy") or 0.0, sparsity, number(top, "accuracy") or 0.0,
                   number(tuned, "accuracy"), number(dense_final, "latency_ms_median"),
                   number(final, "latency_ms_median"))


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


@dataclass(frozen=True)
class Hotspot:
    operator: str
    share: float
    layer: str | None  # the slowest layer (module) and its share, when profiled
    layer_share: float | None
    memory_bound: bool | None  # at the largest profiled batch, on this machine's roofline
    share_of_peak: float | None


def hotspot(rows: Rows) -> Hotspot | None:
    operators = [row for row in rows if row.get("section") == "operators"
                 and number(row, "share") is not None]
    if not operators:
        return None
    top = max(operators, key=lambda row: number(row, "share") or 0.0)
    layer = find(rows, section="modules", bottleneck=True)
    roofline = [row for row in rows if row.get("section") == "roofline"
                and isinstance(row.get("memory_bound"), bool)]
    widest = max(roofline, key=lambda row: number(row, "batch_size") or 0) if roofline else None
    return Hotspot(
        str(top.get("variant", "")), number(top, "share") or 0.0,
        f"{layer.get('layer_type', '')} {layer.get('variant', '')}".strip() if layer else None,
        number(layer, "share"), bool(widest["memory_bound"]) if widest else None,
        number(widest, "share_of_peak"))
