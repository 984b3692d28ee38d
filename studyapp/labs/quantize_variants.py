"""The variants the quantize lab compares: one model run in several precisions and runtimes.

torch fp32, dynamic int8 of the Linear layers, fp16 and bf16 on the CPU; the same model
exported to ONNX and run by ONNX Runtime in fp32, dynamic int8 and static int8 (see
`quantize_onnx`); and fp32, fp16 and bf16 on a CUDA GPU. Each variant knows its size on disk,
the bytes of weights one call reads at its precision (for the roofline) and how to call it
on an input batch; one that cannot run here says why instead.

torch and onnxruntime are imported inside the functions (lab child process only).
"""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from studyapp.labs import harness
from studyapp.labs.events import Row
from studyapp.labs.onnx_export import INPUT_NAME, Exported, onnx_files
from studyapp.labs.quantize_onnx import (
    Recipe,
    cached_quantized,
    dynamic,
    quiet_quantizer,
    timed_recipes,
)
from studyapp.labs.work import weight_bytes
from studyapp.text import Text

if TYPE_CHECKING:
    import torch

NO_GPU = Text("няма CUDA GPU", "no CUDA GPU")
CPU_ONLY = Text("динамичната int8 в torch е само за CPU", "torch's dynamic int8 is CPU-only")
INT8_BIAS_BYTES = 4  # int8 kernels keep biases in 32 bits (fp32, or int32 once quantized)

# What a variant's call gives: a torch tensor (Any here: torch is not followed) or ONNX
# Runtime's list of arrays; the variant's `logits` makes NumPy logits of it.
Output = Any
Call = Callable[[], Output]


@dataclass(frozen=True)
class Variant:
    """One way of running the model: its name, where it runs, and how to call it."""

    name: str  # language-neutral technical name, e.g. "torch int8-dyn"
    runtime: str  # "torch" or "ORT"
    precision: str  # "fp32", "int8", "fp16", "bf16"
    device: str
    size_bytes: int | None = None
    weight_bytes: int | None = None  # what one call reads of its weights, at its precision
    io_bytes: int = 4  # bytes per input and output value
    prepare: Callable[[np.ndarray], Call] | None = None  # input batch → a call giving output
    logits: Callable[[Output], np.ndarray] = np.asarray
    synchronize: harness.Sync | None = None
    recipe: Recipe | None = None  # how ONNX Runtime quantized it
    skipped: Text | None = None  # why it cannot run here (then `prepare` is None)

    def row(self) -> Row:
        """The row keys that name this variant."""
        row: Row = {"variant": self.name, "runtime": self.runtime,
                    "precision": self.precision, "device": self.device,
                    "size_bytes": self.size_bytes}
        if self.recipe is not None:
            row |= {"calibration": self.recipe.method, "weight_scales": self.recipe.scales,
                    "format": self.recipe.format, "reduce_range": self.recipe.reduce_range}
        return row


def saved_size(model: torch.nn.Module) -> int:
    """Bytes of the model's state_dict as `torch.save` writes it."""
    import torch

    buffer = io.BytesIO()
    with quiet_quantizer():
        torch.save(model.state_dict(), buffer)
    return buffer.getbuffer().nbytes


def int8_weight_bytes(model: torch.nn.Module) -> int:
    """The float model's weights at one byte each, its biases at 32 bits."""
    return sum(param.numel() * (1 if name.endswith("weight") else INT8_BIAS_BYTES)
               for name, param in model.named_parameters())


def torch_variant(name: str, precision: str, model: torch.nn.Module, dtype: torch.dtype,
                  device: str, weights: int) -> Variant:
    """`model` (already converted) run by torch on `device`, fed `dtype` inputs."""
    import torch

    def prepare(x: np.ndarray) -> Call:
        tensor = torch.from_numpy(np.array(x, dtype=np.float32)).to(device=device, dtype=dtype)
        return lambda: model(tensor)

    return Variant(name, "torch", precision, device, saved_size(model), weights,
                   io_bytes=torch.finfo(dtype).bits // 8, prepare=prepare,
                   logits=lambda out: out.float().cpu().numpy(),
                   synchronize=harness.synchronizer(device))


def ort_variant(name: str, precision: str, path: Path, threads: int, weights: int,
                recipe: Recipe | None = None) -> Variant:
    """An ONNX model on disk, run by ONNX Runtime on the CPU with every graph optimization."""
    session = harness.ort_session(path, threads=threads, opt_level="all")

    def prepare(x: np.ndarray) -> Call:
        return harness.ort_call(session, {INPUT_NAME: np.ascontiguousarray(x, np.float32)})

    return Variant(name, "ORT", precision, "cpu", harness.file_size(*onnx_files(path)),
                   weights, prepare=prepare, logits=lambda out: np.asarray(out[0]),
                   recipe=recipe)


def static_name(recipe: Recipe) -> str:
    """"ORT int8-static" for the plain recipe (MinMax, per-tensor, QDQ), with what differs."""
    differs = [part for part, plain in ((recipe.scales, "per-tensor"), (recipe.format, "QDQ"),
                                        (recipe.method, "MinMax")) if part != plain]
    return " ".join(["ORT int8-static", *map(str, differs)])


def static_variant(exported: Exported, recipe: Recipe, calibration: np.ndarray, threads: int,
                   weights: int) -> Variant:
    """ONNX Runtime static int8 by `recipe` (its file made once and cached)."""
    path = cached_quantized(exported, recipe, calibration)
    return ort_variant(static_name(recipe), "int8", path, threads, weights, recipe)


def torch_cpu_variants(model: torch.nn.Module) -> list[Variant]:
    """torch fp32, dynamic int8 of the Linear layers, fp16 and bf16 on the CPU."""
    import torch

    with quiet_quantizer():  # torch.ao's deprecation warnings
        int8 = torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8)
    half, brain = copy.deepcopy(model).half(), copy.deepcopy(model).bfloat16()
    return [
        torch_variant("torch fp32", "fp32", model, torch.float32, "cpu", weight_bytes(model)),
        torch_variant("torch int8-dyn", "int8", int8, torch.float32, "cpu",
                      int8_weight_bytes(model)),
        torch_variant("torch fp16", "fp16", half, torch.float16, "cpu", weight_bytes(half)),
        torch_variant("torch bf16", "bf16", brain, torch.bfloat16, "cpu", weight_bytes(brain)),
    ]


def ort_cpu_variants(model: torch.nn.Module, exported: Exported, calibration: np.ndarray,
                     threads: int, reduce_range: bool) -> list[Variant]:
    """ONNX Runtime fp32, dynamic int8 and static int8 by each recipe worth timing."""
    int8 = int8_weight_bytes(model)
    recipe = dynamic(reduce_range)
    return [
        ort_variant("ORT fp32", "fp32", exported.path, threads, weight_bytes(model)),
        ort_variant("ORT int8-dyn", "int8", cached_quantized(exported, recipe, calibration),
                    threads, int8, recipe),
        *(static_variant(exported, static, calibration, threads, int8)
          for static in timed_recipes(reduce_range)),
    ]


def skipped_variant(name: str, precision: str, why: Text) -> Variant:
    return Variant(name, "torch", precision, "cuda", skipped=why)


def gpu_variants(model: torch.nn.Module) -> list[Variant]:
    """fp32, fp16 and bf16 on the GPU; torch has no GPU kernels for dynamic int8."""
    import torch

    variants = [skipped_variant("torch int8-dyn", "int8", CPU_ONLY)]
    if not torch.cuda.is_available():
        return variants + [skipped_variant(f"torch {precision}", precision, NO_GPU)
                           for precision in ("fp32", "fp16", "bf16")]
    for precision, dtype in (("fp32", torch.float32), ("fp16", torch.float16),
                             ("bf16", torch.bfloat16)):
        name = f"torch {precision}"
        if dtype == torch.bfloat16 and not torch.cuda.is_bf16_supported():
            variants.append(skipped_variant(
                name, precision, Text("този GPU няма bf16 (нужна е compute capability 8.0+)",
                                      "no bf16 on this GPU (needs compute capability 8.0+)")))
            continue
        converted = copy.deepcopy(model).to(device="cuda", dtype=dtype)
        variants.append(torch_variant(name, precision, converted, dtype, "cuda",
                                      weight_bytes(converted)))
    return variants
