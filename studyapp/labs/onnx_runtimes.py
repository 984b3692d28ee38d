"""The onnx lab's runtimes: eager torch, ONNX Runtime, torch.compile and any other execution
provider this onnxruntime build has, timed in one interleaved comparison per batch size.

torch.compile's model comes compiled (`onnx_compile`) and is timed warm here. Each runtime row
names the kernel library that does its arithmetic (torch's BLAS, oneDNN, ONNX Runtime's MLAS),
read from the torch build, so the reading says which kernels were compared.

torch and onnxruntime are imported inside the functions (lab child process only).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from studyapp.labs import harness
from studyapp.labs.events import Row
from studyapp.labs.findings import put_interval
from studyapp.labs.lessons.onnx import COMPILED, EAGER, ORT
from studyapp.labs.onnx_export import INPUT_NAME, Exported, failure_summary
from studyapp.text import Text

if TYPE_CHECKING:
    import onnxruntime
    import torch

# Execution providers worth trying beside the CPU one: their short name and their device.
PROVIDERS: dict[str, tuple[str, str]] = {
    "CUDAExecutionProvider": ("CUDA", "cuda"),
    "TensorrtExecutionProvider": ("TensorRT", "cuda"),
    "OpenVINOExecutionProvider": ("OpenVINO", "cpu"),
}
PROVIDERS_DEVICE = {short: device for short, device in PROVIDERS.values()}
BLAS_NAMES = {"mkl": "MKL", "open": "OpenBLAS", "openblas": "OpenBLAS", "blis": "BLIS",
              "accelerate": "Accelerate", "flexi": "FlexiBLAS", "armpl": "Arm PL"}


@dataclass(frozen=True)
class Runtime:
    """One way of running the model: how to time it on an input, and whose kernels it uses."""

    variant: str
    device: str
    call: Callable[[np.ndarray], harness.Call]
    libraries: dict[str, str | None] = field(default_factory=dict)
    sync: harness.Sync | None = None

    @property
    def key(self) -> str:
        return f"{self.variant} ({self.device})"


def torch_blas() -> str:
    """The BLAS torch was built with (its fp32 Linear layers on the CPU call it): "MKL"."""
    import torch

    found = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    name = found.group(1) if found else "unknown"
    return BLAS_NAMES.get(name.lower(), name)


def has_convolutions(model: torch.nn.Module) -> bool:
    from torch import nn

    return any(isinstance(module, nn.Conv2d) for module in model.modules())


def torch_libraries(model: torch.nn.Module) -> dict[str, str | None]:
    """Whose kernels eager torch calls on the CPU: its BLAS for Linear, oneDNN for Conv2d."""
    import torch

    conv = ("oneDNN" if torch.backends.mkldnn.is_available() else "ATen") \
        if has_convolutions(model) else None
    return {"gemm_library": torch_blas(), "conv_library": conv}


def ort_libraries(model: torch.nn.Module) -> dict[str, str | None]:
    """ONNX Runtime's CPU kernels are its own (MLAS) for both Gemm and Conv."""
    return {"gemm_library": "MLAS", "conv_library": "MLAS" if has_convolutions(model) else None}


# --- execution providers ---------------------------------------------------------------------


def provider_sessions(
    exported: Exported, *, threads: int, quick: bool,
) -> tuple[dict[str, onnxruntime.InferenceSession], list[Row]]:
    """A session for each provider of PROVIDERS that this build has and that starts, by short
    name; a row for every provider in this build and every one of PROVIDERS, with its status."""
    import onnxruntime

    available = onnxruntime.get_available_providers()
    rows: list[Row] = [
        {"section": "providers", "variant": name.removesuffix("ExecutionProvider"),
         "provider": name, "status": "in this build", "threads": threads, "device": "cpu"}
        for name in available if name not in PROVIDERS]
    sessions = {}
    for provider, (short, device) in PROVIDERS.items():
        status = "measured"
        if provider not in available:
            status = "absent"
        elif quick and provider == "TensorrtExecutionProvider":
            status = "not in the quick size"  # building a TensorRT engine takes tens of seconds
        else:
            try:
                session = harness.ort_session(exported.path, threads=threads,
                                              providers=[provider, "CPUExecutionProvider"])
                if session.get_providers()[0] == provider:
                    sessions[short] = session
                else:
                    status = "fell back to the CPU"
            except Exception as exc:  # a provider whose libraries or device are missing
                status = f"failed to start: {failure_summary(exc)}"
        rows.append({"section": "providers", "variant": short, "provider": provider,
                     "status": status, "threads": threads, "device": device})
    return sessions, rows


# --- the comparison --------------------------------------------------------------------------


def runtimes(
    model: torch.nn.Module, ort_session: onnxruntime.InferenceSession,
    compiled: torch.nn.Module | None, providers: Mapping[str, onnxruntime.InferenceSession],
    devices: Sequence[str],
) -> list[Runtime]:
    """Eager torch on each device, ONNX Runtime (all optimizations), torch.compile where it
    compiled, and each started provider."""
    def ort(session: onnxruntime.InferenceSession) -> Callable[[np.ndarray], harness.Call]:
        return lambda x: harness.ort_call(session, {INPUT_NAME: x})

    def eager(device: str) -> Runtime:
        own = copy.deepcopy(model)  # torch_call moves the model it is given to the device
        return Runtime(EAGER, device, lambda x: harness.torch_call(own, x, device),
                       torch_libraries(model) if device == "cpu" else {},
                       harness.synchronizer(device))

    found = [eager(device) for device in devices]
    found.append(Runtime(ORT, "cpu", ort(ort_session), ort_libraries(model)))
    if compiled is not None:
        found.append(Runtime(COMPILED, "cpu", lambda x: harness.torch_call(compiled, x),
                             torch_libraries(model)))
    found += [Runtime(f"ORT {short}", PROVIDERS_DEVICE[short], ort(session))
              for short, session in providers.items()]
    return found


def runtime_rows(
    found: Sequence[Runtime], inputs: Mapping[int, np.ndarray], *, name: str, threads: int,
    plan: harness.Plan, step: Callable[[Text], None],
) -> list[Row]:
    """Every runtime at every batch size, those of one batch timed in one comparison, each
    with its speed-up over eager torch on the CPU."""
    base = found[0].key
    rows: list[Row] = []
    for batch, x in inputs.items():
        comparison = harness.interleaved(
            {runtime.key: runtime.call(x) for runtime in found}, threads=threads, plan=plan,
            synchronize={runtime.key: runtime.sync for runtime in found})
        for runtime in found:
            row: Row = {"section": "runtimes", "model": name, "variant": runtime.variant,
                        "batch_size": batch, **runtime.libraries,
                        **comparison[runtime.key].as_row(samples=True),
                        "device": runtime.device, "status": "ok"}
            put_interval(row, "speedup", None if runtime.key == base
                         else comparison.speedup(base, runtime.key))
            rows.append(row)
        step(Text(f"среди, пакет {batch}", f"runtimes, batch {batch}"))
    return rows
