"""The variants the quantize lab compares: one trained model run in several precisions.

torch fp32, dynamic int8 of the Linear layers, fp16 and bf16 on the CPU; the same model
exported to ONNX and run by ONNX Runtime in fp32, dynamic int8 and static int8 (its
activation scales calibrated on training images); and fp32, fp16 and bf16 on a CUDA GPU.
Each variant says how big it is on disk and how to call it on an input batch; one that
cannot run here says why instead.

torch and onnxruntime are imported inside the functions (lab child process only).
"""

from __future__ import annotations

import contextlib
import copy
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from studyapp.deck.model import Text
from studyapp.labs import harness
from studyapp.labs.onnx_export import INPUT_NAME, Exported, export, onnx_files, quiet_exporter

if TYPE_CHECKING:
    import torch
    from onnxruntime.quantization import CalibrationDataReader

CALIBRATION_BATCH = 32
NO_GPU = Text("няма CUDA GPU", "no CUDA GPU")

Call = Callable[[], Any]


@dataclass(frozen=True)
class Variant:
    """One way of running the model: its name, where it runs, and how to call it."""

    name: str  # language-neutral technical name, e.g. "torch int8-dyn"
    runtime: str  # "torch" or "ORT"
    precision: str  # "fp32", "int8", "fp16", "bf16"
    device: str
    size_bytes: int | None
    prepare: Callable[[np.ndarray], Call] | None  # input batch → a call giving raw output
    logits: Callable[[Any], np.ndarray] = np.asarray
    synchronize: Callable[[], None] | None = None
    skipped: Text | None = None  # why it cannot run here (then `prepare` is None)


@contextlib.contextmanager
def quiet_quantizer() -> Iterator[None]:
    """torch.ao's deprecation warnings and the ORT quantizer's log advice silenced."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        with quiet_exporter():
            yield
    finally:
        logging.disable(previous)


def torch_variant(
    name: str, precision: str, model: torch.nn.Module, dtype: torch.dtype, device: str,
    folder: Path,
) -> Variant:
    """`model` (already converted) run by torch; its size is its saved state_dict."""
    import torch

    path = folder / f"{name.replace(' ', '_')}-{device}.pt"
    with quiet_quantizer():
        torch.save(model.state_dict(), path)

    def prepare(x: np.ndarray) -> Call:
        tensor = torch.from_numpy(np.array(x, dtype=np.float32)).to(device=device, dtype=dtype)
        return lambda: model(tensor)

    return Variant(name, "torch", precision, device, path.stat().st_size, prepare,
                   logits=lambda out: out.float().cpu().numpy(),
                   synchronize=harness.synchronizer(device))


def ort_variant(name: str, precision: str, path: Path, threads: int) -> Variant:
    """An ONNX model on disk, run by ONNX Runtime on the CPU with every graph optimization."""
    session = harness.ort_session(path, threads=threads, opt_level="all")

    def prepare(x: np.ndarray) -> Call:
        feeds = {INPUT_NAME: np.ascontiguousarray(x, dtype=np.float32)}
        return lambda: session.run(None, feeds)[0]

    return Variant(name, "ORT", precision, "cpu", harness.file_size(*onnx_files(path)), prepare)


def skipped_variant(name: str, precision: str, device: str, why: Text) -> Variant:
    return Variant(name, "torch", precision, device, None, None, skipped=why)


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


def cpu_variants(
    model: torch.nn.Module, calibration: np.ndarray, folder: Path, threads: int,
    step: Callable[[Text], None],
) -> tuple[list[Variant], Exported]:
    """torch fp32, dynamic int8, fp16 and bf16; ORT fp32, dynamic int8 and static int8; and
    how the ONNX file was exported."""
    import torch
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_dynamic, quantize_static

    with quiet_quantizer():
        int8 = torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8)
    variants = [
        torch_variant("torch fp32", "fp32", model, torch.float32, "cpu", folder),
        torch_variant("torch int8-dyn", "int8", int8, torch.float32, "cpu", folder),
        torch_variant("torch fp16", "fp16", copy.deepcopy(model).half(), torch.float16, "cpu",
                      folder),
        torch_variant("torch bf16", "bf16", copy.deepcopy(model).bfloat16(), torch.bfloat16,
                      "cpu", folder),
    ]
    step(Text("torch: int8, fp16, bf16", "torch: int8, fp16, bf16"))
    exported = export(model, calibration, folder / "fp32.onnx")
    dynamic, static = folder / "int8-dyn.onnx", folder / "int8-static.onnx"
    with quiet_quantizer():
        quantize_dynamic(exported.path, dynamic, weight_type=QuantType.QInt8)
        quantize_static(
            exported.path, static, calibration_reader(calibration),
            quant_format=QuantFormat.QDQ, activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
        )
    step(Text(f"ONNX (експорт: {exported.exporter}), int8 в ONNX Runtime",
              f"ONNX (exporter: {exported.exporter}), int8 in ONNX Runtime"))
    return [
        *variants,
        ort_variant("ORT fp32", "fp32", exported.path, threads),
        ort_variant("ORT int8-dyn", "int8", dynamic, threads),
        ort_variant("ORT int8-static", "int8", static, threads),
    ], exported


def gpu_variants(model: torch.nn.Module, folder: Path) -> list[Variant]:
    """fp32, fp16 and bf16 on the GPU; torch has no GPU kernels for dynamic int8."""
    import torch

    variants = [skipped_variant(
        "torch int8-dyn", "int8", "cuda",
        Text("динамичната int8 в torch е само за CPU", "torch's dynamic int8 is CPU-only"))]
    if not torch.cuda.is_available():
        return variants + [skipped_variant(f"torch {precision}", precision, "cuda", NO_GPU)
                           for precision in ("fp32", "fp16", "bf16")]
    for precision, dtype in (("fp32", torch.float32), ("fp16", torch.float16),
                             ("bf16", torch.bfloat16)):
        name = f"torch {precision}"
        if dtype == torch.bfloat16 and not torch.cuda.is_bf16_supported():
            variants.append(skipped_variant(
                name, precision, "cuda",
                Text("този GPU няма bf16 (нужна е compute capability 8.0+)",
                     "no bf16 on this GPU (needs compute capability 8.0+)")))
            continue
        converted = copy.deepcopy(model).to(device="cuda", dtype=dtype)
        variants.append(torch_variant(name, precision, converted, dtype, "cuda", folder))
    return variants
