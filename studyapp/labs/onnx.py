"""Lab `onnx` (step 4, example 3): export to ONNX, check it, optimize its graph, compare runtimes.

A digits model is exported with a dynamic batch axis (the torch.export-based exporter, or the
TorchScript one where that fails), checked against torch at batch 1, 7 and 64, run by ONNX
Runtime at its four graph optimization levels (latency and node count of the optimized graph
each), and compared with eager torch and `torch.compile`. Execution providers other than the
CPU one are used where this onnxruntime build has them; the absent ones are listed with what
they need.

This module shadows the `onnx` package only as `studyapp.labs.onnx`; imports are absolute, so
`import onnx` anywhere still means the ONNX package. torch and onnxruntime are imported inside
the functions (lab child process only).
"""

from __future__ import annotations

import copy
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from studyapp.deck.model import Text
from studyapp.labs import harness
from studyapp.labs.columns import columns
from studyapp.labs.envinfo import cuda_available, load_average
from studyapp.labs.events import Column, Emitter
from studyapp.labs.onnx_export import INPUT_NAME, Exported, export, failure_summary, op_types
from studyapp.labs.params import ParamSpec
from studyapp.labs.readings import Steps, cautions, join, noise_caution, ratio, times, verdict

if TYPE_CHECKING:
    import onnxruntime
    import torch

PARAMS: dict[str, ParamSpec] = {
    "model": ParamSpec(str, "mlp", choices=("mlp", "cnn", "wide_mlp"),
                       help=Text("моделът за експорт (cnn показва сливане на свивки)",
                                 "the model to export (cnn shows convolution fusion)")),
    "compile": ParamSpec(bool, True,
                         help=Text("torch.compile като трета среда (не в quick; първото "
                                   "компилиране може да отнеме десетки секунди)",
                                   "torch.compile as a third runtime (not in quick; the first "
                                   "compilation can take tens of seconds)")),
}

CHECK_BATCHES = (1, 7, 64)  # 7: a batch size the export never saw
BATCHES = (1, 64)
TOLERANCE = 1e-4  # largest |ONNX Runtime − torch| accepted on fp32 logits
MIN_TIME_S = {"quick": harness.QUICK_MIN_TIME_S, "default": 0.2}
TIMING_ONLY = "wide_mlp"  # timed with seeded random weights: training it takes too long
# Execution providers worth trying beside the CPU one: their short name, the device they run
# on and what a learner installs to get them.
PROVIDERS: dict[str, tuple[str, str, Text]] = {
    "CUDAExecutionProvider": ("CUDA", "cuda", Text("onnxruntime-gpu и NVIDIA GPU с CUDA",
                                                   "onnxruntime-gpu and an NVIDIA GPU with CUDA")),
    "TensorrtExecutionProvider": ("TensorRT", "cuda",
                                  Text("onnxruntime-gpu и библиотеките на TensorRT",
                                       "onnxruntime-gpu and the TensorRT libraries")),
    "OpenVINOExecutionProvider": ("OpenVINO", "cpu", Text("пакета onnxruntime-openvino (Intel)",
                                                          "the onnxruntime-openvino package "
                                                          "(Intel)")),
}
FUSED_OPS: dict[str, Text] = {
    "FusedConv": Text("свивка и активация в едно ядро", "convolution and activation in one kernel"),
    "FusedGemm": Text("Gemm и активация в едно ядро", "Gemm and activation in one kernel"),
    "FusedMatMul": Text("MatMul с мащаб и транспониране в едно ядро",
                        "MatMul with scale and transpose in one kernel"),
    "NCHWc Conv": Text("свивка в блоковия формат NCHWc на процесора, с активацията",
                       "convolution in the CPU's blocked NCHWc layout, activation included"),
    "NCHWc MaxPool": Text("max-pool във формата NCHWc", "max-pool in the NCHWc layout"),
    "ReorderInput": Text("преход към блоковия формат NCHWc на процесора",
                         "conversion to the CPU's blocked NCHWc layout"),
    "ReorderOutput": Text("преход обратно от NCHWc", "conversion back from NCHWc"),
}

COMMON_COLUMNS = columns("threads", "device", "status")
TIME_COLUMNS = columns("batch_size", "latency_ms_median", "latency_ms_p90", "speedup", "cv",
                       "noisy")
CHECK_COLUMNS = columns(
    Column("variant", Text("проверка", "check")), "batch_size",
    Column("output_shape", Text("форма на изхода", "output shape")),
    Column("max_abs_diff", Text("най-голяма разлика", "largest difference")),
    Column("exporter", Text("експорт", "exporter")), "size_bytes", *COMMON_COLUMNS,
)
LEVEL_COLUMNS = (
    Column("variant", Text("ниво", "level")),
    Column("nodes", Text("възли", "nodes")),
    *TIME_COLUMNS, *COMMON_COLUMNS,
)
RUNTIME_COLUMNS = (
    Column("variant", Text("среда", "runtime")),
    *TIME_COLUMNS,
    Column("compile_s", Text("компилиране", "compile"), "s"),
    *COMMON_COLUMNS,
)

Row = dict[str, Any]


# --- export and numeric check ---------------------------------------------------------------


def numeric_check(
    model: torch.nn.Module, session: onnxruntime.InferenceSession, exported: Exported,
    threads: int, seed: int,
) -> list[Row]:
    """ONNX Runtime against torch on real digits at batch sizes the export did and did not see."""
    import torch

    from studyapp.labs.digits import sample_batch

    size = harness.file_size(*exported.files)
    rows = []
    for batch in CHECK_BATCHES:
        x = sample_batch(batch, seed)
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
        rows.append({"section": "check", "variant": "ORT − torch", "batch_size": batch,
                     "output_shape": "×".join(str(d) for d in got.shape), "max_abs_diff": diff,
                     "exporter": exported.exporter, "size_bytes": size, "threads": threads,
                     "device": "cpu", "status": status})
    return rows


# --- graph optimization levels --------------------------------------------------------------


def optimization_levels(
    exported: Exported, inputs: Mapping[int, np.ndarray], threads: int, min_time_s: float,
    folder: Path, step: Callable[[Text], None],
) -> tuple[list[Row], dict[str, list[str]]]:
    """Latency at each level and the operators of each optimized graph."""
    rows: list[Row] = []
    ops: dict[str, list[str]] = {}
    for level in harness.OPT_LEVELS:
        saved = folder / f"optimized-{level}.onnx"
        session = harness.ort_session(exported.path, threads=threads, opt_level=level,
                                      optimized_path=saved)
        ops[level] = op_types(saved)
        for batch in BATCHES:
            timing = harness.measure_ort(session, {INPUT_NAME: inputs[batch]}, threads=threads,
                                         min_time_s=min_time_s)
            rows.append({"section": "levels", "variant": f"ORT {level}", "opt_level": level,
                         "nodes": len(ops[level]), "batch_size": batch,
                         **timing.as_row(samples=True), "device": "cpu", "status": "ok"})
            step(Text(f"ONNX Runtime, ниво {level}, пакет {batch}",
                      f"ONNX Runtime, level {level}, batch {batch}"))
    for row in rows:
        base = next(r for r in rows if r["opt_level"] == "disable"
                    and r["batch_size"] == row["batch_size"])
        row["speedup"] = ratio(base["latency_ms_median"], row["latency_ms_median"])
    return rows, ops


# --- runtimes: eager torch, torch.compile, execution providers ------------------------------


def eager_rows(
    model: torch.nn.Module, inputs: Mapping[int, np.ndarray], threads: int, min_time_s: float,
    devices: Sequence[str], step: Callable[[Text], None],
) -> list[Row]:
    rows = []
    for device in devices:
        on_device = copy.deepcopy(model)  # measure_torch moves the model it is given
        for batch in BATCHES:
            timing = harness.measure_torch(on_device, inputs[batch], threads=threads,
                                           min_time_s=min_time_s, device=device)
            rows.append({"section": "runtimes", "variant": "torch eager", "batch_size": batch,
                         **timing.as_row(samples=True), "device": device, "status": "ok"})
            step(Text(f"torch eager ({device}), пакет {batch}",
                      f"torch eager ({device}), batch {batch}"))
    return rows


def compiled_rows(
    model: torch.nn.Module, inputs: Mapping[int, np.ndarray], threads: int, min_time_s: float,
    skip: Text | None, step: Callable[[Text], None],
) -> tuple[list[Row], Text | None]:
    """torch.compile on the CPU: the first call at each batch size compiles (timed apart).
    Returns the rows and, when it did not run, why."""
    import torch

    def skipped(status: str, why: Text) -> tuple[list[Row], Text]:
        return [{"section": "runtimes", "variant": "torch.compile", "batch_size": batch,
                 "threads": threads, "device": "cpu", "status": f"skipped: {status}"}
                for batch in BATCHES], why

    if skip is not None:
        return skipped(skip.en, skip)
    rows = []
    try:
        compiled = torch.compile(copy.deepcopy(model))
        for batch in BATCHES:
            x = torch.from_numpy(np.array(inputs[batch]))
            with harness.torch_threads(threads), torch.inference_mode():
                started = time.perf_counter()
                compiled(x)
                compile_s = time.perf_counter() - started
            timing = harness.measure(lambda x=x: compiled(x), threads=threads,
                                     min_time_s=min_time_s)
            rows.append({"section": "runtimes", "variant": "torch.compile", "batch_size": batch,
                         "compile_s": compile_s, **timing.as_row(samples=True), "device": "cpu",
                         "status": "ok"})
            step(Text(f"torch.compile, пакет {batch}", f"torch.compile, batch {batch}"))
    except Exception as exc:  # no C++ compiler, an unsupported operator: the row says why
        return skipped("torch.compile failed", Text(
            f"torch.compile не успя тук: {failure_summary(exc)}",
            f"torch.compile failed here: {failure_summary(exc)}"))
    return rows, None


def provider_rows(
    exported: Exported, inputs: Mapping[int, np.ndarray], threads: int, min_time_s: float,
    quick: bool, step: Callable[[Text], None],
) -> tuple[list[Row], dict[str, tuple[str, Text]]]:
    """Each provider of `PROVIDERS` measured where this build has it and it starts; for the
    others, by short name, a short status for the row and the full reason for the reading."""
    import onnxruntime

    available = onnxruntime.get_available_providers()
    rows: list[Row] = []
    reasons: dict[str, tuple[str, Text]] = {}
    for provider, (short, device, needs) in PROVIDERS.items():
        session = None
        if provider not in available:
            reasons[short] = ("not in this onnxruntime build", Text(
                f"няма го в тази сборка на onnxruntime (нужно: {needs.bg})",
                f"not in this onnxruntime build (needs {needs.en})"))
        elif quick and provider == "TensorrtExecutionProvider":
            reasons[short] = ("not in the quick size", Text(
                "изграждането на TensorRT двигател отнема десетки секунди: не в quick",
                "building a TensorRT engine takes tens of seconds: not in quick"))
        else:
            try:
                session = harness.ort_session(exported.path, threads=threads,
                                              providers=[provider, "CPUExecutionProvider"])
            except Exception as exc:  # a provider whose libraries or device are missing
                reasons[short] = ("failed to start", Text(
                    f"не тръгна: {failure_summary(exc)}",
                    f"failed to start: {failure_summary(exc)}"))
        if session is not None and session.get_providers()[0] != provider:
            session = None
            reasons[short] = ("fell back to the CPU", Text(
                "има го, но тук не тръгна (onnxruntime премина на CPU)",
                "present but unusable here (onnxruntime fell back to the CPU)"))
        for batch in BATCHES:
            row: Row = {"section": "runtimes", "variant": f"ORT {short}", "batch_size": batch,
                        "threads": threads, "device": device}
            if session is None:
                row["status"] = f"skipped: {reasons[short][0]}"
            else:
                timing = harness.measure_ort(session, {INPUT_NAME: inputs[batch]},
                                             threads=threads, min_time_s=min_time_s)
                row.update(timing.as_row(samples=True), status="ok")
            rows.append(row)
        step(Text(f"доставчик {short}", f"provider {short}"))
    return rows, reasons


def with_speedups(runtime_rows: list[Row]) -> list[Row]:
    """Speed-up of every runtime row against eager torch on the CPU at the same batch."""
    for row in runtime_rows:
        base = next((r for r in runtime_rows if r["variant"] == "torch eager"
                     and r["device"] == "cpu" and r["batch_size"] == row["batch_size"]), {})
        row["speedup"] = ratio(base.get("latency_ms_median"), row.get("latency_ms_median"))
    return runtime_rows


# --- the reading ----------------------------------------------------------------------------


def find(rows: Sequence[Row], variant: str, batch: int, device: str = "cpu") -> Row:
    return next((row for row in rows if row["variant"] == variant
                 and row["batch_size"] == batch and row["device"] == device), {})


def export_reading(exported: Exported, check: Sequence[Row]) -> Text:
    files = " + ".join(f"{file.name} ({file.stat().st_size / 1e3:.0f} kB)"
                       for file in exported.files)
    worst = max((row["max_abs_diff"] for row in check if row["max_abs_diff"] is not None),
                default=float("nan"))
    fallback = (Text("", "") if not exported.fallback_reason else Text(
        f" (torch.export не успя: {exported.fallback_reason})",
        f" (torch.export failed: {exported.fallback_reason})"))
    ok = all(row["status"] == "ok" for row in check)
    batches = ", ".join(str(row["batch_size"]) for row in check)
    return Text(
        f"Експорт с {exported.exporter}{fallback.bg}: {files}. Входът има символна ос на "
        f"пакета, така че един файл служи за пакети {batches}; най-голямата разлика от torch е "
        f"{worst:.1e} (граница {TOLERANCE:.0e})"
        + (" — съвпада." if ok else " — НЕ съвпада: вижте таблицата."),
        f"Exported with the {exported.exporter} exporter{fallback.en}: {files}. The input has a "
        f"symbolic batch axis, so one file serves batches {batches}; the largest difference "
        f"from torch is {worst:.1e} (limit {TOLERANCE:.0e})"
        + (" — it matches." if ok else " — it does NOT match: see the table."),
    )


def levels_reading(rows: Sequence[Row], ops: Mapping[str, list[str]]) -> Text:
    counts = ", ".join(f"{level} {len(ops[level])}" for level in harness.OPT_LEVELS)
    steps_bg, steps_en, appeared = [], [], []
    for before, level in zip(harness.OPT_LEVELS, harness.OPT_LEVELS[1:], strict=False):
        new = sorted(set(ops[level]) - set(ops[before]))
        gone = sorted(set(ops[before]) - set(ops[level]))
        appeared += new
        change = ", ".join([*(f"+{op}" for op in new), *(f"−{op}" for op in gone)])
        steps_bg.append(f"{level}: {change or 'без промяна'}")
        steps_en.append(f"{level}: {change or 'no change'}")
    meaning_bg = "; ".join(f"{op} — {FUSED_OPS[op].bg}" for op in appeared if op in FUSED_OPS)
    meaning_en = "; ".join(f"{op} — {FUSED_OPS[op].en}" for op in appeared if op in FUSED_OPS)
    changed = Text(
        f" По нива: {'; '.join(steps_bg)}" + (f" ({meaning_bg})." if meaning_bg else "."),
        f" Level by level: {'; '.join(steps_en)}" + (f" ({meaning_en})." if meaning_en else "."),
    )
    speeds = [find(rows, "ORT all", batch).get("speedup") for batch in BATCHES]
    outcome = verdict(
        max((s for s in speeds if s is not None), default=None),
        faster=Text(" Слетите ядра значат по-малко извиквания и по-малко минавания през "
                    "активациите в паметта.",
                    " Fused kernels mean fewer calls and fewer passes over the activations in "
                    "memory."),
        slower=Text(" Оптимизираният граф е по-бавен тук — при толкова малък граф разликата "
                    "е в шума или в цената на блоковия формат.",
                    " The optimized graph is slower here — for a graph this small the "
                    "difference is noise or the cost of the blocked layout."),
        same=Text(" При толкова малък граф времето е в самите ядра; сливането спестява малко.",
                  " For a graph this small the time is in the kernels themselves; fusion "
                  "saves little."),
    )
    nchwc = Text(
        " На ниво all свивките минават в блоковия формат NCHWc на процесора: векторизират се "
        "по-добре, но записаният граф става само за такъв процесор.",
        " At level all the convolutions run in the CPU's blocked NCHWc layout: they vectorize "
        "better, but the saved graph then fits only this kind of CPU.",
    ) if "ReorderOutput" in ops["all"] else Text("")
    timings = [find(rows, f"ORT {level}", batch) for level in ("disable", "all")
               for batch in BATCHES]
    return join(
        Text(f"Възли в оптимизирания граф: {counts}.", f"Nodes in the optimized graph: {counts}."),
        changed,
        Text(f" Ниво all спрямо disable: {times(speeds[0]).bg} при пакет {BATCHES[0]}, "
             f"{times(speeds[1]).bg} при пакет {BATCHES[1]}.",
             f" Level all against disable: {times(speeds[0]).en} at batch {BATCHES[0]}, "
             f"{times(speeds[1]).en} at batch {BATCHES[1]}."),
        outcome, nchwc, noise_caution(*timings),
    )


def runtimes_reading(rows: Sequence[Row]) -> Text:
    ort = [find(rows, "ORT all", batch) for batch in BATCHES]
    eager = [find(rows, "torch eager", batch) for batch in BATCHES]
    speeds = [ratio(e.get("latency_ms_median"), o.get("latency_ms_median"))
              for e, o in zip(eager, ort, strict=True)]
    first = verdict(
        speeds[0],
        faster=Text(" При пакет 1 извикването е главно постоянна цена на всеки оператор: "
                    "eager PyTorch минава през Python и диспечера си за всеки слой, а ONNX "
                    "Runtime изпълнява готов граф на C++.",
                    " At batch 1 a call is mostly fixed cost per operator: eager PyTorch goes "
                    "through Python and its dispatcher for every layer, while ONNX Runtime runs "
                    "a prepared C++ graph."),
        slower=Text(" Тук eager torch е по-бърз при пакет 1: неговите ядра за тези форми "
                    "печелят повече, отколкото ORT спестява от постоянни разходи.",
                    " Here eager torch is faster at batch 1: its kernels for these shapes win "
                    "more than ORT saves in fixed costs."),
    )
    narrows = (speeds[0] is not None and speeds[1] is not None and speeds[1] < speeds[0])
    second = Text(
        " При пакет 64 смятането надделява и двете среди ползват подобни GEMM ядра, затова "
        "разликата намалява." if narrows else " При пакет 64 разликата не намалява: ядрата "
        "на ORT за тези форми са по-добри.",
        " At batch 64 arithmetic dominates and both call similar GEMM kernels, so the gap "
        "narrows." if narrows else " At batch 64 the gap does not narrow: ORT's kernels for "
        "these shapes are better.",
    )
    e = [row.get("latency_ms_median") or float("nan") for row in eager]
    o = [row.get("latency_ms_median") or float("nan") for row in ort]
    gpu = [find(rows, "torch eager", batch, "cuda") for batch in BATCHES]
    on_gpu = Text("")
    if all(row.get("latency_ms_median") for row in gpu):
        g = [times(row.get("speedup")) for row in gpu]
        on_gpu = Text(
            f" torch eager на GPU: {g[0].bg} / {g[1].bg} спрямо CPU — при малък пакет GPU "
            "чака стартирането на всяко ядро, при голям смята паралелно.",
            f" torch eager on the GPU: {g[0].en} / {g[1].en} against the CPU — at a small batch "
            "the GPU waits for each kernel launch, at a large one it computes in parallel.",
        )
    return join(
        Text(f"torch eager {e[0]:.3f} / {e[1]:.3f} ms, ONNX Runtime {o[0]:.3f} / {o[1]:.3f} ms "
             f"при пакет {BATCHES[0]} / {BATCHES[1]}: ORT е {times(speeds[0]).bg} и "
             f"{times(speeds[1]).bg}.",
             f"torch eager {e[0]:.3f} / {e[1]:.3f} ms, ONNX Runtime {o[0]:.3f} / {o[1]:.3f} ms "
             f"at batch {BATCHES[0]} / {BATCHES[1]}: ORT is {times(speeds[0]).en} and "
             f"{times(speeds[1]).en}."),
        first, second, on_gpu, noise_caution(*ort, *eager),
    )


def compile_reading(rows: Sequence[Row], skipped: Text | None) -> Text:
    if skipped is not None:
        return Text(f"torch.compile: пропуснат — {skipped.bg}.",
                    f"torch.compile: skipped — {skipped.en}.")
    compiled = [find(rows, "torch.compile", batch) for batch in BATCHES]
    eager = find(rows, "torch eager", BATCHES[-1])
    saved_ms = (eager.get("latency_ms_median") or 0.0) - compiled[-1]["latency_ms_median"]
    compile_s = sum(row["compile_s"] for row in compiled)
    payback = (Text(f" Компилирането се изплаща след ≈{compile_s * 1e3 / saved_ms:,.0f} "
                    f"извиквания при пакет {BATCHES[-1]}.",
                    f" Compiling pays for itself after ≈{compile_s * 1e3 / saved_ms:,.0f} calls "
                    f"at batch {BATCHES[-1]}.") if saved_ms > 0 else
               Text(" Тук не е по-бърз от eager, така че компилирането не се изплаща за този "
                    "модел.",
                    " It is not faster than eager here, so compiling does not pay back for this "
                    "model."))
    parts = " / ".join(f"{row['compile_s']:.1f}" for row in compiled)
    speeds = " / ".join(times(row.get("speedup")).en for row in compiled)
    speeds_bg = " / ".join(times(row.get("speedup")).bg for row in compiled)
    return join(
        Text(f"torch.compile: компилиране {parts} s (първото извикване при пакет "
             f"{BATCHES[0]} / {BATCHES[1]}; всеки нов размер се компилира отново), след това "
             f"{speeds_bg} спрямо eager.",
             f"torch.compile: compiling took {parts} s (the first call at batch {BATCHES[0]} / "
             f"{BATCHES[1]}; each new shape compiles again), then {speeds} against eager."),
        payback, noise_caution(*compiled),
    )


def providers_reading(rows: Sequence[Row], available: Sequence[str],
                      reasons: Mapping[str, tuple[str, Text]]) -> Text:
    present = ", ".join(p.removesuffix("ExecutionProvider") for p in available)
    used = [(short, find(rows, f"ORT {short}", BATCHES[-1], device))
            for short, device, _needs in PROVIDERS.values() if short not in reasons]
    measured = Text(
        f"Измерени при пакет {BATCHES[-1]}: "
        + "; ".join(f"{short} {times(row.get('speedup')).bg}" for short, row in used)
        + " спрямо eager torch (с копирането на входа и изхода към устройството). ",
        f"Measured at batch {BATCHES[-1]}: "
        + "; ".join(f"{short} {times(row.get('speedup')).en}" for short, row in used)
        + " against eager torch (including copying input and output to the device). ",
    ) if used else Text("")
    return join(
        Text(f"Доставчици в тази сборка на onnxruntime: {present}. ",
             f"Providers in this onnxruntime build: {present}. "),
        measured,
        Text("Липсващи: " + ("; ".join(f"{short} — {why.bg}"
                                       for short, (_, why) in reasons.items()) or "—") + ".",
             "Absent: " + ("; ".join(f"{short} — {why.en}"
                                     for short, (_, why) in reasons.items()) or "—") + "."),
    )


# --- the lab --------------------------------------------------------------------------------


def run(params: dict[str, Any], emit: Emitter) -> None:
    import onnxruntime

    from studyapp.labs import zoo
    from studyapp.labs.digits import sample_batch

    load = load_average()  # before the lab adds its own
    size, threads, device = str(params["size"]), int(params["threads"]), str(params["device"])
    name, seed, quick = str(params["model"]), int(params["seed"]), params["size"] == "quick"
    min_time_s = MIN_TIME_S[size]
    devices = ["cpu"]
    if device == "cuda":
        if cuda_available():
            devices.append("cuda")
        else:
            emit.note("device=cuda: няма CUDA GPU, torch се мери само на CPU.",
                      "device=cuda: there is no CUDA GPU, torch is measured on the CPU only.")
    skip_compile = (
        Text("не в quick (компилирането отнема от секунди до минути)",
             "not in the quick size (compiling takes seconds to minutes)") if quick else
        None if params["compile"] else Text("изключен (compile=false)", "off (compile=false)"))
    compile_steps = 0 if skip_compile else len(BATCHES)
    step = Steps(emit, 4 + len(BATCHES) * (len(harness.OPT_LEVELS) + len(devices))
                 + compile_steps + len(PROVIDERS))
    trained = (zoo.untrained(name, seed) if name == TIMING_ONLY
               else zoo.trained(name, emit.progress))
    model = trained.model
    step(Text(f"{name}: модел", f"{name}: model"))
    inputs = {batch: sample_batch(batch, seed) for batch in BATCHES}
    with tempfile.TemporaryDirectory(prefix="studyapp-onnx-") as tmp:
        folder = Path(tmp)
        exported = export(model, inputs[BATCHES[-1]], folder / f"{name}.onnx")
        if exported.fallback_reason:
            emit.note(f"torch.export не успя ({exported.fallback_reason}); ползван е "
                      "TorchScript експортът.",
                      f"torch.export failed ({exported.fallback_reason}); the TorchScript "
                      "exporter was used.")
        step(Text(f"експорт ({exported.exporter})", f"export ({exported.exporter})"))
        check = numeric_check(model, harness.ort_session(exported.path, threads=threads),
                              exported, threads, seed)
        emit.table("onnx_check", Text("Числова проверка спрямо torch",
                                      "Numeric check against torch"), CHECK_COLUMNS, check)
        step(Text("числова проверка", "numeric check"))
        levels, ops = optimization_levels(exported, inputs, threads, min_time_s, folder, step)
        emit.table("onnx_levels", Text("Нива на оптимизация на графа",
                                       "Graph optimization levels"), LEVEL_COLUMNS, levels)
        runtimes = eager_rows(model, inputs, threads, min_time_s, devices, step)
        runtimes += [dict(row, section="runtimes") for row in levels if row["opt_level"] == "all"]
        compiled, compile_skipped = compiled_rows(model, inputs, threads, min_time_s,
                                                  skip_compile, step)
        runtimes += compiled
        providers, reasons = provider_rows(exported, inputs, threads, min_time_s, quick, step)
        runtimes = with_speedups(runtimes + providers)
        for variant in ("torch eager", "ORT disable", "ORT all", "torch.compile"):
            points = [find([*levels, *runtimes], variant, batch) for batch in BATCHES]
            if all(point.get("latency_ms_median") for point in points):
                emit.series(variant, Text("пакет", "batch"), Text("латентност, ms", "latency, ms"),
                            list(BATCHES), [point["latency_ms_median"] for point in points],
                            log_x=True)
        emit.table("onnx_runtimes", Text("torch срещу ONNX Runtime срещу torch.compile",
                                         "torch versus ONNX Runtime versus torch.compile"),
                   RUNTIME_COLUMNS, runtimes)
        reading = [
            export_reading(exported, check),
            levels_reading(levels, ops),
            runtimes_reading(runtimes),
            compile_reading(runtimes, compile_skipped),
            providers_reading(runtimes, onnxruntime.get_available_providers(), reasons),
        ]
        reading += cautions(load, [*levels, *runtimes],
                            lambda row: f"{row['variant']} ({row['device']})",
                            BATCHES[0], BATCHES[-1])
        step.finish(Text("прочит", "reading"))
    emit.result([*check, *levels, *runtimes], reading)

