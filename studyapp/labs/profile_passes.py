"""Per-pass operator times from torch.profiler and from ONNX Runtime's own profile, taken in
the same loop (a torch pass, then an ONNX Runtime run, pass after pass), and the two set side
by side per kind of operation (convolution, pooling, matrix products, activations, layout
changes).

Because each torch pass and the ONNX Runtime run after it share a moment of the machine,
their per-pass ratio is paired as the harness pairs rounds: a stall hits both. So the
profile lab can say "torch's max-pool took ×14 (×12–16) longer than ONNX Runtime's" only
where the interval of those ratios excludes 1.

Pure code over the profilers' events (objects with `name`, `time_range`, `self_cpu_time_total`
from torch; JSON events from ONNX Runtime): no torch import here.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from studyapp.labs import stats
from studyapp.labs.events import Parsed, Row
from studyapp.labs.findings import put_interval

if TYPE_CHECKING:
    from torch.autograd.profiler_util import FunctionEvent

PASS_PREFIX = "pass "  # torch.profiler.record_function label around each torch pass
# Kinds of operation, in the order a reader meets them; an operator is of the first kind whose
# pattern its name matches (ONNX Runtime's fused "NCHWc Conv+Relu" is a convolution).
OPERATIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("convolution", re.compile(r"conv", re.IGNORECASE)),
    ("pooling", re.compile(r"pool", re.IGNORECASE)),
    ("matmul", re.compile(r"addmm|matmul|linear|gemm|\bb?mm\b", re.IGNORECASE)),
    ("activation", re.compile(r"relu|clamp|sigmoid|tanh|gelu", re.IGNORECASE)),
    ("layout", re.compile(r"reorder", re.IGNORECASE)),
)
OTHER = "other"
NAMED = 2  # operators named per kind of operation, the busiest ones



def operation(name: str) -> str:
    """The kind of operation an operator does, from its name."""
    return next((kind for kind, pattern in OPERATIONS if pattern.search(name)), OTHER)


@dataclass(frozen=True)
class PassTimes:
    """Self time in µs of each operator in each profiled pass (`by_op[name][i]` in pass i),
    and how many times it ran in all."""

    by_op: dict[str, list[float]]
    calls: Counter[str]
    passes: int

    def of(self, kind: str) -> list[float]:
        """Per-pass µs of every operator of one kind together."""
        mine = [times for name, times in self.by_op.items() if operation(name) == kind]
        return [sum(column) for column in zip(*mine, strict=True)] if mine else \
            [0.0] * self.passes

    def names(self, kind: str) -> str:
        """The busiest operators of one kind, the busiest first: "aten::mkldnn_convolution,
        aten::_convolution, …" (NAMED of them, and … for the rest)."""
        mine = sorted((name for name in self.by_op if operation(name) == kind),
                      key=lambda name: -sum(self.by_op[name]))
        return ", ".join(mine[:NAMED] + (["…"] if len(mine) > NAMED else []))

    def totals(self) -> list[float]:
        return [sum(column) for column in zip(*self.by_op.values(), strict=True)] \
            if self.by_op else [0.0] * self.passes


def _assign(starts: Sequence[float], ends: Sequence[float], at: float) -> int | None:
    """The index of the span [starts[i], ends[i]] holding `at`, if any."""
    index = bisect_right(starts, at) - 1
    return index if index >= 0 and at <= ends[index] else None


def torch_pass_times(events: Sequence[FunctionEvent]) -> PassTimes:
    """torch.profiler's events grouped by the `pass N` span each one started in; memory
    records and the spans themselves left out."""
    spans = sorted((event for event in events if event.name.startswith(PASS_PREFIX)),
                   key=lambda event: event.time_range.start)
    starts = [span.time_range.start for span in spans]
    ends = [span.time_range.end for span in spans]
    by_op: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(spans))
    calls: Counter[str] = Counter()
    for event in events:
        if event.name.startswith((PASS_PREFIX, "[")):
            continue
        index = _assign(starts, ends, event.time_range.start)
        if index is not None:
            by_op[event.name][index] += float(event.self_cpu_time_total)
            calls[event.name] += 1
    return PassTimes(dict(by_op), calls, len(spans))


def ort_pass_times(trace: Sequence[Mapping[str, Parsed]], labels: Mapping[str, str],
                   passes: int) -> PassTimes:
    """ONNX Runtime's node kernel times in its last `passes` runs (the earlier ones warmed it
    up), each node named by `labels` (node name → "NCHWc MaxPool") or else its operator type."""
    runs = sorted((float(event["ts"]), float(event["ts"]) + float(event["dur"]))
                  for event in trace
                  if event.get("cat") == "Session" and event.get("name") == "model_run")[-passes:]
    starts, ends = [run[0] for run in runs], [run[1] for run in runs]
    by_op: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(runs))
    calls: Counter[str] = Counter()
    for event in trace:
        name = str(event.get("name", ""))
        if event.get("cat") != "Node" or not name.endswith("_kernel_time"):
            continue
        index = _assign(starts, ends, float(event["ts"]))
        if index is None:
            continue
        node = name.removesuffix("_kernel_time")
        label = labels.get(node) or str(event.get("args", {}).get("op_name", node))
        by_op[label][index] += float(event["dur"])
        calls[label] += 1
    return PassTimes(dict(by_op), calls, len(runs))


def operator_rows(times: PassTimes, top: int) -> list[Row]:
    """The `top` operators by self time, per pass (the mean over the passes), with their
    calls per pass and their share of all operators' time."""
    total = sum(times.totals())
    ranked = sorted(times.by_op, key=lambda name: -sum(times.by_op[name]))[:top]
    return [{"variant": name, "calls": times.calls[name] / times.passes,
             "self_cpu_ms": sum(times.by_op[name]) / times.passes / 1e3,
             "share": sum(times.by_op[name]) / total if total else 0.0} for name in ranked]


def _put_ms(row: Row, key: str, per_pass_us: Sequence[float]) -> None:
    found = stats.median_interval([value / 1e3 for value in per_pass_us])
    row[key], row[f"{key}_low"], row[f"{key}_high"] = found.value, found.low, found.high


def operation_rows(torch_times: PassTimes, ort_times: PassTimes) -> list[Row]:
    """Per kind of operation either side ran: torch's and ONNX Runtime's operators, their
    per-pass milliseconds (median and interval), torch's share of its passes, and how many times
    faster ONNX Runtime did it (paired per pass; None where one side ran none of it, as when
    ONNX Runtime fused its activations into the convolutions)."""
    kinds = {operation(name) for name in (*torch_times.by_op, *ort_times.by_op)}
    passes = min(torch_times.passes, ort_times.passes)
    totals = torch_times.totals()[:passes]
    rows = []
    for kind in [kind for kind, _ in OPERATIONS] + [OTHER]:
        if kind not in kinds:
            continue
        mine, theirs = torch_times.of(kind)[:passes], ort_times.of(kind)[:passes]
        row: Row = {"variant": kind, "torch_ops": torch_times.names(kind),
                    "ort_ops": ort_times.names(kind),
                    "share": sum(mine) / sum(totals) if any(totals) else 0.0}
        _put_ms(row, "torch_ms", mine)
        _put_ms(row, "ort_ms", theirs)
        both = all(mine) and all(theirs)
        put_interval(row, "speedup", stats.paired_ratio(mine, theirs) if both else None)
        rows.append(row)
    return rows
