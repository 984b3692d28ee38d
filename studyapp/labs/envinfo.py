"""The environment fingerprint saved with every lab result.

`cpu_info()` reads only the operating system (usable anywhere); `fingerprint()` adds torch
and ONNX Runtime facts and imports onnxruntime, so it runs in the lab child process.
"""

from __future__ import annotations

import os
import platform
import sys
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TypedDict

# The instruction-set extensions that decide which inference kernels are fast.
ISA_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile",
             "amx_int8", "amx_bf16", "amx_fp16")
AMX_FLAGS = frozenset({"amx_tile", "amx_int8", "amx_bf16"})
VNNI_FLAGS = frozenset({"avx512_vnni", "avx_vnni"})  # int8 dot products in one instruction
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})  # native bf16 dot products
FP16_FLAGS = frozenset({"avx512_fp16", "amx_fp16"})  # native fp16 arithmetic
CPUINFO = Path("/proc/cpuinfo")
CPU_CACHES = Path("/sys/devices/system/cpu/cpu0/cache")


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


PROC_STAT = Path("/proc/stat")


def cpu_seconds(stat: Path = PROC_STAT) -> tuple[float, float] | None:
    """(seconds every CPU spent busy or stolen by the hypervisor, seconds this process ran)
    since boot; None where the OS keeps no such counters. Their changes over an interval
    say how much of the machine other programs took while this one measured."""
    try:
        fields = stat.read_text(encoding="ascii").splitlines()[0].split()
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[1:9])
    except (OSError, ValueError, IndexError):
        return None
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    mine = os.times()
    busy = (user + nice + system + irq + softirq + steal) / ticks
    return busy, mine.user + mine.system


OTHERS_CONTEND = 0.5  # cores other programs took, on average, from which they count


def contended(threads: int, others_cores: float | None) -> bool:
    """Whether other programs took cores that `threads` threads needed: on average they kept
    at least OTHERS_CONTEND cores busy and fewer than `threads` cores were left free."""
    return others_cores is not None and others_cores >= OTHERS_CONTEND \
        and usable_cores() - others_cores < threads


def load_average() -> float | None:
    """Runnable processes averaged over the last minute (None where the OS has no such number):
    above the core count, programs are waiting for a CPU and timings get noisy. Rounded to
    the hundredths the kernel keeps (`/proc/loadavg`), not its fixed-point binary value."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


@cache
def _read_cpuinfo() -> tuple[str | None, frozenset[str]]:
    try:
        model, flags = parse_cpuinfo(CPUINFO.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None, frozenset()
    return model, frozenset(flags)


def _flags() -> frozenset[str]:
    return _read_cpuinfo()[1]


def last_level_cache_bytes(folder: Path = CPU_CACHES) -> int | None:
    """The largest CPU cache in Linux sysfs (`36608K` → bytes), or None elsewhere."""
    units = {"K": 1024, "M": 1024**2, "G": 1024**3}
    sizes = []
    for index in folder.glob("index*"):
        try:
            text = (index / "size").read_text(encoding="ascii").strip()
            sizes.append(int(text[:-1]) * units[text[-1]] if text[-1:] in units else int(text))
        except (OSError, ValueError):
            continue
    return max(sizes, default=None)


class CpuInfo(TypedDict):
    cpu_model: str
    isa: dict[str, bool | None]  # each of ISA_FLAGS, amx, bf16, fp16; None: the OS did not say
    last_level_cache_bytes: int | None
    cores: int | None
    usable_cores: int
    machine: str
    os: str
    python: str
    load_average_1m: float | None


class Fingerprint(CpuInfo):
    threads: int | None
    device: str | None
    torch: str | None
    torch_cpu_capability: str | None
    onnxruntime: str
    ort_providers: list[str]
    gpu: str | None


def cpu_info() -> CpuInfo:
    """CPU model, ISA flags (None where the OS does not say), the last-level cache size,
    logical and usable cores."""
    model, flags = _read_cpuinfo()
    isa: dict[str, bool | None] = {name: (name in flags) if flags else None for name in ISA_FLAGS}
    for name, group in (("amx", AMX_FLAGS), ("bf16", BF16_FLAGS), ("fp16", FP16_FLAGS)):
        isa[name] = bool(flags & group) if flags else None
    return {
        "cpu_model": model or platform.processor() or platform.machine(),
        "isa": isa,
        "last_level_cache_bytes": last_level_cache_bytes(),
        "cores": os.cpu_count(),
        "usable_cores": usable_cores(),
        "machine": platform.machine(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_average_1m": load_average(),
    }


def version(distribution: str) -> str | None:
    """The installed version of a distribution, or None."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def has_vnni() -> bool:
    """Whether the CPU has int8 dot-product instructions (AVX512-VNNI or AVX-VNNI)."""
    return bool(_flags() & VNNI_FLAGS)


def has_amx() -> bool:
    """Whether the CPU has AMX tile instructions (int8/bf16 matrix units)."""
    return bool(_flags() & AMX_FLAGS)


def has_bf16() -> bool:
    """Whether the CPU has native bf16 dot products (AVX512-BF16 or AMX-BF16)."""
    return bool(_flags() & BF16_FLAGS)


def has_fp16() -> bool:
    """Whether the CPU has native fp16 arithmetic (AVX512-FP16 or AMX-FP16)."""
    return bool(_flags() & FP16_FLAGS)


def cuda_available() -> bool:
    """Whether torch sees a CUDA GPU (imports torch)."""
    import torch

    return torch.cuda.is_available()


def fingerprint(threads: int | None = None, device: str | None = None) -> Fingerprint:
    """`cpu_info()` plus thread count, device, torch/ONNX Runtime versions, providers, GPU.

    torch is not imported for this: its thread count, CPU capability and the GPU name are
    read only when the lab already loaded it (every lab that measures with torch has).
    """
    import onnxruntime

    torch = sys.modules.get("torch")
    gpu = None
    if torch is not None and torch.cuda.is_available():
        gpu = torch.cuda.get_device_name(0)
    if threads is None and torch is not None:
        threads = torch.get_num_threads()
    return {
        **cpu_info(),
        "threads": threads,
        "device": device,
        "torch": version("torch"),
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability() if torch else None,
        "onnxruntime": onnxruntime.__version__,
        "ort_providers": onnxruntime.get_available_providers(),
        "gpu": gpu,
    }
