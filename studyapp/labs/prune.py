"""Lab `prune` (step 2): what removing weights does to accuracy, size and latency.

Two ways of pruning a trained digits model are compared:

- unstructured: global magnitude pruning (L1) over every weight tensor at once, swept over
  sparsities, as pruned and after a short fine-tune that keeps the pruning masks; the layers
  keep their shapes, so a dense kernel still multiplies every zero;
- structured: the hidden neurons (Linear) or channels (Conv2d) with the smallest L1 norm are
  removed and the next layer's inputs sliced to match, which builds a physically smaller model.

Size is reported as dense fp32 bytes and as CSR (values plus indices), so the index overhead of
a sparse format is visible. torch is imported inside the functions (lab child process only).
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studyapp.deck.model import Text
from studyapp.labs import harness
from studyapp.labs.columns import columns
from studyapp.labs.events import Column, Emitter
from studyapp.labs.params import ParamSpec
from studyapp.labs.readings import (
    LiveTable,
    Steps,
    cautions,
    cuda_skipped,
    join,
    noise_caution,
    times,
    verdict,
)

if TYPE_CHECKING:
    import torch
    from torch import nn

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
    fractions: tuple[float, ...]  # structured: share of hidden neurons/channels removed
    min_time_s: float  # per latency measurement


SWEEPS: dict[str, Sweep] = {
    "quick": Sweep((0.0, 0.5, 0.9), (0.5,), harness.QUICK_MIN_TIME_S),
    "default": Sweep(tuple(step / 10 for step in range(10)), (0.25, 0.5, 0.75), 0.2),
}
LATENCY_BATCH = 256  # test digits per timed call: enough work for the GEMM shapes to matter
HOLDS = 0.01  # accuracy "holds" while it stays within one point of the dense model

COLUMNS: tuple[Column, ...] = columns(
    "variant", Column("fine_tuned", Text("дообучен", "fine-tuned")),
    Column("sparsity", Text("нулеви/махнати тегла", "weights zero/removed"), "0..1"),
    "accuracy", "params_count",
    Column("size_bytes", Text("плътно fp32", "dense fp32"), "B"),
    Column("size_bytes_csr", Text("CSR, int32 индекси", "CSR, int32 indices"), "B"),
    Column("size_bytes_csr_int64", Text("CSR, int64 индекси", "CSR, int64 indices"), "B"),
    "batch_size", "device", "status", *harness.TIMING_COLUMNS,
    Column("latency_ms_min", Text("най-бързо извикване", "fastest call"), "ms"),
)


# --- pruning -------------------------------------------------------------------------------


def weighted_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The Linear and Conv2d layers, in the order the project's models apply them."""
    from torch import nn

    return [(name, layer) for name, layer in model.named_modules()
            if isinstance(layer, nn.Linear | nn.Conv2d)]


def prune_globally(model: nn.Module, amount: float) -> None:
    """Mask the `amount` share of smallest-|w| weights across all layers at once."""
    import torch.nn.utils.prune as torch_prune

    targets = [(layer, "weight") for _, layer in weighted_layers(model)]
    torch_prune.global_unstructured(targets, pruning_method=torch_prune.L1Unstructured,
                                    amount=amount)


def make_permanent(model: nn.Module) -> None:
    """Fold the pruning masks into plain weights: the zeros stay, the masks and hooks go."""
    import torch.nn.utils.prune as torch_prune

    for _, layer in weighted_layers(model):
        if torch_prune.is_pruned(layer):
            torch_prune.remove(layer, "weight")


def shrink(model: nn.Module, fraction: float) -> nn.Module:
    """A smaller copy: each hidden layer keeps its highest-L1-norm neurons/channels.

    The output layer keeps all its units; the layer after a shrunk one keeps only the input
    columns that belonged to the kept units (a flattened conv channel owns H·W columns).
    """
    import torch
    from torch import nn

    small = copy.deepcopy(model)
    layers = weighted_layers(model)
    kept_before: tuple[torch.Tensor, int] | None = None  # kept unit indices, units before
    for position, (name, layer) in enumerate(layers):
        weight = layer.weight.detach()
        units = weight.shape[0]
        rows = torch.arange(units)
        if position < len(layers) - 1:
            norms = weight.abs().reshape(units, -1).sum(dim=1)
            rows = norms.topk(max(1, round(units * (1 - fraction)))).indices.sort().values
        weight = weight[rows]
        if kept_before is not None:
            kept, units_before = kept_before
            per_unit = weight.shape[1] // units_before
            weight = weight[:, (kept[:, None] * per_unit + torch.arange(per_unit)).reshape(-1)]
        smaller = copy.deepcopy(layer)
        smaller.weight = nn.Parameter(weight.clone())
        smaller.bias = nn.Parameter(layer.bias.detach()[rows].clone())
        if isinstance(smaller, nn.Linear):
            smaller.out_features, smaller.in_features = weight.shape
        else:
            smaller.out_channels, smaller.in_channels = weight.shape[:2]
        parent, _, leaf = name.rpartition(".")
        setattr(small.get_submodule(parent) if parent else small, leaf, smaller)
        kept_before = (rows, units)
    return small.eval()


# --- what a pruned model costs -------------------------------------------------------------


def weight_count(model: nn.Module) -> int:
    return sum(layer.weight.numel() for _, layer in weighted_layers(model))


def zero_share(model: nn.Module) -> float:
    """Measured share of weights that are exactly zero (biases not counted)."""
    zeros = sum(int((layer.weight == 0).sum()) for _, layer in weighted_layers(model))
    return zeros / weight_count(model)


def dense_bytes(model: nn.Module) -> int:
    return sum(p.numel() * p.element_size() for p in model.parameters())


def csr_bytes(model: nn.Module, index_bits: int) -> int:
    """Bytes of the weights as CSR (one row per output unit) plus the dense biases.

    Measured on real CSR tensors: values, column indices and row pointers. torch stores the
    indices as int64 by default; int32 is the smallest standard index type for these shapes.
    """
    import torch

    index_dtype = torch.int64 if index_bits == 64 else torch.int32
    layers = weighted_layers(model)
    total = dense_bytes(model) - sum(
        layer.weight.numel() * layer.weight.element_size() for _, layer in layers)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch calls its CSR support "beta"
        for _, layer in layers:
            weight = layer.weight.detach()
            csr = weight.reshape(weight.shape[0], -1).to_sparse_csr()
            total += csr.values().nbytes
            total += csr.col_indices().to(index_dtype).nbytes
            total += csr.crow_indices().to(index_dtype).nbytes
    return total


def layer_shapes(model: nn.Module) -> str:
    """The weight shapes the kernels see, e.g. "128×64, 128×128, 10×128"."""
    return ", ".join("×".join(str(d) for d in layer.weight.shape)
                     for _, layer in weighted_layers(model))


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%"


# --- the run -------------------------------------------------------------------------------


@dataclass
class Level:
    """One pruning level: its rows, as pruned and (when fine-tuning is on) fine-tuned."""

    amount: float  # what was asked: share of weights (unstructured) or of units (structured)
    pruned: dict[str, Any]
    tuned: dict[str, Any] | None

    @property
    def final(self) -> dict[str, Any]:
        return self.tuned or self.pruned


class PruneRun:
    """The trained model, the test digits, and every row measured so far."""

    def __init__(self, params: dict[str, Any], emit: Emitter) -> None:
        from studyapp.labs import envinfo, zoo
        from studyapp.labs.digits import load_digits

        self.model_name = str(params["model"])
        self.threads = int(params["threads"])
        self.epochs = int(params["fine_tune_epochs"])
        self.sweep = SWEEPS[str(params["size"])]
        self.device = "cuda" if params["device"] == "cuda" and envinfo.cuda_available() else "cpu"
        self.cuda_missing = params["device"] == "cuda" and self.device == "cpu"
        self.rows: list[dict[str, Any]] = []
        self.step = Steps(emit, len(self.sweep.sparsities) + len(self.sweep.fractions) + 1,
                          LiveTable("prune", Text("Окъсяване: точност, размер, латентност",
                                                  "Pruning: accuracy, size, latency"),
                                    COLUMNS, self.rows))
        trained = zoo.trained(self.model_name, progress=emit.progress)  # trains on first use
        self.dense, self.dense_accuracy = trained.model, float(trained.accuracy or 0.0)
        split = load_digits()
        self.x_test, self.y_test = split.x_test, split.y_test

    def row(self, variant: Text, model: nn.Module, removed: float,
            tuned: bool) -> dict[str, Any]:
        from studyapp.labs import zoo

        return {
            "variant": variant.en, "variant_bg": variant.bg, "fine_tuned": tuned,
            "sparsity": removed,
            "accuracy": zoo.evaluate(model, self.x_test, self.y_test),
            "params_count": sum(p.numel() for p in model.parameters()),
            "size_bytes": dense_bytes(model), "size_bytes_csr": csr_bytes(model, 32),
            "size_bytes_csr_int64": csr_bytes(model, 64), "batch_size": LATENCY_BATCH,
            "device": self.device, "threads": self.threads, "status": "ok",
        }

    def timed(self, model: nn.Module) -> dict[str, Any]:
        """Latency of `model` (plain weights, no masks) on LATENCY_BATCH test digits."""
        import torch

        x = torch.tensor(self.x_test[:LATENCY_BATCH])
        timing = harness.measure_torch(copy.deepcopy(model), x, threads=self.threads,
                                       min_time_s=self.sweep.min_time_s, device=self.device)
        return timing.as_row() | {"latency_ms_min": timing.min_ms}

    def level(self, name: Text, amount: float, pruned: nn.Module,
              removed: Callable[[nn.Module], float]) -> Level:
        """Rows for `pruned` as it is and after fine-tuning; the final one is timed."""
        from studyapp.labs import zoo

        level = Level(amount, self.row(name, pruned, removed(pruned), tuned=False), None)
        if self.epochs > 0:
            zoo.fine_tune(pruned, self.epochs)
            tuned = Text(f"{name.bg} +дообуч.", f"{name.en} +FT")
            level.tuned = self.row(tuned, pruned, removed(pruned), tuned=True)
        make_permanent(pruned)
        level.final.update(self.timed(pruned))
        self.rows += [level.pruned] if level.tuned is None else [level.pruned, level.tuned]
        return level

    def unstructured(self) -> list[Level]:
        levels = []
        for sparsity in self.sweep.sparsities:
            model = copy.deepcopy(self.dense)
            prune_globally(model, sparsity)
            name = Text(f"L1 неструкт. {_pct(sparsity)}", f"L1 unstr {_pct(sparsity)}")
            levels.append(self.level(name, sparsity, model, zero_share))
            self.step(Text(f"глобално окъсяване по големина {_pct(sparsity)}",
                           f"global magnitude pruning {_pct(sparsity)}"))
        return levels

    def structured(self) -> list[Level]:
        dense_weights = weight_count(self.dense)
        levels = []
        for fraction in self.sweep.fractions:
            levels.append(self.level(
                Text(f"L1 структ. −{_pct(fraction)}", f"L1 struct −{_pct(fraction)}"), fraction,
                shrink(self.dense, fraction),
                lambda model: 1 - weight_count(model) / dense_weights))
            self.step(Text(f"структурно: −{_pct(fraction)} неврони/канали",
                           f"structured: −{_pct(fraction)} neurons/channels"))
        return levels


def plot(emit: Emitter, unstructured: list[Level], structured: list[Level]) -> None:
    """Accuracy against sparsity, and latency against the share of weights gone."""
    removed = Text("махнати тегла (дял)", "weights removed (share)")
    accuracy = Text("точност", "accuracy")
    latency = Text(f"медиана, ms за {LATENCY_BATCH} цифри",
                   f"median, ms per {LATENCY_BATCH} digits")
    lines: list[tuple[Text, Text, list[dict[str, Any]], str]] = [
        (Text("неструктурно", "unstructured"), accuracy,
         [lv.pruned for lv in unstructured], "accuracy"),
        (Text("структурно", "structured"), accuracy, [lv.pruned for lv in structured], "accuracy"),
        (Text("неструктурно (плътен кернел)", "unstructured (dense kernel)"), latency,
         [lv.final for lv in unstructured], "latency_ms_median"),
        (Text("структурно (по-малки слоеве)", "structured (smaller layers)"), latency,
         [lv.final for lv in structured], "latency_ms_median"),
    ]
    if any(lv.tuned for lv in unstructured + structured):
        lines[2:2] = [
            (Text("неструктурно + дообучение", "unstructured + fine-tune"), accuracy,
             [lv.final for lv in unstructured], "accuracy"),
            (Text("структурно + дообучение", "structured + fine-tune"), accuracy,
             [lv.final for lv in structured], "accuracy"),
        ]
    for name, y_label, rows, key in lines:
        if rows:
            emit.series(name, removed, y_label, [row["sparsity"] for row in rows],
                        [row[key] for row in rows])


def best_calls(before: dict[str, Any], after: dict[str, Any]) -> Text:
    """For noisy timings: the caution, and the same comparison on the fastest single calls,
    which interference from other programs can only slow down, never speed up."""
    caution = noise_caution(before, after)
    if not caution.en:
        return caution
    change = times(before["latency_ms_min"] / after["latency_ms_min"])
    fastest = f"{before['latency_ms_min']:.3f} → {after['latency_ms_min']:.3f} ms"
    return Text(f"{caution.bg} Най-бързите единични извиквания: {fastest} ({change.bg}).",
                f"{caution.en} The fastest single calls: {fastest} ({change.en}).")


def read_latency(dense: nn.Module, unstructured: list[Level],
                 structured: list[Level]) -> list[Text]:
    """Why zeros do not make the dense kernel faster, and removed neurons do."""
    from studyapp.labs.roofline import linear_flops

    notes = []
    mflop = linear_flops(dense, LATENCY_BATCH) / 1e6
    if len(unstructured) >= 2:
        first, last = unstructured[0].final, unstructured[-1].final
        change = times(first["latency_ms_median"] / last["latency_ms_median"])
        notes.append(join(Text(
            f"Неструктурно: при {_pct(last['sparsity'])} нули латентността е "
            f"{last['latency_ms_median']:.3f} ms срещу {first['latency_ms_median']:.3f} ms при "
            f"{_pct(first['sparsity'])} ({change.bg}). Формите на теглата остават "
            f"{layer_shapes(dense)}, а работата — {mflop:.1f} MFLOP на {LATENCY_BATCH} цифри: "
            "плътните кернели (GEMM, свивка) умножават и нулите. Ускорение би дал само "
            "разреден кернел или хардуер за разреденост.",
            f"Unstructured: at {_pct(last['sparsity'])} zeros the latency is "
            f"{last['latency_ms_median']:.3f} ms against {first['latency_ms_median']:.3f} ms at "
            f"{_pct(first['sparsity'])} ({change.en}). The weight shapes stay "
            f"{layer_shapes(dense)} and the work {mflop:.1f} MFLOP per {LATENCY_BATCH} digits: "
            "the dense kernels (GEMM, convolution) multiply the zeros too. Only a sparse kernel "
            "or sparsity hardware could gain from them."), best_calls(first, last)))
    if structured and unstructured:
        base = unstructured[0].final
        for level in structured:
            row = level.final
            small = shrink(dense, level.amount)
            speedup = base["latency_ms_median"] / row["latency_ms_median"]
            change = times(speedup)
            why = verdict(
                speedup,
                faster=Text("по-малките матрици са наистина по-малко умножения.",
                            "smaller matrices really are fewer multiplications."),
                slower=Text("по-бавно въпреки по-малката работа: времето е смутено (вижте "
                            "предупреждението) или при този размер доминират фиксираните "
                            "разходи на всеки оператор.",
                            "slower despite less work: the timing was disturbed (see the "
                            "caution) or at this size the fixed cost of each operator "
                            "dominates."),
                same=Text("не по-бързо: при този размер времето е за фиксираните разходи на "
                          "всеки оператор, не за аритметика.",
                          "no faster: at this size the time goes into each operator's fixed "
                          "cost, not into arithmetic."))
            notes.append(join(Text(
                f"Структурно −{_pct(level.amount)} неврони/канали: форми {layer_shapes(small)}, "
                f"параметри {base['params_count']} → {row['params_count']}, работа "
                f"{mflop:.1f} → {linear_flops(small, LATENCY_BATCH) / 1e6:.1f} MFLOP, "
                f"латентност {base['latency_ms_median']:.3f} → {row['latency_ms_median']:.3f} ms "
                f"({change.bg}): {why.bg}",
                f"Structured −{_pct(level.amount)} neurons/channels: shapes {layer_shapes(small)}, "
                f"parameters {base['params_count']} → {row['params_count']}, work "
                f"{mflop:.1f} → {linear_flops(small, LATENCY_BATCH) / 1e6:.1f} MFLOP, "
                f"latency {base['latency_ms_median']:.3f} → {row['latency_ms_median']:.3f} ms "
                f"({change.en}): {why.en}"),
                best_calls(base, row)))
    return notes


def falls_off(levels: list[Level], pick: Callable[[Level], dict[str, Any]],
              dense_accuracy: float) -> tuple[Level | None, Level | None]:
    """The last level before accuracy first drops more than HOLDS below the dense model, and
    the level where it does (None when it never does)."""
    held = None
    for level in levels:
        if pick(level)["accuracy"] < dense_accuracy - HOLDS:
            return held, level
        held = level
    return held, None


def _fall(levels: list[Level], pick: Callable[[Level], dict[str, Any]],
          dense_accuracy: float) -> Text:
    """"stays within one point up to X% and falls off at Y% (acc); at Z% it is acc"."""
    held, fell = falls_off(levels, pick, dense_accuracy)
    kept, last = (_pct(held.amount) if held else "0%"), levels[-1]
    if fell is None:
        text = Text(f"остава в рамките на 1 точка при всички нива до {kept}",
                    f"stays within one point at every level up to {kept}")
    else:
        text = Text(
            f"остава в рамките на 1 точка до {kept} и пада при {_pct(fell.amount)} "
            f"({pick(fell)['accuracy']:.3f})",
            f"stays within one point up to {kept} and falls off at {_pct(fell.amount)} "
            f"({pick(fell)['accuracy']:.3f})")
    if fell is last:
        return text
    return Text(f"{text.bg}; при {_pct(last.amount)} е {pick(last)['accuracy']:.3f}",
                f"{text.en}; at {_pct(last.amount)} it is {pick(last)['accuracy']:.3f}")


def read_accuracy(dense_accuracy: float, unstructured: list[Level]) -> list[Text]:
    """Where accuracy falls off, with and without fine-tuning."""
    if not unstructured:
        return []
    plain = _fall(unstructured, lambda level: level.pruned, dense_accuracy)
    notes = [Text(
        f"Точността на плътния модел е {dense_accuracy:.3f}; без дообучение тя {plain.bg}.",
        f"The dense model's accuracy is {dense_accuracy:.3f}; without fine-tuning it "
        f"{plain.en}.")]
    last = unstructured[-1]
    if last.tuned is not None:
        tuned = _fall(unstructured, lambda level: level.final, dense_accuracy)
        notes.append(Text(
            f"С кратко дообучение (маските остават, нулите са {_pct(last.tuned['sparsity'])}) "
            f"точността {tuned.bg}: останалите тегла поемат работата на махнатите.",
            f"With a short fine-tune (the masks stay, zeros are {_pct(last.tuned['sparsity'])}) "
            f"accuracy {tuned.en}: the remaining weights take over the work of the removed "
            "ones."))
    return notes


def read_size(unstructured: list[Level]) -> list[Text]:
    """What a sparse format really saves once its indices are paid for."""
    if not unstructured:
        return []
    smaller = [lv for lv in unstructured if lv.final["size_bytes_csr"] < lv.final["size_bytes"]]
    even = (Text(f"CSR с int32 индекси става по-малък от плътния формат едва от "
                 f"{_pct(smaller[0].amount)} разреденост нагоре",
                 f"CSR with int32 indices gets smaller than the dense format only from "
                 f"{_pct(smaller[0].amount)} sparsity up")
            if smaller else
            Text("CSR с int32 индекси не е по-малък от плътния формат при нито едно ниво тук",
                 "CSR with int32 indices is not smaller than the dense format at any level here"))
    last = unstructured[-1].final
    return [Text(
        f"Всяко ненулево тегло в CSR струва 4 B стойност + 4 B индекс на колона (int32) или "
        f"+ 8 B (int64, по подразбиране в torch) срещу 4 B в плътния формат. {even.bg}; при "
        f"{_pct(last['sparsity'])}: {last['size_bytes_csr']} B (int32) и "
        f"{last['size_bytes_csr_int64']} B (int64) срещу {last['size_bytes']} B плътно.",
        f"Each non-zero weight in CSR costs a 4 B value + a 4 B column index (int32) or "
        f"+ 8 B (int64, torch's default) against 4 B dense. {even.en}; at "
        f"{_pct(last['sparsity'])}: {last['size_bytes_csr']} B (int32) and "
        f"{last['size_bytes_csr_int64']} B (int64) against {last['size_bytes']} B dense.")]


def run(params: dict[str, Any], emit: Emitter) -> None:
    from studyapp.labs.envinfo import load_average

    load = load_average()  # before the lab adds its own
    lab = PruneRun(params, emit)
    lab.step(Text(f"зареден обученият {lab.model_name}", f"loaded the trained {lab.model_name}"))
    if lab.cuda_missing:
        lab.rows.append(cuda_skipped(emit, lab.threads, Text(
            "Няма CUDA устройство: латентността е измерена на CPU.",
            "No CUDA device: latency was measured on the CPU.")))
    unstructured = lab.unstructured()
    structured = lab.structured()
    plot(emit, unstructured, structured)
    reading = [*read_accuracy(lab.dense_accuracy, unstructured),
               *read_latency(lab.dense, unstructured, structured), *read_size(unstructured)]
    emit.result(lab.rows, [*reading, *cautions(load)])
