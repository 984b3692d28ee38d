"""Wording a lab's reading is built from: ratios with their intervals, the run's account of
its own measurement, the roofline paragraph; and what every lab reports on the way: progress
steps with a live table, the skipped GPU row.

Every phrase comes from a measured number, in Bulgarian and English; a difference is stated
only when its interval excludes "no change". No torch here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from studyapp.labs.columns import row_value, skipped
from studyapp.labs.envinfo import OTHERS_CONTEND, usable_cores
from studyapp.labs.events import Column, Emitter, Row, RowValue
from studyapp.labs.roofline import threads_text
from studyapp.labs.stats import Interval
from studyapp.text import Text

if TYPE_CHECKING:
    from studyapp.labs.roofline import Roofline

NO_CUDA = Text("няма CUDA устройство", "no CUDA device")


@dataclass(frozen=True)
class LiveTable:
    """A table whose `rows` grow while the lab runs; sent again, as it stands, at every step."""

    name: str
    title: Text
    columns: Sequence[Column]
    rows: list[Row]


class Steps:
    """Progress over a known number of steps: each call reports one more step done, after
    sending the live `table` (when there is one) with the rows measured so far."""

    def __init__(self, emit: Emitter, total: int, table: LiveTable | None = None) -> None:
        self._emit, self._total, self._done, self._table = emit, total, 0, table

    def __call__(self, message: Text) -> None:
        self._done = min(self._done + 1, self._total)
        self.table()
        self._emit.progress(self._done, self._total, message)

    def table(self) -> None:
        """The live table sent as it stands now (when there is one)."""
        if self._table is not None:
            table = self._table
            self._emit.table(table.name, table.title, table.columns, table.rows)

    def finish(self, message: Text) -> None:
        """The last step, whatever was skipped on the way."""
        self._done = self._total
        self._emit.progress(self._total, self._total, message)


def cuda_skipped(emit: Emitter, threads: int, note: Text) -> Row:
    """For `device=cuda` without a CUDA device: `note` (what ran instead) sent, and the row
    that records the GPU part as skipped."""
    emit.note(note.bg, note.en)
    return {"variant": "cuda", "device": "cuda", "threads": threads, **skipped(NO_CUDA)}


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator for exact quantities (sizes, counts), or None when either is
    missing or the denominator is 0. Timed ratios come with intervals (`Comparison.speedup`)."""
    return None if numerator is None or not denominator else numerator / denominator


def factor(value: float) -> str:
    """"×2.90", "×0.70", "×14.3", "×166"; three significant digits below ×0.1, so ×0.0085
    does not read ×0.00."""
    if value >= 100:
        return f"×{value:.0f}"
    if value >= 10:
        return f"×{value:.1f}"
    return f"×{value:.2f}" if value >= 0.1 else f"×{value:.3g}"


def bounds(interval: Interval) -> str:
    """"×2.71–3.05": the interval of a ratio as a reader sees it."""
    return f"{factor(interval.low)}–{factor(interval.high)[1:]}"


def times(speedup: Interval | None) -> Text:
    """"×2.90 faster (×2.71–3.05)", "×0.70, slower (×0.66–0.74)" or "no measurable difference
    (×0.97–1.04)": a difference is stated only when its interval excludes ×1."""
    if speedup is None:
        return Text("не е измерено", "not measured")
    shown, span = factor(speedup.value), bounds(speedup)
    direction = speedup.direction()
    if direction > 0:
        return Text(f"{shown} по-бързо ({span})", f"{shown} faster ({span})")
    if direction < 0:
        return Text(f"{shown}, по-бавно ({span})", f"{shown}, slower ({span})")
    return Text(f"без измерима разлика ({span})", f"no measurable difference ({span})")


def verdict(speedup: Interval | None, faster: Text, slower: Text,
            same: Text | None = None) -> Text:
    """`faster`, `slower` or `same` (default: nothing) as the interval of `speedup` says;
    nothing when it was not measured."""
    if speedup is None:
        return Text("")
    direction = speedup.direction()
    if direction > 0:
        return faster
    if direction < 0:
        return slower
    return same or Text("")


def join(*parts: Text) -> Text:
    """Sentences one after another, in each language, one space apart; empty parts vanish."""
    def tidy(texts: list[str]) -> str:
        return " ".join(" ".join(texts).split())

    return Text(tidy([part.bg for part in parts]), tidy([part.en for part in parts]))


def row_label(row: Mapping[str, RowValue], lang: str) -> str:
    """A timed row named for a reader: its model where the row names one, its variant, and
    its batch where it has one."""
    name = str(row_value(row, "variant", lang) or "?")
    if row.get("model"):
        name = f"{row['model']} {name}"
    batch = row.get("batch_size")
    if batch is None:
        return name
    return f"{name}, пакет {batch}" if lang == "bg" else f"{name}, batch {batch}"


NAMED_ROWS = 4  # disturbed rows named one by one; the rest are counted


def _named(rows: Sequence[Mapping[str, RowValue]], lang: str, more: str) -> str:
    """The first NAMED_ROWS rows by name, then how many more (`more`, with a {} for it)."""
    names = "; ".join(row_label(row, lang) for row in rows[:NAMED_ROWS])
    left = len(rows) - NAMED_ROWS
    return f"{names}; {more.format(left)}" if left > 0 else names


def measurement_caution(rows: Sequence[Mapping[str, RowValue]]) -> Text | None:
    """What the run says of its own measurement: that it could not measure cleanly (and so
    offers no review cards), or which stalled rounds it measured again; None when neither."""
    timed = [row for row in rows if row.get("latency_ms_median") is not None]
    disturbed = [row for row in timed if row.get("noisy")]
    redone = max((int(row.get("stalls") or 0) for row in timed), default=0)
    others = max((float(row.get("others_cores") or 0.0) for row in disturbed), default=0.0)
    if disturbed:
        names = Text(_named(disturbed, "bg", "и още {}"), _named(disturbed, "en", "and {} more"))
        why = Text(
            f"други програми заемаха средно {others:.1f} ядра, докато те се мереха"
            if others >= OTHERS_CONTEND else "кръговете им засядаха и след повторенията "
            "(друга програма е заемала процесора или процесът е бил спрян)",
            f"other programs kept {others:.1f} cores busy on average while they were timed"
            if others >= OTHERS_CONTEND else "their rounds kept stalling even when measured "
            "again (another program held the CPU, or the process was paused)")
        return Text(
            f"Не можа да се измери чисто: {names.bg} — {why.bg}. Тези редове не доказват нищо "
            "и от това пускане не се предлагат карти за преговор; пусни лабораторията отново "
            "на по-спокойна машина.",
            f"Could not measure cleanly: {names.en} — {why.en}. Those rows prove nothing, and "
            "this run offers no review cards; run the lab again on a quieter machine.")
    if redone:
        return Text(
            f"До {redone} кръга заседнаха (друга програма е взела процесора за миг) и бяха "
            "измерени отново; числата идват от чистите кръгове.",
            f"Up to {redone} rounds stalled (another program took the CPU for a moment) and "
            "were measured again; the numbers come from the clean rounds.")
    return None


def busy_cpu_caution(load: float | None, cores: int) -> Text | None:
    """A warning when other programs already kept every core busy as the lab started."""
    if load is None or load < cores:
        return None
    return Text(
        f"Преди лабораторията натоварването на процесора беше {load:.1f} при {cores} ядра: "
        "други програми се бореха за ядрата, така че времената с няколко нишки може да са "
        "многократно по-дълги от нормалното. Затвори ги и пусни лабораторията отново.",
        f"As the lab started the CPU load was {load:.1f} on {cores} cores: other programs were "
        "competing for the cores, so timings with several threads may be many times longer "
        "than normal. Close them and run the lab again.",
    )


def cautions(load: float | None, rows: Sequence[Mapping[str, RowValue]] = ()) -> list[Text]:
    """What this run must say of its own conditions: a CPU already busy as it started
    (`load`, taken before the lab added its own) and how cleanly `rows` were measured."""
    found = (measurement_caution(rows), busy_cpu_caution(load, usable_cores()))
    return [text for text in found if text is not None]


def _size(nbytes: float) -> str:
    return f"{nbytes / 1e6:.1f} MB" if nbytes >= 1e6 else f"{nbytes / 1e3:.0f} kB"


def bound_sentence(row: Mapping[str, RowValue], name: Text) -> Text:
    """Where one placed row sits on the roofline, in its own class, with its numbers; the
    ridge named is the one for where its data is read from (memory or the cache)."""
    intensity, share = row["arithmetic_intensity"], row["share_of_roofline"]
    ridge, achieved = row["ridge_flop_per_byte"], row["gflops"]
    where = Text("данни от кеша", "data from the cache") if row.get("data_in_cache") else \
        Text("данни от паметта", "data from memory")
    if row["bound"] == "overhead":
        allowed_ms = row["flops"] / (row["attainable_gflops"] * 1e9) * 1e3
        data = _size(row["bytes_moved"])
        return Text(
            f"{name.bg}: {data} тегла и данни стоят в кеша и roofline позволява "
            f"{allowed_ms:.3g} ms, а извикването отнема {row['latency_ms_median']:.3g} ms → "
            "ограничен от постоянните разходи на извикване (диспечер, събуждане на нишки, "
            "малки кернели), не от байтове или аритметика",
            f"{name.en}: its {data} of weights and data sit in the cache and the roofline allows "
            f"{allowed_ms:.3g} ms, yet a call takes {row['latency_ms_median']:.3g} ms → "
            "overhead-bound: fixed costs per call (dispatch, waking threads, small kernels) "
            "dominate, not bytes or arithmetic")
    if row["bound"] == "memory":
        return Text(
            f"{name.bg}: {intensity:.3g} FLOP/B е под прага {ridge:.3g} ({where.bg}) → "
            f"ограничен от паметта; {achieved:.3g} GFLOP/s са {share:.0%} от достижимото",
            f"{name.en}: {intensity:.3g} FLOP/B is below the ridge {ridge:.3g} ({where.en}) → "
            f"memory-bound; {achieved:.3g} GFLOP/s is {share:.0%} of what it allows")
    return Text(
        f"{name.bg}: {intensity:.3g} FLOP/B е над прага {ridge:.3g} ({where.bg}) → "
        f"ограничен от изчисленията; {achieved:.3g} GFLOP/s са {share:.0%} от пика",
        f"{name.en}: {intensity:.3g} FLOP/B is above the ridge {ridge:.3g} ({where.en}) → "
        f"compute-bound; {achieved:.3g} GFLOP/s is {share:.0%} of the peak")


def _batch(row: Mapping[str, object]) -> Text:
    return Text(f"Пакет {row['batch_size']}", f"Batch {row['batch_size']}")


def read_roofline(rows: Sequence[Mapping[str, RowValue]], roof: Roofline) -> Text:
    """The roofline, where the smallest and the largest batch sit on it, and what moves a
    model between the classes — said only for the classes these rows are in."""
    first, last = rows[0], rows[-1]
    ceiling = roof.at(int(first.get("threads") or roof.threads)) or roof.main
    threads = threads_text(ceiling.threads)
    head = Text(
        f"Roofline на тази машина при {threads.bg}: {ceiling.peak_gflops:.0f} GFLOP/s, "
        f"{ceiling.bandwidth_gbs:.1f} GB/s от паметта (праг {ceiling.ridge:.1f} FLOP/B) и "
        f"{ceiling.cache_bandwidth_gbs:.0f} GB/s от кеша.",
        f"This machine's roofline at {threads.en}: {ceiling.peak_gflops:.0f} GFLOP/s, "
        f"{ceiling.bandwidth_gbs:.1f} GB/s from memory (ridge {ceiling.ridge:.1f} FLOP/B) and "
        f"{ceiling.cache_bandwidth_gbs:.0f} GB/s from the cache.")
    lines = [head]
    for row in [first] if first is last else [first, last]:
        placed = bound_sentence(row, _batch(row))
        lines.append(Text(f"{placed.bg}.", f"{placed.en}."))
    classes = (first["bound"], last["bound"])
    if classes == ("memory", "compute") and not first.get("data_in_cache"):
        lines.append(Text(
            f"При пакет {first['batch_size']} всяко тегло се чете от паметта за малко "
            f"елементи; при пакет {last['batch_size']} същото четене служи на целия пакет — "
            "това премества модела през прага.",
            f"At batch {first['batch_size']} every weight is read from memory for few items; "
            f"at batch {last['batch_size']} the same read serves the whole batch — that moves "
            "the model across the ridge."))
    small = next((row for row in (first, last) if row["bound"] == "overhead"), None)
    if small is not None:
        lines.append(Text(
            f"При пакет {small['batch_size']} времето на извикването отива главно за постоянните "
            "му разходи: по-голям пакет ги разпределя между повече елементи, а нито int8, нито "
            "по-бърза аритметика биха се видели.",
            f"At batch {small['batch_size']} a call pays mostly its fixed costs: a larger batch "
            "spreads them over more items, while neither int8 nor faster arithmetic would "
            "show."))
    if set(classes) != {"overhead"}:
        lines.append(Text(
            "Под прага помага само по-малко четене (по-малки тегла, по-голям пакет); над него — "
            "по-бърза аритметика.",
            "Below the ridge only reading fewer bytes helps (smaller weights, a larger batch); "
            "above it, faster arithmetic does."))
    return join(*lines)


ROOFLINE_AXES = (Text("аритметична интензивност, FLOP/B", "arithmetic intensity, FLOP/B"),
                 Text("GFLOP/s", "GFLOP/s"))


def plot_roofline(emit: Emitter, roof: Roofline,
                  groups: Sequence[tuple[Text, Sequence[Mapping[str, RowValue]]]]) -> None:
    """The roofline at the lab's thread count — from memory and from the cache — on log-log
    axes, and each group of placed rows as a line of points on it."""
    placed = [row for _, rows in groups for row in rows if row.get("arithmetic_intensity")]
    if not placed:
        return
    intensities = [float(row["arithmetic_intensity"]) for row in placed]
    low = min(min(intensities), roof.ridge) / 2
    high = max(max(intensities), roof.ridge) * 2
    steps = 24
    xs = [low * (high / low) ** (step / steps) for step in range(steps + 1)]
    for name, bandwidth in ((Text("roofline (памет)", "roofline (memory)"), roof.bandwidth_gbs),
                            (Text("roofline (кеш)", "roofline (cache)"),
                             roof.main.cache_bandwidth_gbs)):
        emit.series(name, *ROOFLINE_AXES, xs, [min(roof.peak_gflops, bandwidth * x) for x in xs],
                    log_x=True, log_y=True)
    for name, rows in groups:
        points = [row for row in rows if row.get("arithmetic_intensity") and row.get("gflops")]
        if points:
            emit.series(name, *ROOFLINE_AXES, [row["arithmetic_intensity"] for row in points],
                        [row["gflops"] for row in points], log_x=True, log_y=True)
