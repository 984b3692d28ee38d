"""Lab `quantize` (step 2, example 1): fp32 against int8, fp16 and bf16 on this machine.

Every variant of a trained digits model is measured the same way: accuracy on the test
digits, latency at batch 1 and 64 through the harness, and size on disk. The variants:
torch fp32 (the baseline), torch dynamic int8 of the Linear layers, ONNX Runtime fp32,
ONNX Runtime dynamic int8 and static int8 (calibrated on training images), torch fp16 and
bf16; with `device=cuda` and a GPU, also fp32, fp16 and bf16 on the GPU. Speed-up and size
ratio compare each variant with fp32 in the same runtime on the same device. The reading
explains the numbers from this CPU's instruction set and its measured roofline.

torch and onnxruntime are imported inside the functions (lab child process only).
"""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from studyapp.deck.model import Text
from studyapp.labs import envinfo, harness
from studyapp.labs.columns import columns
from studyapp.labs.events import Column, Emitter
from studyapp.labs.params import ParamSpec
from studyapp.labs.quantize_variants import NO_GPU, Variant, cpu_variants, gpu_variants
from studyapp.labs.readings import Steps, cautions, join, noise_caution, ratio, times, verdict

if TYPE_CHECKING:
    import torch

    from studyapp.labs.digits import DigitsSplit
    from studyapp.labs.roofline import Roofline

PARAMS: dict[str, ParamSpec] = {}  # the common ones only: size, threads, device, seed

TABLE = "quantize"
ACCURACY_MODEL = "mlp"  # trained: its accuracy is what int8 must keep
SPEED_MODEL = "wide_mlp"  # weight-heavy: where int8 has bytes to save
BATCHES = (1, 64)
CALIBRATION_IMAGES = {"quick": 64, "default": 128}
MIN_TIME_S_QUICK = harness.QUICK_MIN_TIME_S
MIN_TIME_S_DEFAULT = 0.2
# The most one latency measurement may take, warm-up included. A slower variant is timed
# with a few warm calls instead, and its row says so (samples < harness.MIN_SAMPLES).
BUDGET_S_QUICK = 1.0
BUDGET_S_DEFAULT = 3.0
# A call whose roofline bound is under OVERHEAD_MS and that takes OVERHEAD_FACTOR times
# longer than that bound spends its time on fixed per-call costs.
OVERHEAD_MS = 0.1
OVERHEAD_FACTOR = 3.0
ACCURACY_KEPT_PP = 1.0  # int8 "keeps" accuracy while no variant moves it more than this
PROBE_CALLS = 3  # warm calls (fewer for slow ones) that decide if a full measurement fits

COLUMNS: tuple[Column, ...] = columns(
    "model", "variant", "device", "batch_size", "latency_ms_median", "latency_ms_p90", "speedup",
    "accuracy",
    Column("accuracy_change_pp", Text("промяна на точността", "accuracy change"), "pp"),
    "size_bytes", Column("size_ratio", Text("дял от fp32", "share of fp32"), "×"),
    "cv", "noisy", "samples", "threads", "status",
)

Row = dict[str, Any]


@dataclass(frozen=True)
class Cpu:
    """The instruction-set facts that decide how fast int8 and 16-bit arithmetic run."""

    model: str
    vnni: bool  # int8 dot products in one instruction (AVX512-VNNI or AVX-VNNI)
    amx: bool  # tile matrix units for int8 and bf16
    bf16: bool  # native bf16 dot products (AVX512-BF16 or AMX-BF16)
    fp16: bool  # native fp16 arithmetic (AVX512-FP16 or AMX-FP16)
    cache_bytes: int | None  # the last-level cache, where the OS says


def cpu_facts() -> Cpu:
    info = envinfo.cpu_info()
    return Cpu(model=info["cpu_model"] or "?", vnni=envinfo.has_vnni(), amx=envinfo.has_amx(),
               bf16=envinfo.has_bf16(), fp16=envinfo.has_fp16(),
               cache_bytes=info["last_level_cache_bytes"])


# --- measuring ----------------------------------------------------------------------------


def accuracy(variant: Variant, x: np.ndarray, y: np.ndarray) -> float | None:
    """Share of the test digits the variant classifies right (None when it cannot run)."""
    import torch

    if variant.prepare is None:
        return None
    with torch.inference_mode():
        predicted = variant.logits(variant.prepare(x)()).argmax(axis=1)
    return float((predicted == y).mean())


def latency(
    variant: Variant, x: np.ndarray, threads: int, min_time_s: float, budget_s: float,
) -> Row:
    """Timing columns for one batch: the harness, or a few warm calls when that is too slow."""
    import torch

    if variant.prepare is None or variant.skipped is not None:
        return {}
    call = variant.prepare(x)
    once = harness.stopwatch(call, variant.synchronize)
    with harness.torch_threads(threads), torch.inference_mode():
        once()  # the cold call: lazy initialisation, weight packing
        probes = [once()]
        while len(probes) < PROBE_CALLS and sum(probes) / 1e3 < budget_s / PROBE_CALLS ** 2:
            probes.append(once())
    if min(probes) * (harness.MIN_WARMUP + harness.MIN_SAMPLES) / 1e3 > budget_s:
        return {"latency_ms_median": statistics.median(probes), "samples": len(probes)}
    timing = harness.measure(call, threads=threads, min_time_s=min_time_s,
                             synchronize=variant.synchronize)
    return timing.as_row(samples=True)


def measure_variants(
    model_name: str, variants: Sequence[Variant], split: DigitsSplit, scored: bool,
    threads: int, min_time_s: float, budget_s: float, step: Callable[[Text], None],
) -> list[Row]:
    """One row per variant and batch size; accuracy only for a trained (`scored`) model."""
    rows: list[Row] = []
    for variant in variants:
        acc = accuracy(variant, split.x_test, split.y_test) if scored else None
        for batch in BATCHES:
            row: Row = {
                "model": model_name, "variant": variant.name, "runtime": variant.runtime,
                "precision": variant.precision, "device": variant.device,
                "batch_size": batch, "threads": threads, "accuracy": acc,
                "size_bytes": variant.size_bytes,
                "status": "ok" if variant.skipped is None else f"skipped: {variant.skipped.en}",
                **latency(variant, split.x_test[:batch], threads, min_time_s, budget_s),
            }
            rows.append(row)
            step(Text(f"{model_name}: {variant.name}, пакет {batch}",
                      f"{model_name}: {variant.name}, batch {batch}"))
    return compare_with_fp32(rows)


def compare_with_fp32(rows: list[Row]) -> list[Row]:
    """Add speed-up and size ratio against fp32 of the same runtime and device, and the
    accuracy change against fp32 on the same device."""
    def baseline(row: Row, runtime: str) -> Row | None:
        return next((base for base in rows if base["precision"] == "fp32"
                     and base["runtime"] == runtime and base["device"] == row["device"]
                     and base["batch_size"] == row["batch_size"]), None)

    for row in rows:
        same_runtime = baseline(row, row["runtime"]) or {}
        torch_fp32 = baseline(row, "torch") or {}
        row["speedup"] = ratio(same_runtime.get("latency_ms_median"), row.get("latency_ms_median"))
        row["size_ratio"] = ratio(row["size_bytes"], same_runtime.get("size_bytes"))
        fp32_accuracy = torch_fp32.get("accuracy")
        row["accuracy_change_pp"] = (None if row["accuracy"] is None or fp32_accuracy is None
                                     else 100 * (row["accuracy"] - fp32_accuracy))
    return rows


# --- the reading --------------------------------------------------------------------------


@dataclass(frozen=True)
class Footprint:
    """What one forward pass moves and computes: fp32 weight bytes and FLOPs per sample."""

    fp32_bytes: int
    flops_per_sample: float

    def flops(self, batch: int) -> float:
        return self.flops_per_sample * batch


def footprint(model: torch.nn.Module) -> Footprint:
    from studyapp.labs.roofline import linear_flops, weight_bytes

    return Footprint(weight_bytes(model), linear_flops(model, 1))


def find(rows: Sequence[Row], model: str, variant: str, batch: int, device: str = "cpu"
         ) -> Row:
    return next((row for row in rows if row["model"] == model and row["variant"] == variant
                 and row["batch_size"] == batch and row["device"] == device), {})


def _yes(flag: bool) -> Text:
    return Text("има", "has") if flag else Text("няма", "has no")


def hardware_reading(cpu: Cpu, roof: Roofline, threads: int) -> Text:
    vnni, amx = _yes(cpu.vnni), _yes(cpu.amx)
    return Text(
        f"Този процесор ({cpu.model}; нишки: {threads}) {vnni.bg} VNNI и {amx.bg} AMX. VNNI "
        "прави четири int8 умножения-събирания в int32 с една инструкция; без него int8 иска "
        "няколко AVX2 инструкции на стъпка. AMX добавя матрични блокове за int8 и bf16. "
        f"Измерен roofline: {roof.peak_gflops:.0f} GFLOP/s fp32 и {roof.bandwidth_gbs:.1f} "
        f"GB/s от паметта, т.е. ядро с по-малко от {roof.ridge_flop_per_byte:.1f} FLOP на байт е "
        "ограничено от паметта.",
        f"This CPU ({cpu.model}; threads: {threads}) {vnni.en} VNNI and {amx.en} AMX. VNNI does "
        "four int8 multiply-adds into an int32 in one instruction; without it int8 takes "
        "several AVX2 instructions per step. AMX adds matrix tiles for int8 and bf16. "
        f"Measured roofline: {roof.peak_gflops:.0f} GFLOP/s fp32 and {roof.bandwidth_gbs:.1f} "
        f"GB/s from memory, so a kernel below {roof.ridge_flop_per_byte:.1f} FLOP per byte is "
        "memory-bound.",
    )


def batch_reading(
    model: str, batch: int, weights: Footprint, fp32: Row, int8: Row, roof: Roofline, cpu: Cpu,
) -> Text:
    """Why torch int8 did what it did at one batch size: overhead, memory or compute."""
    fp32_ms, int8_ms = fp32.get("latency_ms_median"), int8.get("latency_ms_median")
    if fp32_ms is None or int8_ms is None:
        return Text(f"{model}, пакет {batch}: int8 в torch не е измерен.",
                    f"{model}, batch {batch}: torch int8 was not measured.")
    speed = times(int8.get("speedup"))
    cached = cpu.cache_bytes is not None and weights.fp32_bytes <= cpu.cache_bytes
    # Weights that fit in the last-level cache stay there between calls: no RAM traffic.
    memory_ms = 0.0 if cached else weights.fp32_bytes / (roof.bandwidth_gbs * 1e9) * 1e3
    compute_ms = weights.flops(batch) / (roof.peak_gflops * 1e9) * 1e3
    intensity = weights.flops(batch) / weights.fp32_bytes
    head = Text(
        f"{model}, пакет {batch}: int8 в torch е {speed.bg} ({fp32_ms:.3f} → {int8_ms:.3f} ms). ",
        f"{model}, batch {batch}: torch int8 is {speed.en} ({fp32_ms:.3f} → {int8_ms:.3f} ms). ",
    )
    bound_ms = max(memory_ms, compute_ms)
    if bound_ms < OVERHEAD_MS and fp32_ms > OVERHEAD_FACTOR * bound_ms:
        in_cache = Text(
            f"Неговите {weights.fp32_bytes / 1e6:.2f} MB fp32 тегла остават в кеша на "
            "процесора между извикванията. " if cached else "",
            f"Its {weights.fp32_bytes / 1e6:.2f} MB of fp32 weights stay in the CPU's cache "
            "between calls. " if cached else "",
        )
        why = join(in_cache, Text(
            f"По roofline извикването може да трае най-малко {bound_ms:.4f} ms, а в fp32 "
            f"отнема {fp32_ms:.3f} ms: времето отива за постоянни разходи на всяко извикване "
            "(Python, диспечер, малки ядра), не за четене на тегла или смятане, така че 4× "
            "по-малките тегла нямат какво да спестят. ",
            f"The roofline allows {bound_ms:.4f} ms at best and the fp32 call takes "
            f"{fp32_ms:.3f} ms: the time goes to fixed per-call costs (Python, dispatch, small "
            "kernels), not to reading weights or arithmetic, so 4× smaller weights have "
            "nothing to save.",
        ))
        outcome = verdict(
            int8.get("speedup"),
            faster=Text("Печалбата тук идва от int8 ядрата с по-малко разходи на извикване.",
                        "The gain here comes from int8 kernels with less per-call overhead."),
            slower=Text("Квантизирането на входа при всяко извикване добавя работа — оттам "
                        "забавянето.",
                        "Quantizing the input on every call adds work — hence the slow-down."))
    elif memory_ms >= compute_ms:
        why = Text(
            f"{intensity:.1f} FLOP на байт fp32 тегло е под прага {roof.ridge_flop_per_byte:.1f}"
            f": слоят е ограничен от паметта — само четенето на {weights.fp32_bytes / 1e6:.1f} "
            f"MB fp32 тегла отнема ≈{memory_ms:.2f} ms от {fp32_ms:.2f} ms, а int8 теглата са "
            "4× по-малко байтове. ",
            f"{intensity:.1f} FLOP per fp32 weight byte is below the ridge "
            f"{roof.ridge_flop_per_byte:.1f}: the layer is memory-bound — just reading the "
            f"{weights.fp32_bytes / 1e6:.1f} MB of fp32 weights takes ≈{memory_ms:.2f} ms of the "
            f"{fp32_ms:.2f} ms call, and int8 weights are 4× fewer bytes. ",
        )
        outcome = verdict(
            int8.get("speedup"),
            faster=join(Text("Оттам идва ускорението.", "That is where the speed-up comes from."),
                        cache_reading(weights.fp32_bytes, cpu)),
            slower=Text("Въпреки това int8 не е по-бърз: квантизирането на активациите и "
                        "разходите на int8 ядрата изядоха спестеното.",
                        "Even so int8 is not faster: quantizing the activations and the int8 "
                        "kernels' own costs ate the saving."))
    else:
        why = Text(
            f"Всяко тегло се ползва {batch} пъти ({intensity:.1f} FLOP на байт, над прага "
            f"{roof.ridge_flop_per_byte:.1f}): слоят е ограничен от изчисленията, затова int8 "
            "помага само доколкото int8 аритметиката е по-бърза. "
            f"(fp32 отне {fp32_ms:.2f} ms при граница по roofline {bound_ms:.2f} ms.) ",
            f"Each weight is used {batch} times ({intensity:.1f} FLOP per byte, above the ridge "
            f"{roof.ridge_flop_per_byte:.1f}): the layer is compute-bound, so int8 helps only "
            "as much as int8 arithmetic is faster. "
            f"(fp32 took {fp32_ms:.2f} ms against a roofline bound of {bound_ms:.2f} ms.) ",
        )
        outcome = (Text("Този процесор има VNNI, така че int8 аритметиката е евтина.",
                        "This CPU has VNNI, so int8 arithmetic is cheap.") if cpu.vnni else
                   Text("Без VNNI int8 умножението-събиране иска няколко инструкции и "
                        "печалбата се стопява.",
                        "Without VNNI an int8 multiply-add takes several instructions, so the "
                        "gain shrinks."))
    return join(head, why, outcome, noise_caution(fp32, int8))


def cache_reading(fp32_bytes: int, cpu: Cpu) -> Text:
    """Why int8 can gain more than 4×: its weights fit in the last-level cache, fp32's do not."""
    int8_bytes = fp32_bytes // 4
    if cpu.cache_bytes is None or not int8_bytes <= cpu.cache_bytes < fp32_bytes:
        return Text("")
    return Text(
        f" Освен това int8 теглата ({int8_bytes / 1e6:.1f} MB) се побират в последното ниво кеш "
        f"({cpu.cache_bytes / 1e6:.1f} MB), а fp32 ({fp32_bytes / 1e6:.1f} MB) не: след първото "
        "извикване int8 се чете от кеша, не от RAM, и печалбата може да надмине 4×.",
        f" Moreover the int8 weights ({int8_bytes / 1e6:.1f} MB) fit in the last-level cache "
        f"({cpu.cache_bytes / 1e6:.1f} MB) and the fp32 ones ({fp32_bytes / 1e6:.1f} MB) do not: "
        "after the first call int8 is read from cache, not RAM, and the gain can exceed 4×.",
    )


def size_accuracy_reading(model: str, rows: Sequence[Row]) -> Text:
    def first(variant: str, key: str) -> Any:
        return find(rows, model, variant, BATCHES[0]).get(key)

    int8 = ("torch int8-dyn", "ORT int8-dyn", "ORT int8-static")
    ratios = ", ".join(f"{name} {first(name, 'size_ratio'):.2f}" for name in int8
                       if first(name, "size_ratio") is not None)
    size = Text(
        f"{model}: int8 файловете са този дял от fp32: {ratios} (1 байт на тегло вместо 4, "
        "плюс мащаби и нулеви точки; при малък модел постоянната част на файла тежи повече). ",
        f"{model}: the int8 files are this share of fp32: {ratios} (1 byte per weight instead "
        "of 4, plus scales and zero points; on a small model the file's fixed part weighs "
        "more). ",
    )
    fp32_accuracy = first("torch fp32", "accuracy")
    if fp32_accuracy is None:
        accuracy = Text("Теглата му са случайни (само за време), затова точност не се мери.",
                        "Its weights are random (timing only), so accuracy is not measured.")
    else:
        changes = ", ".join(f"{name} {first(name, 'accuracy_change_pp'):+.1f}"
                            for name in int8 if first(name, "accuracy_change_pp") is not None)
        worst = max(abs(first(name, "accuracy_change_pp") or 0.0) for name in int8)
        kept = (Text("256 нива на тегло пазят решенията на този модел.",
                     "256 levels per weight keep this model's decisions.")
                if worst <= ACCURACY_KEPT_PP else
                Text("закръглянето до int8 промени част от решенията; мащаби по канал или "
                     "калибриране с повече изображения стесняват разликата.",
                     "rounding to int8 moved some decisions; per-channel scales or calibrating "
                     "on more images narrow the gap."))
        accuracy = Text(
            f"Точност в fp32: {fp32_accuracy:.1%}; промяна с int8 в процентни пункта: "
            f"{changes} — {kept.bg}",
            f"fp32 accuracy: {fp32_accuracy:.1%}; change with int8, in points: {changes} — "
            f"{kept.en}",
        )
    return join(size, accuracy)


def ort_reading(model: str, rows: Sequence[Row], calibration: int, fp32_bytes: int, cpu: Cpu
                ) -> Text:
    parts = {name: [times(find(rows, model, name, batch).get("speedup")) for batch in BATCHES]
             for name in ("ORT int8-dyn", "ORT int8-static")}
    dyn, static = parts["ORT int8-dyn"], parts["ORT int8-static"]
    fp32 = [times(ratio(find(rows, model, "torch fp32", batch).get("latency_ms_median"),
                         find(rows, model, "ORT fp32", batch).get("latency_ms_median")))
            for batch in BATCHES]
    best = max((find(rows, model, name, batch).get("speedup") or 0.0
                for name in ("ORT int8-dyn", "ORT int8-static") for batch in BATCHES),
               default=0.0)
    beyond = cache_reading(fp32_bytes, cpu) if best > 4 else Text("")
    timed = [find(rows, model, name, batch) for name in ("ORT fp32", "ORT int8-dyn",
                                                         "ORT int8-static") for batch in BATCHES]
    return join(Text(
        f"{model} в ONNX Runtime, спрямо ORT fp32 при пакет {BATCHES[0]} / {BATCHES[1]}: "
        f"динамична int8 {dyn[0].bg} / {dyn[1].bg}, статична int8 {static[0].bg} / "
        f"{static[1].bg}. Статичната взема мащабите на активациите от {calibration} "
        "обучаващи изображения, вместо да ги мери за всеки вход. Самият ORT fp32 спрямо "
        f"torch fp32: {fp32[0].bg} / {fp32[1].bg}.",
        f"{model} in ONNX Runtime, against ORT fp32 at batch {BATCHES[0]} / {BATCHES[1]}: "
        f"dynamic int8 {dyn[0].en} / {dyn[1].en}, static int8 {static[0].en} / "
        f"{static[1].en}. Static int8 takes the activation scales from {calibration} "
        "training images instead of measuring them for every input. ORT fp32 itself against "
        f"torch fp32: {fp32[0].en} / {fp32[1].en}.",
    ), beyond, noise_caution(*timed))


def half_reading(model: str, rows: Sequence[Row], cpu: Cpu) -> Text:
    big = BATCHES[-1]
    parts, timed = [], [find(rows, model, "torch fp32", big)]
    for precision, native in (("fp16", cpu.fp16), ("bf16", cpu.bf16)):
        row = find(rows, model, f"torch {precision}", big)
        timed.append(row)
        samples = row.get("samples") or harness.MIN_SAMPLES
        one = (Text(" (1 извикване)", " (1 call)") if samples == 1 else
               Text(f" ({samples} извиквания)", f" ({samples} calls)")
               if samples < harness.MIN_SAMPLES else Text(""))
        how = (Text("има собствени инструкции за него", "has native instructions for it")
               if native else Text("няма собствени инструкции за него и преобразува към fp32",
                                   "has no native instructions for it and converts to fp32"))
        speed = times(row.get("speedup"))
        parts.append(Text(f"{precision}: {speed.bg}{one.bg} — процесорът {how.bg}",
                          f"{precision}: {speed.en}{one.en} — the CPU {how.en}"))
    return join(Text(
        f"{model} на CPU при пакет {big}, спрямо fp32: " + "; ".join(p.bg for p in parts)
        + ". Файлът е 2× по-малък и при двата, но скорост има само където хардуерът смята "
        "в 16 бита (AMX, AVX512-FP16/BF16) — иначе това е работа за GPU.",
        f"{model} on the CPU at batch {big}, against fp32: " + "; ".join(p.en for p in parts)
        + ". Both halve the file, but they are faster only where the hardware computes in 16 "
        "bits (AMX, AVX512-FP16/BF16) — otherwise that is a GPU's job.",
    ), noise_caution(*timed))


def gpu_reading(model: str, rows: Sequence[Row]) -> Text:
    big = BATCHES[-1]
    fp32 = find(rows, model, "torch fp32", big, "cuda")
    fp32_ms = fp32.get("latency_ms_median")
    if fp32_ms is None:
        return Text(f"device=cuda: GPU редовете са пропуснати — {NO_GPU.bg}.",
                    f"device=cuda: the GPU rows are skipped — {NO_GPU.en}.")
    fp16, bf16 = (find(rows, model, f"torch {p}", big, "cuda").get("speedup")
                  for p in ("fp16", "bf16"))
    why = verdict(
        max(fp16 or 0.0, bf16 or 0.0),
        faster=Text("Тензорните ядра умножават 16-битови входове многократно по-бързо от fp32, "
                    "а теглата са наполовина байтове.",
                    "Tensor cores multiply 16-bit inputs several times faster than fp32, and "
                    "the weights are half the bytes."),
        slower=Text("При толкова малко работа времето на GPU е главно стартиране на ядра, не "
                    "аритметика.",
                    "With this little work the GPU's time is mostly kernel launches, not "
                    "arithmetic."))
    return Text(
        f"{model} на GPU при пакет {big}, спрямо fp32 на GPU ({fp32_ms:.3f} ms): "
        f"fp16 {times(fp16).bg}, bf16 {times(bf16).bg}. {why.bg} Динамичната int8 на torch "
        "няма GPU ядра — тя е само за CPU.",
        f"{model} on the GPU at batch {big}, against GPU fp32 ({fp32_ms:.3f} ms): "
        f"fp16 {times(fp16).en}, bf16 {times(bf16).en}. {why.en} torch's dynamic int8 has "
        "no GPU kernels — it is CPU-only.",
    )


TORCHAO = Text(
    "torch.ao.quantization, ползвана тук, е остаряла от torch 2.10 и ще бъде махната; "
    "наследникът ѝ е torchao (quantize_(model, Int8DynamicActivationInt8WeightConfig())).",
    "torch.ao.quantization, used here, is deprecated since torch 2.10 and will be removed; "
    "its successor is torchao (quantize_(model, Int8DynamicActivationInt8WeightConfig())).",
)


# --- the lab ------------------------------------------------------------------------------


def run(params: dict[str, Any], emit: Emitter) -> None:
    from studyapp.labs import zoo
    from studyapp.labs.digits import load_digits
    from studyapp.labs.roofline import roofline

    load = envinfo.load_average()  # before the lab adds its own
    size, threads, device = str(params["size"]), int(params["threads"]), str(params["device"])
    quick = size == "quick"
    models = (ACCURACY_MODEL,) if quick else (ACCURACY_MODEL, SPEED_MODEL)
    min_time_s = MIN_TIME_S_QUICK if quick else MIN_TIME_S_DEFAULT
    budget_s = BUDGET_S_QUICK if quick else BUDGET_S_DEFAULT
    variants_per_model = 7 + (4 if device == "cuda" else 0)
    step = Steps(emit, len(models) * (3 + variants_per_model * len(BATCHES)) + 2)

    split = load_digits()
    rng = np.random.default_rng(int(params["seed"]))
    calibration = split.x_train[rng.choice(len(split.x_train), CALIBRATION_IMAGES[size],
                                           replace=False)]
    cpu, roof = cpu_facts(), roofline(threads)
    step(Text("roofline на тази машина", "this machine's roofline"))
    rows: list[Row] = []
    weights: dict[str, Footprint] = {}
    with tempfile.TemporaryDirectory(prefix="studyapp-quantize-") as tmp:
        for name in models:
            # The wide model is timed with seeded random weights: training it would take
            # longer than the whole lab, and its speed does not depend on its weights.
            trained = (zoo.trained(name, emit.progress) if name == ACCURACY_MODEL
                       else zoo.untrained(name, int(params["seed"])))
            step(Text(f"{name}: модел", f"{name}: model"))
            weights[name] = footprint(trained.model)
            folder = Path(tmp) / name
            folder.mkdir()
            variants, exported = cpu_variants(trained.model, calibration, folder, threads, step)
            if exported.fallback_reason:
                emit.note(f"{name}: torch.export не успя ({exported.fallback_reason}); ONNX "
                          "файлът е от TorchScript експорта.",
                          f"{name}: torch.export failed ({exported.fallback_reason}); the ONNX "
                          "file comes from the TorchScript exporter.")
            if device == "cuda":
                variants += gpu_variants(trained.model, folder)
            if name == models[0]:
                for variant in variants:
                    if variant.skipped is not None:
                        emit.note(f"{variant.name} ({variant.device}): {variant.skipped.bg}",
                                  f"{variant.name} ({variant.device}): {variant.skipped.en}")
            rows += measure_variants(name, variants, split, trained.trained, threads,
                                     min_time_s, budget_s, step)
            emit.table(TABLE, Text("Квантизация: точност, латентност, размер",
                                   "Quantization: accuracy, latency, size"), COLUMNS, rows)
    speedup_series(emit, rows, models[-1])
    paragraphs = reading(rows, models, weights, cpu, roof, threads, device, len(calibration))
    step.finish(Text("прочит", "reading"))
    emit.result(rows, [*paragraphs, *cautions(
        load, rows, lambda row: f"{row['model']} {row['variant']} ({row['device']})",
        BATCHES[0], BATCHES[-1])])


def speedup_series(emit: Emitter, rows: Sequence[Row], model: str) -> None:
    """One line per CPU variant of `model`: its speed-up over fp32 at each batch size."""
    for variant in dict.fromkeys(row["variant"] for row in rows if row["model"] == model
                                 and row["device"] == "cpu" and row["precision"] != "fp32"):
        emit.series(f"{model} {variant}", Text("пакет", "batch"),
                    Text("ускорение спрямо fp32, ×", "speed-up over fp32, ×"), list(BATCHES),
                    [find(rows, model, variant, batch).get("speedup") for batch in BATCHES],
                    log_x=True)


def reading(
    rows: Sequence[Row], models: Sequence[str], weights: dict[str, Footprint], cpu: Cpu,
    roof: Roofline, threads: int, device: str, calibration: int,
) -> list[Text]:
    """The reading of this run, paragraph by paragraph, from its rows."""
    paragraphs = [hardware_reading(cpu, roof, threads)]
    for name in models:
        paragraphs += [
            batch_reading(name, batch, weights[name], find(rows, name, "torch fp32", batch),
                          find(rows, name, "torch int8-dyn", batch), roof, cpu)
            for batch in BATCHES
        ]
        paragraphs += [size_accuracy_reading(name, rows),
                       ort_reading(name, rows, calibration, weights[name].fp32_bytes, cpu)]
    paragraphs.append(half_reading(models[-1], rows, cpu))
    if device == "cuda":
        paragraphs.append(gpu_reading(models[-1], rows))
    paragraphs.append(TORCHAO)
    return paragraphs
