"""The profile lab's view by layer and its memory: time per layer from forward hooks around
every leaf module, and the memory a pass holds (the allocator's peak on the CPU, the CUDA
allocator's on a GPU, and the process's peak RSS).

torch is imported inside the functions (lab child process only).
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

from studyapp.labs import harness
from studyapp.labs.events import Row
from studyapp.labs.work import weight_bytes
from studyapp.text import Text

if TYPE_CHECKING:
    import torch
    from torch import nn



def leaf_modules(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Every module without children (the layers), by its name in `named_modules()`."""
    return [(name, module) for name, module in model.named_modules()
            if name and not list(module.children())]


def layer_times(model: nn.Module, x: torch.Tensor, passes: int, device: str,
                threads: int) -> dict[str, float]:
    """Seconds per forward pass spent in each layer, timed by hooks around every leaf module."""
    import torch

    sync = harness.synchronizer(device) or (lambda: None)
    started: dict[str, float] = {}
    totals: dict[str, float] = defaultdict(float)

    def before(name: str) -> Callable[..., None]:
        def hook(*_: object) -> None:
            sync()
            started[name] = time.perf_counter()
        return hook

    def after(name: str) -> Callable[..., None]:
        def hook(*_: object) -> None:
            sync()
            totals[name] += time.perf_counter() - started[name]
        return hook

    handles = []
    for name, module in leaf_modules(model):
        handles.append(module.register_forward_pre_hook(before(name)))
        handles.append(module.register_forward_hook(after(name)))
    try:
        with harness.torch_threads(threads), torch.inference_mode():
            model(x)  # warm-up, not counted
            totals.clear()
            for _ in range(passes):
                model(x)
    finally:
        for handle in handles:
            handle.remove()
    return {name: totals[name] / passes for name, _ in leaf_modules(model)}


def module_rows(model: nn.Module, seconds: dict[str, float]) -> list[Row]:
    """Each layer's time per pass and share, the slowest marked as the bottleneck."""
    total = sum(seconds.values())
    slowest = max(seconds, key=lambda name: seconds[name])
    return [{"variant": name, "layer_type": type(module).__name__,
             "params_count": sum(p.numel() for p in module.parameters()),
             "time_ms": seconds[name] * 1e3, "share": seconds[name] / total if total else 0.0,
             "bottleneck": name == slowest}
            for name, module in leaf_modules(model)]


def process_peak_rss() -> int | None:
    """This process's peak resident set size in bytes, where the OS reports it."""
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # macOS: bytes; Linux: KiB


def allocator_peak_bytes(model: nn.Module, x: torch.Tensor, threads: int) -> int:
    """Peak bytes torch's CPU allocator holds during one pass (weights excluded), from
    torch.profiler's memory events.

    Walks the allocation events in time order: every operator's own allocations (net of its
    own frees) and the `[memory]` frees between operators. The pass is profiled alone: inside
    a `record_function` span the frees between operators would be booked to the span.
    """
    import torch
    from torch.profiler import ProfilerActivity, profile

    with harness.torch_threads(threads), torch.inference_mode():
        model(x)
        with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
            model(x)
    changes = [event for event in prof.events()
               if event.name == "[memory]" or event.self_cpu_memory_usage != 0]
    changes.sort(key=lambda event: event.time_range.start)
    held = peak = 0
    for event in changes:
        held += (event.cpu_memory_usage if event.name == "[memory]"
                 else event.self_cpu_memory_usage)
        peak = max(peak, held)
    return peak


def memory_rows(model: nn.Module, x: torch.Tensor, device: str, threads: int) -> list[Row]:
    """The weights, the peak a pass holds (the CPU allocator's peak from the profiler, the
    CUDA allocator's on a GPU) and the process's peak RSS, each with its method."""
    import torch

    def row(variant: Text, size: int, method: str) -> Row:
        return {"variant": variant.en, "variant_bg": variant.bg, "size_bytes": size,
                "method": method}

    rows = [row(Text("тегла", "weights"), weight_bytes(model),
                "model.parameters() + model.buffers()")]
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        with torch.inference_mode():
            model(x)
        torch.cuda.synchronize()
        rows.append(row(Text("пикова GPU памет", "peak GPU memory"),
                        torch.cuda.max_memory_allocated(), "torch.cuda.max_memory_allocated"))
    else:
        rows.append(row(Text("пик на активациите", "peak activations"),
                        allocator_peak_bytes(model, x, threads),
                        "torch.profiler(profile_memory=True)"))
    rss = process_peak_rss()
    if rss is not None:
        rows.append(row(Text("пиков RSS на процеса", "process peak RSS"), rss,
                        "resource.getrusage().ru_maxrss"))
    return rows
