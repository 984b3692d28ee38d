"""The calls the batching lab times, one per variant, batch size and thread count.

- eager torch: `model(x)`; its Linear layers call the BLAS GEMM torch was built with (MKL
  on x86 builds), which packs the weight matrix into its own layout on every call;
- torch with each Linear's weight packed once, for the batch it will see — by MKL
  (`torch.ops.mkl._mkl_reorder_linear_weight`, run by MKL's packed GEMM: MKL without the
  per-call copy) and by oneDNN (`torch.ops.mkldnn._reorder_linear_weight`,
  run by its own matrix-multiply kernel). These are the kernels torch.compile's weight
  freezing calls; only the top-level Linear layers are packed (a CNN's convolutions stay).
  MKL packed once is timed only up to the batches where eager torch can stall
  (`PLATEAU_UP_TO`): there it tells the per-call copy from the kernel; beyond, it would
  only cost time and a copy of the weights per batch;
- ONNX Runtime: the model exported once (cached) and run by a session whose CPU kernels
  (MLAS) pack the weights when the session is created — a session per thread count;
- on a CUDA GPU, eager torch with the input already on the device, and with the host→device
  copy inside the call.

Each call holds its own seeded input. torch and onnxruntime are imported inside the
functions (lab child process only).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from studyapp.labs import harness, onnx_export
from studyapp.labs.batching_rows import (
    EAGER,
    GPU,
    GPU_COPY,
    MKL_PACKED,
    ONEDNN_PACKED,
    ORT,
    PLATEAU_UP_TO,
    THREAD_VARIANT,
)
from studyapp.labs.digits import sample_batch
from studyapp.text import Text

if TYPE_CHECKING:
    import onnxruntime
    import torch
    from torch import nn

    from studyapp.labs.zoo import TrainedModel

LABELS: dict[str, Text] = {
    EAGER: Text("torch, eager", EAGER),
    MKL_PACKED: Text("torch, MKL, тегла пакетирани веднъж", MKL_PACKED),
    ONEDNN_PACKED: Text("torch, oneDNN, тегла пакетирани веднъж", ONEDNN_PACKED),
    ORT: Text("ONNX Runtime", ORT),
    GPU: Text("cuda", GPU),
    GPU_COPY: Text("cuda + копиране H2D", GPU_COPY),
}


def copied_in(model: nn.Module, host: torch.Tensor) -> harness.Call:
    """A call of `model` on the GPU that copies its input from the host first."""
    return lambda: model(host.to("cuda"))


@dataclass(frozen=True)
class Case:
    """One timed call: a variant at a batch size and a thread count, on a device."""

    variant: str
    batch: int
    threads: int
    device: str
    call: harness.Call

    @property
    def key(self) -> str:
        return f"{self.variant}|{self.batch}|{self.threads}"


def thread_counts(threads: int) -> tuple[int, ...]:
    """1…`threads` for a thread sweep: every count up to 4, then powers of two and the top."""
    counts = set(range(1, 5)) | {2**power for power in range(threads.bit_length())}
    return tuple(sorted({count for count in counts if count < threads} | {threads}))


Layer = Callable[["torch.Tensor"], "torch.Tensor"]
Packer = Callable[["nn.Linear", int], Layer]


def onednn_packed(layer: nn.Linear, batch: int) -> Layer:
    """`layer` with its weight reordered once by oneDNN for `batch` rows."""
    import torch

    weight = torch.ops.mkldnn._reorder_linear_weight(layer.weight.detach(), batch)
    bias = None if layer.bias is None else layer.bias.detach()
    return lambda x: torch.ops.mkldnn._linear_pointwise(x, weight, bias, "none", [], "")


def mkl_packed(layer: nn.Linear, batch: int) -> Layer:
    """`layer` with its weight packed once by MKL for `batch` rows (MKL's packed GEMM needs
    the unpacked weight beside it, for any other batch)."""
    import torch

    weight = layer.weight.detach()
    packed = torch.ops.mkl._mkl_reorder_linear_weight(weight, batch)
    bias = None if layer.bias is None else layer.bias.detach()
    return lambda x: torch.ops.mkl._mkl_linear(x, packed, weight, bias, batch)



def packers() -> dict[str, tuple[Packer, int | None]]:
    """The libraries this torch build can pack Linear weights with, by variant, each with
    the largest batch it is timed at (None: every batch)."""
    import torch

    found: dict[str, tuple[Packer, int | None]] = {}
    if torch.backends.mkl.is_available():
        found[MKL_PACKED] = (mkl_packed, PLATEAU_UP_TO)
    if torch.backends.mkldnn.is_available():
        found[ONEDNN_PACKED] = (onednn_packed, None)
    return found


def packed(model: nn.Module, batch: int, pack: Packer) -> Layer:
    """`model`'s forward pass with each of its top-level Linear layers packed by `pack`."""
    from torch import nn

    layers = [pack(layer, batch) if isinstance(layer, nn.Linear) else layer
              for layer in model.children()]

    def forward(x: torch.Tensor) -> torch.Tensor:
        for layer in layers:
            x = layer(x)
        return x

    return forward


def gemm_library() -> str:
    """The BLAS eager torch's Linear calls on the CPU: "MKL", or "BLAS" for any other."""
    import torch

    return "MKL" if torch.backends.mkl.is_available() else "BLAS"


class Variants:
    """The model in each variant, and the seeded inputs, ready to be timed."""

    def __init__(self, trained: TrainedModel, batches: Sequence[int], threads: int,
                 seed: int) -> None:
        self.model = trained.model
        self.batches = tuple(batches)
        self.threads = threads
        self.inputs = {batch: sample_batch(batch, seed) for batch in batches}
        self.expected: dict[int, np.ndarray] = {}  # eager torch's output, by batch
        self.packed = {(variant, batch): packed(self.model, batch, pack)
                       for variant, (pack, largest) in packers().items() for batch in batches
                       if largest is None or batch <= largest}
        exported = onnx_export.cached_export(self.model, trained.key, self.inputs[batches[-1]],
                                             exporter="torchscript")
        counts = thread_counts(threads) if threads > 1 else (threads,)
        self.sessions: dict[int, onnxruntime.InferenceSession] = {
            count: harness.ort_session(exported.path, threads=count) for count in counts}

    def _tensor(self, batch: int) -> torch.Tensor:
        import torch

        return torch.from_numpy(self.inputs[batch])

    def _ort(self, batch: int, threads: int) -> harness.Call:
        return harness.ort_call(self.sessions[threads],
                                {onnx_export.INPUT_NAME: self.inputs[batch]})

    def cpu_cases(self) -> list[Case]:
        """Every CPU variant at every batch at the lab's threads, and THREAD_VARIANT at the
        smallest and largest batch at every other count of the thread sweep."""
        cases = []
        for batch in self.batches:
            x = self._tensor(batch)
            cases.append(Case(EAGER, batch, self.threads, "cpu", partial(self.model, x)))
            cases += [Case(variant, batch, self.threads, "cpu", partial(forward, x))
                      for (variant, size), forward in self.packed.items() if size == batch]
            cases.append(Case(ORT, batch, self.threads, "cpu", self._ort(batch, self.threads)))
        ends = sorted({self.batches[0], self.batches[-1]})
        cases += [Case(THREAD_VARIANT, batch, count, "cpu", self._ort(batch, count))
                  for count in self.sessions if count != self.threads for batch in ends]
        return cases

    def gpu_cases(self) -> list[Case]:
        """Eager torch on the GPU at every batch: input resident, and copied in the call."""
        model = copy.deepcopy(self.model).to("cuda")
        cases = []
        for batch in self.batches:
            host = self._tensor(batch)
            resident = host.to("cuda")
            cases += [Case(GPU, batch, self.threads, "cuda", partial(model, resident)),
                      Case(GPU_COPY, batch, self.threads, "cuda", copied_in(model, host))]
        return cases

    def max_abs_diff(self, case: Case) -> float | None:
        """The largest difference of a CPU case's output from eager torch's on the same
        input; None for eager torch itself and for the GPU."""
        if case.variant == EAGER or case.device != "cpu":
            return None
        import torch

        with torch.inference_mode():
            if case.batch not in self.expected:
                self.expected[case.batch] = self.model(self._tensor(case.batch)).numpy()
            got = case.call()
        values = got[0] if isinstance(got, list) else torch.as_tensor(got).numpy()
        return float(np.abs(np.asarray(values) - self.expected[case.batch]).max())
