"""The onnx lab's torch.compile: the first call at each batch size timed apart (that is where
it compiles), with what dynamo says of it.

After the first shape, a second one makes dynamo compile again with the batch size dynamic
(`automatic_dynamic_shapes`); whether a third shape reuses that graph is read from dynamo's
counters (new graphs) and its guard failures (which guard of which graph the new shape broke),
so the reading says what happened instead of a rule: the CNN's dynamic graph, for one, is
guarded by `16 <= batch` from its convolution, and batch 7 compiles once more.

torch is imported inside the functions (lab child process only).
"""

from __future__ import annotations

import copy
import os
import re
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from studyapp.labs import harness
from studyapp.labs.columns import skipped
from studyapp.labs.events import Row, RowValue
from studyapp.labs.lessons.onnx import COMPILED
from studyapp.labs.onnx_export import failure_summary
from studyapp.paths import cache_dir
from studyapp.text import Text

if TYPE_CHECKING:
    import torch

GRAPH = re.compile(r"^\s*(\d+)/(\d+):\s*")  # "0/1: " — frame 0, its second compiled graph
BATCH_DIM = re.compile(r"\S+\.size\(\)\[0\]")  # "args[0].size()[0]", "L['x'].size()[0]"
SOURCE = re.compile(r"#\s*([\w/.]+\.py:\d+)")  # "# nn/modules/conv.py:560 in _conv_forward"


def broken_guard(reasons: Sequence[str]) -> tuple[str, str]:
    """The guard that the newest graph failed, among dynamo's guard-failure `reasons` for one
    call, with the batch dimension named `batch`, and the source line that set it ("" when
    unknown): ("16 <= batch", "nn/modules/conv.py:560")."""
    graphs = [(int(found.group(2)), reason) for reason in reasons
              if (found := GRAPH.match(reason))]
    if not graphs:
        return "", ""
    _, newest = max(graphs)
    guard = GRAPH.sub("", newest).split("  #")[0].strip()
    source = SOURCE.search(newest)
    return BATCH_DIM.sub("batch", guard), source.group(1) if source else ""


def guard_failures() -> list[str]:
    """Every guard failure dynamo recorded in this process (each one caused a recompile)."""
    from torch._dynamo import utils

    failures = getattr(utils, "guard_failures", {})  # internal: absent in some versions
    return [reason for reasons in failures.values() for reason in reasons]


def keep_compiled_code() -> None:
    """Point torch's compiler cache at the app's cache folder (unless TORCHINDUCTOR_CACHE_DIR
    already says where), so a later run compiles in a fraction of the time. It must run before
    anything loads torch._inductor — the torch.export-based exporter does — which reads the
    folder once."""
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(cache_dir() / "inductor"))


def compiled_model(
    model: torch.nn.Module, shapes: Mapping[int, np.ndarray], *, name: str, threads: int,
    skip: Text | None,
) -> tuple[torch.nn.Module | None, list[Row]]:
    """`torch.compile(model)` after its first call at each batch size of `shapes`, in order:
    a row per shape with the seconds that call took, the graphs dynamo compiled for it and
    the guard it broke. None and one `skipped: …` row when `skip` says why not, or when
    compiling failed. Compiled code is cached where `keep_compiled_code` points inductor."""
    import torch

    def row(**values: RowValue) -> Row:
        return {"section": "compile", "model": name, "variant": COMPILED, "threads": threads,
                "device": "cpu", **values}

    if skip is not None:
        return None, [row(**skipped(skip))]
    try:
        from torch._dynamo.utils import counters

        compiled = torch.compile(copy.deepcopy(model))
        rows = []
        for batch, sample in shapes.items():
            x = torch.from_numpy(np.ascontiguousarray(sample))
            graphs, failures = counters["stats"]["unique_graphs"], guard_failures()
            with harness.torch_threads(threads), torch.inference_mode():
                started = time.perf_counter()
                compiled(x)
                seconds = time.perf_counter() - started
            guard, source = broken_guard([reason for reason in guard_failures()
                                          if reason not in failures])
            rows.append(row(batch_size=batch, first_call_s=seconds,
                            graphs_compiled=counters["stats"]["unique_graphs"] - graphs,
                            broken_guard=guard, guard_source=source, status="ok"))
    except Exception as exc:  # no C++ compiler, an unsupported operator: the row says why
        summary = failure_summary(exc)  # torch's own words, as they are
        return None, [row(**skipped(Text(f"не успя: {summary}", f"failed: {summary}")))]
    return compiled, rows
