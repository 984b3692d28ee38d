"""The profile lab's roofline points: torch (and, on the CPU, ONNX Runtime) at batch 1 and at
a large batch, timed in one interleaved comparison and placed on this machine's roofline.

torch and onnxruntime are imported inside the functions (lab child process only).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from studyapp.labs import harness
from studyapp.labs.events import Row
from studyapp.labs.onnx_export import INPUT_NAME
from studyapp.labs.roofline import Roofline, place
from studyapp.labs.work import work

if TYPE_CHECKING:
    import onnxruntime
    from torch import nn

EAGER, ORT = "torch eager", "ORT all"


def roofline_rows(
    model: nn.Module, session: onnxruntime.InferenceSession | None,
    inputs: dict[int, np.ndarray], *, device: str, threads: int, plan: harness.Plan,
    roof: Roofline,
) -> list[Row]:
    """Each batch of `inputs` run by torch on `device` and by `session` (None: torch only),
    all timed together, each row placed on `roof` with the model's FLOPs and bytes."""
    calls: dict[str, harness.Call] = {}
    sync: dict[str, harness.Sync | None] = {}
    variants: list[tuple[str, str, int]] = []  # (key, variant, batch)
    for batch, x in inputs.items():
        key = f"{EAGER} {batch}"
        calls[key], sync[key] = harness.torch_call(model, x, device), harness.synchronizer(device)
        variants.append((key, EAGER, batch))
        if session is not None:
            key = f"{ORT} {batch}"
            calls[key] = harness.ort_call(session, {INPUT_NAME: x})
            variants.append((key, ORT, batch))
    comparison = harness.interleaved(calls, threads=threads, plan=plan, synchronize=sync)
    rows = []
    for key, variant, batch in variants:
        row: Row = {"variant": variant, "batch_size": batch,
                    **comparison[key].as_row(samples=True),
                    "device": device if variant == EAGER else "cpu", "status": "ok"}
        rows.append(place(row, work(model, batch), roof))
    return rows


def by_variant(rows: Sequence[Row], variant: str) -> list[Row]:
    return sorted((row for row in rows if row["variant"] == variant),
                  key=lambda row: row["batch_size"])
