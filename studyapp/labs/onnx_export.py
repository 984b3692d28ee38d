"""Export a digits model to ONNX with a dynamic batch axis, and read back what was written.

Used by the `onnx`, `quantize` and `profile` labs in their child process; torch and onnx are
imported inside the functions. The exporter's own chatter goes to stderr, never to stdout,
where the lab's events travel.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from studyapp.labs.cache_notice import log_invalid_cache
from studyapp.labs.envinfo import version
from studyapp.paths import cache_dir

if TYPE_CHECKING:
    import torch

INPUT_NAME = "x"
OUTPUT_NAME = "logits"
BATCH_AXIS = "batch"
EXPORT_BATCH = 2  # the sample batch traced at export; the exported batch axis stays symbolic
EXPORTERS = ("dynamo", "torchscript")
NCHWC_DOMAIN = "com.microsoft.nchwc"  # ONNX Runtime's CPU kernels in the blocked layout
ANSI_CODES = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Exported:
    """An ONNX model on disk: the graph file and, where the exporter wrote one, its weights."""

    path: Path
    exporter: str  # "dynamo" (torch.export based) or "torchscript" (the legacy tracer)
    fallback_reason: str  # why the dynamo exporter failed; empty when it was not tried or ran

    @property
    def files(self) -> tuple[Path, ...]:
        """Every file the model takes on disk (`.onnx` and an external `.onnx.data`)."""
        return onnx_files(self.path)


def onnx_files(path: Path) -> tuple[Path, ...]:
    """The `.onnx` file and its external-data file `<name>.data`, where one exists."""
    data = path.with_name(path.name + ".data")
    return (path, data) if data.is_file() else (path,)


@contextlib.contextmanager
def quiet_exporter() -> Iterator[None]:
    """Warnings silenced and prints sent to stderr while an exporter or quantizer runs."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
        warnings.simplefilter("ignore")
        yield


def export(model: torch.nn.Module, sample: np.ndarray, path: Path,
           exporter: str = "dynamo") -> Exported:
    """Write `model` (fed float32 batches like `sample`) to `path` with a dynamic batch axis.

    With `exporter="dynamo"` the torch.export-based exporter is tried first; if it fails for
    this model the legacy TorchScript exporter writes the file instead, and the reason is
    kept. `exporter="torchscript"` goes to the legacy one directly: for these small models it
    writes the same graph in a fraction of a second, where the first torch.export-based
    export spends seconds loading.
    """
    import torch

    if exporter not in EXPORTERS:
        raise ValueError(f"exporter must be one of {', '.join(EXPORTERS)}")
    example = (torch.from_numpy(np.ascontiguousarray(sample[:EXPORT_BATCH])),)
    reason = ""
    if exporter == "dynamo":
        try:
            with quiet_exporter():
                torch.onnx.export(
                    model, example, str(path), dynamo=True, verbose=False,
                    input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
                    dynamic_shapes=({0: torch.export.Dim(BATCH_AXIS)},),
                )
            return Exported(path, "dynamo", "")
        except Exception as exc:  # any exporter failure leads to the fallback
            reason = failure_summary(exc)
        for stale in onnx_files(path):
            stale.unlink(missing_ok=True)
    with quiet_exporter():
        torch.onnx.export(
            model, example, str(path), dynamo=False,
            input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: {0: BATCH_AXIS}, OUTPUT_NAME: {0: BATCH_AXIS}},
        )
    return Exported(path, "torchscript", reason)


EXPORT_VERSION = "1"  # changes whenever `export` writes a different file for the same model


def _cached(path: Path, facts: Path) -> Exported | None:
    """The export kept at `path`, as `facts` describe it; None unless both read back whole."""
    try:
        saved = json.loads(facts.read_text(encoding="utf-8"))
        exporter, reason = saved["exporter"], saved["fallback_reason"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if exporter not in EXPORTERS or not isinstance(reason, str) or not path.is_file():
        return None
    return Exported(path, exporter, reason)


def cached_export(model: torch.nn.Module, key: str, sample: np.ndarray,
                  exporter: str = "dynamo") -> Exported:
    """`export`, done once per `key` (which names the model and its weights, e.g.
    "mlp-trained-v2" or "wide_mlp-seed0-v2") and kept under `cache_dir()/onnx/` while torch,
    the exporter and this code stay the same; a half-written entry is never read, and one
    that reads back wrong is exported again (the run's log says so)."""
    folder = cache_dir() / "onnx"
    stem = f"{key}-{exporter}-e{EXPORT_VERSION}-torch{version('torch')}"
    path, facts = folder / f"{stem}.onnx", folder / f"{stem}.json"
    known = _cached(path, facts)
    if known is not None:
        return known
    if facts.exists():
        log_invalid_cache(facts.name)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".export-") as tmp:
        made = export(model, sample, Path(tmp) / path.name, exporter)
        for file in reversed(made.files):  # the weights before the graph that names them
            os.replace(file, folder / file.name)
        fd, written = tempfile.mkstemp(dir=folder, prefix=".facts-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"exporter": made.exporter, "fallback_reason": made.fallback_reason}, out)
        os.replace(written, facts)
    return Exported(path, made.exporter, made.fallback_reason)


def copy_export(exported: Exported, folder: Path) -> Exported:
    """The exported files copied into `folder` (to quantize or rewrite them there)."""
    for file in exported.files:
        shutil.copyfile(file, folder / file.name)
    return Exported(folder / exported.path.name, exported.exporter, exported.fallback_reason)


def failure_summary(exc: BaseException) -> str:
    """`Type: first sentence` of an exception, without terminal colour codes."""
    text = ANSI_CODES.sub("", str(exc)).strip()
    first = text.splitlines()[0] if text else ""
    sentence = first.split(". ")[0].rstrip(".")
    return f"{type(exc).__name__}: {sentence}"[:200]


def op_types(path: Path) -> list[str]:
    """The operator type of each node, in graph order; ONNX Runtime's blocked-layout CPU
    kernels are marked ("NCHWc Conv"), since they share their names with the standard ones."""
    import onnx

    def label(node: onnx.NodeProto) -> str:
        blocked = node.domain == NCHWC_DOMAIN and not node.op_type.startswith("Reorder")
        return f"NCHWc {node.op_type}" if blocked else node.op_type

    return [label(node) for node in onnx.load(str(path), load_external_data=False).graph.node]
