"""What the profile lab teaches from its numbers: the operator and the layer that take the
time, which kind of operation torch does slower than ONNX Runtime and by how much (both
profiled in the same passes), the memory a pass holds, and where the model sits on this
machine's roofline — memory-, compute- or overhead-bound.

Every reading is a pure function of the run's rows (and the roofline they were placed on);
no torch. A difference between torch and ONNX Runtime is stated only where the interval of the
per-pass ratios excludes 1, and a cause only where the rows name it (an NCHWc kernel, an
operator that also writes indices). The lab module (`studyapp.labs.profile`) calls them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from studyapp.labs.findings import Row, Rows, find, interval, number, spanned
from studyapp.labs.lesson import CardDraft, CardMaker, Lesson, Question, exact, with_reading
from studyapp.labs.readings import bound_sentence, join, read_roofline, times
from studyapp.labs.roofline import OVERHEAD_SHARE, Roofline
from studyapp.labs.stats import Interval
from studyapp.text import Text

OPERATION_NAMES: dict[str, Text] = {
    "convolution": Text("свивките", "convolutions"),
    "pooling": Text("max-pool", "max-pooling"),
    "matmul": Text("матричните произведения (Linear/Gemm)", "matrix products (Linear/Gemm)"),
    "activation": Text("активациите", "activations"),
    "layout": Text("смяната на формата", "layout changes"),
    "other": Text("останалото (форми, копия, заделяне)", "the rest (shapes, copies, allocation)"),
}
OPERATION_LABELS: dict[str, Text] = {  # as a table names each kind
    "convolution": Text("свивки", "convolution"), "pooling": Text("max-pool", "pooling"),
    "matmul": Text("матрични произведения", "matmul"),
    "activation": Text("активации", "activation"),
    "layout": Text("смяна на формата", "layout"), "other": Text("друго", "other"),
}


def section(rows: Rows, name: str, **match: object) -> list[Row]:
    return [row for row in rows if row.get("section") == name
            and all(row.get(key) == value for key, value in match.items())]


def _kind(row: Row) -> Text:
    return OPERATION_NAMES.get(str(row.get("variant")), Text(str(row.get("variant")),
                                                              str(row.get("variant"))))


def _ms(row: Row, key: str) -> str:
    return f"{number(row, key) or 0:.3g} ms"


# --- where the time goes ---------------------------------------------------------------------


def operators_reading(rows: Rows) -> Text:
    """torch's operator with the most self time, and the top three together."""
    ops = sorted(section(rows, "operators"), key=lambda row: -(number(row, "share") or 0))
    if not ops:
        return Text("")
    top, top3 = ops[0], sum(number(row, "share") or 0 for row in ops[:3])
    names = ", ".join(str(row.get("variant")) for row in ops[:3])
    share, calls = number(top, "share") or 0, number(top, "calls") or 0
    return Text(
        f"Операторът с най-много собствено CPU време е {top.get('variant')}: {share:.0%} от "
        f"времето ({_ms(top, 'self_cpu_ms')} на проход, извиквания на проход: {calls:g}). "
        f"Първите три ({names}) заемат {top3:.0%}: оптимизирай там, не другаде.",
        f"The operator with the most self CPU time is {top.get('variant')}: {share:.0%} of the "
        f"time ({_ms(top, 'self_cpu_ms')} per pass, calls per pass: {calls:g}). The top three "
        f"({names}) take {top3:.0%}: optimize there, not elsewhere.")


def gpu_time_reading(rows: Rows) -> Text:
    """On a GPU, CPU time is mostly launching: the operator that keeps the device busiest."""
    on_gpu = [row for row in section(rows, "operators") if number(row, "self_device_ms")]
    if not on_gpu:
        return Text("")
    total = sum(number(row, "self_device_ms") or 0 for row in on_gpu)
    top = max(on_gpu, key=lambda row: number(row, "self_device_ms") or 0)
    share = (number(top, "self_device_ms") or 0) / total
    return Text(
        f"На GPU собственото CPU време е главно пускане на кернели; най-дълго заема устройството "
        f"{top.get('variant')}: {_ms(top, 'self_device_ms')} на проход, {share:.0%} от "
        "времето на GPU.",
        f"On a GPU, self CPU time is mostly launching kernels; the device is kept busy longest "
        f"by {top.get('variant')}: {_ms(top, 'self_device_ms')} per pass, {share:.0%} of the "
        "GPU time.")


def layer_sentence(rows: Rows) -> Text:
    layers = section(rows, "modules")
    slowest = find(layers, bottleneck=True)
    if slowest is None:
        return Text("")
    weights = sum(number(row, "params_count") or 0 for row in layers)
    held = (number(slowest, "params_count") or 0) / weights if weights else 0.0
    what = f"{slowest.get('variant')} ({slowest.get('layer_type')})"
    share = number(slowest, "share") or 0
    return Text(
        f"Тясното място е слой {what}: {_ms(slowest, 'time_ms')} на проход, {share:.0%} от "
        f"времето на слоевете, с {held:.0%} от параметрите.",
        f"The bottleneck is layer {what}: {_ms(slowest, 'time_ms')} per pass, {share:.0%} of "
        f"the layers' time, holding {held:.0%} of the parameters.")


def why_faster(row: Row) -> Text:
    """What the operators' own names say about why ONNX Runtime did this faster; nothing
    when they say nothing."""
    parts = []
    if "NCHWc" in str(row.get("ort_ops")):
        parts.append(Text(
            "ONNX Runtime го прави в блоковия формат NCHWc: каналите на блокове с ширината на "
            "векторен регистър, по един вектор наведнъж.",
            "ONNX Runtime does it in its blocked NCHWc layout: channels in blocks as wide as a "
            "vector register, one vector at a time."))
    if "with_indices" in str(row.get("torch_ops")):
        parts.append(Text(
            "Операторът на torch записва и int64 позицията на всеки максимум, която при "
            "инференция никой не чете.",
            "Torch's operator also writes the int64 position of every maximum, which this "
            "inference never reads."))
    return join(*parts)


def faster_in_ort(rows: Rows) -> list[Row]:
    """The kinds of operation ONNX Runtime did measurably faster, the most ms saved first."""
    faster = [row for row in section(rows, "operations")
              if (found := interval(row)) is not None and found.direction() > 0]
    return sorted(faster, key=lambda row: (number(row, "ort_ms") or 0)
                  - (number(row, "torch_ms") or 0))


def starkest_gap(rows: Rows) -> Row | None:
    """The kind of operation ONNX Runtime did the most times faster, by its interval's low end
    (the ratio this run is surest of)."""
    return max(faster_in_ort(rows), key=lambda row: number(row, "speedup_low") or 0,
               default=None)


def gap_sentence(row: Row) -> Text:
    kind, speedup = _kind(row), times(interval(row))
    return join(Text(
        f"За {kind.bg} torch даде {_ms(row, 'torch_ms')} на проход ({row.get('torch_ops')}), "
        f"ONNX Runtime — {_ms(row, 'ort_ms')} ({row.get('ort_ops')}): ONNX Runtime е "
        f"{speedup.bg}.",
        f"For {kind.en} torch took {_ms(row, 'torch_ms')} per pass ({row.get('torch_ops')}), "
        f"ONNX Runtime {_ms(row, 'ort_ms')} ({row.get('ort_ops')}): ONNX Runtime is "
        f"{speedup.en}."), why_faster(row))


def operations_reading(rows: Rows) -> Text:
    """Per kind of operation, torch against ONNX Runtime in the same passes: where torch spends
    most, each kind ONNX Runtime did measurably faster and what its operators' names say of
    it, torch ahead where it is, and the activations ONNX Runtime fused away."""
    ops = section(rows, "operations")
    if not ops:
        return Text("")
    busiest = max(ops, key=lambda row: number(row, "torch_ms") or 0)
    kind, share = _kind(busiest), number(busiest, "share") or 0
    lines = [Text(
        f"По вид операция torch отделя най-много време за {kind.bg}: {_ms(busiest, 'torch_ms')} на "
        f"проход ({share:.0%}). Двете среди са профилирани в едни и същи проходи.",
        f"By kind of operation torch spends most on {kind.en}: {_ms(busiest, 'torch_ms')} per "
        f"pass ({share:.0%}). The two runtimes were profiled in the same passes.")]
    faster = faster_in_ort(rows)
    lines += [gap_sentence(row) for row in faster]
    if not faster:
        lines.append(Text("Никой вид операция не е измеримо по-бърз в ONNX Runtime.",
                          "No kind of operation is measurably faster in ONNX Runtime."))
    for row in ops:
        found = interval(row)
        if found is not None and found.direction() < 0:
            kind = _kind(row)
            lines.append(Text(f"При {kind.bg} torch е по-бърз: "
                              f"ONNX Runtime работи {times(found).bg}.",
                              f"For {kind.en}, torch is faster: "
                              f"ONNX Runtime is {times(found).en}."))
    fused = find(ops, variant="activation", ort_ops="")
    if fused is not None and number(fused, "torch_ms"):
        lines.append(Text(
            f"ONNX Runtime не пусна отделни активации: слетите му възли ги прилагат вътре, така "
            f"че {_ms(fused, 'torch_ms')} на проход за активации в torch нямат съответствие там.",
            f"ONNX Runtime ran no separate activations: its fused nodes apply them inside, so "
            f"torch's {_ms(fused, 'torch_ms')} per pass of activations have no counterpart "
            "there."))
    return join(*lines)


def bottleneck_reading(rows: Rows) -> Text:
    return join(layer_sentence(rows), operations_reading(rows))


def memory_reading(rows: Rows) -> Text:
    """What each memory figure counts, and by which method it was measured."""
    by_name = {row.get("variant"): row for row in section(rows, "memory")}
    weights = (number(by_name.get("weights"), "size_bytes") or 0) / 1e6
    if "peak GPU memory" in by_name:
        peak = (number(by_name["peak GPU memory"], "size_bytes") or 0) / 1e6
        return Text(
            f"Тегла {weights:.2f} MB; пикът на GPU паметта при един проход е {peak:.2f} MB "
            "(torch.cuda.max_memory_allocated: всичко, заделено от CUDA алокатора на torch, с "
            "теглата).",
            f"Weights {weights:.2f} MB; peak GPU memory over one pass is {peak:.2f} MB "
            "(torch.cuda.max_memory_allocated: everything torch's CUDA allocator holds, "
            "weights included).")
    activations = (number(by_name.get("peak activations"), "size_bytes") or 0) / 1e3
    text = Text(
        f"Тегла {weights:.2f} MB; пикът на активациите по време на проход е {activations:.0f} "
        "kB — от събитията за памет на torch.profiler (заделеното от CPU алокатора на torch "
        "след старта на профила, без теглата; tracemalloc не вижда тази памет, той следи само "
        "алокатора на Python).",
        f"Weights {weights:.2f} MB; the activations peak during a pass at {activations:.0f} kB "
        "— from torch.profiler's memory events (what torch's CPU allocator took after the "
        "profile started, weights excluded; tracemalloc cannot see this memory, it follows "
        "Python's allocator only).")
    rss = number(by_name.get("process peak RSS"), "size_bytes")
    if not rss:
        return text
    return join(text, Text(
        f"Целият процес е стигнал {rss / 1e6:.0f} MB RSS (ru_maxrss: Python, библиотеките и "
        "всички данни).",
        f"The whole process peaked at {rss / 1e6:.0f} MB RSS (ru_maxrss: Python, the libraries "
        "and all data)."))


def ort_reading(rows: Rows) -> Text:
    """ONNX Runtime's busiest node type, and the fused and blocked-layout nodes it ran."""
    ops = sorted(section(rows, "ort"), key=lambda row: -(number(row, "share") or 0))
    if not ops:
        return Text("")
    top = ops[0]
    text = Text(
        f"В ONNX Runtime най-много време отива в {top.get('variant')} "
        f"({number(top, 'share') or 0:.0%}).",
        f"In ONNX Runtime most time goes into {top.get('variant')} "
        f"({number(top, 'share') or 0:.0%}).")
    fused = any("Fused" in str(row.get("variant")) for row in ops)
    blocked = any(word in str(row.get("variant")) for row in ops for word in ("NCHWc", "Reorder"))
    changed = ", ".join(str(row.get("variant")) for row in ops
                        if any(word in str(row.get("variant"))
                               for word in ("Fused", "NCHWc", "Reorder")))
    if not changed:
        return text
    kinds = [kind for kind, present in ((Text("слети оператори", "fused operators"), fused),
                                        (Text("блоковият формат NCHWc",
                                              "the blocked NCHWc layout"), blocked)) if present]
    what = Text(" и ".join(kind.bg for kind in kinds), " and ".join(kind.en for kind in kinds))
    return join(text, Text(
        f"{changed}: работа на оптимизатора на графа — {what.bg} (виж лабораторията onnx).",
        f"{changed}: the graph optimizer's work — {what.en} (see the onnx lab)."))


# --- the roofline ----------------------------------------------------------------------------


def roofline_reading(rows: Rows, roof: Roofline) -> Text:
    """torch's batch 1 and large batch on the roofline (the shared three-class reading), then
    where ONNX Runtime's rows sit, each in its own class."""
    placed = [row for row in section(rows, "roofline") if row.get("bound")]
    torch_rows = sorted((row for row in placed if row.get("variant") == "torch eager"),
                        key=lambda row: number(row, "batch_size") or 0)
    if not torch_rows:
        return Text("")
    lines = [read_roofline(torch_rows, roof)]
    for row in sorted((row for row in placed if row.get("variant") == "ORT all"),
                      key=lambda row: number(row, "batch_size") or 0):
        said = bound_sentence(row, Text(f"ONNX Runtime, пакет {row.get('batch_size')}",
                                        f"ONNX Runtime, batch {row.get('batch_size')}"))
        lines.append(Text(f"{said.bg}.", f"{said.en}."))
    return join(*lines)


# --- the lesson: prediction and cards --------------------------------------------------------


@dataclass(frozen=True)
class Hotspot:
    operator: str
    share: float


def hotspot(rows: Rows) -> Hotspot | None:
    """torch's operator with the largest share of self CPU time."""
    ops = [row for row in section(rows, "operators") if number(row, "share") is not None]
    if not ops:
        return None
    top = max(ops, key=lambda row: number(row, "share") or 0.0)
    return Hotspot(str(top.get("variant", "")), number(top, "share") or 0.0)


def describe(found: Hotspot) -> tuple[Interval, Text]:
    return exact(found.share * 100), Text(
        f"{found.operator}: {found.share:.0%} от времето на CPU",
        f"{found.operator}: {found.share:.0%} of the CPU time")


def hotspot_cards(found: Hotspot, reading: Sequence[Text]) -> list[CardDraft]:
    return [CardDraft(
        Text(f"Профилът на твоята машина даде {found.share:.0%} от времето на {found.operator}. "
             "Защо се профилира, преди да се оптимизира?",
             f"Your machine's profile gave {found.share:.0%} of the time to {found.operator}. "
             "Why profile before optimizing?"),
        with_reading(Text(
            "Времето рядко е разпределено равно: един-два оператора вземат повечето. "
            "Оптимизацията на останалото печели най-много времето, което то заема "
            "(закон на Амдал).",
            "Time is rarely spread evenly: one or two operators take most of it. Optimizing "
            "the rest can win at most the rest of the time (Amdahl's law)."),
            reading, found.operator))]


def gap_cards(found: Row, reading: Sequence[Text]) -> list[CardDraft]:
    kind, speedup = _kind(found), interval(found)
    assert speedup is not None  # starkest_gap finds only rows with one
    why = why_faster(found)
    back = why if why.en else Text(
        "Двете среди викат различни кернели за една и съща операция; кой е по-бърз за тази "
        "форма, показва само измерването.",
        "The two runtimes call different kernels for the same operation; only measuring shows "
        "which is faster on this shape.")
    return [CardDraft(
        Text(f"На твоята машина torch даде {_ms(found, 'torch_ms')} на проход за {kind.bg} "
             f"({found.get('torch_ops')}), а ONNX Runtime — {_ms(found, 'ort_ms')} "
             f"({found.get('ort_ops')}): {spanned(speedup)}. Откъде идва разликата?",
             f"On your machine torch took {_ms(found, 'torch_ms')} per pass for {kind.en} "
             f"({found.get('torch_ops')}), ONNX Runtime {_ms(found, 'ort_ms')} "
             f"({found.get('ort_ops')}): {spanned(speedup)}. Where does the gap come from?"),
        with_reading(back, reading, "same passes"))]


BOUND_NAMES = {"memory": Text("паметта", "memory"), "compute": Text("изчисленията", "compute"),
               "overhead": Text("постоянните разходи на извикване", "per-call overhead")}


@dataclass(frozen=True)
class Bound:
    """Where torch's largest batch sits on the roofline, and its share of it with interval."""

    batch: int
    bound: str
    share: Interval


def robust_bound(rows: Rows) -> Bound | None:
    """torch's largest placed batch, when its class holds across its latency interval: an
    overhead-bound row stays overhead-bound at the fast end of it (memory and compute follow
    from intensity alone)."""
    placed = [row for row in section(rows, "roofline", variant="torch eager")
              if row.get("bound") in BOUND_NAMES]
    if not placed:
        return None
    widest = max(placed, key=lambda row: number(row, "batch_size") or 0)
    share = interval(widest, "share_of_roofline")
    if share is None:
        return None
    if widest["bound"] == "overhead":
        allowed_ms = (number(widest, "flops") or 0) / (
            (number(widest, "attainable_gflops") or 1) * 1e9) * 1e3
        if allowed_ms >= OVERHEAD_SHARE * (number(widest, "latency_ms_low") or 0):
            return None
    return Bound(int(number(widest, "batch_size") or 0), str(widest["bound"]), share)


def _percent(found: Interval) -> str:
    return f"{found.value:.0%} ({found.low:.0%}–{found.high:.0%})"


def bound_cards(found: Bound, reading: Sequence[Text]) -> list[CardDraft]:
    bound = BOUND_NAMES[found.bound]
    return [CardDraft(
        Text(f"По roofline на твоята машина моделът при пакет {found.batch} е ограничен от "
             f"{bound.bg} и стига {_percent(found.share)} от достижимите GFLOP/s. Какво "
             "следва от това?",
             f"On your machine's roofline the model at batch {found.batch} is bound by "
             f"{bound.en} and reaches {_percent(found.share)} of the attainable GFLOP/s. What "
             "follows?"),
        with_reading(Text(
            "Ограничен от паметта модел се ускорява с по-малко байтове (квантизация, сливане, "
            "по-голям пакет за повече FLOP на байт); ограничен от изчисленията — с по-бързи "
            "кернели и по-малко операции; ограничен от постоянните разходи — с по-малко "
            "извиквания и по-голям пакет.",
            "A memory-bound model speeds up with fewer bytes (quantization, fusion, a bigger "
            "batch for more FLOP per byte); a compute-bound one with faster kernels and fewer "
            "operations; an overhead-bound one with fewer calls and a bigger batch."),
            reading, "roofline"))]


LESSON = Lesson(
    Question(
        Text("Какъв дял от времето на CPU ще вземе най-скъпият оператор?",
             "What share of the CPU time will the most expensive operator take?"),
        (Text("под 25%", "under 25%"), Text("25–50%", "25–50%"), Text("50–75%", "50–75%"),
         Text("над 75%", "more than 75%")),
        (25.0, 50.0, 75.0)),
    hotspot, describe,
    (CardMaker(hotspot, hotspot_cards), CardMaker(starkest_gap, gap_cards),
     CardMaker(robust_bound, bound_cards)))
