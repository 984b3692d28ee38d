"""A quick roofline probe of this machine: peak fp32 GEMM GFLOP/s and memory bandwidth.

A model is memory-bound when its arithmetic intensity (FLOP per byte moved) is below the
ridge point peak / bandwidth: then no faster arithmetic (int8, more threads) helps, only
moving fewer bytes does. The probe takes a few seconds; its result is cached per CPU model,
thread count and torch version, since the same machine gives the same roofline.

A timed forward pass is placed on it (`timed_row`): its FLOPs and the bytes it must move
(`work`), the GFLOP/s it reached, and that as a share of what its intensity allows. The
batching and profile labs place their timings this way. torch is imported inside the
functions (lab child process only).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from studyapp.deck.model import Text
from studyapp.labs.digits import N_CLASSES, N_PIXELS
from studyapp.labs.envinfo import cpu_info
from studyapp.paths import cache_dir

if TYPE_CHECKING:
    from torch import nn

    from studyapp.labs.harness import Timing

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


# --- timed calls on the roofline -------------------------------------------------------


@dataclass(frozen=True)
class Work:
    """What one forward pass over a batch asks of the machine."""

    flops: float  # linear_flops: 2·in·out per Linear (and the conv FLOPs)
    bytes: float  # a lower bound on memory traffic: weights, input and logits, once each

    @property
    def flop_per_byte(self) -> float:
        return self.flops / self.bytes


def work(model: nn.Module, batch: int) -> Work:
    """FLOPs and bytes moved by `model` on `batch` flat digits (activations left in cache)."""
    moved = weight_bytes(model) + batch * (N_PIXELS + N_CLASSES) * 4  # fp32
    return Work(linear_flops(model, batch), float(moved))


def timed_row(variant: Text, batch: int, timing: Timing, cost: Work, device: str,
              roof: Roofline | None) -> dict[str, Any]:
    """One row: the harness columns plus per-item latency, throughput and the roofline."""
    median_s = timing.median_ms / 1e3
    achieved = cost.flops / median_s / 1e9
    row: dict[str, Any] = {
        "variant": variant.en, "variant_bg": variant.bg, "batch_size": batch, **timing.as_row(),
        "latency_ms_per_item": timing.median_ms / batch, "throughput_per_s": batch / median_s,
        "gflops": achieved, "flop_per_byte": cost.flop_per_byte, "bytes_moved": cost.bytes,
        "device": device, "status": "ok",
    }
    if roof is not None:
        place(row, roof)
    return row


def place(row: dict[str, Any], roof: Roofline) -> None:
    """Put a timed row on `roof`: memory- or compute-bound, and its share of what is attainable."""
    row["ridge_flop_per_byte"] = roof.ridge_flop_per_byte
    row["attainable_gflops"] = roof.attainable_gflops(row["flop_per_byte"])
    row["memory_bound"] = row["flop_per_byte"] < roof.ridge_flop_per_byte
    row["share_of_peak"] = row["gflops"] / row["attainable_gflops"]


def checked_roofline(rows: Sequence[dict[str, Any]], roof: Roofline,
                     threads: int) -> tuple[Roofline, list[Text]]:
    """The cached CPU roofline, probed again when a measured row beat its compute peak.

    A peak below a speed just measured is wrong by definition: the cached probe ran while the
    machine was busier. The rows are placed on the fresh probe, and the reading says so. (A
    memory-bound row above the bandwidth line is no such proof: its bytes may sit in a cache.)
    """
    beaten = [row for row in rows if row["gflops"] > roof.peak_gflops]
    if not beaten:
        return roof, []
    fresh = roofline(threads, fresh=True)
    for row in rows:
        place(row, fresh)
    top = max(beaten, key=lambda row: row["gflops"])
    return fresh, [Text(
        f"Пакет {top['batch_size']} постигна {top['gflops']:.3g} GFLOP/s — над кеширания "
        f"roofline ({roof.peak_gflops:.0f} GFLOP/s, {roof.bandwidth_gbs:.1f} GB/s), измерен при "
        f"по-натоварена машина. Измерен е наново: {fresh.peak_gflops:.0f} GFLOP/s, "
        f"{fresh.bandwidth_gbs:.1f} GB/s.",
        f"Batch {top['batch_size']} reached {top['gflops']:.3g} GFLOP/s — above the cached "
        f"roofline ({roof.peak_gflops:.0f} GFLOP/s, {roof.bandwidth_gbs:.1f} GB/s), probed while "
        f"the machine was busier. It was probed again: {fresh.peak_gflops:.0f} GFLOP/s, "
        f"{fresh.bandwidth_gbs:.1f} GB/s.")]
