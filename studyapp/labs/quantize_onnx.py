"""ONNX Runtime's quantizer applied to an exported model: dynamic int8 and static int8 with
each calibration method, weight-scale granularity and graph format; the files cached.

Static quantization fixes every activation's range ahead of time from calibration images,
so the graph runs int8 from layer to layer with no range computed per call; dynamic
quantization keeps fp32 activations between layers and measures each input's range on every
call. The choices a static recipe makes:

- calibration method: MinMax keeps the whole range seen; Entropy (the clipping threshold
  whose quantized histogram diverges least from the original) and Percentile (the 99.999th)
  clip rare extremes for finer steps over the common values. It changes the scale values
  only, not the kernels;
- weight scales: one per tensor, or one per output channel (finer where channels differ);
- format: QDQ (QuantizeLinear/DequantizeLinear pairs around float ops, which ONNX Runtime
  fuses into int8 kernels) or QOperator (int8 operators written directly).

Activations are u8 and weights s8, as ONNX Runtime advises for x86 CPUs; on a CPU without VNNI
the weights use 7 bits (`reduce_range`), as it also advises there, so the 16-bit pair sums of
pmaddubsw cannot saturate. A quantized file is written once per exported model, recipe,
calibration set and library versions, under `paths.cache_dir()/onnx/` next to the exports.

onnxruntime is imported inside the functions (lab child process only).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from studyapp.labs.envinfo import version
from studyapp.labs.onnx_export import INPUT_NAME, Exported, onnx_files, quiet_exporter

if TYPE_CHECKING:
    from onnxruntime.quantization import CalibrationDataReader

QUANTIZE_VERSION = "1"  # changes whenever a recipe writes a different file for the same model
CALIBRATION_BATCH = 32
METHODS = ("MinMax", "Entropy", "Percentile")
SCALES = ("per-tensor", "per-channel")
FORMATS = ("QDQ", "QOperator")


@dataclass(frozen=True)
class Recipe:
    """One way of quantizing with ONNX Runtime: dynamic (`method` None) or static."""

    method: str | None  # the calibration method of a static recipe
    scales: str = "per-tensor"
    format: str = "QDQ"
    reduce_range: bool = False  # 7-bit weights, for CPUs without VNNI

    @property
    def static(self) -> bool:
        return self.method is not None

    @property
    def label(self) -> str:
        """What a reader sees, e.g. "MinMax per-channel QDQ"."""
        if not self.static:
            return "dynamic"
        return f"{self.method} {self.scales} {self.format}"

    @property
    def slug(self) -> str:
        """The recipe in a file name."""
        weights = "-w7" if self.reduce_range else ""
        return self.label.replace(" ", "-").lower() + weights


def dynamic(reduce_range: bool) -> Recipe:
    return Recipe(None, reduce_range=reduce_range)


def static_recipes(reduce_range: bool) -> tuple[Recipe, ...]:
    """Every static recipe: each calibration method, weight-scale granularity and format."""
    return tuple(Recipe(method, scales, form, reduce_range)
                 for method in METHODS for scales in SCALES for form in FORMATS)


def timed_recipes(reduce_range: bool) -> tuple[Recipe, ...]:
    """The static recipes worth timing: those that can change the kernels (format, weight
    scales). The calibration method changes only scale values, so MinMax stands for all."""
    return (Recipe("MinMax", "per-tensor", "QDQ", reduce_range),
            Recipe("MinMax", "per-channel", "QDQ", reduce_range),
            Recipe("MinMax", "per-tensor", "QOperator", reduce_range))


def calibration_reader(images: np.ndarray) -> CalibrationDataReader:
    """Training images for `quantize_static`, handed out in small batches."""
    from onnxruntime.quantization import CalibrationDataReader

    class CalibrationImages(CalibrationDataReader):
        def __init__(self) -> None:
            self._batches = iter(np.array_split(images,
                                                max(1, len(images) // CALIBRATION_BATCH)))

        def get_next(self) -> dict[str, np.ndarray] | None:
            batch = next(self._batches, None)
            return None if batch is None else {INPUT_NAME: np.ascontiguousarray(batch)}

    return CalibrationImages()


@contextlib.contextmanager
def quiet_quantizer() -> Iterator[None]:
    """The quantizer's log advice and printed progress kept off stdout (the event channel)."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        with quiet_exporter():
            yield
    finally:
        logging.disable(previous)


def quantize(source: Path, target: Path, recipe: Recipe, calibration: np.ndarray) -> None:
    """Write `source` quantized by `recipe` to `target` (static recipes read `calibration`)."""
    from onnxruntime.quantization import (
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_dynamic,
        quantize_static,
    )

    with quiet_quantizer():
        if not recipe.static:
            quantize_dynamic(source, target, weight_type=QuantType.QInt8,
                             reduce_range=recipe.reduce_range)
            return
        quantize_static(
            source, target, calibration_reader(calibration),
            quant_format=QuantFormat.QDQ if recipe.format == "QDQ" else QuantFormat.QOperator,
            per_channel=recipe.scales == "per-channel", reduce_range=recipe.reduce_range,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
            calibrate_method=getattr(CalibrationMethod, str(recipe.method)),
        )


def cached_quantized(exported: Exported, recipe: Recipe, calibration: np.ndarray) -> Path:
    """`exported` quantized by `recipe`: made once per exported file, recipe, calibration set
    (static recipes only), this code and the onnxruntime version; a half-written file is
    never read."""
    calibrated = (f"-cal{hashlib.sha1(calibration.tobytes()).hexdigest()[:10]}"
                  if recipe.static else "")
    folder = exported.path.parent
    path = folder / (f"{exported.path.stem}-{recipe.slug}{calibrated}-q{QUANTIZE_VERSION}"
                     f"-ort{version('onnxruntime')}.onnx")
    if path.is_file():
        return path
    with tempfile.TemporaryDirectory(dir=folder, prefix=".quantize-") as tmp:
        made = Path(tmp) / path.name
        quantize(exported.path, made, recipe, calibration)
        for file in reversed(onnx_files(made)):  # the weights before the graph that names them
            os.replace(file, folder / file.name)
    return path
