"""The onnx lab's graph optimization levels: each level's session, its optimized graph, and
the four levels timed in one interleaved comparison per batch size.

Each row holds what its level changed in the graph the level below it left (`onnx_graph`)
and the measured gain of that step, so the reading can credit a gain to fusion or to the
NCHWc layout only where the step both made that change and ran measurably faster.

torch and onnxruntime are imported inside the harness calls (lab child process only).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from studyapp.labs import harness
from studyapp.labs.events import Row
from studyapp.labs.findings import put_interval
from studyapp.labs.onnx_export import INPUT_NAME, Exported
from studyapp.labs.onnx_graph import Node, change, counted, nodes
from studyapp.text import Text

if TYPE_CHECKING:
    import onnxruntime

LEVELS = harness.OPT_LEVELS  # disable, basic, extended, all: each adds to the one before


def optimized(exported: Exported, threads: int, folder: Path
              ) -> tuple[dict[str, onnxruntime.InferenceSession], dict[str, list[Node]]]:
    """A session per level and the graph each level's optimizer saved."""
    sessions, graphs = {}, {}
    for level in LEVELS:
        saved = folder / f"optimized-{level}.onnx"
        sessions[level] = harness.ort_session(exported.path, threads=threads, opt_level=level,
                                              optimized_path=saved)
        graphs[level] = nodes(saved)
    return sessions, graphs


def graph_rows(graphs: Mapping[str, list[Node]]) -> dict[str, Row]:
    """Per level: its node count and node types, and what it changed against the level below."""
    changes = {level: change(graphs[before], graphs[level]).as_row()
               for before, level in pairwise(LEVELS)}
    return {level: {"opt_level": level, "nodes": len(graphs[level]),
                    "ops": counted(node.name for node in graphs[level]),
                    **changes.get(level, {})}
            for level in LEVELS}


def level_rows(
    exported: Exported, inputs: Mapping[int, np.ndarray], *, model: str, threads: int,
    plan: harness.Plan, folder: Path, step: Callable[[Text], None],
) -> list[Row]:
    """Every level at every batch size, the levels of one batch timed in one comparison:
    `gain` is each level's speed-up over the level below it, `speedup` over `disable`."""
    sessions, graphs = optimized(exported, threads, folder)
    facts = graph_rows(graphs)
    rows: list[Row] = []
    for batch, x in inputs.items():
        comparison = harness.interleaved(
            {level: harness.ort_call(sessions[level], {INPUT_NAME: x}) for level in LEVELS},
            threads=threads, plan=plan)
        for index, level in enumerate(LEVELS):
            row: Row = {"section": "levels", "model": model, "variant": f"ORT {level}",
                        "batch_size": batch, **facts[level],
                        **comparison[level].as_row(samples=True), "device": "cpu",
                        "status": "ok"}
            put_interval(row, "gain", comparison.speedup(LEVELS[index - 1], level)
                         if index else None)
            put_interval(row, "speedup", comparison.speedup(LEVELS[0], level)
                         if index else None)
            rows.append(row)
        step(Text(f"нива на оптимизация, пакет {batch}",
                  f"optimization levels, batch {batch}"))
    return rows
