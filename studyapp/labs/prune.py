"""Lab `prune` (step 2): what removing weights does to accuracy, size and latency.

A trained digits model is pruned two ways (see `prune_models.py`): unstructured global
magnitude pruning swept over sparsities, and structured removal of hidden neurons/channels;
each level is measured as pruned and after a short fine-tune. Accuracy is counted image by
image against the dense model, so the reading can say which drops 355 test images resolve.

The dense model and every final pruned model — with the same zeros also timed with torch's
mask attached and, for fully connected models, through a CSR sparse kernel — are timed
interleaved in one comparison, so a slow moment of the machine hits them all alike; each
carries its speed-up against the dense model with its interval and is placed on this
machine's roofline with the work of its own shapes. torch is imported inside the functions
(lab child process only).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from studyapp.labs import harness, prune_models
from studyapp.labs.columns import columns
from studyapp.labs.events import Column, Emitter, Row, RowValue
from studyapp.labs.findings import put_interval
from studyapp.labs.lessons import prune as lesson
from studyapp.labs.params import Params, ParamSpec
from studyapp.labs.readings import LiveTable, Steps, cautions, cuda_skipped, plot_roofline
from studyapp.text import Text

if TYPE_CHECKING:
    import torch
    from torch import nn

    from studyapp.labs.roofline import Roofline, Work

PARAMS: dict[str, ParamSpec] = {
    "model": ParamSpec(str, "mlp", choices=("mlp", "cnn"),
                       help=Text("обученият модел за окъсяване", "the trained model to prune")),
    "fine_tune_epochs": ParamSpec(int, 2, min=0, max=20,
                                  help=Text("епохи дообучение след окъсяването (0: без)",
                                            "epochs of fine-tuning after pruning (0: none)")),
}


@dataclass(frozen=True)
class Sweep:
    sparsities: tuple[float, ...]  # unstructured: share of weights set to zero
    timed_sparsities: tuple[float, ...]  # the ones also timed (zeros change no shape)
    fractions: tuple[float, ...]  # structured: share of hidden neurons/channels removed
    plan: harness.Plan  # the one interleaved comparison of every timed model


SWEEPS: dict[str, Sweep] = {
    "quick": Sweep((0.5, 0.9), (0.5, 0.9), (0.5,), harness.QUICK),
    "default": Sweep(tuple(step / 10 for step in range(1, 10)), (0.3, 0.6, 0.9),
                     (0.25, 0.5, 0.75), harness.Plan(warmup_s=0.2, budget_s=5.0)),
}
LATENCY_BATCH = 256  # test digits per timed call: enough work for the GEMM shapes to matter
DENSE = "dense"  # the comparison's name for the trained model, every speed-up's baseline

COLUMNS: tuple[Column, ...] = columns(
    "variant", Column("fine_tuned", Text("дообучен", "fine-tuned")),
    Column("sparsity", Text("нулеви/премахнати тегла", "weights zero/removed"), "0..1"),
    "accuracy",
    Column("lost_images", Text("загубени изобр.", "images lost")),
    Column("gained_images", Text("спечелени изобр.", "images gained")),
    "params_count",
    Column("size_bytes", Text("плътно fp32", "dense fp32"), "B"),
    Column("size_bytes_csr", Text("CSR, int32 индекси", "CSR, int32 indices"), "B"),
    Column("size_bytes_csr_int64", Text("CSR, int64 индекси", "CSR, int64 indices"), "B"),
    *harness.TIMING_COLUMNS, "speedup", "speedup_low", "speedup_high", "bound",
    "share_of_roofline",
)


@dataclass
class Timed:
    """A model in the comparison: its row (filled in when timed) and its work per call."""

    row: Row
    model: nn.Module
    work: Callable[[], Work] | None  # None: not placed on the roofline


class PruneRun:
    """The trained model, the test digits, every row measured so far and the models to time."""

    def __init__(self, params: Params, emit: Emitter) -> None:
        import torch

        from studyapp.labs import envinfo, zoo
        from studyapp.labs.digits import load_digits

        self.model_name = str(params["model"])
        self.threads = int(params["threads"])
        self.epochs = int(params["fine_tune_epochs"])
        self.sweep = SWEEPS[str(params["size"])]
        self.device = "cuda" if params["device"] == "cuda" and envinfo.cuda_available() else "cpu"
        self.cuda_missing = params["device"] == "cuda" and self.device == "cpu"
        self.emit = emit
        self.rows: list[Row] = []
        self.timed: dict[str, Timed] = {}
        self.table = LiveTable("prune", Text("Окъсяване: точност, размер, латентност",
                                             "Pruning: accuracy, size, latency"),
                               COLUMNS, self.rows)
        self.step = Steps(emit, len(self.sweep.sparsities) + len(self.sweep.fractions) + 3,
                          self.table)
        self.dense = zoo.trained(self.model_name, progress=emit.progress).model
        split = load_digits()
        self.x_test, self.y_test = torch.tensor(split.x_test), torch.tensor(split.y_test)
        self.x_timed = self.x_test[:LATENCY_BATCH]
        self.dense_right = prune_models.predicted(self.dense, self.x_test) == self.y_test

    def row(self, variant: Text, method: str, amount: float, model: nn.Module, removed: float,
            tuned: bool = False, before: torch.Tensor | None = None,
            runs: nn.Module | None = None) -> Row:
        """The size of `model` and the accuracy of `runs` (default: `model` itself), its test
        images counted against the dense model (and, after fine-tuning, against the images
        right `before` it)."""
        right = prune_models.predicted(runs or model, self.x_test) == self.y_test
        row: Row = {
            "variant": variant.en, "variant_bg": variant.bg, "method": method,
            "amount": amount, "fine_tuned": tuned, "sparsity": removed,
            "accuracy": float(right.float().mean()), "correct_images": int(right.sum()),
            "test_images": len(right),
            "lost_images": int((self.dense_right & ~right).sum()),
            "gained_images": int((~self.dense_right & right).sum()),
            "params_count": sum(p.numel() for p in model.parameters()),
            "size_bytes": prune_models.dense_bytes(model),
            "size_bytes_csr": prune_models.csr_bytes(model, 32),
            "size_bytes_csr_int64": prune_models.csr_bytes(model, 64),
            "shapes": prune_models.layer_shapes(model), "batch_size": LATENCY_BATCH,
            "device": self.device, "threads": self.threads, "status": "ok",
        }
        if before is not None:
            row["fixed_images"] = int((~before & right).sum())
            row["broken_images"] = int((before & ~right).sum())
        self.rows.append(row)
        return row

    def to_time(self, row: Row, model: nn.Module) -> None:
        """`model` joins the comparison under its row's variant name, to be placed on the
        roofline with the work of its own layer shapes."""
        from studyapp.labs.work import work

        self.timed[row["variant"]] = Timed(row, model, lambda: work(model, LATENCY_BATCH))

    def level(self, name: Text, method: str, amount: float, pruned: nn.Module,
              removed: Callable[[nn.Module], float], timed: bool = True) -> nn.Module:
        """Rows for `pruned` as it is and after fine-tuning; the final model, masks removed,
        goes into the comparison when `timed`."""
        from studyapp.labs import zoo

        row = self.row(name, method, amount, pruned, removed(pruned))
        if self.epochs > 0:
            before = prune_models.predicted(pruned, self.x_test) == self.y_test
            zoo.fine_tune(pruned, self.epochs)
            row = self.row(Text(f"{name.bg} +дообуч.", f"{name.en} +FT"), method, amount,
                           pruned, removed(pruned), tuned=True, before=before)
        prune_models.make_permanent(pruned)
        if timed:
            self.to_time(row, pruned)
        return pruned

    def dense_level(self) -> None:
        self.to_time(self.row(Text("плътен", DENSE), "dense", 0.0, self.dense, 0.0), self.dense)

    def unstructured(self) -> nn.Module:
        """Every sparsity of the sweep; returns the final model at the highest one."""
        final = self.dense
        for sparsity in self.sweep.sparsities:
            model = copy.deepcopy(self.dense)
            prune_models.prune_globally(model, sparsity)
            share = lesson.percent(sparsity)
            final = self.level(Text(f"L1 неструкт. {share}", f"L1 unstr {share}"),
                               "unstructured", sparsity, model, prune_models.zero_share,
                               timed=sparsity in self.sweep.timed_sparsities)
            self.step(Text(f"глобално окъсяване по големина {share}",
                           f"global magnitude pruning {share}"))
        return final

    def same_zeros(self, final: nn.Module, sparsity: float) -> None:
        """The highest sparsity once more: with torch's mask attached, and as CSR."""
        masked = prune_models.masked_again(final)
        zeros, share = prune_models.zero_share(final), lesson.percent(sparsity)
        row = self.row(Text(f"L1 неструкт. {share} с маска", f"L1 unstr {share} masked"),
                       "masked", sparsity, masked, zeros)
        self.to_time(row, masked)
        sparse = prune_models.as_csr(final)
        if sparse is not None:
            row = self.row(Text(f"L1 неструкт. {share} CSR кернел", f"L1 unstr {share} CSR kernel"),
                           "csr", sparsity, final, zeros, runs=sparse)
            self.timed[row["variant"]] = Timed(row, sparse, None)
        self.step(Text("същите нули с маска и като CSR", "the same zeros masked and as CSR"))

    def structured(self) -> None:
        dense_weights = prune_models.weight_count(self.dense)
        for fraction in self.sweep.fractions:
            share = lesson.percent(fraction)
            self.level(Text(f"L1 структ. −{share}", f"L1 struct −{share}"),
                       "structured", fraction, prune_models.shrink(self.dense, fraction),
                       lambda model: 1 - prune_models.weight_count(model) / dense_weights)
            self.step(Text(f"структурно: −{share} неврони/канали",
                           f"structured: −{share} neurons/channels"))

    def compare(self) -> None:
        """Every timed model in one interleaved comparison; speed-ups against dense."""
        sync = harness.synchronizer(self.device)
        calls = {name: harness.torch_call(timed.model, self.x_timed, self.device)
                 for name, timed in self.timed.items()}
        message = Text("латентност, редуващи се кръгове", "latency, interleaved rounds")
        comparison = harness.interleaved(
            calls, threads=self.threads, plan=self.sweep.plan,
            synchronize={name: sync for name in calls},
            on_round=lambda done, total: self.emit.progress(done, total, message))
        for name, timed in self.timed.items():
            timed.row.update(comparison[name].as_row(samples=True))
            put_interval(timed.row, "speedup",
                         None if name == DENSE else comparison.speedup(DENSE, name))
        self.step(Text("латентността е измерена", "latency measured"))

    def place(self) -> tuple[Roofline, list[Text]]:
        """The timed rows on this machine's roofline, each with the work of its own shapes;
        the CSR kernel stays off it: its time goes into walking indices, which neither
        ceiling describes. The table is sent again with where each row sits."""
        from studyapp.labs import roofline_probe
        from studyapp.labs.roofline import place

        roof = roofline_probe.roofline(self.threads)
        placed = [(timed.row, work) for timed in self.timed.values()
                  if (work := timed.work) is not None]
        for row, work_of in placed:
            place(row, work_of(), roof)
        checked = roofline_probe.checked([row for row, _ in placed], roof)
        self.emit.table(self.table.name, self.table.title, self.table.columns, self.rows)
        return checked


def plot(emit: Emitter, rows: list[Row]) -> None:
    """Accuracy against sparsity, before and after fine-tuning, and latency against the share
    of weights gone."""
    removed = Text("премахнати тегла (дял)", "weights removed (share)")
    accuracy = Text("точност", "accuracy")
    latency = Text(f"медиана, ms за {LATENCY_BATCH} цифри",
                   f"median, ms per {LATENCY_BATCH} digits")
    dense = lesson.timed(rows, "dense")
    lines: list[tuple[Text, Text, list[Mapping[str, RowValue]], str]] = [
        (Text("неструктурно", "unstructured"), accuracy,
         dense + lesson.levels(rows, "unstructured", tuned=False), "accuracy"),
        (Text("структурно", "structured"), accuracy,
         dense + lesson.levels(rows, "structured", tuned=False), "accuracy"),
        (Text("неструктурно + дообучение", "unstructured + fine-tune"), accuracy,
         dense + lesson.levels(rows, "unstructured", tuned=True), "accuracy"),
        (Text("структурно + дообучение", "structured + fine-tune"), accuracy,
         dense + lesson.levels(rows, "structured", tuned=True), "accuracy"),
        (Text("неструктурно (плътен кернел)", "unstructured (dense kernel)"), latency,
         dense + lesson.timed(rows, "unstructured"), "latency_ms_median"),
        (Text("структурно (по-малки слоеве)", "structured (smaller layers)"), latency,
         dense + lesson.timed(rows, "structured"), "latency_ms_median"),
    ]
    for name, y_label, points, key in lines:
        if len(points) > 1:
            emit.series(name, removed, y_label, [row["sparsity"] for row in points],
                        [row[key] for row in points])


def run(params: Params, emit: Emitter) -> None:
    from studyapp.labs.envinfo import load_average

    load = load_average()  # before the lab adds its own
    lab = PruneRun(params, emit)
    lab.dense_level()
    lab.step(Text(f"обученият {lab.model_name} е зареден", f"loaded the trained {lab.model_name}"))
    if lab.cuda_missing:
        lab.rows.append(cuda_skipped(emit, lab.threads, Text(
            "Няма CUDA устройство: латентността е измерена на CPU.",
            "No CUDA device: latency was measured on the CPU.")))
    top = lab.unstructured()
    lab.same_zeros(top, lab.sweep.sparsities[-1])
    lab.structured()
    lab.compare()
    plot(emit, lab.rows)
    rows = lab.rows
    reading = [*lesson.read_accuracy(rows), *lesson.read_latency(rows)]
    roof_json = None
    if lab.device == "cpu":
        roof, notes = lab.place()
        plot_roofline(emit, roof, [
            (Text("плътен и неструктурни", "dense and unstructured"),
             lesson.timed(rows, "dense") + lesson.timed(rows, "unstructured")),
            (Text("структурни", "structured"), lesson.timed(rows, "structured"))])
        placed = lesson.read_roofline(rows, roof)
        reading += [*([placed] if placed else []), *notes]
        roof_json = roof.to_json()
    reading += lesson.read_size(rows)
    emit.result(rows, [*reading, *cautions(load, rows)], roof_json)
