"""What the batching lab teaches from its numbers, as pure functions of its rows (no torch).

The lab's rows (named and picked out in `batching_rows.py`) carry the ratios the reading
states, with their intervals from the paired rounds:

- `throughput_gain`: items per second against batch 1 of the same variant (the paired
  speed-up of the time per item);
- `share_of_best`: items per second as a share of the variant's best batch;
- `speedup`: against eager torch at the same batch (rows of the other variants);
- `thread_speedup`: against the same variant and batch at one thread;
- `share_of_probe`: a demonstration's rate as a share of its probe kernel's, round by round.

Every paragraph below is chosen from those intervals: a gain, a knee, a plateau, an order
anomaly or a thread effect is stated only when its interval says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from studyapp.labs.batching_rows import (
    COMPUTE_DEMO,
    CPU_VARIANTS,
    EAGER,
    GPU,
    GPU_COPY,
    MEMORY_DEMO,
    MKL_PACKED,
    PACKED_ONCE,
    PLATEAU_UP_TO,
    SWEEP,
    THREAD_VARIANT,
    at_batch,
    batch_of,
    demo,
    lab_threads,
    label,
    series,
    thread_sweep,
    threads_of,
)
from studyapp.labs.envinfo import OTHERS_CONTEND
from studyapp.labs.findings import Row, Rows, interval, number, spanned
from studyapp.labs.lesson import CardDraft, CardMaker, Lesson, Question, with_reading
from studyapp.labs.readings import join, read_roofline, times
from studyapp.labs.roofline import Roofline
from studyapp.labs.stats import Interval
from studyapp.text import Text

KNEE = 0.9  # the knee: the first batch not measurably below this share of the best
FAR_SLOWER = 0.5  # N threads taking over twice as long as one: another program holds a core
SAME = 0.1  # a ratio measured within ±SAME of 1 is "no change", not merely "not measurable"
LISTED = 3  # order anomalies named one by one; the rest are counted


# --- how a reader sees a number ----------------------------------------------------------

def _num(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def _ms(row: Row) -> str:
    """"5.52 ms (4.90–6.01)": a row's median time per call with its interval."""
    median, low, high = (number(row, key) for key in
                         ("latency_ms_median", "latency_ms_low", "latency_ms_high"))
    if median is None:
        return "?"
    if low is None or high is None:
        return f"{_num(median)} ms"
    return f"{_num(median)} ms ({_num(low)}–{_num(high)})"


def _per_item(row: Row) -> str:
    return f"{_num(number(row, 'latency_ms_per_item') or 0)} ms"


def _items(row: Row) -> Text:
    count = f"{number(row, 'throughput_per_s') or 0:.0f}"
    return Text(f"{count} елем./s", f"{count} items/s")


def _share(found: Interval) -> str:
    """"93% (88–97%)"."""
    return f"{found.value:.0%} ({found.low:.0%}–{found.high:.0%})"


def _megabytes(nbytes: float) -> str:
    return f"{nbytes / 1e6:.0f} MB" if nbytes >= 1e6 else f"{nbytes / 1e3:.0f} kB"


# --- batch size: the gain, the knee and its price ----------------------------------------

def _first_share(rows: Sequence[Row], reaches: Callable[[Interval], bool]) -> Row | None:
    for row in rows:
        share = interval(row, "share_of_best")
        if share is not None and reaches(share):
            return row
    return None


def knee(rows: Sequence[Row]) -> tuple[Row | None, Row | None]:
    """Where a sweep's throughput reaches KNEE of its best: the first row measurably there,
    and the first row not measurably below it (the same row when the rounds can tell)."""
    return (_first_share(rows, lambda share: share.low >= KNEE),
            _first_share(rows, lambda share: share.high >= KNEE))


def _where(sweep: Sequence[Row]) -> tuple[Text, Row]:
    """Where the curve bends, as far as the intervals tell, and the row to price it at."""
    firm, loose = knee(sweep)
    last = sweep[-1]
    if firm is None or loose is None:
        return Text("", ""), last
    share = interval(firm, "share_of_best")
    assert share is not None  # a knee row has one
    if loose is not firm:
        spans = interval(loose, "share_of_best")
        assert spans is not None
        return Text(
            f"Коляното е между пакет {batch_of(loose)} и пакет {batch_of(firm)}: пакет "
            f"{batch_of(loose)} дава {_share(spans)} от най-доброто — интервал, който обхваща "
            f"{KNEE:.0%}.",
            f"The knee lies between batch {batch_of(loose)} and batch {batch_of(firm)}: batch "
            f"{batch_of(loose)} gives {_share(spans)} of the best — an interval that spans "
            f"{KNEE:.0%}."), firm
    if firm is last:
        return Text(
            f"До пакет {batch_of(last)} коляно няма: всеки по-малък пакет остава измеримо под "
            f"{KNEE:.0%} от неговата пропускателна способност.",
            f"There is no knee up to batch {batch_of(last)}: every smaller batch stays "
            f"measurably below {KNEE:.0%} of its throughput."), last
    if share.low >= 1.0:  # the best batch itself: the ones after it gave no more
        return Text(
            f"Пропускателната способност е най-висока при пакет {batch_of(firm)}; "
            "по-големите пакети не дадоха повече.",
            f"Throughput peaks at batch {batch_of(firm)}; the larger batches gave no more."), firm
    return Text(
        f"Коляното е при пакет {batch_of(firm)}: той вече дава {_share(share)} от най-доброто, "
        f"а по-големите пакети добавят най-много ×{1 / share.low:.2f}.",
        f"The knee is at batch {batch_of(firm)}: it already gives {_share(share)} of the best, "
        f"and larger batches add at most ×{1 / share.low:.2f}."), firm


def read_throughput(rows: Rows, variant: str = EAGER) -> Text | None:
    """How throughput grows with the batch for one variant: keeps growing, has a knee, or
    gains nothing measurable; and what the batch costs in latency."""
    sweep = series(rows, variant)
    if len(sweep) < 2 or batch_of(sweep[0]) != 1:
        return None
    first, last = sweep[0], sweep[-1]
    best = max(sweep, key=lambda row: number(row, "throughput_per_s") or 0)
    gain = interval(best, "throughput_gain")
    name = label(first)
    if best is first or gain is None or gain.direction() <= 0:
        largest = interval(last, "throughput_gain")
        shown = spanned(largest) if largest else "?"
        nothing = Text(" Тук пакетирането не купува нищо, освен по-дълго чакане.",
                       " Here batching buys nothing but a longer wait.") \
            if largest is not None and largest.high <= 1 + SAME else Text("", "")
        return join(Text(
            f"{name.bg}: нито един пакет не даде измеримо повече елементи в секунда от пакет 1 "
            f"(пакет {batch_of(last)}: {shown}).",
            f"{name.en}: no batch gave measurably more items per second than batch 1 "
            f"(batch {batch_of(last)}: {shown})."), nothing)
    growth = Text(
        f"{name.bg}: пропускателната способност расте от {_items(first).bg} при пакет 1 до "
        f"{_items(best).bg} при пакет {batch_of(best)}: {spanned(gain)}.",
        f"{name.en}: throughput grows from {_items(first).en} at batch 1 to {_items(best).en} at "
        f"batch {batch_of(best)}: {spanned(gain)}.")
    where, bend = _where(sweep)
    if bend is first:
        return join(growth, where)
    price = Text(
        f"Цената е латентността: пакет {batch_of(bend)} отнема {_ms(bend)} срещу {_ms(first)} "
        f"за пакет 1 — всяка заявка чака целия пакет, макар на елемент да се падат само "
        f"{_per_item(bend)}.",
        f"The price is latency: batch {batch_of(bend)} takes {_ms(bend)} against {_ms(first)} "
        f"for batch 1 — every request waits for the whole batch, though per item it is only "
        f"{_per_item(bend)}.")
    return join(growth, where, price)


# --- the packing plateau -----------------------------------------------------------------

@dataclass(frozen=True)
class Plateau:
    """Small batches at which eager torch gained nothing per item while weights packed
    once ran measurably faster at the same batch; and what the rows say of the cause."""

    batch: int  # the first such batch
    batches: tuple[int, ...]
    eager_gain: Interval  # throughput against batch 1, at `batch`
    eager_ms: float  # time per call at `batch`…
    batch1_ms: float  # …and at batch 1
    weights_bytes: float
    against_eager: tuple[tuple[Text, Interval], ...]  # each packed-once variant at `batch`
    fastest: tuple[Text, Interval]  # the packed-once variant with the best speed-up
    mkl: bool  # eager torch's GEMM is MKL's
    copy: Interval | None  # MKL with its weights packed once, against eager: the copy's cost
    kernel: tuple[Text, ...]  # variants measurably faster than MKL with packed weights


def _small(row: Row) -> bool:
    return 2 <= batch_of(row) <= PLATEAU_UP_TO


def _against_eager(rows: Rows, batch: int) -> list[tuple[str, Row, Interval]]:
    """Each variant with weights packed once and its speed-up against eager at `batch`."""
    found = []
    for variant in PACKED_ONCE:
        row = at_batch(rows, variant, batch)
        speedup = interval(row, "speedup")
        if row is not None and speedup is not None:
            found.append((variant, row, speedup))
    return found


def _faster(rows: Rows, batch: int) -> bool:
    return any(speedup.direction() > 0 for _, _, speedup in _against_eager(rows, batch))


def plateau(rows: Rows) -> Plateau | None:
    """The packing plateau, when the rows show one."""
    eager = series(rows, EAGER)
    if not eager or batch_of(eager[0]) != 1:
        return None
    flat = [row for row in eager if _small(row)
            and (gain := interval(row, "throughput_gain")) is not None
            and gain.direction() <= 0 and _faster(rows, batch_of(row))]
    if not flat:
        return None
    first = flat[0]
    gain = interval(first, "throughput_gain")
    assert gain is not None  # every flat row has one
    others = _against_eager(rows, batch_of(first))
    copy = next((speedup for variant, _, speedup in others if variant == MKL_PACKED), None)
    kernel = tuple(label(row) for variant, row, speedup in others
                   if variant != MKL_PACKED and copy is not None and speedup.low > copy.high)
    best = max(others, key=lambda found: found[2].value)
    return Plateau(batch_of(first), tuple(batch_of(row) for row in flat), gain,
                   number(first, "latency_ms_median") or 0,
                   number(eager[0], "latency_ms_median") or 0,
                   number(first, "weights_bytes") or 0,
                   tuple((label(row), speedup) for _, row, speedup in others),
                   (label(best[1]), best[2]), first.get("gemm_library") == "MKL", copy, kernel)


def _within(found: Interval, margin: float) -> bool:
    """Whether the whole interval lies within ±`margin` of 1."""
    return found.low >= 1 - margin and found.high <= 1 + margin


def _listed(pairs: Sequence[tuple[Text, Text]], lang: str) -> str:
    return "; ".join(f"{name.get(lang)}: {said.get(lang)}" for name, said in pairs)


def _names(names: Sequence[Text], lang: str) -> str:
    return ", ".join(name.get(lang) for name in names)


def plateau_cause(found: Plateau) -> Text:
    """Why eager torch stalls, as far as the rows tell: the per-call copy of the weights,
    measured by MKL with its weights packed once, and the kernel, measured against the
    libraries with their own kernels for few rows."""
    copy = found.copy
    if not found.mkl or copy is None:
        return Text(
            "Eager torch смята всеки Linear с GEMM функцията на BLAS библиотеката си; тези "
            "редове не отделят копирането (пакетирането) на теглата при всяко извикване от "
            "самия кернел.",
            "Eager torch computes each Linear with its BLAS library's GEMM; these rows do not "
            "separate the copy (packing) of the weights on every call from the kernel itself.")
    said = times(copy)
    if copy.direction() > 0:
        weights = _megabytes(found.weights_bytes)
        rest = Text(
            f"Останалото е кернелът на MKL за малко редове: и с пакетирани тегла MKL остава "
            f"измеримо по-бавна от {_names(found.kernel, 'bg')}.",
            f"The rest is MKL's kernel for few rows: with packed weights too it stays "
            f"measurably slower than {_names(found.kernel, 'en')}.") if found.kernel else Text(
            "Между нея и останалите не остава измерима разлика.",
            "No measurable gap is left between it and the others.")
        return join(Text(
            f"Eager torch смята всеки Linear със SGEMM на MKL, която при всяко извикване "
            f"копира (пакетира) матрицата на теглата ({weights}) в блоковата си подредба: с "
            f"тегла, пакетирани веднъж, същата MKL работи {said.bg}.",
            f"Eager torch computes each Linear with MKL's SGEMM, which on every call copies "
            f"(packs) the weight matrix ({weights}) into its blocked layout: with the weights "
            f"packed once, the same MKL ran {said.en}."), rest)
    if _within(copy, SAME):
        return Text(
            f"Eager torch смята всеки Linear със SGEMM на MKL; с тегла, пакетирани веднъж, "
            f"времето на MKL се промени с под {SAME:.0%} ({said.bg}): платото идва от "
            "кернела на MKL за малко редове, не от копиране на теглата при всяко извикване.",
            f"Eager torch computes each Linear with MKL's SGEMM; packing its weights once "
            f"changed its time by less than {SAME:.0%} ({said.en}): the plateau comes from "
            "MKL's kernel for few rows, not from copying the weights on each call.")
    return Text(
        f"Eager torch смята всеки Linear със SGEMM на MKL; MKL с тегла, пакетирани веднъж, "
        f"спрямо eager: {said.bg} — тези кръгове не отделят копирането на теглата при всяко "
        "извикване от кернела на MKL за малко редове.",
        f"Eager torch computes each Linear with MKL's SGEMM; MKL with its weights packed once, "
        f"against eager: {said.en} — these rounds cannot tell the copy of the weights on each "
        "call from MKL's kernel for few rows.")


def read_packing(rows: Rows) -> Text | None:
    """Whether eager torch stalls at small batches where weights packed once do not, and
    why as far as the rows tell; None when the sweep has no small batch or no variant with
    its weights packed once."""
    small = [row for row in series(rows, EAGER) if _small(row)]
    if not small or not any(series(rows, variant) for variant in PACKED_ONCE):
        return None
    found = plateau(rows)
    if found is None:
        row = small[0]
        gain = interval(row, "throughput_gain")
        shown = spanned(gain) if gain else "?"
        versus = [(label(other), times(speedup))
                  for _, other, speedup in _against_eager(rows, batch_of(row))]
        return Text(
            f"Плато от пакетиране няма: при пакет {batch_of(row)} eager torch дава {shown} от "
            f"пропускателната способност на пакет 1, а спрямо него {_listed(versus, 'bg')}.",
            f"No packing plateau: at batch {batch_of(row)} eager torch gives {shown} the "
            f"throughput of batch 1, and against it {_listed(versus, 'en')}.")
    listed = ", ".join(str(batch) for batch in found.batches)
    several = len(found.batches) > 1
    at = Text("пакети" if several else "пакет", "batches" if several else "batch")
    versus = [(name, times(speedup)) for name, speedup in found.against_eager]
    return join(Text(
        f"Плато от пакетиране: при {at.bg} {listed} пропускателната способност на eager torch няма "
        f"измерим ръст спрямо пакет 1 — при пакет {found.batch} тя е "
        f"{spanned(found.eager_gain)} от тази на пакет 1 ({_num(found.eager_ms)} ms срещу "
        f"{_num(found.batch1_ms)} ms на извикване). "
        f"Същите слоеве при същия пакет спрямо eager: {_listed(versus, 'bg')}.",
        f"Packing plateau: at {at.en} {listed} eager torch's throughput shows no measurable "
        f"gain over batch 1 — at batch {found.batch} it is {spanned(found.eager_gain)} that "
        f"of batch 1 "
        f"({_num(found.eager_ms)} ms against {_num(found.batch1_ms)} ms per call). The same "
        f"layers at the same batch against eager: {_listed(versus, 'en')}."),
        plateau_cause(found))


# --- the batch order, pair by pair -------------------------------------------------------

def order_anomalies(rows: Rows, variant: str) -> list[tuple[Row, Row]]:
    """Pairs (smaller batch, larger batch) of one variant where the smaller batch took
    longer per call, with intervals that do not overlap."""
    sweep = series(rows, variant)
    found = []
    for index, small in enumerate(sweep):
        for large in sweep[index + 1:]:
            slow, fast = number(small, "latency_ms_low"), number(large, "latency_ms_high")
            if slow is not None and fast is not None and slow > fast:
                found.append((small, large))
    return found


def _pairs(pairs: Sequence[tuple[Row, Row]]) -> Text:
    """"torch eager: batch 4 (…) against batch 8 (…); …": the anomalies of one variant."""
    name = label(pairs[0][0])
    shown = [Text(f"пакет {batch_of(small)} ({_ms(small)}) срещу пакет {batch_of(large)} "
                  f"({_ms(large)})",
                  f"batch {batch_of(small)} ({_ms(small)}) against batch {batch_of(large)} "
                  f"({_ms(large)})") for small, large in pairs[:LISTED]]
    more = len(pairs) - LISTED
    rest = Text(f" и още {more}", f" and {more} more") if more > 0 else Text("", "")
    return Text(f"{name.bg}: " + "; ".join(text.bg for text in shown) + rest.bg,
                f"{name.en}: " + "; ".join(text.en for text in shown) + rest.en)


def read_order(rows: Rows) -> Text | None:
    """Every pair of batches of every variant checked: a smaller batch that took measurably
    longer than a larger one is named — as the library's doing when both were measured
    cleanly in the same rounds, as unexplained when either was disturbed."""
    variants = list(dict.fromkeys(str(row.get("variant")) for row in rows
                                  if row.get("comparison") == SWEEP))
    checked = [variant for variant in variants if len(series(rows, variant)) > 1]
    if not checked:
        return None
    found = [pair for variant in checked for pair in order_anomalies(rows, variant)]
    if not found:
        return Text(
            "Редът на пакетите, проверен по двойки за всеки вариант: никой по-малък пакет не "
            "отне измеримо повече време от по-голям.",
            "The batch order, checked pair by pair for every variant: no smaller batch took "
            "measurably longer than a larger one.")
    clean = [pair for pair in found if not any(row.get("noisy") for row in pair)]
    disturbed = [pair for pair in found if pair not in clean]
    said = []
    for pairs, cause in ((clean, Text(
            "Двата пакета са мерени чисто в едни и същи разбъркани кръгове, така че "
            "натоварване на машината би засегнало и двата еднакво: причината е в това как "
            "библиотеката изпълнява тази форма (кой кернел избира, как дели работата между "
            "нишките, как подготвя теглата), не в машината.",
            "Both batches were measured cleanly in the same shuffled rounds, so a busy machine "
            "would have hit both alike: the cause lies in how the library runs that shape (the "
            "kernel it picks, how it splits the work across threads, how it prepares the "
            "weights), not in the machine.")), (disturbed, Text(
            "Поне единият от двата пакета не е измерен чисто, така че тези редове не казват "
            "дали причината е библиотеката или машината.",
            "At least one of the two was not measured cleanly, so these rows do not say "
            "whether the cause is the library or the machine."))):
        by_variant = [[pair for pair in pairs if pair[0].get("variant") == variant]
                      for variant in checked]
        listed = [_pairs(group) for group in by_variant if group]
        if listed:
            said.append(Text(
                "По-малък пакет отне повече време от по-голям (интервалите не се застъпват) — "
                + " | ".join(text.bg for text in listed) + ". " + cause.bg,
                "A smaller batch took longer than a larger one (the intervals do not overlap) "
                "— " + " | ".join(text.en for text in listed) + ". " + cause.en))
    return join(*said)


# --- threads -----------------------------------------------------------------------------

def _thread_effect(counts: Sequence[Row]) -> Text | None:
    """What the top thread count did to one batch against one thread (the counts in between
    listed), with why only where a row says so; None when it was not measured."""
    one, many = counts[0], counts[-1]
    found = interval(many, "thread_speedup")
    count, batch = threads_of(many), batch_of(many)
    if found is None:
        return None
    said = times(found)
    between = [(threads_of(row), times(interval(row, "thread_speedup"))) for row in counts[1:-1]]
    middle = Text(" (" + "; ".join(f"{threads}: {text.bg}" for threads, text in between) + ")",
                  " (" + "; ".join(f"{threads}: {text.en}" for threads, text in between) + ")") \
        if between else Text("", "")
    head = Text(f"Пакет {batch}, {count} нишки срещу 1{middle.bg}: {said.bg}.",
                f"Batch {batch}, {count} threads against 1{middle.en}: {said.en}.")
    bound, cores = one.get("bound"), int(number(many, "cores") or 0)
    others = number(many, "others_cores")  # measured while the rounds ran, where it could be
    if found.direction() < 0 and cores and count > cores:
        why = Text(
            f"Нишките са повече от ядрата ({count} на {cores}): редуват се на ядрата и всяка "
            "паралелна стъпка чака онази, която в момента не работи.",
            f"There are more threads than cores ({count} on {cores}): they take turns on the "
            "cores, and every parallel step waits for the one that is not running.")
    elif found.direction() < 0 and found.value < FAR_SLOWER and (
            others is None or others >= OTHERS_CONTEND):
        seen = Text(f" (средно {others:.1f} ядра, докато се мереше)",
                    f" ({others:.1f} cores on average while it was timed)") \
            if others is not None else Text("", "")
        why = Text(
            f"{count} нишки отнеха над два пъти повече време от една: това не е свойство на "
            f"модела — друга програма е заемала ядро{seen.bg} и всяка паралелна стъпка е "
            "чакала нишката си да получи процесор.",
            f"{count} threads took over twice as long as one: that is not the model — another "
            f"program kept a core busy{seen.en}, and every parallel step waited for its thread "
            "to get a CPU.")
    elif found.direction() < 0 and bound == "overhead":
        why = Text(
            "При толкова малка работа раздаването ѝ на нишките и чакането им струва повече "
            "от аритметиката, която поделят.",
            "For work this small, handing it to the threads and waiting for them costs more "
            "than the arithmetic they share.")
    elif found.direction() < 0:
        why = Text(
            "Редовете не показват защо; ако друга програма е работила в същото време, "
            "пусни лабораторията отново.",
            "The rows do not show why; if another program was running at the same time, run "
            "the lab again.")
    elif found.direction() > 0 and bound == "memory":
        why = Text(
            "Извикването е ограничено от паметта, а пак се ускори: едно ядро само не изтегля "
            "цялата честотна лента на паметта, всяко добавено ядро чете още байтове в секунда.",
            "The call is memory-bound and still got faster: one core alone does not draw the "
            "whole memory bandwidth, each added core reads more bytes per second.")
    elif found.direction() > 0 and bound == "compute":
        why = Text(
            f"Извикването е ограничено от изчисленията и аритметиката се дели между ядрата "
            f"(идеалът е ×{count}).",
            f"The call is compute-bound and its arithmetic splits across the cores (the ideal "
            f"is ×{count}).")
    else:
        why = Text("", "")
    return join(head, why)


def read_threads(rows: Rows) -> Text | None:
    """THREAD_VARIANT at 1…N threads at the smallest and the largest batch."""
    sweep = series(rows, THREAD_VARIANT)
    if not sweep:
        return None
    if lab_threads(rows) <= 1:
        return Text("С една нишка няма сравнение на броя нишки.",
                    "With one thread there is no thread sweep.")
    parts = []
    for batch in sorted({batch_of(sweep[0]), batch_of(sweep[-1])}):
        counts = thread_sweep(rows, batch)
        effect = _thread_effect(counts) if len(counts) > 1 and threads_of(counts[0]) == 1 \
            else None
        if effect is not None:
            parts.append(effect)
    if not parts:
        return None
    name = label(sweep[0])
    return join(Text(f"Нишки, {name.bg}, в същите кръгове:", f"Threads, {name.en}, in the "
                     "same rounds:"), *parts)


@dataclass(frozen=True)
class ThreadGain:
    batch: int
    threads: int
    speedup: Interval
    bound: str
    one_ms: float
    many_ms: float


def thread_gain(rows: Rows) -> ThreadGain | None:
    """More threads at batch 1, when they measurably helped (never a busy-core slow-down)."""
    sweep = series(rows, THREAD_VARIANT)
    if not sweep or lab_threads(rows) <= 1:
        return None
    counts = thread_sweep(rows, batch_of(sweep[0]))
    if len(counts) < 2 or threads_of(counts[0]) != 1:
        return None
    one, many = counts[0], counts[-1]
    found = interval(many, "thread_speedup")
    if found is None or found.direction() <= 0:
        return None
    return ThreadGain(batch_of(one), threads_of(many), found, str(one.get("bound") or ""),
                      number(one, "latency_ms_median") or 0,
                      number(many, "latency_ms_median") or 0)


# --- the roofline demonstrations ---------------------------------------------------------

def _verdict(share: Interval, threshold: float) -> Text:
    mark = f"{threshold:.0%}"
    if share.low >= threshold:
        return Text(f"прагът {mark} е достигнат", f"the {mark} mark is reached")
    if share.high < threshold:
        return Text(f"прагът {mark} не е достигнат", f"the {mark} mark is not reached")
    return Text(f"интервалът обхваща прага {mark}: не може да се каже дали е достигнат",
                f"the interval spans the {mark} mark: it cannot tell whether it was reached")


def _beyond(share: Interval, probe: Text, ceiling: Text) -> Text:
    """When a demonstration measurably outran its own probe kernel: what that says of the
    ceiling the roofline takes from such a kernel."""
    if share.low <= 1.0:
        return Text("", "")
    return Text(
        f"Това е повече от самата проба ({probe.bg}), която задава {ceiling.bg} на roofline: "
        "пробата подценява тази граница.",
        f"That is more than the probe itself ({probe.en}), which sets the roofline's "
        f"{ceiling.en}: the probe underestimates that ceiling.")


def _memory_demo(row: Row, share: Interval) -> Text:
    weights, llc = number(row, "weights_bytes") or 0, number(row, "llc_bytes")
    name = label(row)
    if llc and weights <= llc:
        return Text(
            f"Демонстрация на работа, ограничена от паметта: {name.bg} ({_megabytes(weights)} "
            f"тегла) се "
            f"побира в кеша от последно ниво на този процесор ({_megabytes(llc)}), така че тук "
            "не показва ограничението от паметта.",
            f"Demonstration, memory-bound: {name.en} ({_megabytes(weights)} of weights) fits "
            f"this CPU's last-level cache ({_megabytes(llc)}), so here it does not show the "
            "memory limit.")
    read = _megabytes(number(row, "probe_bytes") or 0)
    speed, probe = number(row, "bandwidth_gbs") or 0, number(row, "probe_gbs") or 0
    cache = Text(f", {weights / llc:.0f} пъти повече от кеша от последно ниво",
                 f", {weights / llc:.0f}× the last-level cache") if llc else Text("", "")
    mark = _verdict(share, number(row, "threshold") or 0)
    return join(Text(
        f"Демонстрация на работа, ограничена от паметта: {name.bg} ({_megabytes(weights)} "
        f"тегла{cache.bg}) "
        f"чете теглата си с {speed:.1f} GB/s — {_share(share)} от {probe:.1f} GB/s, които "
        f"четенето на {read} постигна в същите кръгове: {mark.bg}.",
        f"Demonstration, memory-bound: {name.en} ({_megabytes(weights)} of weights{cache.en}) "
        f"reads its weights at {speed:.1f} GB/s — {_share(share)} of the {probe:.1f} GB/s that "
        f"a read of {read} reached in the same rounds: {mark.en}."),
        _beyond(share, Text(f"четенето на {read}", f"the read of {read}"),
                Text("честотната лента", "bandwidth")))


def _compute_demo(row: Row, share: Interval) -> Text:
    side = int(number(row, "probe_gemm_n") or 0)
    gemm = f"GEMM {side}×{side}"
    speed, probe = number(row, "gflops") or 0, number(row, "probe_gflops") or 0
    mark, name = _verdict(share, number(row, "threshold") or 0), label(row)
    return join(Text(
        f"Демонстрация на работа, ограничена от изчисленията: {name.bg}, пакет {batch_of(row)}, "
        f"смята с "
        f"{speed:.0f} GFLOP/s — {_share(share)} от по-бързия fp32 {gemm} (torch или ONNX "
        f"Runtime, {probe:.0f} GFLOP/s в същите кръгове): {mark.bg}.",
        f"Demonstration, compute-bound: {name.en}, batch {batch_of(row)}, computes at "
        f"{speed:.0f} GFLOP/s — {_share(share)} of the faster fp32 {gemm} (torch or ONNX "
        f"Runtime, {probe:.0f} GFLOP/s in the same rounds): {mark.en}."),
        _beyond(share, Text(gemm, gemm), Text("пика", "peak")))


def read_demos(rows: Rows) -> list[Text]:
    """The memory-bound and the compute-bound demonstration: the share of its probe kernel
    each reached in the same rounds, and whether that reaches its mark."""
    said = []
    for kind, read in ((MEMORY_DEMO, _memory_demo), (COMPUTE_DEMO, _compute_demo)):
        row = demo(rows, kind)
        share = interval(row, "share_of_probe")
        if row is not None and share is not None:
            said.append(read(row, share))
    return said


# --- the GPU -----------------------------------------------------------------------------

def read_cuda(rows: Rows) -> Text | None:
    """The GPU against eager torch on the CPU at the largest batch, with the input on the
    device and with the host→device copy in the call; at batch 1, the fixed cost."""
    resident, copied = series(rows, GPU), series(rows, GPU_COPY)
    if not resident or not copied:
        return None
    top, top_copy = resident[-1], copied[-1]
    batch = batch_of(top)
    on_device, with_copy = interval(top, "speedup"), interval(top_copy, "speedup")
    text = Text(
        f"При пакет {batch} GPU спрямо eager torch на CPU: с входа вече на устройството "
        f"{times(on_device).bg}, с копирането host→device в извикването {times(with_copy).bg} "
        f"({_ms(top)} срещу {_ms(top_copy)}).",
        f"At batch {batch} the GPU against eager torch on the CPU: with the input already on "
        f"the device {times(on_device).en}, with the host→device copy in the call "
        f"{times(with_copy).en} ({_ms(top)} against {_ms(top_copy)}).")
    gain = interval(top, "throughput_gain")
    if batch_of(resident[0]) == 1 and batch > 1 and gain is not None and gain.low > batch / 4:
        text = join(text, Text(
            f"Пакет {batch} носи {batch}× работата на пакет 1 за по-малко от 4× времето му "
            f"({_ms(resident[0])} при пакет 1): при малък пакет времето на GPU отива за "
            "пускане на кернели и постоянни разходи, не за изчисления.",
            f"Batch {batch} carries {batch}× the work of batch 1 in under 4× its time "
            f"({_ms(resident[0])} at batch 1): at a small batch the GPU's time goes into "
            "launching kernels and fixed costs, not arithmetic."))
    return text


def reading(rows: Rows, roof: Roofline, notes: Sequence[Text] = ()) -> list[Text]:
    """The lab's reading, paragraph by paragraph, each chosen from the rows; `notes` are
    what the roofline's re-check said (`roofline_probe.checked`)."""
    paragraphs = [read_throughput(rows, variant) for variant in CPU_VARIANTS]
    paragraphs += [read_packing(rows), read_order(rows), read_threads(rows)]
    eager = series(rows, EAGER)
    placed = [row for row in eager if row.get("bound")]
    paragraphs += [*notes, read_roofline(placed, roof) if placed else None]
    return [text for text in (*paragraphs, *read_demos(rows), read_cuda(rows))
            if text is not None]


# --- the lesson: the prediction and the review cards -------------------------------------

@dataclass(frozen=True)
class Batching:
    """Eager torch's throughput at its largest batch against batch 1."""

    batch: int
    gain: Interval
    throughput_1: float
    throughput: float
    item_ms_1: float
    item_ms: float


def batching(rows: Rows) -> Batching | None:
    sweep = series(rows, EAGER)
    if len(sweep) < 2 or batch_of(sweep[0]) != 1:
        return None
    first, last = sweep[0], sweep[-1]
    gain = interval(last, "throughput_gain")
    if gain is None:
        return None
    return Batching(batch_of(last), gain, number(first, "throughput_per_s") or 0,
                    number(last, "throughput_per_s") or 0,
                    number(first, "latency_ms_per_item") or 0,
                    number(last, "latency_ms_per_item") or 0)


def describe(found: Batching) -> tuple[Interval, Text]:
    return found.gain, Text(
        f"eager torch: {found.throughput_1:.0f} елем./s при пакет 1, {found.throughput:.0f} "
        f"при пакет {found.batch}: {spanned(found.gain)}",
        f"eager torch: {found.throughput_1:.0f} items/s at batch 1, {found.throughput:.0f} at "
        f"batch {found.batch}: {spanned(found.gain)}")


def gain_cards(found: Batching, reading: Sequence[Text]) -> list[CardDraft]:
    if found.gain.direction() <= 0:
        return []  # no measurable gain: nothing for the card to ask about
    return [CardDraft(
        Text(f"На твоята машина пакет {found.batch} даде {found.throughput:.0f} елем./s срещу "
             f"{found.throughput_1:.0f} при пакет 1 ({spanned(found.gain)}), а времето на "
             f"елемент се промени от {_num(found.item_ms_1)} ms на {_num(found.item_ms)} ms. "
             "Каква е цената?",
             f"On your machine batch {found.batch} gave {found.throughput:.0f} items/s against "
             f"{found.throughput_1:.0f} at batch 1 ({spanned(found.gain)}), time per item went "
             f"from {_num(found.item_ms_1)} ms to {_num(found.item_ms)} ms. What is the price?"),
        with_reading(Text(
            "Пакетът споделя постоянните разходи и четенето на теглата между много входове, "
            "затова пропускателната способност расте; цената е латентността на пакета — "
            "всеки вход чака целия пакет (и събирането му).",
            "A batch shares the fixed costs and the weight reads among many inputs, so "
            "throughput grows; the price is the batch's latency — every input waits for the "
            "whole batch (and for it to fill)."), reading, "throughput grows"))]


def _settled(found: Plateau) -> bool:
    """Whether the plateau is sure enough to teach: eager torch gained at most SAME, and the
    rows tell the per-call copy from MKL's kernel."""
    copy = found.copy
    return (found.eager_gain.high <= 1 + SAME and copy is not None
            and (copy.direction() > 0 or _within(copy, SAME)))


def plateau_cards(found: Plateau, reading: Sequence[Text]) -> list[CardDraft]:
    if not _settled(found):
        return []
    name, speedup = found.fastest
    return [CardDraft(
        Text(f"При пакет {found.batch} eager torch даде {spanned(found.eager_gain)} от "
             f"пропускателната способност на пакет 1, а същият модел в {name.bg} беше "
             f"{spanned(speedup)} по-бърз. Защо eager torch не печели от малък пакет?",
             f"At batch {found.batch} eager torch gave {spanned(found.eager_gain)} the "
             f"throughput of batch 1, while the same model in {name.en} ran "
             f"{spanned(speedup)} faster. Why does eager torch gain nothing from a small "
             "batch?"),
        with_reading(plateau_cause(found), reading, "Packing plateau"))]


def thread_cards(found: ThreadGain, reading: Sequence[Text]) -> list[CardDraft]:
    if found.bound != "memory":
        return []  # the card asks why a memory-bound call gains from cores
    return [CardDraft(
        Text(f"При пакет {found.batch} извикването е ограничено от паметта, а с {found.threads} "
             f"нишки отне {_num(found.many_ms)} ms срещу {_num(found.one_ms)} ms с една "
             f"({spanned(found.speedup)}). Защо повече ядра помагат на работа, която чака "
             "паметта?",
             f"At batch {found.batch} the call is memory-bound, yet with {found.threads} "
             f"threads it took {_num(found.many_ms)} ms against {_num(found.one_ms)} ms with "
             f"one ({spanned(found.speedup)}). Why do more cores help work that waits on "
             "memory?"),
        with_reading(Text(
            "Всяко ядро може да чака едновременно само ограничен брой заявки към паметта, "
            "затова едно ядро не изтегля цялата честотна лента; всяко добавено ядро чете още "
            "байтове в секунда, докато контролерите на паметта се наситят.",
            "One core keeps a limited number of memory requests in flight, so alone it does "
            "not draw the whole bandwidth; each added core reads more bytes per second until "
            "the memory controllers saturate."), reading, "Threads,"))]


LESSON = Lesson(
    Question(
        Text("Пропускателната способност (елементи/s) на модела в eager PyTorch при "
             "най-големия пакет спрямо пакет 1:",
             "Throughput (items/s) of the model in eager PyTorch at the largest batch against "
             "batch 1:"),
        (Text("почти същата (под 1.5×)", "about the same (under 1.5×)"),
         Text("1.5–4×", "1.5–4×"), Text("4–20×", "4–20×"), Text("над 20×", "more than 20×")),
        (1.5, 4.0, 20.0)),
    batching, describe,
    (CardMaker(batching, gain_cards), CardMaker(plateau, plateau_cards),
     CardMaker(thread_gain, thread_cards)))
