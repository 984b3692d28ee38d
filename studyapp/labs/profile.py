"""Lab `profile` (step 5): where the time and the memory of one model go, and why.

Views of the same model on the same batch:

- torch.profiler's operator table and ONNX Runtime's own profile, taken over the same passes
  (a torch pass, then an ONNX Runtime run, in turn: `profile_trace`), and the two set side by
  side per kind of operation with a paired interval (`profile_passes`) — where torch loses
  time that ONNX Runtime does not (the CNN's max-pool, say);
- time per layer, from forward hooks around every leaf module: the bottleneck layer;
- peak memory: on the CPU the torch allocator's peak from the profiler's memory events (plus
  the process's peak RSS); on a GPU `torch.cuda.max_memory_allocated` (`profile_layers`);
- the model at batch 1 and at a large batch, torch and ONNX Runtime timed in one interleaved
  comparison and placed on this machine's roofline: memory-, compute- or overhead-bound
  (`profile_roofline`).

The reading is a function of the rows (`lessons/profile.py`). torch and onnxruntime are
imported inside the functions (lab child process only).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from studyapp.labs import envinfo, harness, roofline_probe, zoo
from studyapp.labs.columns import columns
from studyapp.labs.digits import sample_batch
from studyapp.labs.events import Column, Emitter, Row
from studyapp.labs.lessons.profile import (
    OPERATION_LABELS,
    bottleneck_reading,
    gpu_time_reading,
    memory_reading,
    operators_reading,
    ort_reading,
    roofline_reading,
)
from studyapp.labs.onnx_export import Exported, cached_export
from studyapp.labs.params import Params, ParamSpec, timing_model
from studyapp.labs.profile_layers import layer_times, memory_rows, module_rows
from studyapp.labs.profile_passes import (
    operation_rows,
    operator_rows,
    ort_pass_times,
    torch_pass_times,
)
from studyapp.labs.profile_roofline import by_variant, roofline_rows
from studyapp.labs.profile_trace import operator_rows as torch_operator_rows
from studyapp.labs.profile_trace import profiled
from studyapp.labs.readings import cautions, cuda_skipped, plot_roofline
from studyapp.labs.roofline import Roofline
from studyapp.text import Text

if TYPE_CHECKING:
    from torch import nn

PARAMS: dict[str, ParamSpec] = {
    "model": timing_model("cnn", "mlp", "wide_mlp"),
    "batch_size": ParamSpec(int, 64, min=1, max=1024,
                            help=Text("размер на пакета за профила",
                                      "batch size for the profile")),
}


@dataclass(frozen=True)
class Size:
    passes: int  # profiled passes of each runtime (after as many warm-up passes)
    large_batch: int  # placed on the roofline next to batch 1
    plan: harness.Plan  # for the roofline points


SIZES: dict[str, Size] = {
    "quick": Size(8, 64, harness.QUICK),
    "default": Size(20, 256, harness.Plan(block_s=0.005, budget_s=2.0)),  # wide_mlp: fewer rounds
}
TOP_OPERATORS = 10

def operator_columns(device: str) -> tuple[Column, ...]:
    """An operator table's columns; the GPU time only where the profile ran on a GPU."""
    gpu = (Column("self_device_ms", Text("собствено GPU време на проход",
                                         "self GPU time per pass"), "ms"),)
    return columns(
        Column("variant", Text("оператор", "operator")),
        Column("calls", Text("извиквания на проход", "calls per pass")),
        Column("self_cpu_ms", Text("собствено CPU време на проход", "self CPU time per pass"),
               "ms"),
        *(gpu if device == "cuda" else ()), "share", "device", "threads")



OPERATION_COLUMNS: tuple[Column, ...] = columns(
    Column("variant", Text("вид операция", "kind of operation")),
    Column("torch_ops", Text("оператори в torch", "torch operators")),
    Column("torch_ms", Text("torch на проход", "torch per pass"), "ms"),
    Column("ort_ops", Text("възли в ONNX Runtime", "ONNX Runtime nodes")),
    Column("ort_ms", Text("ONNX Runtime на проход", "ONNX Runtime per pass"), "ms"),
    Column("speedup", Text("ONNX Runtime спрямо torch", "ONNX Runtime against torch"), "×"),
    "speedup_low", "speedup_high", "share", "threads",
)
MODULE_COLUMNS: tuple[Column, ...] = columns(
    Column("variant", Text("слой", "layer")), Column("layer_type", Text("вид", "kind")),
    "params_count", Column("time_ms", Text("време на проход", "time per pass"), "ms"), "share",
    Column("bottleneck", Text("тясно място", "bottleneck")), "device", "threads",
)
MEMORY_COLUMNS: tuple[Column, ...] = columns(
    Column("variant", Text("какво", "what")), Column("size_bytes", Text("байтове", "bytes"), "B"),
    Column("method", Text("как е измерено", "how it was measured")), "device", "threads",
)
ROOFLINE_COLUMNS: tuple[Column, ...] = columns(
    Column("variant", Text("среда", "runtime")), "batch_size", "latency_ms_median",
    "latency_ms_low", "latency_ms_high", "arithmetic_intensity", "ridge_flop_per_byte", "bound",
    "gflops", "attainable_gflops", "share_of_roofline", "noisy", "device", "threads",
)



class Sections:
    """The lab's tables, each sent as soon as it is measured, and the progress between them."""

    def __init__(self, emit: Emitter, threads: int, device: str) -> None:
        self.emit, self.threads, self.device = emit, threads, device
        self.rows: list[Row] = []
        self.done = 0
        self.total = 6 if device == "cpu" else 5  # no torch-against-ONNX-Runtime table on a GPU

    def add(self, name: str, title: Text, columns: Sequence[Column], rows: Sequence[Row],
            next_step: Text) -> list[Row]:
        """`rows` tagged with their section, where they ran and on how many threads, sent as
        table `name`; then one step of progress."""
        tagged = [{"section": name, "device": self.device, "threads": self.threads} | row
                  for row in rows]
        self.rows += tagged
        self.emit.table(name, title, columns, tagged)
        self.done += 1
        self.emit.progress(self.done, self.total, next_step)
        return tagged


def roofline_points(model: nn.Module, exported: Exported, size: Size, *, seed: int,
                    device: str, threads: int) -> tuple[Roofline, list[Row], list[Text]]:
    """This machine's roofline, torch (and on the CPU ONNX Runtime) at batch 1 and the large
    batch timed together and placed on it, and what the reading says of a probe run again
    because a row beat it."""
    roof = (roofline_probe.roofline(threads) if device == "cpu"
            else roofline_probe.probe(threads, device="cuda"))
    inputs = {1: sample_batch(1, seed), size.large_batch: sample_batch(size.large_batch, seed)}
    session = harness.ort_session(exported.path, threads=threads) if device == "cpu" else None
    placed = roofline_rows(model, session, inputs, device=device, threads=threads,
                           plan=size.plan, roof=roof)
    roof, reprobed = roofline_probe.checked(placed, roof)
    return roof, placed, reprobed


def run(params: Params, emit: Emitter) -> None:
    import torch

    load = envinfo.load_average()  # before the lab adds its own
    size = SIZES[str(params["size"])]
    threads, seed, batch = int(params["threads"]), int(params["seed"]), int(params["batch_size"])
    device = "cuda" if params["device"] == "cuda" and envinfo.cuda_available() else "cpu"
    sections = Sections(emit, threads, device)
    if params["device"] == "cuda" and device == "cpu":
        sections.rows.append(cuda_skipped(emit, threads, Text(
            "Няма CUDA устройство: профилът е на CPU.",
            "No CUDA device: the profile is on the CPU.")) | {"section": "device"})
    emit.progress(0, sections.total, Text("torch.profiler и ONNX Runtime",
                                          "torch.profiler and ONNX Runtime"))
    trained = zoo.untrained(str(params["model"]), seed=seed)
    sample = sample_batch(batch, seed)
    exported = cached_export(trained.model, trained.key, sample, exporter="torchscript")
    model = trained.model.to(device)
    x = torch.from_numpy(sample).to(device)
    with tempfile.TemporaryDirectory(prefix="studyapp-profile-") as folder:
        profiles = profiled(model, x, exported, passes=size.passes, device=device,
                            threads=threads, folder=Path(folder))
    ort_times = ort_pass_times(profiles.trace, profiles.labels, size.passes)
    sections.add("operators", Text(f"Оператори в torch (пакет {batch})",
                                   f"torch operators (batch {batch})"), operator_columns(device),
                 torch_operator_rows(profiles.torch, size.passes, TOP_OPERATORS, device),
                 Text("ONNX Runtime", "ONNX Runtime"))
    ort_rows = [row | {"device": "cpu"} for row in operator_rows(ort_times, TOP_OPERATORS)]
    sections.add("ort", Text("ONNX Runtime: възли", "ONNX Runtime: nodes"),
                 operator_columns("cpu"), ort_rows, Text("по вид операция", "by kind of operation"))
    if device == "cpu":  # torch on a GPU against ONNX Runtime on the CPU compares nothing
        sections.add("operations", Text("torch срещу ONNX Runtime по вид операция",
                                        "torch versus ONNX Runtime by kind of operation"),
                     OPERATION_COLUMNS,
                     [row | {"variant_bg": OPERATION_LABELS[row["variant"]].bg} for row
                      in operation_rows(torch_pass_times(profiles.torch.events()), ort_times)],
                     Text("време по слоеве и памет", "time per layer and memory"))
    sections.add("modules", Text("Време по слоеве", "Time per layer"), MODULE_COLUMNS,
                 module_rows(model, layer_times(model, x, size.passes, device, threads)),
                 Text("памет", "memory"))
    sections.add("memory", Text("Памет", "Memory"), MEMORY_COLUMNS,
                 memory_rows(model, x, device, threads),
                 Text("roofline: пакет 1 и голям пакет", "roofline: batch 1 and a large batch"))
    roof, placed, reprobed = roofline_points(model, exported, size, seed=seed, device=device,
                                             threads=threads)
    placed = sections.add("roofline", Text("Място върху roofline", "Place on the roofline"),
                          ROOFLINE_COLUMNS, placed, Text("прочит", "reading"))
    plot_roofline(emit, roof, [(Text("torch", "torch"), by_variant(placed, "torch eager")),
                               (Text("ONNX Runtime", "ONNX Runtime"),
                                by_variant(placed, "ORT all"))])
    rows = sections.rows
    reading = [operators_reading(rows), gpu_time_reading(rows), bottleneck_reading(rows),
               memory_reading(rows), ort_reading(rows), *reprobed,
               roofline_reading(rows, roof), *cautions(load, rows)]
    emit.result(rows, [text for text in reading if text.en], roof.to_json())
