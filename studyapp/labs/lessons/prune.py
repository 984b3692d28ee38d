"""What the prune lab teaches from its rows: accuracy against sparsity (with the resolution
of 355 test images), what zeros do to latency, what a sparse format costs in bytes.

Rows carry `method`: `dense` (the trained model), `unstructured` (zeros, masks removed),
`masked` (the same zeros with torch's mask attached again), `csr` (the same zeros through a
sparse kernel) or `structured` (neurons/channels removed). Accuracy rows count the test images
lost and gained against the dense model (`lost_images`, `gained_images`), fine-tuned rows
those fixed and broken by fine-tuning; timed rows carry their speed-up against the dense model
with its interval. Pure code: no torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import comb

from studyapp.labs.findings import Row, Rows, interval, number, spanned
from studyapp.labs.lesson import CardDraft, CardMaker, Lesson, Question, exact, with_reading
from studyapp.labs.readings import bound_sentence, join, times, verdict
from studyapp.labs.roofline import Roofline
from studyapp.labs.stats import Interval
from studyapp.text import Text

SIGNIFICANCE = 0.05  # two-sided level of the sign test on images lost and gained
SMALL_SPEEDUP = 1.2  # a measured speed-up below this is a small one


# --- reading the rows ----------------------------------------------------------------------


def sign_test(worse: int, better: int) -> int:
    """−1 when a model is measurably worse than the one it is compared with on the same
    images, +1 measurably better, 0 when the test set cannot tell: an exact two-sided sign
    test on the images only one of the two got right (`worse`: only the other one)."""
    changed = worse + better
    if changed == 0:
        return 0
    tail = sum(comb(changed, i) for i in range(min(worse, better) + 1)) / 2**changed
    if 2 * tail >= SIGNIFICANCE:
        return 0
    return 1 if better > worse else -1


def _count(row: Row, key: str) -> int:
    return int(number(row, key) or 0)


def against_dense(row: Row) -> int:
    """The sign test of a row's accuracy against the dense model."""
    return sign_test(_count(row, "lost_images"), _count(row, "gained_images"))


def by_tuning(row: Row) -> int:
    """The sign test of a fine-tuned row against the same model before fine-tuning."""
    return sign_test(_count(row, "broken_images"), _count(row, "fixed_images"))


def dense_row(rows: Rows) -> Row | None:
    return next((row for row in rows if row.get("method") == "dense"), None)


def levels(rows: Rows, method: str, tuned: bool) -> list[Row]:
    """The accuracy rows of one pruning method, before or after fine-tuning, by amount."""
    found = [row for row in rows if row.get("method") == method
             and bool(row.get("fine_tuned")) is tuned and number(row, "accuracy") is not None]
    return sorted(found, key=lambda row: number(row, "amount") or 0.0)


def timed(rows: Rows, method: str) -> list[Row]:
    """The timed rows of one method, by amount, each with its speed-up against dense."""
    found = [row for row in rows if row.get("method") == method
             and number(row, "latency_ms_median") is not None]
    return sorted(found, key=lambda row: number(row, "amount") or 0.0)


def percent(share: float | None) -> str:
    """A share as a whole percentage: 0.9 → "90%"."""
    return f"{(share or 0.0) * 100:.0f}%"


def _ms(row: Row) -> str:
    ms = number(row, "latency_ms_median") or 0.0
    return f"{ms:.3f} ms" if ms < 10 else f"{ms:.1f} ms"


def _points(row: Row, dense: Row) -> float:
    return ((number(row, "accuracy") or 0.0) - (number(dense, "accuracy") or 0.0)) * 100


def _images(count: int) -> str:
    return "image" if count == 1 else "images"


def lost_and_gained(lost: int, gained: int, of: int | None = None) -> Text:
    """"21 images lost, 0 gained" (of `of` test images)."""
    total = Text("", "") if of is None else Text(f" от {of}", f" of {of}")
    return Text(f"загубени изображения: {lost}{total.bg}, спечелени: {gained}",
                f"{lost}{total.en} {_images(of or lost)} lost, {gained} gained")


def _signed(points: float) -> str:
    return f"{'−' if points < 0 else '+'}{abs(points):.1f}"


def _accuracy_at(row: Row, dense: Row) -> Text:
    """"92.1% (−5.9 percentage points; 21 images lost, 0 gained)"."""
    accuracy, points = f"{number(row, 'accuracy') or 0.0:.1%}", _signed(_points(row, dense))
    counted = lost_and_gained(_count(row, "lost_images"), _count(row, "gained_images"))
    return Text(f"{accuracy} ({points} процентни пункта; {counted.bg})",
                f"{accuracy} ({points} percentage points; {counted.en})")


CHANGE = {
    -1: Text("измеримо по-ниско", "measurably lower"),
    0: Text("наравно", "level"),
    1: Text("измеримо по-високо", "measurably higher"),
}


def course(steps: Sequence[Row], dense: Row) -> Text:
    """Where accuracy first drops measurably below the dense model along `steps`."""
    fell = next((row for row in steps if against_dense(row) < 0), None)
    last = steps[-1]
    if fell is None:
        text = Text(f"остава наравно с плътния модел до {percent(number(last, 'amount'))}: "
                    f"{_accuracy_at(last, dense).bg}",
                    f"stays level with the dense model up to {percent(number(last, 'amount'))}: "
                    f"{_accuracy_at(last, dense).en}")
    else:
        where = percent(number(fell, "amount"))
        before = steps.index(fell)
        held = Text("", "") if before == 0 else Text(
            f"остава наравно с плътния модел до {percent(number(steps[before - 1], 'amount'))} и ",
            f"stays level with the dense model up to "
            f"{percent(number(steps[before - 1], 'amount'))} and ")
        text = Text(f"{held.bg}пада измеримо за първи път при {where}: "
                    f"{_accuracy_at(fell, dense).bg}",
                    f"{held.en}first drops measurably at {where}: {_accuracy_at(fell, dense).en}")
    if fell is None or fell is last:
        return text
    final = f"{number(last, 'accuracy') or 0.0:.1%}"
    return Text(f"{text.bg}; при {percent(number(last, 'amount'))} е {final}",
                f"{text.en}; at {percent(number(last, 'amount'))} it is {final}")


def _tuning_effect(row: Row) -> Text:
    fixed, broken = _count(row, "fixed_images"), _count(row, "broken_images")
    pct = percent(number(row, "amount"))
    effect = {
        1: Text("останалите тегла поеха работата на премахнатите.",
                "the remaining weights took over the work of the removed ones."),
        0: Text("разлика, която тестовото множество не може да различи от случайност.",
                "a difference the test set cannot tell from chance."),
        -1: Text("измеримо влошаване.", "a measurable loss."),
    }[by_tuning(row)]
    return Text(f"При {pct} дообучението поправи {fixed} от изображенията и развали {broken}: "
                f"{effect.bg}",
                f"At {pct} fine-tuning fixed {fixed} {_images(fixed)} and broke {broken}: "
                f"{effect.en}")


def _judged(row: Row, dense: Row) -> Text:
    at, change = _accuracy_at(row, dense), CHANGE[against_dense(row)]
    return Text(f"{at.bg} — {change.bg}", f"{at.en} — {change.en}")


def read_accuracy(rows: Rows) -> list[Text]:
    """Where accuracy falls off with and without fine-tuning, within what the test set
    resolves: a level "holds" while the images lost and gained pass for chance."""
    dense = dense_row(rows)
    plain = levels(rows, "unstructured", tuned=False)
    if dense is None or not plain:
        return []
    images = _count(dense, "test_images")
    correct = _count(dense, "correct_images")
    resolution = 100 / images if images else 0.0
    notes = [Text(
        f"Плътният модел разпознава {correct} от {images} тестови изображения "
        f"({number(dense, 'accuracy') or 0.0:.1%}); едно изображение е {resolution:.2f} "
        "процентни пункта. Точността се смята за запазена, докато загубените и спечелените "
        "спрямо плътния модел изображения не се различават измеримо (точен знаков тест, 5%). "
        f"Без дообучение неструктурно окъсаният модел {course(plain, dense).bg}.",
        f"The dense model gets {correct} of {images} test images right "
        f"({number(dense, 'accuracy') or 0.0:.1%}); one image is {resolution:.2f} "
        "percentage points. "
        "Accuracy counts as holding while the images lost and gained against the dense model "
        "do not differ measurably (an exact sign test at 5%). Without fine-tuning the "
        f"unstructured model {course(plain, dense).en}.")]
    tuned = levels(rows, "unstructured", tuned=True)
    if tuned:
        effect = _tuning_effect(tuned[-1])
        notes.append(Text(
            f"С кратко дообучение (маските остават, нулите също) точността "
            f"{course(tuned, dense).bg}. {effect.bg}",
            f"With a short fine-tune (the masks stay, so do the zeros) accuracy "
            f"{course(tuned, dense).en}. {effect.en}"))
    structured = [(row, next((t for t in levels(rows, "structured", tuned=True)
                              if number(t, "amount") == number(row, "amount")), None))
                  for row in levels(rows, "structured", tuned=False)]
    if structured:
        parts = [(percent(number(row, "amount")), _judged(row, dense),
                  None if after is None else _judged(after, dense))
                 for row, after in structured]
        notes.append(Text(
            "Структурно (премахнати неврони/канали): " + "; ".join(
                f"−{pct}: {at.bg}" + ("" if then is None else f", след дообучение {then.bg}")
                for pct, at, then in parts) + ".",
            "Structured (neurons/channels removed): " + "; ".join(
                f"−{pct}: {at.en}" + ("" if then is None else f", after fine-tuning {then.en}")
                for pct, at, then in parts) + "."))
    return notes


def speed_class(speedup: Interval) -> str:
    """"none" (no measurable speed-up, or a slow-down), "small" or "large"."""
    if speedup.direction() <= 0:
        return "none"
    return "small" if speedup.value < SMALL_SPEEDUP else "large"


def _mflop(row: Row) -> str:
    return f"{(number(row, 'flops') or 0.0) / 1e6:.1f} MFLOP"


def _unstructured_latency(dense: Row, steps: list[Row]) -> Text:
    top = steps[-1]
    speedup = interval(top)
    said = times(speedup)
    pct = percent(number(top, "sparsity"))
    head = Text(f"Неструктурно, {pct} нули: {_ms(top)} срещу {_ms(dense)} за плътния модел — "
                f"{said.bg}.",
                f"Unstructured, {pct} zeros: {_ms(top)} against {_ms(dense)} for the dense "
                f"model — {said.en}.")
    sweep = Text("", "")
    measured = [found for found in (interval(row) for row in steps) if found is not None]
    if len(measured) > 1:
        first = percent(number(steps[0], "amount"))
        if all(found.direction() == 0 for found in measured):
            sweep = Text(f"Нито едно ниво от {first} до {pct} не се различава измеримо.",
                         f"No level from {first} to {pct} differs measurably.")
        else:
            low = min(found.value for found in measured)
            high = max(found.value for found in measured)
            sweep = Text(f"От {first} до {pct} ускоренията са между ×{low:.2f} и ×{high:.2f}.",
                         f"From {first} to {pct} the speed-ups lie between ×{low:.2f} and "
                         f"×{high:.2f}.")
    work = Text(f"Формите на теглата остават {top.get('shapes')}",
                f"The weight shapes stay {top.get('shapes')}")
    if number(top, "flops"):
        work = Text(f"{work.bg}, а работата — {_mflop(top)} на {top.get('batch_size')} цифри",
                    f"{work.en} and the work {_mflop(top)} per {top.get('batch_size')} digits")
    if speedup is not None and speed_class(speedup) == "large":
        why = Text(f"{work.bg}: разликата не идва от по-малко умножения.",
                   f"{work.en}: the difference does not come from fewer multiplications.")
    else:
        why = Text(f"{work.bg}: плътният кернел (GEMM, свивка) умножава нулата като всяко "
                   "друго тегло.",
                   f"{work.en}: a dense kernel (GEMM, convolution) multiplies a zero like any "
                   "other weight.")
        if speedup is not None and speedup.direction() != 0:
            why = join(why, Text("Малката разлика не идва от пропуснати нули.",
                                 "The small difference does not come from skipped zeros."))
    return join(head, sweep, why)


def _masked_latency(row: Row) -> Text:
    said = times(interval(row))
    return Text(
        f"С маската на torch.nn.utils.prune още закачена (преди prune.remove) всяко извикване "
        f"първо смята weight_orig × mask и после пуска същия плътен кернел: {_ms(row)}, "
        f"{said.bg} спрямо плътния модел. prune.remove слива маската в теглото: нулите "
        "остават, допълнителното умножение изчезва.",
        f"With torch.nn.utils.prune's mask still attached (before prune.remove) each call "
        f"first computes weight_orig × mask and then runs the same dense kernel: {_ms(row)}, "
        f"{said.en} against the dense model. prune.remove folds the mask into the weight: the "
        "zeros stay, the extra multiplication goes.")


def _csr_latency(row: Row) -> Text:
    speedup = interval(row)
    said = times(speedup)
    share = 1 - (number(row, "sparsity") or 0.0)
    head = Text(
        f"Същите {percent(number(row, 'sparsity'))} нули в CSR през разредения кернел на torch, "
        f"който умножава само ненулевите {share:.0%}: {_ms(row)}, {said.bg}.",
        f"The same {percent(number(row, 'sparsity'))} zeros as CSR through torch's sparse kernel, "
        f"which multiplies only the {share:.0%} non-zeros: {_ms(row)}, {said.en}.")
    if speedup is None or not share:
        return head
    per_multiply = 1 / (share * speedup.value)
    cost = Text(
        f"Прави {share:.0%} от умноженията, но всяко е ×{per_multiply:.1f} по-скъпо, "
        "отколкото в плътния кернел, който не обхожда индекси и чете паметта подред",
        f"It does {share:.0%} of the multiplications, but each costs ×{per_multiply:.1f} as "
        "much as in the dense kernel, which walks no indices and reads memory in order")
    pays = verdict(speedup,
                   faster=Text("; при тази разреденост прескачането на нулите пак се изплаща.",
                               "; at this sparsity skipping the zeros still pays."),
                   slower=Text(": прескочените нули не наваксват това.",
                               ": the skipped zeros do not make up for it."),
                   same=Text(": прескочените нули само наваксват това.",
                             ": the skipped zeros only make up for it."))
    return join(head, Text(f"{cost.bg}{pays.bg}", f"{cost.en}{pays.en}"))


def _structured_latency(dense: Row, row: Row) -> Text:
    speedup = interval(row)
    said = times(speedup)
    work = ""
    if number(row, "flops") and number(dense, "flops"):
        work = f", {_mflop(dense)} → {_mflop(row)}"
    why = verdict(
        speedup,
        faster=Text("По-малките матрици са по-малко умножения.",
                    "Smaller matrices are fewer multiplications."),
        slower=Text("", ""),
        same=Text("При този размер постоянните разходи на извикването надвишават спестената "
                  "аритметика.",
                  "At this size a call's fixed costs outweigh the arithmetic it saved.")
        if row.get("bound") == "overhead" else None)
    params = f"{_count(dense, 'params_count')} → {_count(row, 'params_count')}"
    return join(Text(
        f"Структурно −{percent(number(row, 'amount'))} неврони/канали: форми {row.get('shapes')}, "
        f"параметри {params}{work}, {_ms(dense)} → {_ms(row)}: {said.bg}.",
        f"Structured −{percent(number(row, 'amount'))} neurons/channels: shapes "
        f"{row.get('shapes')}, parameters {params}{work}, {_ms(dense)} → {_ms(row)}: "
        f"{said.en}."), why)


def _where_zeros_pay(unstructured: Row, structured: list[Row], csr: Row | None) -> Text | None:
    """Said only when the rows show it: the zeros bought no (or little) speed, the smaller
    shapes did."""
    zeros = interval(unstructured)
    faster = [row for row in structured
              if (found := interval(row)) is not None and found.direction() > 0]
    if zeros is None or speed_class(zeros) == "large" or not faster:
        return None
    best = max(faster, key=lambda row: number(row, "speedup") or 0.0)
    shown = times(interval(best))
    here = Text("", "")
    if csr is not None:
        sparse = times(interval(csr))
        here = Text(f" (CSR при {percent(number(csr, 'sparsity'))} тук: {sparse.bg})",
                    f" (CSR at {percent(number(csr, 'sparsity'))} here: {sparse.en})")
    return Text(
        "Нулите се изплащат само там, където кернелът ги прескача или формите се смаляват: "
        f"структурно окъсяване (−{percent(number(best, 'amount'))}: {shown.bg}), полуструктурна "
        "разреденост 2:4 на GPU с разредени тензорни ядра или разредени кернели при достатъчно "
        f"висока разреденост{here.bg}.",
        "Zeros pay only where the kernel skips them or the shapes shrink: structured pruning "
        f"(−{percent(number(best, 'amount'))}: {shown.en}), 2:4 semi-structured sparsity on GPUs "
        "with sparse tensor cores, or sparse kernels at high enough sparsity"
        f"{here.en}.")


def read_latency(rows: Rows) -> list[Text]:
    """What zeros, the mask, a sparse kernel and removed neurons did to the latency."""
    dense = dense_row(rows)
    if dense is None or number(dense, "latency_ms_median") is None:
        return []
    notes: list[Text] = []
    unstructured = timed(rows, "unstructured")
    if unstructured:
        notes.append(_unstructured_latency(dense, unstructured))
    notes += [_masked_latency(row) for row in timed(rows, "masked")]
    csr = next(iter(timed(rows, "csr")), None)
    if csr is not None:
        notes.append(_csr_latency(csr))
    structured = timed(rows, "structured")
    notes += [_structured_latency(dense, row) for row in structured]
    if unstructured:
        pay = _where_zeros_pay(unstructured[-1], structured, csr)
        if pay is not None:
            notes.append(pay)
    return notes


def read_roofline(rows: Rows, roof: Roofline) -> Text | None:
    """Where the dense, sparse and structured models sit on this machine's roofline."""
    dense = dense_row(rows)
    if dense is None or "bound" not in dense:
        return None
    cache = roof.main.cache_bandwidth_gbs
    lines = [Text(
        f"Roofline на тази машина при {roof.threads} нишки: {roof.peak_gflops:.0f} GFLOP/s; "
        f"{roof.bandwidth_gbs:.1f} GB/s от паметта (праг {roof.ridge:.1f} FLOP/B) и "
        f"{cache:.0f} GB/s от кеша (праг {roof.peak_gflops / cache:.2f} FLOP/B).",
        f"This machine's roofline at {roof.threads} threads: {roof.peak_gflops:.0f} GFLOP/s; "
        f"{roof.bandwidth_gbs:.1f} GB/s from memory (ridge {roof.ridge:.1f} FLOP/B) and "
        f"{cache:.0f} GB/s from the cache (ridge {roof.peak_gflops / cache:.2f} FLOP/B).")]
    placed = bound_sentence(dense, Text("Плътният модел", "The dense model"))
    lines.append(Text(f"{placed.bg}.", f"{placed.en}."))
    if timed(rows, "unstructured"):
        lines.append(Text("Неструктурно окъсаните модели имат същата интензивност: същите FLOP "
                          "върху същите байтове.",
                          "The unstructured models have the same intensity: the same FLOPs on "
                          "the same bytes."))
    for row in timed(rows, "structured"):
        if "bound" in row:
            placed = bound_sentence(row, Text(f"Структурно −{percent(number(row, 'amount'))}",
                                              f"Structured −{percent(number(row, 'amount'))}"))
            lines.append(Text(f"{placed.bg}.", f"{placed.en}."))
    return join(*lines)


def read_size(rows: Rows) -> list[Text]:
    """What a sparse format really saves once its indices are paid for (exact bytes)."""
    steps = [row for row in timed(rows, "unstructured") if number(row, "size_bytes_csr")]
    if not steps:
        return []
    smaller = [row for row in steps
               if (number(row, "size_bytes_csr") or 0) < (number(row, "size_bytes") or 0)]
    even = (Text(f"CSR с int32 индекси става по-малък от плътния формат едва от "
                 f"{percent(number(smaller[0], 'amount'))} разреденост нагоре",
                 f"CSR with int32 indices gets smaller than the dense format only from "
                 f"{percent(number(smaller[0], 'amount'))} sparsity up")
            if smaller else
            Text("CSR с int32 индекси не е по-малък от плътния формат при нито едно ниво тук",
                 "CSR with int32 indices is not smaller than the dense format at any level here"))
    last = steps[-1]
    sizes = (_count(last, "size_bytes_csr"), _count(last, "size_bytes_csr_int64"),
             _count(last, "size_bytes"))
    return [Text(
        f"Всяко ненулево тегло в CSR струва 4 B стойност + 4 B индекс на колона (int32) или "
        f"+ 8 B (int64, по подразбиране в torch) срещу 4 B в плътния формат. {even.bg}; при "
        f"{percent(number(last, 'sparsity'))}: {sizes[0]} B (int32) и {sizes[1]} B (int64) срещу "
        f"{sizes[2]} B плътно.",
        f"Each non-zero weight in CSR costs a 4 B value + a 4 B column index (int32) or "
        f"+ 8 B (int64, torch's default) against 4 B dense. {even.en}; at "
        f"{percent(number(last, 'sparsity'))}: {sizes[0]} B (int32) and {sizes[1]} B (int64) "
        f"against {sizes[2]} B dense.")]


# --- the finding, the question and the cards -----------------------------------------------


@dataclass(frozen=True)
class Pruning:
    """Accuracy at the highest unstructured sparsity, against the dense model."""

    sparsity: float
    test_images: int
    dense_accuracy: float
    pruned_accuracy: float
    lost: int  # images the dense model got right and the pruned one wrong
    gained: int
    change: int  # the sign test: −1 measurably lower, 0 level, +1 higher
    tuned: Row | None  # the same level after fine-tuning


def pruning(rows: Rows) -> Pruning | None:
    dense, plain = dense_row(rows), levels(rows, "unstructured", tuned=False)
    if dense is None or not plain:
        return None
    top = plain[-1]
    tuned = next((row for row in levels(rows, "unstructured", tuned=True)
                  if number(row, "amount") == number(top, "amount")), None)
    return Pruning(number(top, "sparsity") or 0.0, _count(dense, "test_images"),
                   number(dense, "accuracy") or 0.0, number(top, "accuracy") or 0.0,
                   _count(top, "lost_images"), _count(top, "gained_images"),
                   against_dense(top), tuned)


def describe(found: Pruning) -> tuple[Interval, Text]:
    lost = (found.dense_accuracy - found.pruned_accuracy) * 100
    pct, counted = percent(found.sparsity), lost_and_gained(found.lost, found.gained,
                                                         found.test_images)
    return exact(lost), Text(
        f"при {pct} разреденост точността е {found.pruned_accuracy:.1%} срещу "
        f"{found.dense_accuracy:.1%}: {_signed(-lost)} процентни пункта ({counted.bg})",
        f"at {pct} sparsity accuracy is {found.pruned_accuracy:.1%} against "
        f"{found.dense_accuracy:.1%}: {_signed(-lost)} percentage points ({counted.en})")


def accuracy_cards(found: Pruning, reading: Sequence[Text]) -> list[CardDraft]:
    """Why fine-tuning helps (when the drop and the recovery are both measurable), or why so
    many weights could go (when the test set shows no drop at all)."""
    pct = percent(found.sparsity)
    counted = lost_and_gained(found.lost, found.gained, found.test_images)
    fell = (f"{found.dense_accuracy:.1%} → {found.pruned_accuracy:.1%}, {counted.bg}",
            f"{found.dense_accuracy:.1%} → {found.pruned_accuracy:.1%}, {counted.en}")
    tuned = found.tuned
    if found.change < 0 and tuned is not None and by_tuning(tuned) > 0:
        after = f"{number(tuned, 'accuracy') or 0.0:.1%}"
        return [CardDraft(
            Text(f"При {pct} неструктурно окъсяване точността ти падна ({fell[0]}), а след "
                 f"дообучение стана {after}. Защо дообучението помага?",
                 f"At {pct} unstructured pruning your accuracy fell ({fell[1]}) and was "
                 f"{after} after fine-tuning. Why does fine-tuning help?"),
            with_reading(Text(
                "Премахнатите тегла носеха част от решението; дообучението позволява на "
                "останалите да поемат ролята им. Без него високата разреденост чупи модела.",
                "The removed weights carried part of the decision; fine-tuning lets the "
                "remaining ones take over their role. Without it, high sparsity breaks the "
                "model."), reading, "fine-tune"))]
    if found.change == 0:
        resolution = 100 / found.test_images if found.test_images else 0.0
        return [CardDraft(
            Text(f"При {pct} нули без дообучение точността ти не се промени измеримо "
                 f"({fell[0]}). Защо толкова много тегла могат да бъдат премахнати?",
                 f"At {pct} zeros without fine-tuning your accuracy did not change measurably "
                 f"({fell[1]}). Why can so many weights go?"),
            with_reading(Text(
                "Окъсяването по големина премахва най-малките тегла, които допринасят най-малко "
                "към изхода; модел с такъв размер има много повече тегла, отколкото изискват "
                "цифрите 8×8. Твърдението стига дотам, докъдето стига тестовото множество: едно "
                f"изображение е {resolution:.2f} процентни пункта.",
                "Magnitude pruning removes the smallest weights, which contribute least to the "
                "output; a model this size has far more weights than 8×8 digits need. The "
                f"claim reaches as far as the test set does: one image is {resolution:.2f} "
                "percentage points."),
                reading, "dense model gets"))]
    return []


@dataclass(frozen=True)
class ZeroSpeed:
    """The unstructured model at its highest sparsity against the dense one, timed."""

    dense: Row
    top: Row
    speedup: Interval


def zero_speed(rows: Rows) -> ZeroSpeed | None:
    dense, steps = dense_row(rows), timed(rows, "unstructured")
    if dense is None or not steps or number(dense, "latency_ms_median") is None:
        return None
    speedup = interval(steps[-1])
    return None if speedup is None else ZeroSpeed(dense, steps[-1], speedup)


def zero_speed_cards(found: ZeroSpeed, reading: Sequence[Text]) -> list[CardDraft]:
    """"Why does unstructured pruning rarely speed things up?" — only when the rows show no
    measurable speed-up, or a small one."""
    if speed_class(found.speedup) == "large":
        return []
    pct, said = percent(number(found.top, "sparsity")), times(found.speedup)
    ms = f"{_ms(found.dense)} → {_ms(found.top)}"
    return [CardDraft(
        Text(f"С {pct} нули в теглата моделът ти: {said.bg} ({ms}). Защо неструктурното "
             "окъсяване рядко ускорява?",
             f"With {pct} zeros in its weights your model: {said.en} ({ms}). Why does "
             "unstructured pruning rarely speed things up?"),
        with_reading(Text(
            "Плътните кернели умножават и нулите: формата на матриците не се променя. Ускорение "
            "дават структурното окъсяване (по-малки матрици), полуструктурната разреденост "
            "2:4 на поддържащи я GPU или разредени кернели при висока разреденост.",
            "Dense kernels multiply the zeros too: the matrices keep their shape. Speed comes "
            "from structured pruning (smaller matrices), 2:4 semi-structured sparsity on GPUs "
            "that support it, or sparse kernels at high sparsity."), reading, "Unstructured,"))]


def shrink_speed(rows: Rows) -> Row | None:
    """The structured model measurably faster than the dense one by the most."""
    faster = [row for row in timed(rows, "structured")
              if (found := interval(row)) is not None and found.direction() > 0]
    return max(faster, key=lambda row: number(row, "speedup") or 0.0) if faster else None


def shrink_cards(row: Row, reading: Sequence[Text]) -> list[CardDraft]:
    speedup = interval(row)
    assert speedup is not None  # shrink_speed keeps only rows with a measured speed-up
    pct = percent(number(row, "amount"))
    return [CardDraft(
        Text(f"Премахването на {pct} от скритите неврони/канали ускори модела ти "
             f"{spanned(speedup)} ({_ms(row)}). Защо структурното окъсяване ускорява, а "
             "нулите — не?",
             f"Removing {pct} of the hidden neurons/channels made your model "
             f"{spanned(speedup)} faster ({_ms(row)}). Why does structured pruning speed it "
             "up when zeros do not?"),
        with_reading(Text(
            "Премахнатият неврон премахва цял ред от матрицата на теглата и колона от следващата: "
            "матриците стават по-малки и всеки плътен кернел прави по-малко работа. Нулите "
            "оставят формите, значи и работата, същите.",
            "A removed neuron removes a whole row of one weight matrix and a column of the "
            "next: the matrices shrink and every dense kernel does less work. Zeros leave the "
            "shapes, and so the work, as they were."), reading, f"Structured −{pct}"))]


QUESTION = Question(
    Text("Глобално окъсяване на 90% от теглата по големина, без дообучение: колко точност се "
         "губи?",
         "Global magnitude pruning of 90% of the weights, without fine-tuning: how much "
         "accuracy is lost?"),
    (Text("под 1 процентен пункт", "under 1 percentage point"),
     Text("1–5 процентни пункта", "1–5 percentage points"),
     Text("5–20 процентни пункта", "5–20 percentage points"),
     Text("над 20 процентни пункта", "more than 20 percentage points")),
    (1.0, 5.0, 20.0))

LESSON = Lesson(
    QUESTION, pruning, describe,
    (CardMaker(pruning, accuracy_cards), CardMaker(zero_speed, zero_speed_cards),
     CardMaker(shrink_speed, shrink_cards)))
