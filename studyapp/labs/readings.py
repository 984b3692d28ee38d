"""Wording a lab's reading is built from: speed-up phrases, cautions, the roofline paragraph;
and what every lab reports on the way: progress steps with a live table, the skipped GPU row.

Every phrase comes from a measured number, in Bulgarian and English. No torch here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studyapp.deck.model import Text
from studyapp.labs.envinfo import usable_cores
from studyapp.labs.events import Column, Emitter
from studyapp.labs.harness import MIN_SAMPLES

if TYPE_CHECKING:
    from studyapp.labs.roofline import Roofline

NO_CUDA = "skipped: no CUDA device"
SAME = 0.05  # speed-ups within ±5% read as "no change"
ORDER_SLACK = 1.5  # a smaller batch this many times slower than a larger one is implausible


@dataclass(frozen=True)
class LiveTable:
    """A table whose `rows` grow while the lab runs; sent again, as it stands, at every step."""

    name: str
    title: Text
    columns: Sequence[Column]
    rows: list[dict[str, Any]]


class Steps:
    """Progress over a known number of steps: each call reports one more step done, after
    sending the live `table` (when there is one) with the rows measured so far."""

    def __init__(self, emit: Emitter, total: int, table: LiveTable | None = None) -> None:
        self._emit, self._total, self._done, self._table = emit, total, 0, table

    def __call__(self, message: Text) -> None:
        self._done = min(self._done + 1, self._total)
        if self._table is not None:
            table = self._table
            self._emit.table(table.name, table.title, table.columns, table.rows)
        self._emit.progress(self._done, self._total, message)

    def finish(self, message: Text) -> None:
        """The last step, whatever was skipped on the way."""
        self._done = self._total
        self._emit.progress(self._total, self._total, message)


def cuda_skipped(emit: Emitter, threads: int, note: Text) -> dict[str, Any]:
    """For `device=cuda` without a CUDA device: `note` (what ran instead) sent, and the row
    that records the GPU part as skipped."""
    emit.note(note.bg, note.en)
    return {"variant": "cuda", "device": "cuda", "threads": threads, "status": NO_CUDA}


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is 0."""
    return None if numerator is None or not denominator else numerator / denominator


def factor(value: float) -> str:
    """"×2.90", "×0.70"; three significant digits below ×0.1, so ×0.0085 does not read ×0.00."""
    return f"×{value:.2f}" if value >= 0.1 else f"×{value:.3g}"


def times(speedup: float | None) -> Text:
    """"×2.90 faster" / "×0.70 (slower)" / "×1.00 (no change)", or "not measured"."""
    if speedup is None:
        return Text("не е измерено", "not measured")
    shown = factor(speedup)
    if speedup > 1 + SAME:
        return Text(f"{shown} по-бързо", f"{shown} faster")
    if speedup < 1 - SAME:
        return Text(f"{shown} (по-бавно)", f"{shown} (slower)")
    return Text(f"{shown} (без промяна)", f"{shown} (no change)")


def verdict(speedup: float | None, faster: Text, slower: Text, same: Text | None = None) -> Text:
    """`faster`, `slower` or `same` (default: nothing) as the measured speed-up says."""
    if speedup is not None and speedup > 1 + SAME:
        return faster
    if speedup is not None and speedup < 1 - SAME:
        return slower
    return same or Text("")


def noise_caution(*rows: Mapping[str, Any]) -> Text:
    """A warning when a compared timing is noisy or a single call; nothing otherwise."""
    if not any(row.get("noisy") or (row.get("samples") or MIN_SAMPLES) < MIN_SAMPLES
               for row in rows):
        return Text("")
    worst = max((row.get("cv") or 0.0 for row in rows), default=0.0)
    return Text(
        f" Внимание: измерването е шумно (CV до {worst:.2f}) или е от няколко извиквания — "
        "вероятно друга програма ползва процесора; пуснете упражнението отново.",
        f" Caution: the timing is noisy (CV up to {worst:.2f}) or from a few calls — another "
        "program is probably using the CPU; run the lab again.",
    )


def join(*parts: Text) -> Text:
    """Sentences one after another, in each language, one space apart; empty parts vanish."""
    def tidy(texts: list[str]) -> str:
        return " ".join(" ".join(texts).split())

    return Text(tidy([part.bg for part in parts]), tidy([part.en for part in parts]))


def busy_cpu_caution(load: float | None, cores: int) -> Text | None:
    """A warning when other programs already kept every core busy as the lab started."""
    if load is None or load < cores:
        return None
    return Text(
        f"Преди упражнението натоварването на процесора беше {load:.1f} при {cores} ядра: "
        "други програми се бореха за ядрата, така че времената с няколко нишки може да са "
        "многократно по-дълги от нормалното. Затворете ги и пуснете упражнението отново.",
        f"As the lab started the CPU load was {load:.1f} on {cores} cores: other programs were "
        "competing for the cores, so timings with several threads may be many times longer "
        "than normal. Close them and run the lab again.",
    )


def batch_order_caution(
    rows: Sequence[Mapping[str, Any]], name: Callable[[Mapping[str, Any]], str],
    small: int, large: int,
) -> Text | None:
    """A warning naming the variants that took longer at batch `small` than at `large`.

    The larger batch does all the work of the smaller one and more, so the reverse order
    means something else (another program, usually) held the CPU during those timings.
    """
    medians: dict[str, dict[int, float]] = {}
    for row in rows:
        if row.get("latency_ms_median") and row.get("batch_size") in (small, large):
            medians.setdefault(name(row), {})[row["batch_size"]] = row["latency_ms_median"]
    odd = [label for label, by_batch in medians.items() if len(by_batch) == 2
           and by_batch[small] > ORDER_SLACK * by_batch[large]]
    if not odd:
        return None
    listed = ", ".join(odd)
    return Text(
        f"Внимание: {listed} отнеха повече време при пакет {small}, отколкото при пакет "
        f"{large} — невъзможно за същата работа, значи нещо друго е заемало процесора по "
        "време на тези измервания. Пуснете упражнението отново.",
        f"Caution: {listed} took longer at batch {small} than at batch {large} — impossible "
        "for the same work, so something else held the CPU during those timings. Run the lab "
        "again.",
    )


def cautions(
    load: float | None, rows: Sequence[Mapping[str, Any]] = (),
    name: Callable[[Mapping[str, Any]], str] | None = None, small: int = 1, large: int = 1,
) -> list[Text]:
    """The cautions this run earns: a CPU already busy at the start (`load`, taken before the
    lab added its own) and, when `name` is given, the variants of `rows` that took longer at
    batch `small` than at `large`."""
    found = (batch_order_caution(rows, name, small, large) if name is not None else None,
             busy_cpu_caution(load, usable_cores()))
    return [text for text in found if text is not None]


def _bound(row: dict[str, Any], roof: Roofline) -> Text:
    if not row["memory_bound"]:
        return Text(
            f"Пакет {row['batch_size']}: {row['flop_per_byte']:.1f} FLOP/B е над прага "
            f"{roof.ridge_flop_per_byte:.1f} → ограничен от изчисленията; {row['gflops']:.3g} "
            f"GFLOP/s са {row['share_of_peak']:.0%} от пиковите {roof.peak_gflops:.0f} GFLOP/s",
            f"Batch {row['batch_size']}: {row['flop_per_byte']:.1f} FLOP/B is above the ridge "
            f"{roof.ridge_flop_per_byte:.1f} → compute-bound; {row['gflops']:.3g} GFLOP/s is "
            f"{row['share_of_peak']:.0%} of the {roof.peak_gflops:.0f} GFLOP/s peak")
    text = Text(
        f"Пакет {row['batch_size']}: {row['flop_per_byte']:.1f} FLOP/B е под прага "
        f"{roof.ridge_flop_per_byte:.1f} → ограничен от паметта; {row['gflops']:.3g} GFLOP/s "
        f"са {row['share_of_peak']:.0%} от {roof.bandwidth_gbs:.1f} GB/s × интензивността",
        f"Batch {row['batch_size']}: {row['flop_per_byte']:.1f} FLOP/B is below the ridge "
        f"{roof.ridge_flop_per_byte:.1f} → memory-bound; {row['gflops']:.3g} GFLOP/s is "
        f"{row['share_of_peak']:.0%} of {roof.bandwidth_gbs:.1f} GB/s × the intensity")
    if row["share_of_peak"] <= 1:
        return text
    megabytes = row["bytes_moved"] / 1e6
    return join(text, Text(
        f" — над линията на паметта: {megabytes:.2f} MB тегла и данни се побират в кеша на "
        "процесора, а той е по-бърз от паметта",
        f" — above the memory line: {megabytes:.2f} MB of weights and data fit in the CPU's "
        "caches, which are faster than memory"))


def read_roofline(rows: Sequence[dict[str, Any]], roof: Roofline) -> Text:
    """Where the smallest and the largest batch sit on the roofline, and what that means."""
    small, large = _bound(rows[0], roof), _bound(rows[-1], roof)
    return Text(
        f"Roofline на тази машина: {roof.peak_gflops:.0f} GFLOP/s и {roof.bandwidth_gbs:.1f} "
        f"GB/s, праг {roof.ridge_flop_per_byte:.1f} FLOP/B. {small.bg}. {large.bg}. При малък "
        "пакет всяко тегло се чете от паметта за един-единствен елемент; при голям пакет същото "
        "четене се споделя от целия пакет. Под прага помага само по-малко четене (по-малки "
        "тегла, по-голям пакет); над него — по-бърза аритметика.",
        f"This machine's roofline: {roof.peak_gflops:.0f} GFLOP/s and {roof.bandwidth_gbs:.1f} "
        f"GB/s, ridge {roof.ridge_flop_per_byte:.1f} FLOP/B. {small.en}. {large.en}. At a small "
        "batch every weight is read from memory for a single item; at a large batch the same "
        "read is shared by the whole batch. Below the ridge only reading less helps (smaller "
        "weights, a larger batch); above it, faster arithmetic does.")
