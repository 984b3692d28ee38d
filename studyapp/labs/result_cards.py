"""Review cards built from the learner's own measured numbers, 1–3 per successful run.

Each card asks why this machine gave these numbers and answers with the numbers, the
principle behind them and the paragraph of the run's reading that speaks of them. Pure
code, no torch: the app offers them after a run and stores the ones the learner accepts.

    drafts = result_cards("quantize", run.rows, run.reading)   # [] when the rows say nothing
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from studyapp.deck.model import Text
from studyapp.labs import findings
from studyapp.labs.findings import Rows, multiple


@dataclass(frozen=True)
class CardDraft:
    front: Text
    back: Text


def _ms(value: float) -> str:
    return f"{value:.3g} ms"


def _with_reading(back: Text, reading: Sequence[Text], *needles: str) -> Text:
    """`back`, followed by the first paragraph of the reading whose English names a needle."""
    for paragraph in reading:
        if any(needle in paragraph.en for needle in needles):
            return Text(f"{back.bg}\n\nОт прочита на пускането: {paragraph.bg}",
                        f"{back.en}\n\nFrom the run's reading: {paragraph.en}")
    return back


def _latency(found: findings.Latency, reading: Sequence[Text]) -> list[CardDraft]:
    cold, tail = found.cold_ms / found.median_ms, found.p99_ms / found.median_ms
    return [
        CardDraft(
            Text(f"На твоята машина първото извикване на модела отне {_ms(found.cold_ms)}, а "
                 f"топлата медиана е {_ms(found.median_ms)} ({multiple(cold)}). Защо?",
                 f"On your machine the model's first call took {_ms(found.cold_ms)} and the "
                 f"warm median is {_ms(found.median_ms)} ({multiple(cold)}). Why?"),
            _with_reading(Text(
                "Първото извикване плаща еднократни разходи: заделяне на памет, избор и "
                "подготовка на ядра, студени кешове. Едно time.time() около него мери "
                "стартирането, не инференцията; затова се загрява и се повтаря.",
                "The first call pays one-off costs: memory allocation, choosing and preparing "
                "kernels, cold caches. One time.time() around it measures start-up, not "
                "inference; hence warm-up and repeats."), reading, "first call")),
        CardDraft(
            Text(f"Твоят p99 е {_ms(found.p99_ms)} при медиана {_ms(found.median_ms)} "
                 f"({multiple(tail)}). Защо се отчитат перцентили, а не едно средно?",
                 f"Your p99 is {_ms(found.p99_ms)} with a median of {_ms(found.median_ms)} "
                 f"({multiple(tail)}). Why report percentiles rather than one mean?"),
            _with_reading(Text(
                "Закъсненията имат дълга опашка (планировчик, други процеси, кешове): средното "
                "я скрива, а потребителите я усещат. Медианата казва типичното, p90/p99 — "
                "колко лошо става понякога.",
                "Latencies have a long tail (scheduler, other processes, caches): a mean hides "
                "it and users feel it. The median tells the typical case, p90/p99 how bad it "
                "gets at times."), reading, "p99")),
    ]


def _int8_batches(int8: findings.Speedups, reading: Sequence[Text]) -> list[CardDraft]:
    if int8.large is None:
        return []
    return [CardDraft(
        Text(f"На твоята машина динамичната int8 направи {int8.model} {multiple(int8.small)} "
             f"при пакет {int8.small_batch}, но {multiple(int8.large)} при пакет "
             f"{int8.large_batch} спрямо fp32. Защо зависи от пакета?",
             f"On your machine dynamic int8 made {int8.model} {multiple(int8.small)} at batch "
             f"{int8.small_batch} but {multiple(int8.large)} at batch {int8.large_batch} "
             "against fp32. Why does it depend on the batch?"),
        _with_reading(Text(
            "int8 печели, когато времето отива за четене на тегла и умножения; при малък "
            "пакет доминират постоянните разходи на извикване (Python, диспечер, "
            "квантизиране на активациите), които int8 не съкращава.",
            "int8 wins where time goes to reading weights and multiplying; at a small "
            "batch the fixed cost per call (Python, dispatcher, quantizing the "
            "activations) dominates, and int8 does not shrink it."),
            reading, f"batch {int8.small_batch}:"))]


def _int8_size(size: findings.Sizes, reading: Sequence[Text]) -> list[CardDraft]:
    return [CardDraft(
        Text(f"Твоят int8 файл е {size.int8_share:.2f} от fp32, а точността се промени с "
             f"{size.accuracy_change_pp:+.1f} пункта. Защо не точно 0.25?",
             f"Your int8 file is {size.int8_share:.2f} of the fp32 one and accuracy moved "
             f"by {size.accuracy_change_pp:+.1f} points. Why not exactly 0.25?"),
        _with_reading(Text(
            "Теглото става 1 байт вместо 4, но файлът пази и мащаби, нулеви точки, "
            "отклонения във fp32 и описание на графа; при малък модел тази постоянна "
            "част тежи повече.",
            "Each weight becomes 1 byte instead of 4, but the file also keeps scales, "
            "zero points, fp32 biases and the graph; in a small model that fixed part "
            "weighs more."), reading, "int8 files"))]


def _half(half: findings.Speedups, reading: Sequence[Text]) -> list[CardDraft]:
    if half.large is None:
        return []
    return [CardDraft(
        Text(f"fp16 на CPU даде {multiple(half.large)} спрямо fp32 при пакет {half.large_batch} "
             "на твоята машина. Кога по-малкият тип наистина ускорява?",
             f"fp16 on the CPU gave {multiple(half.large)} against fp32 at batch "
             f"{half.large_batch} on your machine. When does the smaller type really "
             "speed things up?"),
        _with_reading(Text(
            "Само когато хардуерът смята в него (AVX512-FP16, AMX, GPU тензорни ядра); "
            "иначе стойностите се преобразуват към fp32 и печалбата е само в размера.",
            "Only where the hardware computes in it (AVX512-FP16, AMX, GPU tensor cores); "
            "elsewhere values are converted to fp32 and only the size shrinks."),
            reading, "fp16:"))]


def _prune(found: findings.Pruning, reading: Sequence[Text]) -> list[CardDraft]:
    pct = f"{found.sparsity:.0%}"
    tuned_bg = (f", а след дообучение — {found.tuned_accuracy:.1%}"
                if found.tuned_accuracy is not None else "")
    tuned_en = (f", and {found.tuned_accuracy:.1%} after fine-tuning"
                if found.tuned_accuracy is not None else "")
    cards = [CardDraft(
        Text(f"При {pct} неструктурно окъсяване точността ти падна от "
             f"{found.dense_accuracy:.1%} на {found.pruned_accuracy:.1%}{tuned_bg}. Защо "
             "дообучението помага?",
             f"At {pct} unstructured pruning your accuracy fell from "
             f"{found.dense_accuracy:.1%} to {found.pruned_accuracy:.1%}{tuned_en}. Why does "
             "fine-tuning help?"),
        _with_reading(Text(
            "Махнатите тегла носеха част от решението; дообучението позволява на останалите "
            "да поемат ролята им. Без него големите нива на окъсяване чупят модела.",
            "The removed weights carried part of the decision; fine-tuning lets the remaining "
            "ones take over their role. Without it, high sparsity breaks the model."),
            reading, "accuracy", "Accuracy"))]
    if found.dense_ms is not None and found.pruned_ms is not None:
        ratio = found.dense_ms / found.pruned_ms
        cards.append(CardDraft(
            Text(f"С {pct} нули в теглата моделът ти е {multiple(ratio)} по скорост "
                 f"({_ms(found.dense_ms)} → {_ms(found.pruned_ms)}). Защо неструктурното "
                 "окъсяване рядко ускорява?",
                 f"With {pct} zeros in its weights your model runs at {multiple(ratio)} "
                 f"({_ms(found.dense_ms)} → {_ms(found.pruned_ms)}). Why does unstructured "
                 "pruning rarely speed things up?"),
            _with_reading(Text(
                "Плътните ядра умножават и нулите: формата на матриците не се променя. "
                "Ускорение дават структурното окъсяване (по-малки матрици) или разредени "
                "формати и ядра при много висока разреденост.",
                "Dense kernels multiply the zeros too: the matrices keep their shape. Speed "
                "comes from structured pruning (smaller matrices) or sparse formats and "
                "kernels at very high sparsity."), reading, "latency", "Latency")))
    return cards


def _batching(found: findings.Batching, reading: Sequence[Text]) -> list[CardDraft]:
    ratio = found.throughput / found.throughput_1
    cards = [CardDraft(
        Text(f"На твоята машина пакет {found.batch} даде {found.throughput:.0f} елем./s "
             f"срещу {found.throughput_1:.0f} при пакет 1 ({multiple(ratio)}), а времето за "
             f"елемент стана {_ms(found.item_ms)} от {_ms(found.item_ms_1)}. Каква е цената?",
             f"On your machine batch {found.batch} gave {found.throughput:.0f} items/s against "
             f"{found.throughput_1:.0f} at batch 1 ({multiple(ratio)}), time per item went from "
             f"{_ms(found.item_ms_1)} to {_ms(found.item_ms)}. What is the price?"),
        _with_reading(Text(
            "Пакетът споделя постоянните разходи и четенето на теглата между много входове, "
            "затова пропускателната способност расте; цената е латентността на пакета — "
            "всеки вход чака целия пакет (и събирането му).",
            "A batch shares the fixed costs and the weight reads among many inputs, so "
            "throughput grows; the price is the batch's latency — every input waits for the "
            "whole batch (and for it to fill)."), reading, "throughput", "Throughput"))]
    if found.one_thread_ms is not None:
        cards.append(CardDraft(
            Text(f"При пакет 1 една нишка отне {_ms(found.one_thread_ms)} срещу "
                 f"{_ms(found.item_ms_1)} с всички ({found.variant}). Защо повече нишки не "
                 "помагат винаги?",
                 f"At batch 1 one thread took {_ms(found.one_thread_ms)} against "
                 f"{_ms(found.item_ms_1)} with all of them ({found.variant}). Why don't more "
                 "threads always help?"),
            _with_reading(Text(
                "Малката работа не се дели добре: синхронизацията и пускането на нишките "
                "струват колкото самото смятане, а други процеси се борят за ядрата.",
                "Small work does not split well: synchronising and waking the threads costs "
                "as much as the arithmetic, and other processes compete for the cores."),
                reading, "thread")))
    return cards


def _onnx(found: findings.Speedups, reading: Sequence[Text]) -> list[CardDraft]:
    large_bg = (f" и {multiple(found.large)} при пакет {found.large_batch}"
                if found.large is not None else "")
    large_en = (f" and {multiple(found.large)} at batch {found.large_batch}"
                if found.large is not None else "")
    return [CardDraft(
        Text(f"На твоята машина ONNX Runtime беше {multiple(found.small)} спрямо torch при пакет "
             f"{found.small_batch}{large_bg}. Откъде идва разликата?",
             f"On your machine ONNX Runtime ran at {multiple(found.small)} against torch at batch "
             f"{found.small_batch}{large_en}. Where does the difference come from?"),
        _with_reading(Text(
            "ONNX Runtime изпълнява готов граф без Python и диспечера на torch и слива "
            "операции (напр. Gemm+Relu); при малки модели и пакети постоянните разходи на "
            "извикване са голямата част от времето.",
            "ONNX Runtime runs a fixed graph without Python and torch's dispatcher and fuses "
            "operations (e.g. Gemm+Relu); with small models and batches the fixed cost per "
            "call is most of the time."), reading, "torch"))]


def _profile(found: findings.Hotspot, reading: Sequence[Text]) -> list[CardDraft]:
    cards = [CardDraft(
        Text(f"Профилът на твоята машина даде {found.share:.0%} от времето на {found.operator}. "
             "Защо се профилира, преди да се оптимизира?",
             f"Your machine's profile gave {found.share:.0%} of the time to {found.operator}. "
             "Why profile before optimizing?"),
        _with_reading(Text(
            "Времето рядко е разпределено равно: един-два оператора вземат повечето. "
            "Оптимизация другаде не може да спечели повече от дела им (закон на Амдал).",
            "Time is rarely spread evenly: one or two operators take most of it. Optimizing "
            "elsewhere cannot win more than their share (Amdahl's law)."),
            reading, found.operator))]
    if found.memory_bound is not None and found.share_of_peak is not None:
        bound_bg = "паметта" if found.memory_bound else "смятането"
        bound_en = "memory" if found.memory_bound else "compute"
        cards.append(CardDraft(
            Text(f"По roofline на твоята машина моделът е ограничен от {bound_bg} и стига "
                 f"{found.share_of_peak:.1%} от достижимите GFLOP/s. Какво следва от това?",
                 f"On your machine's roofline the model is {bound_en}-bound and reaches "
                 f"{found.share_of_peak:.1%} of the attainable GFLOP/s. What follows?"),
            _with_reading(Text(
                "Ограничен от паметта модел се ускорява с по-малко байтове (квантизация, "
                "сливане, по-голям пакет за повече FLOP на байт); ограничен от смятането — с "
                "по-бързи ядра и по-малко операции. Малък дял от пика означава постоянни "
                "разходи извън ядрата.",
                "A memory-bound model speeds up with fewer bytes (quantization, fusion, a "
                "bigger batch for more FLOP per byte); a compute-bound one with faster kernels "
                "and fewer operations. A small share of peak means fixed costs outside the "
                "kernels."), reading, "roofline")))
    return cards


Found = TypeVar("Found")


@dataclass(frozen=True)
class _Cards(Generic[Found]):
    """Cards about one finding of a run, made when the rows hold it."""

    find: Callable[[Rows], Found | None]
    make: Callable[[Found, Sequence[Text]], list[CardDraft]]


_CARDS: dict[str, tuple[_Cards[Any], ...]] = {
    "latency": (_Cards(findings.latency, _latency),),
    "quantize": (_Cards(findings.int8_in_torch, _int8_batches),
                 _Cards(findings.int8_size, _int8_size), _Cards(findings.half_in_torch, _half)),
    "prune": (_Cards(findings.pruning, _prune),),
    "batching": (_Cards(findings.batching, _batching),),
    "onnx": (_Cards(findings.ort_against_torch, _onnx),),
    "profile": (_Cards(findings.hotspot, _profile),),
}
MAX_CARDS = 3


def result_cards(lab_id: str, rows: Rows, reading: Sequence[Text]) -> list[CardDraft]:
    """Up to three cards from one successful run of `lab_id`; [] when its rows say nothing."""
    cards: list[CardDraft] = []
    for about in _CARDS.get(lab_id, ()):
        found = about.find(rows)
        if found is not None:
            cards += about.make(found, reading)
    return cards[:MAX_CARDS]
