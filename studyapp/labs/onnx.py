"""Lab `onnx` (step 4, example 3): export to ONNX, check it, optimize its graph, compare runtimes.

A digits model is exported once with a dynamic batch axis (cached by model, weights and torch
version: `onnx_export.cached_export`; the torch.export-based exporter at the default size, the
cheaper TorchScript one for the quick size and the timing-only model), checked against torch
at batch 1, 7 and 64, and run by ONNX Runtime at its four graph optimization levels, timed in
one interleaved comparison per batch; each level's gain is set beside what it did to the graph
(`onnx_levels`). Eager torch, ONNX Runtime and `torch.compile` are then timed in one
interleaved comparison per batch, with compiling timed apart (`onnx_compile`), and any other
execution provider of this onnxruntime build is measured beside them (`onnx_runtimes`). The
reading is a function of the rows (`lessons/onnx.py`).

This module shadows the `onnx` package only as `studyapp.labs.onnx`; imports are absolute, so
`import onnx` anywhere still means the ONNX package. torch and onnxruntime are imported inside
the functions (lab child process only).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from studyapp.labs import harness
from studyapp.labs.columns import columns
from studyapp.labs.envinfo import cuda_available, load_average
from studyapp.labs.events import Column, Emitter, Row
from studyapp.labs.lessons.onnx import (
    COMPILED,
    EAGER,
    ORT,
    TOLERANCE,
    compile_reading,
    export_reading,
    levels_reading,
    providers_reading,
    runtimes_reading,
)
from studyapp.labs.onnx_compile import compiled_model, keep_compiled_code
from studyapp.labs.onnx_export import INPUT_NAME, Exported, cached_export
from studyapp.labs.onnx_levels import level_rows
from studyapp.labs.onnx_runtimes import provider_sessions, runtime_rows, runtimes
from studyapp.labs.params import Params, ParamSpec
from studyapp.labs.readings import Steps, cautions
from studyapp.text import Text

if TYPE_CHECKING:
    import onnxruntime
    import torch

PARAMS: dict[str, ParamSpec] = {
    "model": ParamSpec(str, "cnn", choices=("cnn", "mlp", "wide_mlp"),
                       help=Text("моделът за експорт (cnn: сливане и формат NCHWc; wide_mlp: "
                                 "само за измерване на времето, със случайни тегла)",
                                 "the model to export (cnn: fusion and the NCHWc layout; "
                                 "wide_mlp: timing only, random weights)")),
    "compile": ParamSpec(bool, True,
                         help=Text("torch.compile като трета среда (освен при size=quick; "
                                   "компилирането отнема секунди)",
                                   "torch.compile as a third runtime (except with size=quick; "
                                   "compiling takes seconds)")),
}

CHECK_BATCHES = (1, 7, 64)  # 7: a batch size neither the export nor the timings see
BATCHES = (1, 64)
COMPILE_SHAPES = (1, 64, 7)  # the third shows whether a new batch size compiles again
DEFAULT_PLAN = harness.Plan(block_s=0.005, budget_s=2.0)  # wide_mlp: fewer rounds
PLANS = {"quick": harness.QUICK, "default": DEFAULT_PLAN}
TIMING_ONLY = "wide_mlp"  # timed with seeded random weights: training it takes too long

COMMON = columns("threads", "device", "status")
TIMED = columns("batch_size", "latency_ms_median", "latency_ms_low", "latency_ms_high",
                "spread", "noisy")
CHECK_COLUMNS = columns(
    Column("variant", Text("проверка", "check")), "batch_size",
    Column("output_shape", Text("форма на изхода", "output shape")),
    Column("max_abs_diff", Text("най-голяма разлика", "largest difference")),
    Column("exporter", Text("експорт", "exporter")), "size_bytes", *COMMON,
)
GRAPH_COLUMNS = (
    Column("variant", Text("ниво", "level")), Column("nodes", Text("възли", "nodes")),
    Column("fused", Text("слети", "fused")), Column("layout", Text("формат NCHWc", "NCHWc layout")),
    Column("removed", Text("премахнати", "removed")),
)
LEVEL_COLUMNS = (
    Column("variant", Text("ниво", "level")), *TIMED,
    Column("gain", Text("спрямо нивото преди", "against the level below"), "×"),
    Column("gain_low", Text("95% от", "95% from"), "×"),
    Column("gain_high", Text("95% до", "95% to"), "×"), *COMMON,
)
RUNTIME_COLUMNS = (
    Column("variant", Text("среда", "runtime")), *TIMED,
    *columns("speedup", "speedup_low", "speedup_high"),
    Column("gemm_library", Text("кернели за GEMM", "GEMM kernels")),
    Column("conv_library", Text("кернели за свивки", "convolution kernels")), *COMMON,
)
COMPILE_COLUMNS = (
    Column("variant", Text("среда", "runtime")), *columns("batch_size"),
    Column("first_call_s", Text("първо извикване", "first call"), "s"),
    Column("graphs_compiled", Text("нови графи", "new graphs")),
    Column("broken_guard", Text("нарушено условие", "guard broken")), *COMMON,
)
PROVIDER_COLUMNS = (
    Column("variant", Text("доставчик", "provider")),
    Column("provider", Text("име в onnxruntime", "name in onnxruntime")), *COMMON,
)



def numeric_check(model: torch.nn.Module, session: onnxruntime.InferenceSession,
                  exported: Exported, samples: dict[int, np.ndarray], *, name: str,
                  threads: int) -> list[Row]:
    """ONNX Runtime against torch on real digits at batch sizes the export did and did not see."""
    import torch

    size = harness.file_size(*exported.files)
    rows = []
    for batch, x in samples.items():
        with harness.torch_threads(threads), torch.inference_mode():
            expected = model(torch.from_numpy(x)).numpy()
        got = session.run(None, {INPUT_NAME: x})[0]
        diff = float(np.max(np.abs(got - expected))) if got.shape == expected.shape else None
        if diff is None:
            status = f"mismatch: output shape {got.shape}, torch gives {expected.shape}"
        elif diff > TOLERANCE:
            status = f"mismatch: largest difference {diff:.1e} > {TOLERANCE:.0e}"
        else:
            status = "ok"
        rows.append({"section": "check", "model": name, "variant": "ORT − torch",
                     "batch_size": batch, "output_shape": "×".join(str(d) for d in got.shape),
                     "max_abs_diff": diff, "exporter": exported.exporter,
                     "fallback_reason": exported.fallback_reason, "size_bytes": size,
                     "threads": threads, "device": "cpu", "status": status})
    return rows


def compile_skip(params: Params) -> Text | None:
    """Why torch.compile does not run, or None when it does."""
    if params["size"] == "quick":
        return Text("не в бързия размер", "not in the quick size")
    return None if params["compile"] else Text("изключен", "off")


def latency_series(emit: Emitter, rows: list[Row]) -> None:
    """Latency against batch size for eager torch, ONNX Runtime without and with every
    optimization, and torch.compile."""
    for section, variant in (("runtimes", EAGER), ("levels", "ORT disable"), ("runtimes", ORT),
                             ("runtimes", COMPILED)):
        points = sorted((row["batch_size"], row["latency_ms_median"]) for row in rows
                        if row["section"] == section and row["variant"] == variant
                        and row["device"] == "cpu" and row.get("latency_ms_median"))
        if len(points) > 1:
            emit.series(variant, Text("пакет", "batch"), Text("латентност, ms", "latency, ms"),
                        [batch for batch, _ in points], [ms for _, ms in points], log_x=True)


def devices_for(params: Params, emit: Emitter) -> list[str]:
    """The CPU, and the GPU where `device=cuda` asks for one and there is one (else a note)."""
    if params["device"] != "cuda":
        return ["cpu"]
    if cuda_available():
        return ["cpu", "cuda"]
    emit.note("device=cuda: няма CUDA GPU, torch се мери само на CPU.",
              "device=cuda: there is no CUDA GPU, torch is measured on the CPU only.")
    return ["cpu"]


def exported_model(name: str, seed: int, quick: bool, emit: Emitter,
                   step: Steps) -> tuple[torch.nn.Module, Exported]:
    """The model (trained, or seeded random weights for the timing-only one) and its export."""
    from studyapp.labs import zoo
    from studyapp.labs.digits import sample_batch

    if name == TIMING_ONLY:
        trained = zoo.untrained(name, seed)
        emit.note(f"{name} е със случайни тегла: времената са истински, изходите не значат нищо.",
                  f"{name} has random weights: its timings are real, its outputs mean nothing.")
    else:
        trained = zoo.trained(name, emit.progress)
    step(Text(f"{name}: модел", f"{name}: model"))
    exported = cached_export(trained.model, trained.key, sample_batch(max(BATCHES), seed),
                             exporter="torchscript" if quick or name == TIMING_ONLY else "dynamo")
    step(Text(f"експорт ({exported.exporter})", f"export ({exported.exporter})"))
    return trained.model, exported


def timed_levels(exported: Exported, inputs: dict[int, np.ndarray], *, name: str,
                 threads: int, plan: harness.Plan, emit: Emitter, step: Steps) -> list[Row]:
    """The four levels timed together per batch, and what each changed in the graph."""
    with tempfile.TemporaryDirectory(prefix="studyapp-onnx-") as folder:
        levels = level_rows(exported, inputs, model=name, threads=threads, plan=plan,
                            folder=Path(folder), step=step)
    emit.table("onnx_graphs", Text("Какво промени всяко ниво в графа",
                                   "What each level changed in the graph"),
               GRAPH_COLUMNS, [row for row in levels if row["batch_size"] == BATCHES[0]])
    emit.table("onnx_levels", Text("Нива на оптимизация на графа, измерени заедно",
                                   "Graph optimization levels, timed together"),
               LEVEL_COLUMNS, levels)
    return levels


def timed_runtimes(model: torch.nn.Module, session: onnxruntime.InferenceSession,
                   exported: Exported, samples: dict[int, np.ndarray], *, params: Params,
                   plan: harness.Plan, emit: Emitter, step: Steps) -> list[Row]:
    """torch.compile's first calls, the execution providers, then eager torch, ONNX Runtime,
    torch.compile and each started provider timed together per batch."""
    name, threads, quick = str(params["model"]), int(params["threads"]), params["size"] == "quick"
    devices = devices_for(params, emit)
    skip = compile_skip(params)
    compiled, compile_rows = compiled_model(
        model, {batch: samples[batch] for batch in COMPILE_SHAPES}, name=name, threads=threads,
        skip=skip)
    if not skip:
        step(Text("torch.compile: компилиране", "torch.compile: compiling"))
    sessions, provider_rows = provider_sessions(exported, threads=threads, quick=quick)
    step(Text("доставчици на изпълнение", "execution providers"))
    timed = runtime_rows(runtimes(model, session, compiled, sessions, devices),
                         {batch: samples[batch] for batch in BATCHES}, name=name,
                         threads=threads, plan=plan, step=step)
    emit.table("onnx_runtimes", Text("torch срещу ONNX Runtime срещу torch.compile",
                                     "torch versus ONNX Runtime versus torch.compile"),
               RUNTIME_COLUMNS, timed)
    emit.table("onnx_compile", Text("torch.compile: първо извикване при всеки размер",
                                    "torch.compile: the first call at each size"),
               COMPILE_COLUMNS, compile_rows)
    emit.table("onnx_providers", Text("Доставчици на изпълнение", "Execution providers"),
               PROVIDER_COLUMNS, provider_rows)
    return [*compile_rows, *provider_rows, *timed]


def run(params: Params, emit: Emitter) -> None:
    from studyapp.labs.digits import sample_batch

    load = load_average()  # before the lab adds its own
    keep_compiled_code()
    threads, name, seed = int(params["threads"]), str(params["model"]), int(params["seed"])
    quick, plan = params["size"] == "quick", PLANS[str(params["size"])]
    step = Steps(emit, 4 + 2 * len(BATCHES) + (0 if compile_skip(params) else 1))
    model, exported = exported_model(name, seed, quick, emit, step)
    samples = {batch: sample_batch(batch, seed) for batch in CHECK_BATCHES}
    session = harness.ort_session(exported.path, threads=threads)
    rows = numeric_check(model, session, exported, samples, name=name, threads=threads)
    emit.table("onnx_check", Text("Числова проверка спрямо torch", "Numeric check against torch"),
               CHECK_COLUMNS, rows)
    step(Text("числова проверка", "numeric check"))
    rows += timed_levels(exported, {batch: samples[batch] for batch in BATCHES}, name=name,
                         threads=threads, plan=plan, emit=emit, step=step)
    rows += timed_runtimes(model, session, exported, samples, params=params, plan=plan,
                           emit=emit, step=step)
    latency_series(emit, rows)
    reading = [export_reading(rows), levels_reading(rows), runtimes_reading(rows),
               compile_reading(rows), providers_reading(rows), *cautions(load, rows)]
    step.finish(Text("прочит", "reading"))
    emit.result(rows, reading)
