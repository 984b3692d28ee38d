"""The environment fingerprint saved with every lab result.

`cpu_info()` reads only the operating system (usable anywhere); `fingerprint()` adds torch
and ONNX Runtime facts and imports them, so it runs in the lab child process.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

# The instruction-set extensions that decide which inference kernels are fast.
ISA_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16")
CPUINFO = Path("/proc/cpuinfo")


def parse_cpuinfo(text: str) -> tuple[str | None, set[str]]:
    """The CPU model name and the set of flags from `/proc/cpuinfo` text."""
    model: str | None = None
    flags: set[str] = set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and model is None:
            model = value.strip()
        elif key == "flags" and not flags:
            flags = set(value.split())
    return model, flags


def usable_cores() -> int:
    """CPUs this process may run on (the affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def cpu_info() -> dict[str, Any]:
    """CPU model, ISA flags (None where the OS does not say), logical and usable cores."""
    try:
        model, flags = parse_cpuinfo(CPUINFO.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        model, flags = None, set()
    isa: dict[str, bool | None] = {name: (name in flags) if flags else None for name in ISA_FLAGS}
    isa["amx"] = any(isa[name] for name in ("amx_tile", "amx_int8", "amx_bf16")) if flags else None
    return {
        "cpu_model": model or platform.processor() or platform.machine(),
        "isa": isa,
        "logical_cores": os.cpu_count(),
        "usable_cores": usable_cores(),
        "machine": platform.machine(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def fingerprint(threads: int, device: str = "cpu") -> dict[str, Any]:
    """`cpu_info()` plus thread count, device, torch/ONNX Runtime versions, providers, GPU."""
    import onnxruntime
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {
        **cpu_info(),
        "threads": threads,
        "device": device,
        "torch": torch.__version__,
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "onnxruntime": onnxruntime.__version__,
        "ort_providers": onnxruntime.get_available_providers(),
        "gpu": gpu,
    }
