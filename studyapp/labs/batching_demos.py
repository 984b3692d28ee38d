"""The two roofline demonstrations of the batching lab, each measured against its probe
kernel in the same interleaved rounds.

A roofline share divides a rate measured now by a ceiling probed minutes ago; on a shared
machine the memory bandwidth alone moves up to 2× in that time. So each demonstration is
timed in the same shuffled rounds as the kernel that defines its ceiling, and its share is
the median of the per-round ratios, with an interval:

- memory-bound: one 8192×8192 fp32 layer (256 MB of weights, far past any last-level
  cache) at batch 1 in ONNX Runtime (a Gemm whose weight is fed as an input, the very
  tensor the torch layer holds: no second 256 MB copy, no packing), against the probe's
  reads of its 512 MB array (per round the faster, as the probe takes). ONNX Runtime's
  matrix-vector kernel streams at about the read's rate with two threads, where MKL's
  (torch eager) reached about two thirds of it here;
- compute-bound: the wide MLP at batch 256 in ONNX Runtime, against the probe's fp32 GEMM
  in torch and in ONNX Runtime (per round the faster).

torch and onnxruntime are imported inside the functions (lab child process only).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from studyapp.labs import harness, onnx_export, roofline_probe, stats, work
from studyapp.labs.batching_rows import (
    BANDWIDTH_PROBE,
    COMPUTE_DEMO,
    DEMOS,
    MEMORY_DEMO,
    PEAK_PROBE,
)
from studyapp.labs.digits import sample_batch
from studyapp.labs.events import Row
from studyapp.labs.findings import put_interval
from studyapp.labs.roofline import Roofline, Work, place
from studyapp.text import Text

if TYPE_CHECKING:
    import onnxruntime

    from studyapp.labs.zoo import TrainedModel

MEMORY_SIDE = 8192  # the memory-bound layer is MEMORY_SIDE × MEMORY_SIDE fp32: 256 MB
MEMORY_MARK = 0.85  # the share of the read's bandwidth the memory-bound case should reach
COMPUTE_MODEL = "wide_mlp"
COMPUTE_BATCH = 256
COMPUTE_MARK = 0.80  # the share of the GEMM peak the compute-bound case should reach
FLOAT_BYTES = 4


@dataclass(frozen=True)
class Kernel:
    """One call of the demonstration's comparison and what it asks of the machine."""

    name: str
    label: Text
    call: harness.Call
    work: Work
    demo: str
    batch: int | None = None
    weights: float | None = None  # bytes of weights the call reads


def _gemm_side(roof: Roofline) -> int:
    """The GEMM size the probe itself used at this peak (the larger one on a fast CPU)."""
    small = 2 * roofline_probe.GEMM_N**3 / (roof.peak_gflops * 1e9)
    return roofline_probe.LARGER_GEMM_N if small < roofline_probe.LARGER_BELOW_S \
        else roofline_probe.GEMM_N


def _gemm_work(side: int) -> Work:
    return Work(2.0 * side**3, 3.0 * side * side * FLOAT_BYTES)


def _layer_session(threads: int) -> onnxruntime.InferenceSession:
    """y = x·wᵀ in ONNX Runtime with both x and w fed at each run."""
    from onnx import TensorProto, helper

    floats = TensorProto.FLOAT
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "w"], ["y"], transB=1)], "layer",
        [helper.make_tensor_value_info("x", floats, [1, MEMORY_SIDE]),
         helper.make_tensor_value_info("w", floats, [MEMORY_SIDE, MEMORY_SIDE])],
        [helper.make_tensor_value_info("y", floats, [1, MEMORY_SIDE])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return harness.ort_session(model.SerializeToString(), threads=threads)


def memory_kernels(seed: int, threads: int) -> list[Kernel]:
    """The 256 MB layer at batch 1, and the probe's reads of 512 MB."""
    import torch
    from torch import nn

    generator = torch.Generator().manual_seed(seed)
    layer = nn.utils.skip_init(nn.Linear, MEMORY_SIDE, MEMORY_SIDE).eval()
    with torch.no_grad():
        layer.weight.uniform_(-0.5, 0.5, generator=generator)  # in place: no 256 MB copy
        layer.bias.zero_()
    x = torch.rand(1, MEMORY_SIDE, generator=generator)
    weights = float(work.weight_bytes(layer))
    moved = weights + 2 * MEMORY_SIDE * FLOAT_BYTES  # the weights, the input and the output
    side = f"{MEMORY_SIDE}×{MEMORY_SIDE}"
    reads = roofline_probe.read_kernels(roofline_probe.STREAM_BYTES)
    feeds = {"x": x.numpy(), "w": layer.weight.detach().numpy()}  # shares the layer's memory
    return [
        Kernel("memory", Text(f"слой {side}, ONNX Runtime", f"{side} layer, ONNX Runtime"),
               harness.ort_call(_layer_session(threads), feeds),
               Work(2.0 * MEMORY_SIDE**2, moved), MEMORY_DEMO, 1, weights),
        *(Kernel(read.name, Text(_read_label(read), read.name), read.call,
                 Work(read.amount / FLOAT_BYTES, read.amount), BANDWIDTH_PROBE)
          for read in reads),
    ]


def _read_label(read: roofline_probe.ProbeKernel) -> str:
    """The probe's read named in Bulgarian."""
    how = "сума" if read.name.endswith("sum") else "матрица по вектор"
    return f"четене на {_mb(read.amount)}, {how}"


def compute_kernels(wide: TrainedModel, session: onnxruntime.InferenceSession, side: int,
                    threads: int, seed: int) -> list[Kernel]:
    """The wide MLP at COMPUTE_BATCH in ONNX Runtime, and fp32 GEMM in torch and ORT."""

    x = sample_batch(COMPUTE_BATCH, seed)
    return [
        Kernel("compute", Text(f"{wide.name}, ONNX Runtime", f"{wide.name}, ONNX Runtime"),
               harness.ort_call(session, {onnx_export.INPUT_NAME: x}),
               work.work(wide.model, COMPUTE_BATCH), COMPUTE_DEMO, COMPUTE_BATCH),
        *(Kernel(gemm.name, Text(gemm.name, gemm.name), gemm.call, _gemm_work(side),
                 PEAK_PROBE) for gemm in roofline_probe.gemm_kernels(side, threads)),
    ]


def _mb(nbytes: float) -> str:
    return f"{nbytes / 1e6:.0f} MB"


def per_round(comparison: harness.Comparison, kernel: Kernel, amount: float) -> list[float]:
    """`amount` (bytes or FLOPs) per second of `kernel`, in each round, in units of 1e9."""
    return [amount / (ms / 1e3) / 1e9 for ms in comparison[kernel.name].rounds_ms]


def shares(rates: Sequence[float], ceilings: Sequence[float]) -> stats.Interval:
    """The median per-round share of a ceiling measured in the same round, with its
    interval."""
    return stats.median_interval([rate / ceiling for rate, ceiling
                                  in zip(rates, ceilings, strict=True)])


def _row(kernel: Kernel, timing: harness.Timing, roof: Roofline) -> Row:
    row: Row = {
        "variant": kernel.label.en, "variant_bg": kernel.label.bg, "demo": kernel.demo,
        "comparison": DEMOS, "batch_size": kernel.batch, "device": "cpu", "status": "ok",
        **timing.as_row(samples=True),
        "bandwidth_gbs": kernel.work.bytes / (timing.median_ms / 1e3) / 1e9,
    }
    return place(row, kernel.work, roof)


def demonstrate(wide: TrainedModel, session: onnxruntime.InferenceSession, roof: Roofline,
                threads: int, seed: int, plan: harness.Plan,
                on_round: Callable[[int, int], None] | None = None) -> list[Row]:
    """Both demonstrations and their probe kernels timed in one comparison (`session` runs
    `wide` at `threads`): a row each, placed on `roof`; the two demonstrations with their
    share of the probe kernel in the same rounds."""
    side = _gemm_side(roof)
    memory, *reads = memory_kernels(seed, threads)
    compute, *gemms = compute_kernels(wide, session, side, threads, seed)
    kernels = (memory, *reads, compute, *gemms)
    comparison = harness.interleaved({kernel.name: kernel.call for kernel in kernels},
                                     threads=threads, plan=plan, on_round=on_round)
    rows = {kernel.name: _row(kernel, comparison[kernel.name], roof) for kernel in kernels}
    bandwidth = [max(rates) for rates in zip(*(per_round(comparison, read, read.work.bytes)
                                               for read in reads), strict=True)]
    rows[memory.name].update({
        "weights_bytes": memory.weights, "llc_bytes": roof.llc_bytes,
        "probe_bytes": reads[0].work.bytes, "probe_gbs": float(np.median(bandwidth)),
        "threshold": MEMORY_MARK})
    put_interval(rows[memory.name], "share_of_probe",
                 shares(per_round(comparison, memory, memory.work.bytes), bandwidth))
    peak = [max(rates) for rates in zip(*(per_round(comparison, gemm, gemm.work.flops)
                                          for gemm in gemms), strict=True)]
    rows[compute.name].update({"probe_gflops": float(np.median(peak)), "probe_gemm_n": side,
                               "threshold": COMPUTE_MARK})
    put_interval(rows[compute.name], "share_of_probe",
                 shares(per_round(comparison, compute, compute.work.flops), peak))
    return list(rows.values())
