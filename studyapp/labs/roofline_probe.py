"""Measuring this machine's roofline (see `roofline.py`): the probe, its cache, its re-check.

The probe takes the best of several runs of each kernel, at the lab's thread count and at one
thread: fp32 GEMM in torch and in ONNX Runtime (whichever library is faster here sets the
peak), a read of a 512 MB array — far past any last-level cache — for the memory bandwidth,
and a read of an array a quarter of the last-level cache for the cache's bandwidth. It
records when it ran and the load average as it started. It is cached per CPU, thread count
and library versions, but only when the machine was quiet (a probe on a loaded machine would
understate it for good), and probed again whenever a row runs above it.

torch and onnxruntime are imported inside the functions (lab child process only).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from studyapp.labs import envinfo
from studyapp.labs.cache_notice import log_invalid_cache
from studyapp.labs.events import Row
from studyapp.labs.roofline import Ceiling, Roofline, Work, above_roofline, place
from studyapp.paths import cache_dir
from studyapp.text import Text

STREAM_BYTES = 512 * 1024 * 1024
CACHE_SHARE = 4  # the cache probe's array: a quarter of the last-level cache
CACHE_FALLBACK_BYTES = 4 * 1024 * 1024
GEMM_N = 1024
LARGER_GEMM_N = 2048  # also tried when the smaller one takes under LARGER_BELOW_S
LARGER_BELOW_S = 0.01
REPEATS = 5  # runs of each kernel; the best counts
READ_ROW = 4096  # floats per row of the matrix-vector read
CACHE_TRIES = 3
QUIET_LOAD = 0.5  # per usable core: a probe started under more load is not cached
CACHE_FILE = "roofline.json"

Sync = Callable[[], None]


@dataclass(frozen=True)
class ProbeKernel:
    """One kernel of the probe: a ready call and how much it does (FLOPs or bytes)."""

    name: str
    call: Callable[[], object]
    amount: float


def _best_seconds(fn: Callable[[], object], repeats: int, sync: Sync) -> float:
    fn()
    sync()
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        sync()
        best = min(best, time.perf_counter() - started)
    return best


def _ort_matmul(n: int, threads: int) -> Callable[[], object]:
    """n × n fp32 MatMul in ONNX Runtime's own kernels (MLAS), the weight an initializer."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    from studyapp.labs.harness import ort_call, ort_session

    rng = np.random.default_rng(0)
    weight = numpy_helper.from_array(rng.random((n, n), dtype=np.float32), "b")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["a", "b"], ["c"])], "gemm",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [n, n])],
        [helper.make_tensor_value_info("c", TensorProto.FLOAT, [n, n])], [weight])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    session = ort_session(model.SerializeToString(), threads=threads)
    return ort_call(session, {"a": rng.random((n, n), dtype=np.float32)})


def gemm_kernels(n: int, threads: int, device: str = "cpu") -> list[ProbeKernel]:
    """fp32 n × n GEMM in torch (MKL or oneDNN here) and, on the CPU, in ONNX Runtime (MLAS,
    faster than MKL on some CPUs): the faster one sets the peak."""
    import torch

    generator = torch.Generator().manual_seed(0)
    a = torch.rand(n, n, generator=generator).to(device)
    b = torch.rand(n, n, generator=generator).to(device)
    flops = 2.0 * n**3
    kernels = [ProbeKernel(f"GEMM {n}, torch", lambda: torch.mm(a, b), flops)]
    if device == "cpu":
        kernels.append(ProbeKernel(f"GEMM {n}, ONNX Runtime", _ort_matmul(n, threads), flops))
    return kernels


def read_kernels(nbytes: int, device: str = "cpu") -> list[ProbeKernel]:
    """Two reads of one array of `nbytes`: a sum, and a matrix-vector product over it as rows
    of READ_ROW floats (MKL's GEMV streams faster than the sum at one thread here): the
    faster one sets the bandwidth."""
    import torch

    data = torch.empty(max(READ_ROW, nbytes // 4 // READ_ROW * READ_ROW),
                       device=device).fill_(1.0)
    rows = data.view(-1, READ_ROW)
    ones = torch.ones(READ_ROW, device=device)
    amount = float(data.numel() * 4)
    return [ProbeKernel(f"read {amount / 1e6:.0f} MB, sum", data.sum, amount),
            ProbeKernel(f"read {amount / 1e6:.0f} MB, matrix-vector",
                        lambda: torch.mv(rows, ones), amount)]


def _best_rate(kernels: Sequence[ProbeKernel], repeats: int, sync: Sync) -> float:
    """The best of `repeats` runs of each kernel, in units of 1e9 per second."""
    return max(kernel.amount / _best_seconds(kernel.call, repeats, sync) / 1e9
               for kernel in kernels)


def probe_ceiling(threads: int, *, repeats: int = REPEATS, device: str = "cpu",
                  llc_bytes: int | None = None) -> Ceiling:
    """The ceilings at `threads`, each the best of `repeats` runs of its kernels. A cache read
    slower than the memory read was disturbed: it is measured again, up to CACHE_TRIES."""
    import torch

    from studyapp.labs.harness import synchronizer, torch_threads

    sync = synchronizer(device) or (lambda: None)
    with torch_threads(threads), torch.inference_mode():
        peak = _best_rate(gemm_kernels(GEMM_N, threads, device), repeats, sync)
        if 2 * GEMM_N**3 / (peak * 1e9) < LARGER_BELOW_S:
            peak = max(peak, _best_rate(gemm_kernels(LARGER_GEMM_N, threads, device),
                                        repeats, sync))
        bandwidth = _best_rate(read_kernels(STREAM_BYTES, device), repeats, sync)
        cache_reads = read_kernels((llc_bytes or CACHE_FALLBACK_BYTES) // CACHE_SHARE, device)
        cache = 0.0
        for _ in range(CACHE_TRIES):
            cache = max(cache, _best_rate(cache_reads, 10 * repeats, sync))
            if cache > bandwidth:
                break
    return Ceiling(threads, peak, bandwidth, max(cache, bandwidth))


def probe(threads: int, *, repeats: int = REPEATS, device: str = "cpu") -> Roofline:
    """Measure now: at `threads` and, on the CPU, at one thread."""
    load = envinfo.load_average()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    llc = envinfo.cpu_info()["last_level_cache_bytes"] if device == "cpu" else None
    counts = [threads, 1] if device == "cpu" and threads > 1 else [threads]
    ceilings = tuple(probe_ceiling(count, repeats=repeats, device=device, llc_bytes=llc)
                     for count in counts)
    return Roofline(ceilings, started, load, llc, device)


def _key(threads: int) -> str:
    info = envinfo.cpu_info()
    return (f"{info['cpu_model']}|{threads}|torch {envinfo.version('torch')}|"
            f"ort {envinfo.version('onnxruntime')}")


def quiet(load: float | None) -> bool:
    """Whether a probe that started at this load average may be cached."""
    return load is not None and load < QUIET_LOAD * envinfo.usable_cores()


def roofline(threads: int, *, fresh: bool = False) -> Roofline:
    """This machine's CPU roofline at `threads` (and one thread): cached unless `fresh`, or
    unless the cached entry does not read back whole (which the run's log then says); a probe
    is cached only from a quiet machine."""
    path = cache_dir() / CACHE_FILE
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cached = {}
    if not isinstance(cached, dict):
        cached = {}
    key = _key(threads)
    known = None if fresh else Roofline.from_json(cached.get(key))
    if known is not None:
        return known
    if not fresh and key in cached:
        log_invalid_cache(f"{CACHE_FILE} ({key})")
    measured = probe(threads)
    if quiet(measured.load_average):
        cached[key] = measured.to_json()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(cached, indent=1), encoding="utf-8")
        tmp.replace(path)
    return measured


def place_again(row: Row, roof: Roofline) -> Row:
    """A row placed earlier (`roofline.place`), placed on another roofline."""
    return place(row, Work(row["flops"], row["bytes_moved"], row.get("precision_speed", 1.0)),
                 roof)


def checked(rows: Sequence[Row], roof: Roofline) -> tuple[Roofline, list[Text]]:
    """`roof`, probed again when a placed row ran above it, and what the reading says of it.

    A ceiling below a speed just measured was probed at a worse moment: the probe runs again,
    each ceiling keeps the better of the two probes, and the rows are placed anew. A row still
    above the new roofline is named, with why that can happen.
    """
    if not any(above_roofline(row) for row in rows):
        return roof, []
    again = probe(roof.threads, device=roof.device)
    better = Roofline(tuple(old.best(again.at(old.threads) or old) for old in roof.ceilings),
                      again.measured_at, again.load_average, roof.llc_bytes, roof.device)
    for row in rows:
        if "flops" in row:
            place_again(row, better)
    note = Text(
        f"Ред измери повече от roofline ({roof.peak_gflops:.0f} GFLOP/s, "
        f"{roof.bandwidth_gbs:.1f} GB/s), значи пробата беше попаднала на по-натоварен момент; "
        f"измерена е наново: {better.peak_gflops:.0f} GFLOP/s, {better.bandwidth_gbs:.1f} GB/s.",
        f"A row measured more than the roofline ({roof.peak_gflops:.0f} GFLOP/s, "
        f"{roof.bandwidth_gbs:.1f} GB/s), so the probe had hit a busier moment; it was probed "
        f"again: {better.peak_gflops:.0f} GFLOP/s, {better.bandwidth_gbs:.1f} GB/s.")
    still = [row for row in rows if above_roofline(row)]
    if not still:
        return better, [note]
    names = ", ".join(f"{row.get('variant', '?')} ({row['share_of_roofline']:.0%})"
                      for row in still)
    return better, [note, Text(
        f"Още над него: {names}. Най-често част от данните стои в кеш, който пробата не вижда "
        "(например теглата между две извиквания), или машината се е успокоила след пробата.",
        f"Still above it: {names}. Most often part of the data sits in a cache the probe does "
        "not see (the weights between two calls, say), or the machine quietened after the "
        "probe.")]
