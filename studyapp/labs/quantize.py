"""Lab `quantize` (step 2, example 1): fp32 against int8, fp16 and bf16 on this machine.

Two models: the trained `mlp`, whose accuracy int8 must keep, and `wide_mlp` (64→4096→4096→10,
68 MB of fp32 weights, seeded random weights: timing only), where weights dominate. Each runs
as torch fp32, dynamic int8 of the Linear layers, fp16 and bf16; and exported to ONNX, as
ONNX Runtime fp32, dynamic int8 and static int8 (the recipes that can change the kernels,
see `quantize_onnx`). With `device=cuda` and a GPU also fp32, fp16 and bf16 on the GPU.

All CPU variants of one model and one batch are timed in one interleaved comparison
(`harness.interleaved`), so every speed-up — against fp32 of the same runtime, against torch
fp32, against ONNX Runtime fp32 — comes from the same rounds, with its interval. Each timed
CPU row is placed on the measured roofline with its own precision's bytes and arithmetic
ceiling (`quantize_arithmetic`). On the trained model every static recipe (each calibration
method, per-tensor or per-channel weights, QDQ or QOperator) is scored for accuracy; the
reading (`lessons/quantize.py`) is chosen from the rows.

torch and onnxruntime are imported inside the functions (lab child process only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from studyapp.labs import envinfo, harness, roofline_probe
from studyapp.labs.columns import columns, skipped
from studyapp.labs.events import Column, Emitter, Row
from studyapp.labs.findings import put_interval
from studyapp.labs.lessons.quantize import reading
from studyapp.labs.params import Params, ParamSpec
from studyapp.labs.quantize_arithmetic import Isa, arithmetic
from studyapp.labs.quantize_onnx import static_recipes, timed_recipes
from studyapp.labs.quantize_variants import (
    Variant,
    gpu_variants,
    int8_weight_bytes,
    ort_cpu_variants,
    static_variant,
    torch_cpu_variants,
)
from studyapp.labs.readings import LiveTable, Steps, cautions, plot_roofline
from studyapp.labs.roofline import Roofline, place
from studyapp.labs.work import work
from studyapp.text import Text

if TYPE_CHECKING:
    import torch

    from studyapp.labs.digits import DigitsSplit
    from studyapp.labs.onnx_export import Exported

PARAMS: dict[str, ParamSpec] = {}  # the common ones only: size, threads, device, seed

TABLE, STATIC_TABLE = "quantize", "quantize_static"
ACCURACY_MODEL = "mlp"  # trained: its accuracy is what int8 must keep
SPEED_MODEL = "wide_mlp"  # weight-heavy: where int8 has bytes to save
BATCHES = (1, 64)
CALIBRATION_IMAGES = {"quick": 64, "default": 128}
# The TorchScript exporter writes the same Gemm/Relu graph as the torch.export one for these
# models, in a fraction of the time; the lab studies the quantized graph, not the exporter.
EXPORTER = "torchscript"
PLANS = {
    # harness.QUICK, bounded like the default: on a busy machine a quick run stays quick
    "quick": harness.Plan(rounds=harness.QUICK.rounds, block_s=harness.QUICK.block_s,
                          warmup_s=harness.QUICK.warmup_s, budget_s=1.0, retries=2),
    # 2 s a comparison: the fast variants get 10 rounds (an interval tighter than their
    # extremes); where fp16 and bf16 take a quarter of a second a call (the wide model at
    # batch 64 on a CPU without native 16-bit arithmetic), the comparison falls back to the
    # fewest rounds that give an interval, after one warm call past the cold one.
    "default": harness.Plan(rounds=10, block_s=0.005, warmup=1, warmup_s=0.05, budget_s=2.0,
                            retries=2),
}
BASELINES = {"speedup_vs_torch": "torch fp32", "speedup_vs_ort": "ORT fp32"}

TITLE = Text("Квантизация: латентност, roofline, точност, размер",
             "Quantization: latency, roofline, accuracy, size")
STATIC_TITLE = Text("Статична int8 в ONNX Runtime: калибриране, мащаби, формат",
                    "Static int8 in ONNX Runtime: calibration, scales, format")
SPEEDUP_VS_ORT = Column("speedup_vs_ort", Text("спрямо ORT fp32", "against ORT fp32"), "×")
IMAGES_CHANGED = Column("images_changed", Text("сменени отговори", "answers changed"))
SIZE_RATIO = Column("size_ratio", Text("дял от fp32", "share of fp32"), "×")
GFLOPS = Column("gflops", Text("постигнати (int8: GOP/s)", "achieved (int8: GOP/s)"),
                "GFLOP/s")
OF_PEAK = Column("of_fp32_peak", Text("от fp32 пика", "of the fp32 peak"), "×")
COLUMNS: tuple[Column, ...] = columns(
    "model", "variant", "device", "batch_size", "latency_ms_median", "latency_ms_low",
    "latency_ms_high", "speedup", "speedup_low", "speedup_high", SPEEDUP_VS_ORT, "accuracy",
    IMAGES_CHANGED, "size_bytes", SIZE_RATIO, GFLOPS, OF_PEAK, "bound", "share_of_roofline",
    "noisy", "threads", "status",
)
STATIC_COLUMNS: tuple[Column, ...] = columns(
    "model", Column("calibration", Text("калибриране", "calibration")),
    Column("weight_scales", Text("мащаби на теглата", "weight scales")),
    Column("format", Text("формат", "format")), "accuracy",
    Column("accuracy_change_pp", Text("промяна на точността", "accuracy change"), "pp"),
    IMAGES_CHANGED, "size_bytes", SIZE_RATIO, Column("timed", Text("измерен", "timed")),
)



@dataclass(frozen=True)
class Setting:
    """What every model of one run is measured with."""

    split: DigitsSplit
    calibration: np.ndarray  # training images that fix the static recipes' ranges
    threads: int
    plan: harness.Plan
    isa: Isa
    device: str
    seed: int

    @property
    def reduce_range(self) -> bool:
        """7-bit weights: ONNX Runtime's advice for x86 CPUs without VNNI."""
        return not (self.isa.vnni or self.isa.amx)


Placement = tuple[Row, Variant, "torch.nn.Module"]


# --- accuracy -----------------------------------------------------------------------------


def predict(variant: Variant, x: np.ndarray) -> np.ndarray:
    """The class the variant picks for each image of `x`."""
    import torch

    assert variant.prepare is not None
    with torch.inference_mode():
        return variant.logits(variant.prepare(x)()).argmax(axis=1)


def scored(predicted: np.ndarray, reference: np.ndarray, labels: np.ndarray) -> Row:
    """Accuracy, and how it differs from the `reference` answers (torch fp32's)."""
    accuracy = float((predicted == labels).mean())
    return {"accuracy": accuracy, "test_images": len(labels),
            "accuracy_change_pp": 100 * (accuracy - float((reference == labels).mean())),
            "images_changed": int((predicted != reference).sum())}


# --- timing -------------------------------------------------------------------------------


def baselines(variant: Variant) -> dict[str, str]:
    """The row keys of `variant`'s speed-ups and the variant each is against."""
    if variant.device != "cpu":
        return {"speedup": "torch fp32"}
    found = {"speedup": f"{variant.runtime} fp32", **BASELINES}
    if variant.recipe is not None and variant.recipe.static:
        found["speedup_vs_dyn"] = "ORT int8-dyn"
    return found


def timed_rows(model: str, variants: Sequence[Variant], x: np.ndarray, threads: int,
               plan: harness.Plan) -> list[Row]:
    """One row per variant at this batch; the runnable ones timed in one comparison."""
    calls = {variant.name: variant.prepare(x) for variant in variants
             if variant.prepare is not None}
    timings = harness.interleaved(
        calls, threads=threads, plan=plan,
        synchronize={variant.name: variant.synchronize for variant in variants},
    ) if calls else harness.Comparison({})
    rows = []
    for variant in variants:
        row: Row = {"model": model, **variant.row(), "batch_size": len(x), "threads": threads,
                    **({"status": "ok"} if variant.skipped is None else skipped(variant.skipped))}
        if variant.name in timings.timings:
            row |= timings[variant.name].as_row(samples=True)
            for key, base in baselines(variant).items():
                put_interval(row, key, timings.speedup(base, variant.name))
        rows.append(row)
    return rows


# --- the study of static recipes ----------------------------------------------------------


def static_study(model_name: str, model: torch.nn.Module, exported: Exported,
                 setting: Setting, reference: np.ndarray, fp32_size: int) -> list[Row]:
    """Accuracy and size of every static recipe on the trained model (untimed rows)."""
    timed = timed_recipes(setting.reduce_range)
    split, rows = setting.split, []
    for recipe in static_recipes(setting.reduce_range):
        variant = static_variant(exported, recipe, setting.calibration, setting.threads,
                                 int8_weight_bytes(model))
        assert variant.size_bytes is not None
        rows.append({
            "model": model_name, **variant.row(), "variant": f"ORT int8-static {recipe.label}",
            "calibration_images": len(setting.calibration), "timed": recipe in timed,
            "size_ratio": variant.size_bytes / fp32_size, "threads": setting.threads,
            "status": "ok", **scored(predict(variant, split.x_test), reference, split.y_test),
        })
    return rows


# --- the lab ------------------------------------------------------------------------------


def ort_fp32_size(variants: Sequence[Variant]) -> int:
    size = next(v.size_bytes for v in variants if v.name == "ORT fp32")
    assert size is not None
    return size


def with_sizes_and_accuracy(rows: list[Row], variants: Sequence[Variant],
                            answers: dict[tuple[str, str], Row]) -> list[Row]:
    """Size against fp32 of the same runtime and device, and accuracy where scored."""
    sizes = {(v.runtime, v.device): v.size_bytes for v in variants if v.precision == "fp32"}
    for row in rows:
        fp32_size = sizes.get((row["runtime"], row["device"]))
        if row.get("size_bytes") and fp32_size:
            row["size_ratio"] = row["size_bytes"] / fp32_size
        row |= answers.get((row["variant"], row["device"]), {})
    return rows


def measure_model(name: str, setting: Setting, emit: Emitter, step: Steps,
                  table: LiveTable) -> tuple[list[Placement], list[Row]]:
    """Every variant of model `name` timed at each batch (rows added to `table`), and on the
    trained model scored, with every static recipe; the CPU rows to place, and the recipes'
    rows."""
    from studyapp.labs import zoo
    from studyapp.labs.onnx_export import cached_export

    # The wide model is timed with seeded random weights: training it would take longer
    # than the whole lab, and its speed does not depend on its weights.
    trained = (zoo.trained(name, emit.progress) if name == ACCURACY_MODEL
               else zoo.untrained(name, setting.seed))
    exported = cached_export(trained.model, trained.key, setting.calibration, EXPORTER)
    step(Text(f"{name}: модел и ONNX файл", f"{name}: model and ONNX file"))
    variants = [*torch_cpu_variants(trained.model),
                *ort_cpu_variants(trained.model, exported, setting.calibration, setting.threads,
                                  setting.reduce_range)]
    gpu = gpu_variants(trained.model) if setting.device == "cuda" else []
    for variant in gpu if name == ACCURACY_MODEL else []:  # said once, for the first model
        if variant.skipped is not None:
            emit.note(f"{variant.name} ({variant.device}): {variant.skipped.bg}",
                      f"{variant.name} ({variant.device}): {variant.skipped.en}")
    step(Text(f"{name}: int8, fp16, bf16 в torch и ONNX Runtime",
              f"{name}: int8, fp16, bf16 in torch and ONNX Runtime"))
    split, answers, study = setting.split, {}, []
    if trained.trained:
        reference = predict(variants[0], split.x_test)
        answers = {(v.name, v.device): scored(predict(v, split.x_test), reference, split.y_test)
                   for v in [*variants, *gpu] if v.prepare is not None}
        study = static_study(name, trained.model, exported, setting, reference,
                             ort_fp32_size(variants))
    by_name = {variant.name: variant for variant in variants}
    placements: list[Placement] = []
    for batch in BATCHES:
        rows = timed_rows(name, variants, split.x_test[:batch], setting.threads, setting.plan)
        placements += [(row, by_name[row["variant"]], trained.model) for row in rows]
        table.rows.extend(with_sizes_and_accuracy(rows, variants, answers))
        step(Text(f"{name}: пакет {batch} на CPU", f"{name}: batch {batch} on the CPU"))
        if gpu:
            table.rows.extend(with_sizes_and_accuracy(
                timed_rows(name, gpu, split.x_test[:batch], setting.threads, setting.plan),
                gpu, answers))
            step(Text(f"{name}: пакет {batch} на GPU", f"{name}: batch {batch} on the GPU"))
    return placements, study


def on_roofline(placements: Sequence[Placement], isa: Isa,
                roof: Roofline) -> tuple[Roofline, list[Text]]:
    """Every timed CPU row placed with its own precision's bytes and arithmetic ceiling; the
    roofline probed again where a row beat it (`roofline_probe.checked`), and its notes."""
    for row, variant, model in placements:
        assert variant.weight_bytes is not None
        place(row, work(model, int(row["batch_size"]), weights=variant.weight_bytes,
                        io_bytes=variant.io_bytes,
                        speed=arithmetic(variant.precision, isa).speed), roof)
    roof, notes = roofline_probe.checked([row for row, _, _ in placements], roof)
    for row, _, _ in placements:
        ceiling = roof.at(int(row["threads"]))
        row["of_fp32_peak"] = None if ceiling is None else row["gflops"] / ceiling.peak_gflops
    return roof, notes


def run(params: Params, emit: Emitter) -> None:
    from studyapp.labs.digits import load_digits

    load = envinfo.load_average()  # before the lab adds its own
    size, device = str(params["size"]), str(params["device"])
    split = load_digits()
    rng = np.random.default_rng(int(params["seed"]))
    setting = Setting(
        split, split.x_train[rng.choice(len(split.x_train), CALIBRATION_IMAGES[size],
                                        replace=False)],
        int(params["threads"]), PLANS[size], Isa.here(), device, int(params["seed"]))
    names = (ACCURACY_MODEL,) if size == "quick" else (ACCURACY_MODEL, SPEED_MODEL)
    table = LiveTable(TABLE, TITLE, COLUMNS, [])
    gpu_steps = len(BATCHES) if device == "cuda" else 0
    step = Steps(emit, 1 + len(names) * (2 + len(BATCHES) + gpu_steps) + 1, table)
    roof = roofline_probe.roofline(setting.threads)
    step(Text("roofline на тази машина", "this machine's roofline"))
    placements: list[Placement] = []
    study: list[Row] = []
    for name in names:
        placed, studied = measure_model(name, setting, emit, step, table)
        placements += placed
        study += studied
    roof, probe_notes = on_roofline(placements, setting.isa, roof)
    emit.table(TABLE, TITLE, COLUMNS, table.rows)
    emit.table(STATIC_TABLE, STATIC_TITLE, STATIC_COLUMNS, study)
    plots(emit, table.rows, roof, names[-1])
    rows = [*table.rows, *study]
    step.finish(Text("прочит", "reading"))
    emit.result(rows, [*reading(rows, setting.isa, roof), *probe_notes, *cautions(load, rows)],
                roof.to_json())


def plots(emit: Emitter, rows: Sequence[Row], roof: Roofline, model: str) -> None:
    """Each CPU variant's speed-up over fp32 against the batch (for `model`), and every
    placed row on the roofline, grouped by precision."""
    cpu = [row for row in rows if row["device"] == "cpu" and row.get("gflops")]
    for variant in dict.fromkeys(row["variant"] for row in cpu
                                 if row["model"] == model and row["precision"] != "fp32"):
        points = [row for row in cpu if row["model"] == model and row["variant"] == variant]
        emit.series(f"{model} {variant}", Text("пакет", "batch"),
                    Text("ускорение спрямо fp32, ×", "speed-up over fp32, ×"),
                    [row["batch_size"] for row in points],
                    [row.get("speedup") for row in points], log_x=True)
    plot_roofline(emit, roof, [
        (Text(precision, precision), [row for row in cpu if row["precision"] == precision])
        for precision in ("fp32", "int8", "fp16", "bf16")])

