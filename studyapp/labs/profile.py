"""Lab `profile` (step 5): where the time and the memory of one model go.

Five views of the same model on the same batch:

- the torch.profiler operator table: the ten operators with the most self CPU time, with their
  calls and share of the total;
- time per layer, from forward hooks around every leaf module: the bottleneck layer;
- peak memory: on the CPU the torch allocator's peak from the profiler's memory events (plus the
  process's peak RSS, which includes Python and the libraries); on a GPU
  `torch.cuda.max_memory_allocated`;
- ONNX Runtime's own profile (`enable_profiling`): its JSON trace summed per operator type;
- the model on this machine's measured roofline at batch 1 and at a large batch: arithmetic
  intensity against the ridge point, memory-bound or compute-bound, achieved GFLOP/s.

torch and onnxruntime are imported inside the functions (lab child process only).
"""

from __future__ import annotations

import copy
import json
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studyapp.deck.model import Text
from studyapp.labs import harness
from studyapp.labs.columns import columns
from studyapp.labs.events import Column, Emitter
from studyapp.labs.params import ParamSpec, timing_model
from studyapp.labs.readings import cautions, cuda_skipped, join, noise_caution, read_roofline

if TYPE_CHECKING:
    import torch
    from torch import nn

    from studyapp.labs.roofline import Roofline

PARAMS: dict[str, ParamSpec] = {
    "model": timing_model("cnn", "mlp", "wide_mlp"),
    "batch_size": ParamSpec(int, 64, min=1, max=1024,
                            help=Text("размер на пакета за профила",
                                      "batch size for the profile")),
}


@dataclass(frozen=True)
class Size:
    passes: int  # profiled forward passes (after as many warm-up passes)
    large_batch: int  # placed on the roofline next to batch 1
    min_time_s: float  # per roofline latency measurement
    probe_s: float  # a fresh GPU roofline probe (the CPU one is cached)


SIZES: dict[str, Size] = {
    "quick": Size(5, 64, harness.QUICK_MIN_TIME_S, 0.5),
    "default": Size(20, 256, 0.2, 1.0),
}
TOP_OPERATORS = 10

OPERATOR_COLUMNS: tuple[Column, ...] = columns(
    Column("variant", Text("оператор", "operator")),
    Column("calls", Text("извиквания на проход", "calls per pass")),
    Column("self_cpu_ms", Text("собствено CPU време на проход", "self CPU time per pass"), "ms"),
    Column("self_device_ms", Text("собствено GPU време на проход", "self GPU time per pass"),
           "ms"),
    "share", "device", "threads",
)
MODULE_COLUMNS: tuple[Column, ...] = columns(
    Column("variant", Text("слой", "layer")), Column("layer_type", Text("вид", "kind")),
    "params_count", Column("time_ms", Text("време на проход", "time per pass"), "ms"), "share",
    Column("bottleneck", Text("тясно място", "bottleneck")), "device", "threads",
)
MEMORY_COLUMNS: tuple[Column, ...] = columns(
    Column("variant", Text("какво", "what")), Column("size_bytes", Text("байта", "bytes"), "B"),
    Column("method", Text("как е измерено", "how it was measured")), "device", "threads",
)
ROOFLINE_COLUMNS: tuple[Column, ...] = columns(
    Column("variant", Text("точка", "point")), "batch_size", "flop_per_byte",
    "ridge_flop_per_byte", "memory_bound", "gflops", "attainable_gflops", "share_of_peak",
    "latency_ms_median", "device", "threads",
)


# --- torch.profiler ------------------------------------------------------------------------


def profiled(model: nn.Module, x: torch.Tensor, passes: int, device: str,
             threads: int) -> Any:
    """A torch.profiler run over `passes` forward passes, after as many warm-up passes."""
    import torch
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU]
    if device == "cuda":
        activities.append(ProfilerActivity.CUDA)
    sync = harness.synchronizer(device) or (lambda: None)
    with harness.torch_threads(threads), torch.inference_mode():
        for _ in range(passes):
            model(x)
        sync()
        with profile(activities=activities, profile_memory=True) as prof:
            for _ in range(passes):
                model(x)
            sync()
    return prof


def operators(prof: Any) -> list[Any]:
    """The profiler's per-operator averages, without memory records and user annotations."""
    return [event for event in prof.key_averages()
            if not event.key.startswith("[") and not getattr(event, "is_user_annotation", False)]


def operator_rows(prof: Any, passes: int, device: str, threads: int) -> list[dict[str, Any]]:
    """The TOP_OPERATORS operators by self CPU time, per forward pass, with their share."""
    ops = operators(prof)
    total_us = sum(event.self_cpu_time_total for event in ops)
    ops.sort(key=lambda event: event.self_cpu_time_total, reverse=True)
    rows = []
    for event in ops[:TOP_OPERATORS]:
        row = {"variant": event.key, "calls": event.count / passes,
               "self_cpu_ms": event.self_cpu_time_total / passes / 1e3,
               "share": event.self_cpu_time_total / total_us if total_us else 0.0,
               "device": device, "threads": threads}
        if device == "cuda":
            row["self_device_ms"] = event.self_device_time_total / passes / 1e3
        rows.append(row)
    return rows


def allocator_peak_bytes(prof: Any) -> int:
    """Peak bytes held by torch's CPU allocator during the profiled passes.

    Walks the profiler's allocation events in time order: every operator's own allocations
    (net of its own frees) and the `[memory]` frees between operators.
    """
    changes = [event for event in prof.events()
               if event.name == "[memory]" or event.self_cpu_memory_usage != 0]
    changes.sort(key=lambda event: event.time_range.start)
    held = peak = 0
    for event in changes:
        held += (event.cpu_memory_usage if event.name == "[memory]"
                 else event.self_cpu_memory_usage)
        peak = max(peak, held)
    return peak


# --- time per layer ------------------------------------------------------------------------


def leaf_modules(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Every module without children (the layers), by its name in `named_modules()`."""
    return [(name, module) for name, module in model.named_modules()
            if name and not list(module.children())]


def layer_times(model: nn.Module, x: torch.Tensor, passes: int, device: str,
                threads: int) -> dict[str, float]:
    """Seconds per forward pass spent in each layer, timed by hooks around every leaf module."""
    import torch

    sync = harness.synchronizer(device) or (lambda: None)
    started: dict[str, float] = {}
    totals: dict[str, float] = defaultdict(float)

    def before(name: str) -> Callable[..., None]:
        def hook(*_: Any) -> None:
            sync()
            started[name] = time.perf_counter()
        return hook

    def after(name: str) -> Callable[..., None]:
        def hook(*_: Any) -> None:
            sync()
            totals[name] += time.perf_counter() - started[name]
        return hook

    handles = []
    for name, module in leaf_modules(model):
        handles.append(module.register_forward_pre_hook(before(name)))
        handles.append(module.register_forward_hook(after(name)))
    try:
        with harness.torch_threads(threads), torch.inference_mode():
            model(x)  # warm-up, not counted
            totals.clear()
            for _ in range(passes):
                model(x)
    finally:
        for handle in handles:
            handle.remove()
    return {name: totals[name] / passes for name, _ in leaf_modules(model)}


def module_rows(model: nn.Module, seconds: dict[str, float], device: str,
                threads: int) -> list[dict[str, Any]]:
    total = sum(seconds.values())
    slowest = max(seconds, key=lambda name: seconds[name])
    return [{"variant": name, "layer_type": type(module).__name__,
             "params_count": sum(p.numel() for p in module.parameters()),
             "time_ms": seconds[name] * 1e3, "share": seconds[name] / total if total else 0.0,
             "bottleneck": name == slowest, "device": device, "threads": threads}
            for name, module in leaf_modules(model)]


# --- memory --------------------------------------------------------------------------------


def process_peak_rss() -> int | None:
    """This process's peak resident set size in bytes, where the OS reports it."""
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # macOS: bytes; Linux: KiB


def memory_rows(model: nn.Module, x: torch.Tensor, prof: Any, device: str,
                threads: int) -> list[dict[str, Any]]:
    import torch

    from studyapp.labs import roofline

    def row(variant: Text, size: int, method: str) -> dict[str, Any]:
        return {"variant": variant.en, "variant_bg": variant.bg, "size_bytes": size,
                "method": method, "device": device, "threads": threads}

    rows = [row(Text("тегла", "weights"), roofline.weight_bytes(model),
                "model.parameters() + model.buffers()")]
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        with torch.inference_mode():
            model(x)
        torch.cuda.synchronize()
        rows.append(row(Text("пикова GPU памет", "peak GPU memory"),
                        torch.cuda.max_memory_allocated(), "torch.cuda.max_memory_allocated"))
    else:
        rows.append(row(Text("пик на активациите", "peak activations"),
                        allocator_peak_bytes(prof), "torch.profiler(profile_memory=True)"))
    rss = process_peak_rss()
    if rss is not None:
        rows.append(row(Text("пиков RSS на процеса", "process peak RSS"), rss,
                        "resource.getrusage().ru_maxrss"))
    return rows


# --- ONNX Runtime --------------------------------------------------------------------------


def ort_operator_rows(trace: Sequence[dict[str, Any]], runs: int, threads: int,
                      skip_runs: int = 0) -> list[dict[str, Any]]:
    """ONNX Runtime's profile summed per operator type: the node kernels' durations.

    The first `skip_runs` runs of the trace (warm-up) are left out; `runs` are the rest.
    """
    starts = sorted(float(event["ts"]) for event in trace
                    if event.get("cat") == "Session" and event.get("name") == "model_run")
    after = starts[skip_runs] if skip_runs and len(starts) > skip_runs else float("-inf")
    durations: dict[str, list[float]] = defaultdict(list)
    for event in trace:
        if (event.get("cat") == "Node" and str(event.get("name", "")).endswith("_kernel_time")
                and float(event.get("ts", 0.0)) >= after):
            durations[str(event["args"]["op_name"])].append(float(event["dur"]))
    total_us = sum(sum(spans) for spans in durations.values())
    ranked = sorted(durations.items(), key=lambda item: sum(item[1]), reverse=True)
    return [{"variant": f"ORT {op}", "calls": len(spans) / runs,
             "self_cpu_ms": sum(spans) / runs / 1e3,
             "share": sum(spans) / total_us if total_us else 0.0,
             "device": "cpu", "threads": threads}
            for op, spans in ranked[:TOP_OPERATORS]]


def ort_profile(model: nn.Module, x: torch.Tensor, passes: int,
                threads: int) -> list[dict[str, Any]]:
    """Export, run `passes` warm-up then `passes` profiled runs in ONNX Runtime, read its trace."""
    from studyapp.labs.onnx_export import INPUT_NAME, export

    sample = x.detach().cpu().numpy()
    with tempfile.TemporaryDirectory(prefix="studyapp-profile-") as folder:
        path = export(copy.deepcopy(model).cpu(), sample, Path(folder) / "model.onnx",
                      exporter="torchscript").path
        session = harness.ort_session(path, threads=threads,
                                      profile_prefix=str(Path(folder) / "ort-profile"))
        for _ in range(2 * passes):
            session.run(None, {INPUT_NAME: sample})
        trace = json.loads(Path(session.end_profiling()).read_text(encoding="utf-8"))
    return ort_operator_rows(trace, passes, threads, skip_runs=passes)


# --- roofline ------------------------------------------------------------------------------


def roofline_rows(model: nn.Module, roof: Roofline, batches: Sequence[int], seed: int,
                  device: str, threads: int, min_time_s: float) -> Iterator[dict[str, Any]]:
    """Each batch timed and placed on the roofline: intensity against the ridge point."""
    from studyapp.labs import roofline
    from studyapp.labs.digits import sample_batch

    for batch in batches:
        x = sample_batch(batch, seed)
        timing = harness.measure_torch(model, x, threads=threads, min_time_s=min_time_s,
                                       device=device)
        yield roofline.timed_row(Text(f"пакет {batch}", f"batch {batch}"), batch, timing,
                                 roofline.work(model, batch), device, roof)


# --- reading -------------------------------------------------------------------------------


def read_operators(rows: Sequence[dict[str, Any]]) -> Text:
    top = rows[0]
    top3 = sum(row["share"] for row in rows[:3])
    names = ", ".join(row["variant"] for row in rows[:3])
    return Text(
        f"Операторът с най-много собствено CPU време е {top['variant']}: {top['share']:.0%} от "
        f"времето ({top['self_cpu_ms']:.3f} ms на проход, извиквания на проход: {top['calls']:g}). "
        f"Първите три ({names}) заемат {top3:.0%}: оптимизирайте там, не другаде.",
        f"The operator with the most self CPU time is {top['variant']}: {top['share']:.0%} of "
        f"the time ({top['self_cpu_ms']:.3f} ms per pass, calls per pass: {top['calls']:g}). "
        f"The top three ({names}) take {top3:.0%}: optimize there, not elsewhere.")


def read_gpu_time(prof: Any, passes: int) -> list[Text]:
    """On a GPU, CPU time is mostly launching: which operator keeps the device busy longest."""
    ops = operators(prof)
    total_us = sum(event.self_device_time_total for event in ops)
    if not total_us:
        return []
    top = max(ops, key=lambda event: event.self_device_time_total)
    ms, share = top.self_device_time_total / passes / 1e3, top.self_device_time_total / total_us
    return [Text(
        f"На GPU собственото CPU време е главно пускане на кернели; най-дълго заема "
        f"устройството {top.key}: {ms:.3f} ms на проход, {share:.0%} от времето на GPU.",
        f"On a GPU, self CPU time is mostly launching kernels; the device is kept busy longest "
        f"by {top.key}: {ms:.3f} ms per pass, {share:.0%} of the GPU time.")]


def read_bottleneck(rows: Sequence[dict[str, Any]]) -> Text:
    slowest = next(row for row in rows if row["bottleneck"])
    weights = sum(row["params_count"] for row in rows)
    held = slowest["params_count"] / weights if weights else 0.0
    what = f"{slowest['variant']} ({slowest['layer_type']})"
    return Text(
        f"Тясното място е слой {what}: {slowest['time_ms']:.3f} ms на проход, "
        f"{slowest['share']:.0%} от времето на слоевете, с {held:.0%} от параметрите.",
        f"The bottleneck is layer {what}: {slowest['time_ms']:.3f} ms per pass, "
        f"{slowest['share']:.0%} of the layers' time, holding {held:.0%} of the parameters.")


def read_memory(rows: Sequence[dict[str, Any]]) -> Text:
    """What each memory figure counts, and by which method it was measured."""
    by_name = {row["variant"]: row for row in rows}
    weights = by_name["weights"]["size_bytes"]
    if "peak GPU memory" in by_name:
        peak = by_name["peak GPU memory"]["size_bytes"]
        return Text(
            f"Тегла {weights / 1e6:.2f} MB; пикът на GPU паметта при един проход е "
            f"{peak / 1e6:.2f} MB (torch.cuda.max_memory_allocated: всичко, заделено от "
            "CUDA алокатора на torch, с теглата).",
            f"Weights {weights / 1e6:.2f} MB; peak GPU memory over one pass is "
            f"{peak / 1e6:.2f} MB (torch.cuda.max_memory_allocated: everything torch's CUDA "
            "allocator holds, weights included).")
    activations = by_name["peak activations"]["size_bytes"]
    text = Text(
        f"Тегла {weights / 1e6:.2f} MB; пикът на активациите по време на проход е "
        f"{activations / 1e3:.0f} kB — от събитията за памет на torch.profiler (заделеното от "
        "CPU алокатора на torch след старта на профила, без теглата; tracemalloc не вижда "
        "тази памет, той следи само алокатора на Python).",
        f"Weights {weights / 1e6:.2f} MB; the activations peak during a pass at "
        f"{activations / 1e3:.0f} kB — from torch.profiler's memory events (what torch's CPU "
        "allocator took after the profile started, weights excluded; tracemalloc cannot see "
        "this memory, it follows Python's allocator only).")
    rss = by_name.get("process peak RSS", {}).get("size_bytes")
    if not rss:
        return text
    return join(text, Text(
        f" Целият процес е стигнал {rss / 1e6:.0f} MB RSS (ru_maxrss: Python, библиотеките и "
        "всички данни).",
        f" The whole process peaked at {rss / 1e6:.0f} MB RSS (ru_maxrss: Python, the "
        "libraries and all data)."))


def read_ort(rows: Sequence[dict[str, Any]], torch_rows: Sequence[dict[str, Any]] | None) -> Text:
    """ONNX Runtime's top operator, its fused nodes, and its time against torch on the CPU."""
    top = rows[0]
    fused = sorted({row["variant"] for row in rows if "Fused" in row["variant"]})
    text = Text(f"В ONNX Runtime най-много време отива в {top['variant']} ({top['share']:.0%}).",
                f"In ONNX Runtime most time goes into {top['variant']} ({top['share']:.0%}).")
    if fused:
        text = join(text, Text(
            f" Слетите възли ({', '.join(fused)}) са работа на оптимизацията на графа: няколко "
            "оператора в един кернел, без междинен тензор в паметта.",
            f" The fused nodes ({', '.join(fused)}) are the graph optimizer's work: several "
            "operators in one kernel, with no intermediate tensor in memory."))
    if torch_rows:
        ort_ms = sum(row["self_cpu_ms"] for row in rows)
        torch_ms = sum(row["self_cpu_ms"] for row in torch_rows)
        text = join(text, Text(
            f" Кернелите на възлите заемат {ort_ms:.3f} ms на проход срещу {torch_ms:.3f} ms "
            "собствено време на първите оператори в torch.",
            f" Its node kernels take {ort_ms:.3f} ms per pass against {torch_ms:.3f} ms of self "
            "time in torch's top operators."))
    return text


# --- the run -------------------------------------------------------------------------------


class Sections:
    """The lab's tables, each sent as soon as it is measured, and the progress between them."""

    TOTAL = 5

    def __init__(self, emit: Emitter) -> None:
        self.emit = emit
        self.rows: list[dict[str, Any]] = []
        self.done = 0

    def add(self, name: str, title: Text, columns: Sequence[Column],
            rows: Sequence[dict[str, Any]], next_step: Text) -> list[dict[str, Any]]:
        tagged = [row | {"section": name} for row in rows]
        self.rows += tagged
        self.emit.table(name, title, columns, rows)
        self.done += 1
        self.emit.progress(self.done, self.TOTAL, next_step)
        return list(rows)


def run(params: dict[str, Any], emit: Emitter) -> None:
    import torch

    from studyapp.labs import envinfo, roofline, zoo
    from studyapp.labs.digits import sample_batch

    load = envinfo.load_average()  # before the lab adds its own
    size = SIZES[str(params["size"])]
    threads, seed, batch = int(params["threads"]), int(params["seed"]), int(params["batch_size"])
    device = "cuda" if params["device"] == "cuda" and envinfo.cuda_available() else "cpu"
    sections = Sections(emit)
    if params["device"] == "cuda" and device == "cpu":
        sections.rows.append(cuda_skipped(emit, threads, Text(
            "Няма CUDA устройство: профилът е на CPU.",
            "No CUDA device: the profile is on the CPU.")) | {"section": "device"})
    emit.progress(0, Sections.TOTAL, Text("torch.profiler", "torch.profiler"))
    model = zoo.untrained(str(params["model"]), seed=seed).model.to(device)
    x = torch.from_numpy(sample_batch(batch, seed)).to(device)

    prof = profiled(model, x, size.passes, device, threads)
    torch_ops = sections.add(
        "operators", Text(f"Оператори (пакет {batch})", f"Operators (batch {batch})"),
        OPERATOR_COLUMNS, operator_rows(prof, size.passes, device, threads),
        Text("време по слоеве", "time per layer"))
    layers = sections.add(
        "modules", Text("Време по слоеве", "Time per layer"), MODULE_COLUMNS,
        module_rows(model, layer_times(model, x, size.passes, device, threads), device, threads),
        Text("пикова памет", "peak memory"))
    memory = sections.add(
        "memory", Text("Памет", "Memory"), MEMORY_COLUMNS,
        memory_rows(model, x, prof, device, threads),
        Text("профил на ONNX Runtime", "ONNX Runtime profile"))
    ort = sections.add(
        "ort", Text("ONNX Runtime: оператори", "ONNX Runtime: operators"), OPERATOR_COLUMNS,
        ort_profile(model, x, size.passes, threads),
        Text("roofline: пакет 1 и голям пакет", "roofline: batch 1 and a large batch"))
    roof = (roofline.roofline(threads) if device == "cpu"
            else roofline.probe(threads, seconds=size.probe_s, device="cuda"))
    placed = list(roofline_rows(model, roof, (1, size.large_batch), seed, device, threads,
                                size.min_time_s))
    reprobed: list[Text] = []
    if device == "cpu":
        roof, reprobed = roofline.checked_roofline(placed, roof, threads)
    points = sections.add(
        "roofline", Text("Място върху roofline", "Place on the roofline"), ROOFLINE_COLUMNS,
        placed,
        Text("готово", "done"))
    reading = [read_operators(torch_ops), *(read_gpu_time(prof, size.passes)
                                            if device == "cuda" else []),
               read_bottleneck(layers), read_memory(memory),
               read_ort(ort, torch_ops if device == "cpu" else None), *reprobed,
               join(read_roofline(points, roof), noise_caution(*points))]
    model_name = str(params["model"])
    emit.result(sections.rows, [*reading, *cautions(load, points, lambda row: model_name, 1,
                                                    size.large_batch)])
