"""The profile lab's profiling run: torch.profiler and ONNX Runtime's own profiler over the same
passes, one torch pass and then one ONNX Runtime run, pass after pass.

torch's passes are each wrapped in a `pass N` span so its events can be split by pass
(`profile_passes`); ONNX Runtime profiles every run of its session, and the optimized graph
it saves names each node of its trace ("NCHWc MaxPool").

torch and onnxruntime are imported inside the functions (lab child process only).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from studyapp.labs import harness
from studyapp.labs.events import Parsed, Row
from studyapp.labs.onnx_export import INPUT_NAME, Exported
from studyapp.labs.onnx_graph import named_nodes
from studyapp.labs.profile_passes import PASS_PREFIX

if TYPE_CHECKING:
    import torch
    from torch import nn
    from torch.autograd.profiler_util import FunctionEventAvg
    from torch.profiler import profile



@dataclass(frozen=True)
class Profiles:
    """torch.profiler's result and ONNX Runtime's trace over the same passes."""

    torch: profile  # stopped
    trace: list[dict[str, Parsed]]  # ONNX Runtime's JSON trace: warm-up runs, then `passes`
    labels: dict[str, str]  # ONNX Runtime node name → its name for a reader
    passes: int


def profiled(model: nn.Module, x: torch.Tensor, exported: Exported, *, passes: int,
             device: str, threads: int, folder: Path) -> Profiles:
    """`passes` torch passes and ONNX Runtime runs, alternating, after as many of each to warm
    up, under torch.profiler (CPU, and CUDA on a GPU) and ONNX Runtime's profiler."""
    import torch
    from torch.profiler import ProfilerActivity, profile, record_function

    optimized = folder / "optimized.onnx"
    session = harness.ort_session(exported.path, threads=threads,
                                  profile_prefix=str(folder / "ort-profile"),
                                  optimized_path=optimized)
    feeds = {INPUT_NAME: np.ascontiguousarray(x.detach().cpu().numpy())}
    activities = [ProfilerActivity.CPU]
    if device == "cuda":
        activities.append(ProfilerActivity.CUDA)
    sync = harness.synchronizer(device) or (lambda: None)
    with harness.torch_threads(threads), torch.inference_mode():
        for _ in range(passes):
            model(x)
            session.run(None, feeds)
        sync()
        with profile(activities=activities) as prof:
            for index in range(passes):
                with record_function(f"{PASS_PREFIX}{index}"):
                    model(x)
                    sync()
                session.run(None, feeds)
    trace = json.loads(Path(session.end_profiling()).read_text(encoding="utf-8"))
    labels = {name: node.name for name, node in named_nodes(optimized)}
    return Profiles(prof, trace, labels, passes)


def operators(prof: profile) -> list[FunctionEventAvg]:
    """The profiler's per-operator averages, without memory records and user annotations
    (the `pass N` spans)."""
    return [event for event in prof.key_averages()
            if not event.key.startswith("[") and not getattr(event, "is_user_annotation", False)
            and not event.key.startswith(PASS_PREFIX)]


def operator_rows(prof: profile, passes: int, top: int, device: str) -> list[Row]:
    """torch's `top` operators by self CPU time, per pass, with their share (and on a GPU
    their self device time)."""
    ops = operators(prof)
    total_us = sum(event.self_cpu_time_total for event in ops)
    ops.sort(key=lambda event: event.self_cpu_time_total, reverse=True)
    rows = []
    for event in ops[:top]:
        row = {"variant": event.key, "calls": event.count / passes,
               "self_cpu_ms": event.self_cpu_time_total / passes / 1e3,
               "share": event.self_cpu_time_total / total_us if total_us else 0.0}
        if device == "cuda":
            row["self_device_ms"] = event.self_device_time_total / passes / 1e3
        rows.append(row)
    return rows
