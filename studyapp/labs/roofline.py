"""A quick roofline probe of this machine: peak fp32 GEMM GFLOP/s and memory bandwidth.

A model is memory-bound when its arithmetic intensity (FLOP per byte moved) is below the
ridge point peak / bandwidth: then no faster arithmetic (int8, more threads) helps, only
moving fewer bytes does. The probe takes a few seconds; its result is cached per CPU model,
thread count and torch version, since the same machine gives the same roofline.
torch is imported inside the functions (lab child process only).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from studyapp.labs.digits import N_PIXELS
from studyapp.labs.envinfo import cpu_info
from studyapp.paths import cache_dir

if TYPE_CHECKING:
    from torch import nn

GEMM_SIZES = (512, 1024, 2048)
STREAM_FLOATS = 32 * 1024 * 1024  # 128 MB: far larger than any last-level cache


@dataclass(frozen=True)
class Roofline:
    peak_gflops: float  # best fp32 matrix multiply seen
    bandwidth_gbs: float  # best read bandwidth seen on a 128 MB array
    threads: int | None = None  # the torch thread count it was measured with

    @property
    def ridge_flop_per_byte(self) -> float:
        return self.peak_gflops / self.bandwidth_gbs

    def attainable_gflops(self, flop_per_byte: float) -> float:
        """The roofline: what a kernel of this arithmetic intensity can reach at best."""
        return min(self.peak_gflops, self.bandwidth_gbs * flop_per_byte)


def _best_seconds(fn: Callable[[], object], budget_s: float, synchronize: Callable[[], None]
                  ) -> float:
    fn()
    synchronize()
    best = float("inf")
    deadline = time.perf_counter() + budget_s
    for repeat in range(1000):
        started = time.perf_counter()
        fn()
        synchronize()
        best = min(best, time.perf_counter() - started)
        if repeat >= 2 and time.perf_counter() > deadline:
            break
    return best


def probe(threads: int, seconds: float = 2.0, device: str = "cpu") -> Roofline:
    """Measure now; about `seconds` in all."""
    import torch

    from studyapp.labs.harness import synchronizer, torch_threads

    sync = synchronizer(device) or (lambda: None)
    share = seconds / (len(GEMM_SIZES) + 1)
    generator = torch.Generator().manual_seed(0)
    with torch_threads(threads), torch.inference_mode():
        peak = 0.0
        for n in GEMM_SIZES:
            a = torch.rand(n, n, generator=generator).to(device)
            b = torch.rand(n, n, generator=generator).to(device)
            seconds = _best_seconds(lambda a=a, b=b: torch.mm(a, b), share, sync)
            peak = max(peak, 2 * n**3 / seconds / 1e9)
        data = torch.rand(STREAM_FLOATS, generator=generator).to(device)
        seconds = _best_seconds(data.sum, share, sync)
        bandwidth = data.numel() * data.element_size() / seconds / 1e9
    return Roofline(peak_gflops=peak, bandwidth_gbs=bandwidth, threads=threads)


def roofline(threads: int, fresh: bool = False) -> Roofline:
    """This machine's CPU roofline at `threads`, from the cache unless `fresh`.

    Only a probe made on a quiet machine (load average below the core count) is cached:
    one made while other programs ran would understate the machine for good.
    """
    import torch

    path = cache_dir() / "roofline.json"
    info = cpu_info()
    key = f"{info['cpu_model']}|{threads}|{torch.__version__}"
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cached = {}
    if not fresh and isinstance(cached.get(key), dict):
        try:
            return Roofline(**cached[key])
        except TypeError:
            pass
    measured = probe(threads)
    load = info["load_average_1m"]
    if load is not None and load >= info["usable_cores"]:
        return measured
    cached[key] = asdict(measured)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(cached, indent=1), encoding="utf-8")
    tmp.replace(path)
    return measured


def weight_bytes(model: nn.Module) -> int:
    """Bytes of the model's parameters and buffers at their own dtypes (what a call reads)."""
    tensors = [*model.parameters(), *model.buffers()]
    return sum(t.numel() * t.element_size() for t in tensors)


def linear_flops(model: nn.Module, batch_size: int) -> float:
    """FLOPs of one forward pass over `batch_size` digits: 2·in·out per fully connected layer
    (float or quantized) and 2·(in/groups)·k·k·out·H·W per convolution, per sample."""
    import torch
    from torch import nn

    convolutions: list[tuple[nn.Conv2d, torch.Size]] = []
    hooks = [
        module.register_forward_hook(
            lambda conv, _inputs, output: convolutions.append((conv, output.shape)))
        for module in model.modules() if isinstance(module, nn.Conv2d)
    ]
    try:
        if hooks:
            first = next(model.parameters())
            with torch.inference_mode():
                model(torch.zeros(1, N_PIXELS, device=first.device, dtype=first.dtype))
    finally:
        for hook in hooks:
            hook.remove()
    per_sample = sum(
        2 * module.in_features * module.out_features
        for module in model.modules()
        if hasattr(module, "in_features") and hasattr(module, "out_features")
    )
    for conv, shape in convolutions:
        kernel = conv.kernel_size[0] * conv.kernel_size[1]
        per_sample += (2 * conv.in_channels // conv.groups * kernel * conv.out_channels
                       * shape[-2] * shape[-1])
    return float(per_sample * batch_size)
