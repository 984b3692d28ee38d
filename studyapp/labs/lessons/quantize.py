"""What the quantize lab teaches from its numbers: each paragraph of its reading and each
review card, chosen from the measured rows. Pure code, no torch: tests feed it synthetic rows.

The rows (see `studyapp.labs.quantize`): one per variant, model and batch, with its
latency and three speed-ups from the same interleaved rounds — `speedup` against fp32 of its
own runtime, `speedup_vs_torch` and `speedup_vs_ort` against torch and ONNX Runtime fp32
(and `speedup_vs_dyn` against ONNX Runtime dynamic int8 for static int8) — its place on the
roofline (`bound`, `gflops`, `of_fp32_peak`, `precision_speed`, …), size, and on the
trained model its accuracy; plus one untimed row per ONNX Runtime static recipe with its
accuracy. A difference is said only when its interval excludes ×1.

The speed paragraphs (ceilings, int8 against fp32, fp16 and bf16, the GPU) and the cards live
here; the accuracy, size and static-recipe paragraphs in `quantize_accuracy.py`, the helpers
both read the rows with in `quantize_rows.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from studyapp.labs.columns import skip_reason
from studyapp.labs.findings import (
    Row,
    Rows,
    Speedups,
    find,
    interval,
    number,
    spanned,
    speedups,
)
from studyapp.labs.lesson import (
    SPEED_BOUNDS,
    SPEED_CHOICES,
    CardDraft,
    CardMaker,
    Lesson,
    Question,
    SomeCardMaker,
    speedup_line,
    with_reading,
)
from studyapp.labs.quantize_accuracy import (
    accuracy_paragraph,
    size_paragraph,
    static_paragraph,
    static_speed_paragraph,
)
from studyapp.labs.quantize_arithmetic import Isa, arithmetic
from studyapp.labs.quantize_rows import (
    NOTHING,
    ORT_DYNAMIC,
    ORT_FP32,
    SIXTEEN_BIT,
    TORCH_FP32,
    batches,
    by_direction,
    each,
    models,
    of_peak,
    outcomes,
    placed,
    rate,
    size_text,
    timed,
    value,
    where_read,
)
from studyapp.labs.readings import join, times
from studyapp.labs.roofline import Roofline
from studyapp.labs.stats import Interval
from studyapp.text import Text

INT8_VARIANTS = ("torch int8-dyn", ORT_DYNAMIC, "ORT int8-static")
BASELINE_KEYS = {TORCH_FP32: "speedup_vs_torch", ORT_FP32: "speedup_vs_ort"}


# --- the arithmetic and the roofline ------------------------------------------------------


def arithmetic_paragraph(isa: Isa, roof: Roofline) -> Text:
    """The ceilings: the measured roofline, and what each precision's arithmetic can reach
    against the fp32 peak on this instruction set."""
    ceilings = [arithmetic(precision, isa) for precision in ("int8", "bf16", "fp16")]
    listed = each([Text(f"{c.precision} ×{c.speed:g} ({c.why.bg})",
                         f"{c.precision} ×{c.speed:g} ({c.why.en})") for c in ceilings], "; ")
    load = "?" if roof.load_average is None else f"{roof.load_average:.2f}"
    return Text(
        f"Roofline на тази машина при {roof.threads} нишки (измерен {roof.measured_at} при "
        f"натоварване {load}): fp32 пик {roof.peak_gflops:.0f} GFLOP/s, "
        f"{roof.bandwidth_gbs:.1f} GB/s от паметта и {roof.main.cache_bandwidth_gbs:.0f} GB/s "
        f"от кеша, праг {roof.ridge:.1f} FLOP/B. Спрямо fp32 пика аритметиката на другите "
        f"типове може най-много: {listed.bg}. Това са граници от инструкциите, не обещания: "
        "редовете казват докъде стигна всеки кернел (в GFLOP/s, за int8 — GOP/s).",
        f"This machine's roofline at {roof.threads} threads (probed {roof.measured_at} at load "
        f"{load}): fp32 peak {roof.peak_gflops:.0f} GFLOP/s, {roof.bandwidth_gbs:.1f} GB/s from "
        f"memory and {roof.main.cache_bandwidth_gbs:.0f} GB/s from the cache, ridge "
        f"{roof.ridge:.1f} FLOP/B. Against the fp32 peak the other types' arithmetic can at "
        f"most run: {listed.en}. These are limits set by the instructions, not promises: the "
        "rows say how far each kernel got (in GFLOP/s; GOP/s for int8).",
    )


# --- int8 against fp32 --------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """The fp32 an int8 gain should be read against at one model and batch."""

    name: str  # the faster fp32, or the one with the lower median when neither is measurably
    key: str  # the row key of speed-ups against it
    gap: Interval  # ORT fp32 against torch fp32 (above 1: ORT fp32 faster)

    @property
    def measurable(self) -> bool:
        return self.gap.excludes(1.0)


def baseline(rows: Rows, model: str, batch: int) -> Baseline | None:
    """Which fp32 to trust: the faster of torch and ONNX Runtime, from their paired rounds."""
    torch32 = timed(rows, model, TORCH_FP32, batch)
    against_ort = interval(torch32, "speedup_vs_ort")
    if against_ort is None:
        return None
    gap = against_ort.inverted()
    name = ORT_FP32 if gap.value >= 1 else TORCH_FP32
    return Baseline(name, BASELINE_KEYS[name], gap)


def _int8_rows(rows: Rows, model: str, batch: int, key: str) -> list[Row]:
    found = (timed(rows, model, name, batch) for name in INT8_VARIANTS)
    return [row for row in found if row is not None and interval(row, key) is not None]


def _trust(base: Baseline, rows: Rows, model: str, batch: int) -> Text:
    gap = times(base.gap)
    head = Text(f"ORT fp32 спрямо torch fp32: {gap.bg}.", f"ORT fp32 against torch fp32: {gap.en}.")
    if not base.measurable:
        return join(head, Text(
            "Двете fp32 основи не се различават измеримо, така че двете сравнения казват едно.",
            "The two fp32 baselines differ by nothing measurable, so both comparisons say the "
            "same."))
    weak = TORCH_FP32 if base.name == ORT_FP32 else ORT_FP32
    flattered = timed(rows, model, "torch int8-dyn" if weak == TORCH_FP32 else ORT_DYNAMIC, batch)
    against_weak, against_best = interval(flattered, BASELINE_KEYS[weak]), interval(
        flattered, base.key)
    alone = NOTHING
    if flattered is not None and against_weak and against_best \
            and against_best.high < against_weak.low:
        alone = Text(
            f" Спрямо само {weak} {flattered['variant']} изглежда така: "
            f"{times(against_weak).bg} — слабата основа ласкае int8.",
            f" Against {weak} alone {flattered['variant']} reads "
            f"{times(against_weak).en} — the weak baseline flatters int8.")
    return join(head, Text(
        f"Най-бързият fp32 тук е {base.name}: истинската печалба на int8 се мери спрямо него, "
        f"вярвай на това сравнение.{alone.bg}",
        f"The fastest fp32 here is {base.name}: int8's real gain is measured against it — "
        f"trust that comparison.{alone.en}"))


def _memory_reason(fp32: Row, int8: Sequence[Row], gains: dict[str, Interval | None]) -> Text:
    cached = any(row.get("data_in_cache") for row in int8) and not fp32.get("data_in_cache")
    int8_bytes = min(value(row, "bytes_moved") for row in int8)
    fits = Text(" — достатъчно малко, за да стоят в кеша от последно ниво, където fp32 не се "
                "побират", " — small enough for the last-level cache, where fp32's do not fit") \
        if cached else NOTHING
    return join(Text(
        f"{fp32['variant']} е ограничен от паметта ({fp32['arithmetic_intensity']:.3g} FLOP/B, "
        f"под прага {fp32['ridge_flop_per_byte']:.3g}): едно извикване чете "
        f"{size_text(value(fp32, 'bytes_moved'))} тегла и данни {where_read(fp32).bg}, а с int8 — "
        f"{size_text(int8_bytes)}{fits.bg}. Под прага помагат само по-малко байтове, а int8 дава "
        "точно това.",
        f"{fp32['variant']} is memory-bound ({fp32['arithmetic_intensity']:.3g} FLOP/B, under "
        f"the ridge {fp32['ridge_flop_per_byte']:.3g}): a call reads "
        f"{size_text(value(fp32, 'bytes_moved'))} of weights and data {where_read(fp32).en}, with "
        f"int8 {size_text(int8_bytes)}{fits.en}. Below the ridge only fewer bytes help, and that "
        "is what int8 offers."), outcomes(
        gains, Text(" — от по-малкото байтове", " — from the fewer bytes"),
        Text(" — по-малкото байтове не покриха останалата работа",
             " — fewer bytes did not pay for the rest of its work")))


def _compute_reason(fp32: Row, int8: Sequence[Row], gains: dict[str, Interval | None]) -> Text:
    reached = each([Text(
        f"{row['variant']} {rate(row)} GOP/s ({of_peak(row)} от "
        f"fp32 пика, {value(row, 'share_of_roofline'):.0%} от своя таван)",
        f"{row['variant']} {rate(row)} GOP/s ({of_peak(row)} the "
        f"fp32 peak, {value(row, 'share_of_roofline'):.0%} of its ceiling)") for row in int8], "; ")
    speed = value(int8[0], "precision_speed")
    return join(Text(
        f"{fp32['variant']} е ограничен от изчисленията ({fp32['arithmetic_intensity']:.3g} "
        f"FLOP/B, над прага {fp32['ridge_flop_per_byte']:.3g}): {rate(fp32)} "
        f"GFLOP/s, {of_peak(fp32)} от fp32 пика. Над прага помага само "
        f"по-бърза аритметика: таванът на int8 тук е ×{speed:g} от fp32 пика, а постигнатото е "
        f"{reached.bg}.",
        f"{fp32['variant']} is compute-bound ({fp32['arithmetic_intensity']:.3g} FLOP/B, above "
        f"the ridge {fp32['ridge_flop_per_byte']:.3g}): {rate(fp32)} GFLOP/s, "
        f"{of_peak(fp32)} the fp32 peak. Above the ridge only faster arithmetic "
        f"helps: int8's ceiling here is ×{speed:g} the fp32 peak, and what was reached is "
        f"{reached.en}."), outcomes(
        gains, NOTHING,
        Text(" — под темпото на самия fp32: таванът е това, което инструкциите позволяват, не "
             "това, което един кернел постига", " — below fp32's own rate: the ceiling is what the "
             "instructions allow, not what a kernel reaches")))


def _overhead_reason(fp32: Row, gains: dict[str, Interval | None]) -> Text:
    allowed_ms = value(fp32, "flops") / (value(fp32, "attainable_gflops") * 1e9) * 1e3
    return join(Text(
        f"{fp32['variant']} е ограничен от постоянните разходи на извикване: "
        f"{size_text(value(fp32, 'bytes_moved'))} тегла и данни стоят в кеша и roofline "
        f"позволява {allowed_ms:.3g} ms, а извикването отнема {fp32['latency_ms_median']:.3g} "
        "ms — времето отива за диспечер, събуждане на нишки и малки кернели, така че int8 няма "
        "много за спестяване.",
        f"{fp32['variant']} is overhead-bound: its {size_text(value(fp32, 'bytes_moved'))} of "
        f"weights and data sit in the cache and the roofline allows {allowed_ms:.3g} ms, yet a "
        f"call takes {fp32['latency_ms_median']:.3g} ms — the time goes to dispatch, thread "
        "wake-ups and small kernels, so int8 has little to save."), outcomes(
        gains, Text(" — в работата около аритметиката, не в байтове или умножения",
                    " — in the work around the arithmetic, not in bytes or multiplies"),
        Text(" — превръщането на входа в int8 и на изхода обратно е работа, която толкова "
             "малко извикване не може да скрие", " — turning the input into int8 and the output "
             "back is work a call this small cannot hide")))


def int8_paragraph(rows: Rows, model: str, batch: int) -> Text | None:
    """int8 against fp32 at one model and batch: which fp32 to trust, the speed-ups against
    it, and why — from the fp32 row's place on the roofline."""
    base = baseline(rows, model, batch)
    fp32 = None if base is None else timed(rows, model, base.name, batch)
    if base is None or fp32 is None:
        return None
    key = base.key if base.measurable else "speedup"
    int8 = _int8_rows(rows, model, batch, key)
    if not int8:
        return None
    against = Text(f"спрямо {base.name}", f"against {base.name}") if base.measurable else \
        Text("спрямо fp32 в собствената му среда", "against fp32 of its own runtime")
    found = {str(row["variant"]): interval(row, key) for row in int8}
    listed = each([Text(f"{name} {times(gain).bg}", f"{name} {times(gain).en}")
                    for name, gain in found.items()])
    on_roofline = [row for row in int8 if placed(row)]
    reason = NOTHING
    if placed(fp32) and on_roofline:
        gains = {str(row["variant"]): found[str(row["variant"])] for row in on_roofline}
        reason = {
            "memory": lambda: _memory_reason(fp32, on_roofline, gains),
            "compute": lambda: _compute_reason(fp32, on_roofline, gains),
            "overhead": lambda: _overhead_reason(fp32, gains),
        }[str(fp32["bound"])]()
    return join(
        Text(f"{model}, пакет {batch}:", f"{model}, batch {batch}:"),
        _trust(base, rows, model, batch),
        Text(f"int8 {against.bg}: {listed.bg}.", f"int8 {against.en}: {listed.en}."),
        reason)


# --- fp16 and bf16 on the CPU -------------------------------------------------------------


def _small_batch_reason(fp32: Row, halves: dict[str, Row], batch: int) -> Text:
    if fp32.get("bound") == "overhead":
        return Text(f"При пакет {batch} извикването е ограничено от постоянните си разходи: "
                    "половината байтове нямат какво да спестят.",
                    f"At batch {batch} the call is overhead-bound: half the bytes have little "
                    "to save.")
    if fp32.get("bound") != "memory":
        return Text(f"При пакет {batch} torch fp32 вече е ограничен от изчисленията.",
                    f"At batch {batch} torch fp32 is already compute-bound.")
    half_bytes = min(value(row, "bytes_moved") for row in halves.values())
    fits = any(row.get("data_in_cache") for row in halves.values()) \
        and not fp32.get("data_in_cache")
    cache = Text(", които се побират в кеша от последно ниво, където fp32 не се побират",
                 ", which fit in the last-level cache, where fp32's do not") if fits else NOTHING
    return join(Text(
        f"При пакет {batch} torch fp32 е ограничен от паметта и чете "
        f"{size_text(value(fp32, 'bytes_moved'))} {where_read(fp32).bg}; 16-битовите тегла са "
        f"половината байтове ({size_text(half_bytes)}){cache.bg}.",
        f"At batch {batch} torch fp32 is memory-bound, reading "
        f"{size_text(value(fp32, 'bytes_moved'))} "
        f"{where_read(fp32).en}; 16-bit weights are half the bytes ({size_text(half_bytes)})"
        f"{cache.en}."), outcomes(
        {name: interval(row) for name, row in halves.items()},
        Text(" — от половината байтове", " — from the halved bytes"),
        Text(" — половината байтове не покриха останалата работа",
             " — half the bytes did not pay for the rest of its work")))


def _large_batch_reason(fp32: Row, halves: dict[str, Row], batch: int) -> Text:
    bound = {
        "compute": Text("ограничен от изчисленията: времето определя аритметиката",
                        "compute-bound: the arithmetic sets the time"),
        "memory": Text("ограничен от паметта", "memory-bound"),
        "overhead": Text("ограничен от постоянните разходи на извикване", "overhead-bound"),
    }[str(fp32["bound"])]
    reached = each([Text(
        f"{name} {rate(row)} GFLOP/s ({of_peak(row)} от fp32 пика)",
        f"{name} {rate(row)} GFLOP/s ({of_peak(row)} the fp32 peak)")
        for name, row in halves.items()])
    converted = [name for name, row in halves.items() if value(row, "precision_speed") <= 1]
    why = [Text(
        f"процесорът има собствена {name} аритметика "
        f"(таван ×{value(row, 'precision_speed'):g} от fp32 пика)",
        f"the CPU computes {name} natively (ceiling ×{value(row, 'precision_speed'):g} the fp32 "
        "peak)") for name, row in halves.items() if name not in converted]
    if converted:
        either = Text(" или ".join(converted), " or ".join(converted))
        why.insert(0, Text(
            f"този процесор няма собствена {either.bg} аритметика (таван ×1): стойностите се "
            "преобразуват към fp32 за смятането, така че fp32 пикът е горната граница",
            f"this CPU has no native {either.en} arithmetic (ceiling ×1): the values are "
            "converted to fp32 for the arithmetic, so the fp32 peak is the limit"))
    return Text(
        f"При пакет {batch} всяко тегло служи на {batch} входа и torch fp32 е {bound.bg} "
        f"({rate(fp32)} GFLOP/s, {of_peak(fp32)} от fp32 пика); "
        f"{reached.bg} — {each(why, '; ').bg}.",
        f"At batch {batch} each weight serves {batch} inputs and torch fp32 is {bound.en} "
        f"({rate(fp32)} GFLOP/s, {of_peak(fp32)} the fp32 peak); "
        f"{reached.en} — {each(why, '; ').en}.")


def half_paragraph(rows: Rows, model: str) -> Text | None:
    """fp16 and bf16 in torch on the CPU at the smallest and largest batch, and why they
    differ: half the bytes where the call waits on memory, converted arithmetic where it
    computes."""
    sizes = batches(rows, model)
    if len(sizes) < 2:
        return None
    ends = (sizes[0], sizes[-1])
    fp32 = {batch: timed(rows, model, TORCH_FP32, batch) for batch in ends}
    halves = {batch: {p: row for p in SIXTEEN_BIT
                      if (row := timed(rows, model, f"torch {p}", batch)) is not None
                      and interval(row) is not None}
              for batch in ends}
    if not all(halves.values()):
        return None

    def at_both(precision: str) -> Text:
        found = each([Text(f"{times(interval(halves[b].get(precision))).bg} при пакет {b}",
                            f"{times(interval(halves[b].get(precision))).en} at batch {b}")
                       for b in ends])
        return Text(f"{precision} {found.bg}", f"{precision} {found.en}")

    speeds = each([at_both(precision) for precision in SIXTEEN_BIT], "; ")
    reasons = []
    for reason, batch in zip((_small_batch_reason, _large_batch_reason), ends, strict=True):
        row = fp32[batch]
        if row is not None and placed(row) and all(map(placed, halves[batch].values())):
            reasons.append(reason(row, halves[batch], batch))
    return join(
        Text(f"{model}, fp16 и bf16 в torch на CPU спрямо torch fp32: {speeds.bg}.",
             f"{model}, fp16 and bf16 in torch on the CPU against torch fp32: {speeds.en}."),
        *reasons)


# --- the GPU ------------------------------------------------------------------------------


def gpu_paragraph(rows: Rows, model: str) -> Text | None:
    """fp16 and bf16 on the GPU against GPU fp32 at the largest batch; or why they were
    skipped. None when the run did not ask for the GPU."""
    gpu = [row for row in rows if row.get("model") == model and row.get("device") == "cuda"]
    if not gpu:
        return None
    sizes = sorted({int(value(row, "batch_size")) for row in gpu})
    big = sizes[-1]
    fp32 = timed(rows, model, TORCH_FP32, big, "cuda")
    if fp32 is None:
        why = skip_reason(find(gpu, variant=TORCH_FP32) or {})
        return Text(f"device=cuda: GPU редовете са пропуснати — {why.bg}.",
                    f"device=cuda: the GPU rows are skipped — {why.en}.")
    found = {p: interval(timed(rows, model, f"torch {p}", big, "cuda")) for p in SIXTEEN_BIT}
    faster, _, _ = by_direction(found)
    because = Text("Тензорните ядра умножават 16-битови входове многократно по-бързо от fp32, а "
               "теглата са наполовина байтове.", "Tensor cores multiply 16-bit inputs several "
               "times faster than fp32, and the weights are half the bytes.") if faster else \
        Text("При толкова малко работа 16 бита не дадоха измерима печалба на GPU.",
             "With this little work 16 bits gave no measurable gain on the GPU.")
    listed = each([Text(f"{p} {times(found[p]).bg}", f"{p} {times(found[p]).en}")
                    for p in SIXTEEN_BIT])
    return join(Text(
        f"{model} на GPU при пакет {big}, спрямо fp32 на GPU "
        f"({fp32['latency_ms_median']:.3f} ms): {listed.bg}.",
        f"{model} on the GPU at batch {big}, against GPU fp32 "
        f"({fp32['latency_ms_median']:.3f} ms): {listed.en}."), because, Text(
        "Динамичната int8 на torch няма GPU кернели — тя е само за CPU.",
        "torch's dynamic int8 has no GPU kernels — it is CPU-only."))


TORCHAO = Text(
    "torch.ao.quantization, използвана тук, е остаряла (torch предупреждава за това при "
    "всяко пускане); наследникът ѝ е torchao "
    "(quantize_(model, Int8DynamicActivationInt8WeightConfig())).",
    "torch.ao.quantization, used here, is deprecated (torch warns so on every run); its "
    "successor is torchao (quantize_(model, Int8DynamicActivationInt8WeightConfig())).",
)


def reading(rows: Rows, isa: Isa, roof: Roofline) -> list[Text]:
    """The run's reading, paragraph by paragraph, from its rows."""
    paragraphs: list[Text | None] = [arithmetic_paragraph(isa, roof)]
    for model in models(rows):
        paragraphs += [int8_paragraph(rows, model, batch) for batch in batches(rows, model)]
        paragraphs += [half_paragraph(rows, model), accuracy_paragraph(rows, model),
                       static_paragraph(rows, model), size_paragraph(rows, model),
                       gpu_paragraph(rows, model)]
    paragraphs += [static_speed_paragraph(rows), TORCHAO]
    # once each: a skipped GPU reads the same for every model
    return list(dict.fromkeys(paragraph for paragraph in paragraphs if paragraph is not None))


# --- the question and the cards -----------------------------------------------------------


def int8_in_torch(rows: Rows) -> Speedups | None:
    """Dynamic int8 against fp32 in torch on the CPU."""
    return speedups(rows, runtime="torch", precision="int8", device="cpu")


@dataclass(frozen=True)
class WeakBaseline:
    """torch int8 read against torch fp32 and against the faster ORT fp32, at one batch."""

    model: str
    batch: int
    against_torch: Interval
    against_ort: Interval
    gap: Interval  # ORT fp32 against torch fp32


def weak_baseline(rows: Rows) -> WeakBaseline | None:
    """The model and batch where ORT fp32 beat torch fp32 by the most, measurably, and torch
    int8's two readings do not overlap."""
    found = []
    for model in models(rows):
        for batch in batches(rows, model):
            base = baseline(rows, model, batch)
            int8 = timed(rows, model, "torch int8-dyn", batch)
            torch32, ort32 = interval(int8, "speedup_vs_torch"), interval(int8, "speedup_vs_ort")
            if base is None or torch32 is None or ort32 is None:
                continue
            if base.name == ORT_FP32 and base.measurable and ort32.high < torch32.low:
                found.append(WeakBaseline(model, batch, torch32, ort32, base.gap))
    return max(found, key=lambda weak: weak.gap.value, default=None)


def baseline_cards(weak: WeakBaseline, reading: Sequence[Text]) -> list[CardDraft]:
    return [CardDraft(
        Text(f"На твоята машина torch int8 на {weak.model} при пакет {weak.batch} даде "
             f"{spanned(weak.against_torch)} спрямо torch fp32, но {spanned(weak.against_ort)} "
             "спрямо ONNX Runtime fp32. Кое число е печалбата на int8 и защо?",
             f"On your machine torch int8 on {weak.model} at batch {weak.batch} gave "
             f"{spanned(weak.against_torch)} against torch fp32 but {spanned(weak.against_ort)} "
             "against ONNX Runtime fp32. Which is int8's gain, and why?"),
        with_reading(Text(
            f"Второто: спрямо най-бързия fp32. ONNX Runtime fp32 беше {spanned(weak.gap)} "
            "по-бърз от torch fp32, така че част от първото число е слаба fp32 основа, не int8.",
            f"The second: against the fastest fp32. ONNX Runtime fp32 ran {spanned(weak.gap)} "
            "faster than torch fp32, so part of the first figure is a weak fp32 baseline, not "
            "int8."), reading, f"{weak.model}, batch {weak.batch}:"))]


@dataclass(frozen=True)
class Int8Batches:
    """torch int8 at two batches, and the roofline class of torch fp32 at each."""

    speed: Speedups
    small_bound: str
    large_bound: str


def int8_batches(rows: Rows) -> Int8Batches | None:
    found = int8_in_torch(rows)
    if found is None or found.large_batch is None:
        return None
    bounds = [str((find(rows, model=found.model, variant=TORCH_FP32, batch_size=batch,
                        device="cpu") or {}).get("bound", ""))
              for batch in (found.small_batch, found.large_batch)]
    return Int8Batches(found, *bounds)


BOUND_WORDS = {
    "memory": Text("ограничен от паметта (помагат по-малко байтове)",
                   "memory-bound (fewer bytes help)"),
    "compute": Text("ограничен от изчисленията (помага само по-бърза аритметика)",
                    "compute-bound (only faster arithmetic helps)"),
    "overhead": Text("ограничен от постоянните разходи на извикване (int8 няма много за "
                     "спестяване)", "overhead-bound (int8 has little to save)"),
}


def _batch_answer(found: Int8Batches) -> Text:
    """Why the batch changed int8's speed-up: the classes measured, or (a run that did not
    place its rows) the principle alone."""
    int8 = found.speed
    small, large = BOUND_WORDS.get(found.small_bound), BOUND_WORDS.get(found.large_bound)
    if small is None or large is None:
        return Text(
            "int8 помага, където времето отива за четене на тегла (ограничен от паметта) или "
            "за аритметика, която int8 ускорява (ограничен от изчисленията); когато доминират "
            "постоянните разходи на извикване, няма какво да спести. Пакетът решава кое от "
            f"трите е извикването — тук между пакет {int8.small_batch} и {int8.large_batch}.",
            "int8 helps where the time goes to reading weights (memory-bound) or to arithmetic "
            "int8 speeds up (compute-bound); where fixed per-call costs dominate it has nothing "
            "to save. The batch decides which of the three a call is — here between batch "
            f"{int8.small_batch} and {int8.large_batch}.")
    return Text(
        f"Пакетът мести модела по roofline: при пакет {int8.small_batch} torch fp32 беше "
        f"{small.bg}, при пакет {int8.large_batch} — {large.bg}.",
        f"The batch moves the model on the roofline: at batch {int8.small_batch} torch fp32 "
        f"was {small.en}, at batch {int8.large_batch} {large.en}.")


def batch_cards(found: Int8Batches, reading: Sequence[Text]) -> list[CardDraft]:
    int8 = found.speed
    if int8.large is None or not (int8.small.high < int8.large.low
                                  or int8.large.high < int8.small.low):
        return []  # only where the batch really changed the speed-up
    return [CardDraft(
        Text(f"На твоята машина динамичната int8 направи {int8.model} {spanned(int8.small)} "
             f"при пакет {int8.small_batch}, но {spanned(int8.large)} при пакет "
             f"{int8.large_batch} спрямо fp32. Защо зависи от пакета?",
             f"On your machine dynamic int8 made {int8.model} {spanned(int8.small)} at batch "
             f"{int8.small_batch} but {spanned(int8.large)} at batch {int8.large_batch} "
             "against fp32. Why does it depend on the batch?"),
        with_reading(_batch_answer(found), reading, f"{int8.model}, batch {int8.small_batch}:"))]


@dataclass(frozen=True)
class HalfOnCpu:
    """fp16 against fp32 in torch on the CPU, and its arithmetic ceiling at the large batch."""

    speed: Speedups
    ceiling: float


def half_in_torch(rows: Rows) -> HalfOnCpu | None:
    """fp16 against fp32 in torch on the CPU (a GPU run has rows of both)."""
    found = speedups(rows, runtime="torch", precision="fp16", device="cpu")
    if found is None or found.large_batch is None:
        return None
    row = find(rows, model=found.model, variant="torch fp16", batch_size=found.large_batch,
               device="cpu")
    return HalfOnCpu(found, number(row, "precision_speed") or 1.0)


def half_cards(half: HalfOnCpu, reading: Sequence[Text]) -> list[CardDraft]:
    found = half.speed
    if found.large is None or found.large_batch is None or not found.large.excludes(1.0):
        return []
    here = Text(f"Този процесор няма собствена fp16 аритметика, така че при пакет "
                f"{found.large_batch} стойностите се преобразуваха към fp32 за смятането.",
                f"This CPU has no native fp16 arithmetic, so at batch {found.large_batch} the "
                "values were converted to fp32 for the arithmetic.") if half.ceiling <= 1 else \
        Text(f"Този процесор има собствена fp16 аритметика (таван ×{half.ceiling:g} от fp32 пика).",
             f"This CPU computes fp16 natively (ceiling ×{half.ceiling:g} the fp32 peak).")
    return [CardDraft(
        Text(f"fp16 на CPU даде {spanned(found.large)} спрямо fp32 при пакет "
             f"{found.large_batch} на твоята машина. Кога по-малкият тип наистина ускорява?",
             f"fp16 on the CPU gave {spanned(found.large)} against fp32 at batch "
             f"{found.large_batch} on your machine. When does the smaller type really speed "
             "things up?"),
        with_reading(join(Text(
            "Когато извикването чака паметта (половината байтове) или когато хардуерът смята "
            "директно в този тип (AVX512-FP16, AMX-FP16, тензорните ядра на GPU).",
            "When the call waits on memory (half the bytes), or where the hardware computes in "
            "it (AVX512-FP16, AMX-FP16, GPU tensor cores)."), here),
            reading, f"{found.model}, fp16 and bf16"))]


@dataclass(frozen=True)
class Int8File:
    model: str
    share: float  # the torch int8 file's size as a share of the fp32 file


def int8_size(rows: Rows) -> Int8File | None:
    """The torch int8 file against fp32: its size share."""
    int8 = find(rows, runtime="torch", precision="int8", device="cpu")
    share = number(int8, "size_ratio")
    return None if int8 is None or share is None else Int8File(str(int8["model"]), share)


def size_cards(size: Int8File, reading: Sequence[Text]) -> list[CardDraft]:
    return [CardDraft(
        Text(f"Твоят torch int8 файл на {size.model} е {size.share:.2f} от fp32 файла. Защо "
             "не точно 0.25?",
             f"Your torch int8 file of {size.model} is {size.share:.2f} of the fp32 one. Why "
             "not exactly 0.25?"),
        with_reading(Text(
            f"Всяко тегло става 1 байт вместо 4, но файлът ({size.share:.2f}) пази и мащаби, "
            "нулеви точки, отмествания в 32 бита и описание на графа; при малък модел тази "
            "постоянна част тежи повече.",
            f"Each weight becomes 1 byte instead of 4, but the file ({size.share:.2f}) also "
            "keeps scales, zero points, 32-bit biases and the graph; in a small model that "
            "fixed part weighs more."), reading, f"{size.model}, files"))]


CARDS: tuple[SomeCardMaker, ...] = (
    CardMaker(weak_baseline, baseline_cards),
    CardMaker(int8_batches, batch_cards),
    CardMaker(half_in_torch, half_cards),
    CardMaker(int8_size, size_cards),
)

LESSON = Lesson(
    Question(Text("Динамична int8 срещу fp32 в PyTorch, пакет 1, на тази машина:",
                  "Dynamic int8 against fp32 in PyTorch, batch 1, on this machine:"),
             SPEED_CHOICES, SPEED_BOUNDS),
    int8_in_torch, speedup_line("int8", "fp32"), CARDS)
