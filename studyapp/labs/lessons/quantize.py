"""What the quantize lab teaches from its numbers: each paragraph of its reading and each
review card, chosen from the measured rows. Pure code, no torch: tests feed it synthetic rows.

The rows (see `studyapp.labs.quantize`): one per variant, model and batch, with its
latency and three speed-ups from the same interleaved rounds — `speedup` against fp32 of its
own runtime, `speedup_vs_torch` and `speedup_vs_ort` against torch and ONNX Runtime fp32
(and `speedup_vs_dyn` against ONNX Runtime dynamic int8 for static int8) — its place on the
roofline (`bound`, `gflops`, `of_fp32_peak`, `precision_speed`, …), size, and on the
trained model its accuracy; plus one untimed row per ONNX Runtime static recipe with its
accuracy. A difference is said only when its interval excludes ×1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from studyapp.deck.model import Text
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
    speedup_line,
    with_reading,
)
from studyapp.labs.quantize_arithmetic import Isa, arithmetic
from studyapp.labs.readings import factor, join, times
from studyapp.labs.roofline import BOUNDS, Roofline
from studyapp.labs.stats import Interval

TORCH_FP32, ORT_FP32, ORT_DYNAMIC = "torch fp32", "ORT fp32", "ORT int8-dyn"
INT8_VARIANTS = ("torch int8-dyn", ORT_DYNAMIC, "ORT int8-static")
SIXTEEN_BIT = ("fp16", "bf16")
BASELINE_KEYS = {TORCH_FP32: "speedup_vs_torch", ORT_FP32: "speedup_vs_ort"}
METHODS = ("MinMax", "Entropy", "Percentile")
NOTHING = Text("", "")
PLACED = ("arithmetic_intensity", "ridge_flop_per_byte", "bytes_moved", "gflops", "flops",
          "attainable_gflops", "latency_ms_median", "of_fp32_peak", "precision_speed")


# --- reading the rows ---------------------------------------------------------------------


def _f(row: Row, key: str) -> float:
    """A number the row is known to hold (its caller checked)."""
    return number(row, key) or 0.0


def placed(row: Row | None) -> bool:
    """Whether a row was placed on the roofline (it has a class and every number of it)."""
    return row is not None and row.get("bound") in BOUNDS \
        and all(number(row, key) is not None for key in PLACED)


def timed(rows: Rows, model: str, variant: str, batch: int, device: str = "cpu") -> Row | None:
    """The timed row of one variant, model and batch."""
    row = find(rows, model=model, variant=variant, batch_size=batch, device=device)
    return row if number(row, "latency_ms_median") is not None else None


def models(rows: Rows) -> list[str]:
    """The models with timed rows, in the order they were measured."""
    return list(dict.fromkeys(str(row["model"]) for row in rows
                              if number(row, "latency_ms_median") is not None))


def batches(rows: Rows, model: str) -> list[int]:
    """The batch sizes `model` was timed at on the CPU, smallest first."""
    return sorted({int(_f(row, "batch_size")) for row in rows
                   if row.get("model") == model and row.get("device") == "cpu"
                   and number(row, "latency_ms_median") is not None})


def study(rows: Rows, model: str) -> list[Row]:
    """The untimed rows of ONNX Runtime's static recipes on `model` (accuracy, size)."""
    return [row for row in rows if row.get("model") == model and row.get("calibration")
            and row.get("batch_size") is None and number(row, "accuracy") is not None]


def _each(parts: Sequence[Text], separator: str = ", ") -> Text:
    return Text(separator.join(part.bg for part in parts),
                separator.join(part.en for part in parts))


def _and(names: Sequence[str]) -> Text:
    if len(names) < 2:
        return Text("".join(names), "".join(names))
    head = ", ".join(names[:-1])
    return Text(f"{head} и {names[-1]}", f"{head} and {names[-1]}")


def _size(nbytes: float) -> str:
    return f"{nbytes / 1e6:.1f} MB" if nbytes >= 1e6 else f"{nbytes / 1e3:.0f} kB"


def _in_cache(row: Row) -> Text:
    return (Text("от кеша", "from the cache") if row.get("data_in_cache")
            else Text("от паметта", "from memory"))


# --- the arithmetic and the roofline ------------------------------------------------------


def arithmetic_paragraph(isa: Isa, roof: Roofline) -> Text:
    """The ceilings: the measured roofline, and what each precision's arithmetic can reach
    against the fp32 peak on this instruction set."""
    ceilings = [arithmetic(precision, isa) for precision in ("int8", "bf16", "fp16")]
    listed = _each([Text(f"{c.precision} ×{c.speed:g} ({c.why.bg})",
                         f"{c.precision} ×{c.speed:g} ({c.why.en})") for c in ceilings], "; ")
    load = "?" if roof.load_average is None else f"{roof.load_average:.2f}"
    return Text(
        f"Roofline на тази машина при {roof.threads} нишки (измерен {roof.measured_at} при "
        f"натоварване {load}): fp32 пик {roof.peak_gflops:.0f} GFLOP/s, "
        f"{roof.bandwidth_gbs:.1f} GB/s от паметта и {roof.main.cache_bandwidth_gbs:.0f} GB/s "
        f"от кеша, праг {roof.ridge:.1f} FLOP/B. Спрямо fp32 пика аритметиката на другите "
        f"типове може най-много: {listed.bg}. Това са граници от инструкциите, не обещания: "
        "редовете казват докъде стигна всяко ядро (в GFLOP/s, за int8 — GOP/s).",
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


def _by_direction(found: dict[str, Interval | None]) -> tuple[list[str], list[str], list[str]]:
    """The names measurably faster, measurably slower, and with no measurable difference."""
    faster = [name for name, value in found.items() if value and value.direction() > 0]
    slower = [name for name, value in found.items() if value and value.direction() < 0]
    same = [name for name, value in found.items() if value and value.direction() == 0]
    return faster, slower, same


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _outcomes(found: dict[str, Interval | None], faster: Text, slower: Text,
              same: Text = NOTHING) -> Text:
    """"Gain: A — why; loss: B — why; no measurable difference: C." from the intervals (a
    label and a list, so no verb has to agree with how many there are)."""
    labels = (Text("печалба", "gain"), Text("загуба", "loss"),
              Text("без измерима разлика", "no measurable difference"))
    parts = [Text(f"{label.bg}: {_and(names).bg}{why.bg}", f"{label.en}: {_and(names).en}{why.en}")
             for names, label, why in zip(_by_direction(found), labels, (faster, slower, same),
                                          strict=True) if names]
    if not parts:
        return NOTHING
    joined = _each(parts, "; ")
    return Text(f"{_capital(joined.bg)}.", f"{_capital(joined.en)}.")


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
            f" Спрямо само {weak} {flattered['variant']} би изглеждал {times(against_weak).bg} "
            "— слабата основа ласкае int8.",
            f" Against {weak} alone {flattered['variant']} would read "
            f"{times(against_weak).en} — the weak baseline flatters int8.")
    return join(head, Text(
        f"Най-бързият fp32 тук е {base.name}: истинската печалба на int8 се мери спрямо него, "
        f"на него вярвайте.{alone.bg}",
        f"The fastest fp32 here is {base.name}: int8's real gain is measured against it — "
        f"trust that comparison.{alone.en}"))


def _memory_reason(fp32: Row, int8: Sequence[Row], gains: dict[str, Interval | None]) -> Text:
    cached = any(row.get("data_in_cache") for row in int8) and not fp32.get("data_in_cache")
    int8_bytes = min(_f(row, "bytes_moved") for row in int8)
    fits = Text(" — достатъчно малко, за да стоят в последното ниво кеш, където fp32 не се "
                "побират", " — small enough for the last-level cache, where fp32's do not fit") \
        if cached else NOTHING
    return join(Text(
        f"{fp32['variant']} е ограничен от паметта ({fp32['arithmetic_intensity']:.3g} FLOP/B, "
        f"под прага {fp32['ridge_flop_per_byte']:.3g}): едно извикване чете "
        f"{_size(_f(fp32, 'bytes_moved'))} тегла и данни {_in_cache(fp32).bg}, а с int8 — "
        f"{_size(int8_bytes)}{fits.bg}. Под прага помагат само по-малко байтове, а int8 дава "
        "точно това.",
        f"{fp32['variant']} is memory-bound ({fp32['arithmetic_intensity']:.3g} FLOP/B, under "
        f"the ridge {fp32['ridge_flop_per_byte']:.3g}): a call reads "
        f"{_size(_f(fp32, 'bytes_moved'))} of weights and data {_in_cache(fp32).en}, with "
        f"int8 {_size(int8_bytes)}{fits.en}. Below the ridge only fewer bytes help, and that is "
        "what int8 offers."), _outcomes(
        gains, Text(" — от по-малкото байтове", " — from the fewer bytes"),
        Text(" — по-малкото байтове не покриха останалата работа",
             " — fewer bytes did not pay for the rest of its work")))


def _compute_reason(fp32: Row, int8: Sequence[Row], gains: dict[str, Interval | None]) -> Text:
    reached = _each([Text(
        f"{row['variant']} {_f(row, 'gflops'):.3g} GOP/s ({factor(_f(row, 'of_fp32_peak'))} от "
        f"fp32 пика, {_f(row, 'share_of_roofline'):.0%} от своя таван)",
        f"{row['variant']} {_f(row, 'gflops'):.3g} GOP/s ({factor(_f(row, 'of_fp32_peak'))} the "
        f"fp32 peak, {_f(row, 'share_of_roofline'):.0%} of its ceiling)") for row in int8], "; ")
    speed = _f(int8[0], "precision_speed")
    return join(Text(
        f"{fp32['variant']} е ограничен от изчисленията ({fp32['arithmetic_intensity']:.3g} "
        f"FLOP/B, над прага {fp32['ridge_flop_per_byte']:.3g}): {_f(fp32, 'gflops'):.3g} "
        f"GFLOP/s, {factor(_f(fp32, 'of_fp32_peak'))} от fp32 пика. Над прага помага само "
        f"по-бърза аритметика: таванът на int8 тук е ×{speed:g} от fp32 пика, а постигнатото е "
        f"{reached.bg}.",
        f"{fp32['variant']} is compute-bound ({fp32['arithmetic_intensity']:.3g} FLOP/B, above "
        f"the ridge {fp32['ridge_flop_per_byte']:.3g}): {_f(fp32, 'gflops'):.3g} GFLOP/s, "
        f"{factor(_f(fp32, 'of_fp32_peak'))} the fp32 peak. Above the ridge only faster arithmetic "
        f"helps: int8's ceiling here is ×{speed:g} the fp32 peak, and what was reached is "
        f"{reached.en}."), _outcomes(
        gains, NOTHING,
        Text(" — под темпото на самия fp32: таванът е това, което инструкциите позволяват, не "
             "това, което едно ядро постига", " — below fp32's own rate: the ceiling is what the "
             "instructions allow, not what a kernel reaches")))


def _overhead_reason(fp32: Row, gains: dict[str, Interval | None]) -> Text:
    allowed_ms = _f(fp32, "flops") / (_f(fp32, "attainable_gflops") * 1e9) * 1e3
    return join(Text(
        f"{fp32['variant']} е ограничен от постоянните разходи на извикване: "
        f"{_size(_f(fp32, 'bytes_moved'))} тегла и данни стоят в кеша и roofline "
        f"позволява {allowed_ms:.3g} ms, а извикването отнема {fp32['latency_ms_median']:.3g} "
        "ms — времето отива за диспечер, събуждане на нишки и малки ядра, така че int8 няма "
        "много за спестяване.",
        f"{fp32['variant']} is overhead-bound: its {_size(_f(fp32, 'bytes_moved'))} of "
        f"weights and data sit in the cache and the roofline allows {allowed_ms:.3g} ms, yet a "
        f"call takes {fp32['latency_ms_median']:.3g} ms — the time goes to dispatch, thread "
        "wake-ups and small kernels, so int8 has little to save."), _outcomes(
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
        Text("спрямо fp32 на собствения му runtime", "against fp32 of its own runtime")
    found = {str(row["variant"]): interval(row, key) for row in int8}
    listed = _each([Text(f"{name} {times(gain).bg}", f"{name} {times(gain).en}")
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
    half_bytes = min(_f(row, "bytes_moved") for row in halves.values())
    fits = any(row.get("data_in_cache") for row in halves.values()) \
        and not fp32.get("data_in_cache")
    cache = Text(", които се побират в последното ниво кеш, където fp32 не се побират",
                 ", which fit in the last-level cache, where fp32's do not") if fits else NOTHING
    return join(Text(
        f"При пакет {batch} torch fp32 е ограничен от паметта и чете "
        f"{_size(_f(fp32, 'bytes_moved'))} {_in_cache(fp32).bg}; 16-битовите тегла са "
        f"половината байтове ({_size(half_bytes)}){cache.bg}.",
        f"At batch {batch} torch fp32 is memory-bound, reading {_size(_f(fp32, 'bytes_moved'))} "
        f"{_in_cache(fp32).en}; 16-bit weights are half the bytes ({_size(half_bytes)})"
        f"{cache.en}."), _outcomes(
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
    reached = _each([Text(
        f"{name} {_f(row, 'gflops'):.3g} GFLOP/s ({factor(_f(row, 'of_fp32_peak'))} от fp32 пика)",
        f"{name} {_f(row, 'gflops'):.3g} GFLOP/s ({factor(_f(row, 'of_fp32_peak'))} the fp32 peak)")
        for name, row in halves.items()])
    converted = [name for name, row in halves.items() if _f(row, "precision_speed") <= 1]
    why = [Text(
        f"процесорът смята {name} направо (таван ×{_f(row, 'precision_speed'):g} от fp32 пика)",
        f"the CPU computes {name} natively (ceiling ×{_f(row, 'precision_speed'):g} the fp32 "
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
        f"({_f(fp32, 'gflops'):.3g} GFLOP/s, {factor(_f(fp32, 'of_fp32_peak'))} от fp32 пика); "
        f"{reached.bg} — {_each(why, '; ').bg}.",
        f"At batch {batch} each weight serves {batch} inputs and torch fp32 is {bound.en} "
        f"({_f(fp32, 'gflops'):.3g} GFLOP/s, {factor(_f(fp32, 'of_fp32_peak'))} the fp32 peak); "
        f"{reached.en} — {_each(why, '; ').en}.")


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
        found = _each([Text(f"{times(interval(halves[b].get(precision))).bg} при пакет {b}",
                            f"{times(interval(halves[b].get(precision))).en} at batch {b}")
                       for b in ends])
        return Text(f"{precision} {found.bg}", f"{precision} {found.en}")

    speeds = _each([at_both(precision) for precision in SIXTEEN_BIT], "; ")
    reasons = []
    for reason, batch in zip((_small_batch_reason, _large_batch_reason), ends, strict=True):
        row = fp32[batch]
        if row is not None and placed(row) and all(map(placed, halves[batch].values())):
            reasons.append(reason(row, halves[batch], batch))
    return join(
        Text(f"{model}, fp16 и bf16 в torch на CPU спрямо torch fp32: {speeds.bg}.",
             f"{model}, fp16 and bf16 in torch on the CPU against torch fp32: {speeds.en}."),
        *reasons)


# --- accuracy and size --------------------------------------------------------------------


def image_points(row: Row) -> float | None:
    """One test image in accuracy points: the resolution of the accuracy figures."""
    images = number(row, "test_images")
    return 100 / images if images else None


def accuracy_change(row: Row) -> Text:
    """How a variant's answers differ from fp32's, with the test's resolution."""
    changed, pp, point = (number(row, "images_changed"), number(row, "accuracy_change_pp"),
                          image_points(row))
    if changed is None or pp is None or point is None:
        return Text("не е измерено", "not measured")
    if changed == 0:
        return Text("същият отговор за всяко изображение", "the same answer on every image")
    answers = Text("1 сменен отговор", "1 answer changed") if changed == 1 else \
        Text(f"{changed:.0f} сменени отговора", f"{changed:.0f} answers changed")
    net = round(pp / point)
    if net == 0:
        return Text(f"{answers.bg}, точността нетно без промяна",
                    f"{answers.en}, accuracy unchanged net")
    images = Text("изобр.", "image" if abs(net) == 1 else "images")
    return Text(f"{answers.bg}, нетно {pp:+.2f} пункта ({net:+d} {images.bg})",
                f"{answers.en}, net {pp:+.2f} points ({net:+d} {images.en})")


def kept_accuracy(row: Row) -> bool | None:
    """Whether the net change is within one test image (None when not measured)."""
    pp, point = number(row, "accuracy_change_pp"), image_points(row)
    if pp is None or point is None:
        return None
    return abs(pp) <= point * 1.001  # one image, whatever the float rounding


def accuracy_paragraph(rows: Rows, model: str) -> Text | None:
    """Accuracy of every CPU variant of the trained model against torch fp32, with the
    resolution of the test: "kept" means within one image."""
    sizes = batches(rows, model)
    if not sizes:
        return None
    scored = [row for row in rows if row.get("model") == model and row.get("device") == "cpu"
              and row.get("batch_size") == sizes[0] and number(row, "accuracy") is not None]
    fp32 = find(scored, variant=TORCH_FP32)
    point = image_points(fp32) if fp32 else None
    if fp32 is None or point is None:
        return None
    others = [row for row in scored if row is not fp32]
    listed = _each([Text(f"{row['variant']}: {accuracy_change(row).bg}",
                         f"{row['variant']}: {accuracy_change(row).en}") for row in others], "; ")
    kept = [str(row["variant"]) for row in others if kept_accuracy(row)]
    moved = [str(row["variant"]) for row in others if kept_accuracy(row) is False]
    verdicts = []
    if kept:
        verdicts.append(Text(f"{_and(kept).bg} запазиха точността до тази разделителна "
                             "способност", f"{_and(kept).en} kept accuracy to that resolution"))
    if moved:
        verdicts.append(Text(f"{_and(moved).bg} я промениха с повече",
                             f"{_and(moved).en} moved it by more"))
    return Text(
        f"{model}, точност върху {fp32['test_images']} тестови изображения (едно изображение е "
        f"{point:.2f} пункта): torch fp32 {fp32['accuracy']:.2%}. {listed.bg}. В рамките на "
        f"едно изображение този тест не различава промяна от липса на промяна: "
        f"{_each(verdicts, '; ').bg}.",
        f"{model}, accuracy on {fp32['test_images']} test images (one image is {point:.2f} "
        f"points): torch fp32 {fp32['accuracy']:.2%}. {listed.en}. Within one image this test "
        f"cannot tell a change from none: {_each(verdicts, '; ').en}.")


def size_paragraph(rows: Rows, model: str) -> Text | None:
    """Each variant's file against fp32 of the same runtime."""
    sizes = batches(rows, model)
    shares = [row for row in rows if sizes and row.get("model") == model
              and row.get("device") == "cpu" and row.get("batch_size") == sizes[0]
              and row.get("precision") != "fp32" and number(row, "size_ratio") is not None]
    if not shares:
        return None
    listed = ", ".join(f"{row['variant']} {row['size_ratio']:.2f}" for row in shares)
    return Text(
        f"{model}, файлове спрямо fp32 на същия runtime: {listed}. int8 тегло е 1 байт вместо "
        "4, но файлът пази и мащаби, нулеви точки, отклонения в 32 бита и графа — постоянна "
        "част, която тежи повече при малък модел; 16-битовото тегло е 2 байта.",
        f"{model}, files against fp32 of the same runtime: {listed}. An int8 weight is 1 byte "
        "instead of 4, but the file also keeps scales, zero points, 32-bit biases and the "
        "graph — a fixed part that weighs more in a small model; a 16-bit weight is 2 bytes.")


# --- ONNX Runtime static quantization -----------------------------------------------------


def _span(values: Sequence[float]) -> str:
    low, high = min(values), max(values)
    return f"{low:.2%}" if low == high else f"{low:.2%}–{high:.2%}"


def _pairs(rows: Sequence[Row], key: str, first: str, second: str) -> list[float]:
    """Accuracy differences (second − first, in points) between recipes alike but in `key`."""
    def alike(row: Row) -> tuple[object, ...]:
        return tuple(row.get(name) for name in ("calibration", "weight_scales", "format")
                     if name != key)

    changes = []
    for row in rows:
        if row.get(key) != first:
            continue
        other = next((match for match in rows if match.get(key) == second
                      and alike(match) == alike(row)), None)
        if other is not None:
            changes.append(100 * (_f(other, "accuracy") - _f(row, "accuracy")))
    return changes


def _pair_sentence(changes: Sequence[float], what: Text) -> Text:
    if not changes:
        return NOTHING
    if all(abs(change) < 1e-9 for change in changes):
        return Text(f"{what.bg} не промени точността в нито една двойка.",
                    f"{what.en} changed accuracy in no pair.")
    low, high = min(changes), max(changes)
    span = f"{low:+.2f}" if abs(high - low) < 1e-9 else f"{low:+.2f}…{high:+.2f}"
    return Text(f"{what.bg} промени точността с {span} пункта.",
                f"{what.en} moved accuracy by {span} points.")


STATIC_BUYS = Text(
    "Статичната квантизация купува скорост: с обхвати, фиксирани предварително, "
    "графът смята в int8 от слой до слой и не изчислява обхват при всяко извикване. "
    "Динамичната мери обхвата на всеки вход при всяко извикване, така че мащабите ѝ пасват на "
    "входа — обикновено тя е по-точната. Калибрирането не прави статичната по-точна; то избира "
    "фиксираните обхвати: MinMax пази всичко видяно, Entropy и Percentile отрязват редките "
    "крайности за по-ситни стъпки.",
    "What static quantization buys is speed: with every range fixed ahead of time the graph "
    "runs int8 from layer to layer and computes no range per call. Dynamic quantization "
    "measures each input's range on every call, so its scales fit the input in hand — it is "
    "usually the more accurate. Calibration does not make static more accurate; it picks the "
    "fixed ranges: MinMax keeps everything it saw, Entropy and Percentile clip rare extremes "
    "for finer steps.")


def static_paragraph(rows: Rows, model: str) -> Text | None:
    """ONNX Runtime's static recipes on the trained model: accuracy by calibration method,
    weight scales and format, against dynamic int8 and fp32, and what static buys."""
    recipes = study(rows, model)
    if not recipes:
        return None
    first = recipes[0]
    point = image_points(first)
    methods = [Text(f"{method} {_span([_f(r, 'accuracy') for r in found])}",
                    f"{method} {_span([_f(r, 'accuracy') for r in found])}")
               for method in METHODS
               if (found := [r for r in recipes if r.get("calibration") == method])]
    sizes = batches(rows, model)
    dynamic = timed(rows, model, ORT_DYNAMIC, sizes[0]) if sizes else None
    fp32 = timed(rows, model, TORCH_FP32, sizes[0]) if sizes else None
    compared = Text(
        f"; динамична int8 {dynamic['accuracy']:.2%}, torch fp32 {fp32['accuracy']:.2%}",
        f"; dynamic int8 {dynamic['accuracy']:.2%}, torch fp32 {fp32['accuracy']:.2%}") \
        if dynamic and fp32 and number(dynamic, "accuracy") is not None \
        and number(fp32, "accuracy") is not None else NOTHING
    seven = Text(", тегла в 7 бита, както ONNX Runtime съветва без VNNI",
                 ", weights in 7 bits, as ONNX Runtime advises without VNNI") \
        if first.get("reduce_range") else NOTHING
    accuracies = [_f(row, "accuracy") for row in recipes]
    spread = (max(accuracies) - min(accuracies)) * 100
    resolution = Text(
        f"Всички {len(recipes)} статични варианта са в рамките на едно изображение един от "
        "друг: на този тест изборът между тях не се вижда.",
        f"All {len(recipes)} static variants lie within one image of each other: on this test "
        "the choice between them does not show.") \
        if point is not None and spread <= point * 1.001 else Text(
        f"Статичните варианти се разминават с до {spread:.2f} пункта.",
        f"The static variants differ by up to {spread:.2f} points.")
    return join(
        Text(f"{model}, статична int8 в ONNX Runtime (активации u8, тегла s8{seven.bg}, обхвати "
             f"от {first.get('calibration_images')} обучаващи изображения), точност: "
             f"{_each(methods).bg}{compared.bg}.",
             f"{model}, static int8 in ONNX Runtime (activations u8, weights s8{seven.en}, ranges "
             f"from {first.get('calibration_images')} training images), accuracy: "
             f"{_each(methods).en}{compared.en}."),
        _pair_sentence(_pairs(recipes, "weight_scales", "per-tensor", "per-channel"),
                       Text("Мащаб на тегла по канал вместо на тензор",
                            "Per-channel weight scales instead of per-tensor")),
        _pair_sentence(_pairs(recipes, "format", "QDQ", "QOperator"),
                       Text("QOperator вместо QDQ (същите мащаби, записани другояче)",
                            "QOperator instead of QDQ (the same scales, written another way)")),
        resolution, STATIC_BUYS)


def static_speed_paragraph(rows: Rows) -> Text | None:
    """The timed static recipes against dynamic int8 in ONNX Runtime, per model and batch."""
    found = [row for row in rows if interval(row, "speedup_vs_dyn") is not None]
    if not found:
        return None
    groups: dict[tuple[object, object], list[Row]] = {}
    for row in found:
        groups.setdefault((row["model"], row["batch_size"]), []).append(row)
    parts = []
    for (model, batch), here in groups.items():
        listed = _each([Text(f"{row['variant']} {times(interval(row, 'speedup_vs_dyn')).bg}",
                             f"{row['variant']} {times(interval(row, 'speedup_vs_dyn')).en}")
                        for row in here])
        parts.append(Text(f"{model}, пакет {batch}: {listed.bg}",
                          f"{model}, batch {batch}: {listed.en}"))
    joined = _each(parts, "; ")
    recipes = ", ".join(dict.fromkeys(
        f"{row['variant']} = {row['calibration']} {row['weight_scales']} {row['format']}"
        for row in found))
    return Text(
        f"Статичната срещу динамичната int8 в ONNX Runtime, в едни и същи кръгове: {joined.bg}. "
        f"Измерени рецепти: {recipes}. Форматът и мащабите на теглата могат да сменят ядрата, "
        "а методът на калибриране сменя само стойностите на мащабите, затова от методите е "
        "измерен само MinMax.",
        f"Static against dynamic int8 in ONNX Runtime, in the same rounds: {joined.en}. Recipes "
        f"timed: {recipes}. The format and the weight scales can change the kernels, while the "
        "calibration method changes only the scale values, so of the methods only MinMax was "
        "timed.")


# --- the GPU ------------------------------------------------------------------------------


def gpu_paragraph(rows: Rows, model: str) -> Text | None:
    """fp16 and bf16 on the GPU against GPU fp32 at the largest batch; or why they were
    skipped. None when the run did not ask for the GPU."""
    gpu = [row for row in rows if row.get("model") == model and row.get("device") == "cuda"]
    if not gpu:
        return None
    sizes = sorted({int(_f(row, "batch_size")) for row in gpu})
    big = sizes[-1]
    fp32 = timed(rows, model, TORCH_FP32, big, "cuda")
    if fp32 is None:
        skipped = find(gpu, variant=TORCH_FP32)
        why = str((skipped or {}).get("status", "")).removeprefix("skipped: ")
        return Text(f"device=cuda: GPU редовете са пропуснати — {why}.",
                    f"device=cuda: the GPU rows are skipped — {why}.")
    found = {p: interval(timed(rows, model, f"torch {p}", big, "cuda")) for p in SIXTEEN_BIT}
    faster, _, _ = _by_direction(found)
    why = Text("Тензорните ядра умножават 16-битови входове многократно по-бързо от fp32, а "
               "теглата са наполовина байтове.", "Tensor cores multiply 16-bit inputs several "
               "times faster than fp32, and the weights are half the bytes.") if faster else \
        Text("При толкова малко работа 16 бита не дадоха измерима печалба на GPU.",
             "With this little work 16 bits gave no measurable gain on the GPU.")
    listed = _each([Text(f"{p} {times(found[p]).bg}", f"{p} {times(found[p]).en}")
                    for p in SIXTEEN_BIT])
    return join(Text(
        f"{model} на GPU при пакет {big}, спрямо fp32 на GPU "
        f"({fp32['latency_ms_median']:.3f} ms): {listed.bg}.",
        f"{model} on the GPU at batch {big}, against GPU fp32 "
        f"({fp32['latency_ms_median']:.3f} ms): {listed.en}."), why, Text(
        "Динамичната int8 на torch няма GPU ядра — тя е само за CPU.",
        "torch's dynamic int8 has no GPU kernels — it is CPU-only."))


TORCHAO = Text(
    "torch.ao.quantization, ползвана тук, е остаряла (torch предупреждава за това при "
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
        Text(f"Този процесор смята fp16 направо (таван ×{half.ceiling:g} от fp32 пика).",
             f"This CPU computes fp16 natively (ceiling ×{half.ceiling:g} the fp32 peak).")
    return [CardDraft(
        Text(f"fp16 на CPU даде {spanned(found.large)} спрямо fp32 при пакет "
             f"{found.large_batch} на твоята машина. Кога по-малкият тип наистина ускорява?",
             f"fp16 on the CPU gave {spanned(found.large)} against fp32 at batch "
             f"{found.large_batch} on your machine. When does the smaller type really speed "
             "things up?"),
        with_reading(join(Text(
            "Когато извикването чака паметта (половината байтове) или когато хардуерът смята в "
            "него (AVX512-FP16, AMX-FP16, тензорните ядра на GPU).",
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
        Text(f"Твоят torch int8 файл на {size.model} е {size.share:.2f} от fp32. Защо не точно "
             "0.25?",
             f"Your torch int8 file of {size.model} is {size.share:.2f} of the fp32 one. Why "
             "not exactly 0.25?"),
        with_reading(Text(
            f"Теглото става 1 байт вместо 4, но файлът ({size.share:.2f}) пази и мащаби, "
            "нулеви точки, отклонения в 32 бита и описание на графа; при малък модел тази "
            "постоянна част тежи повече.",
            f"Each weight becomes 1 byte instead of 4, but the file ({size.share:.2f}) also "
            "keeps scales, zero points, 32-bit biases and the graph; in a small model that "
            "fixed part weighs more."), reading, f"{size.model}, files"))]


CARDS: tuple[CardMaker[Any], ...] = (
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
