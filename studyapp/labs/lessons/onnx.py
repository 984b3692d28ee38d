"""What the onnx lab teaches from its numbers: the export and its check, what each graph
optimization level did and gained, ONNX Runtime and torch.compile against eager torch, and
the execution providers of this build.

Every reading here is a pure function of the run's rows (no torch): a level's gain is
credited to fusion or to the NCHWc layout only when its step made that change in the graph
and its interval excludes "no change"; compiling is said to pay back only at a batch where the
compiled model ran measurably faster. The lab module (`studyapp.labs.onnx`) calls them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from studyapp.i18n import as_sentence, fmt_number
from studyapp.labs.findings import Row, Rows, Speedups, find, interval, number, spanned, speedups
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
from studyapp.labs.readings import bounds, join, times
from studyapp.labs.stats import Interval
from studyapp.text import Text

LEVELS = ("disable", "basic", "extended", "all")  # as harness.OPT_LEVELS, without importing it
EAGER, ORT, COMPILED = "torch eager", "ORT all", "torch.compile"
TOLERANCE = 1e-4  # largest |ONNX Runtime − torch| accepted on fp32 logits
# What a learner installs to get each execution provider the lab tries.
NEEDS: dict[str, Text] = {
    "CUDA": Text("onnxruntime-gpu и NVIDIA GPU с CUDA",
                 "onnxruntime-gpu and an NVIDIA GPU with CUDA"),
    "TensorRT": Text("onnxruntime-gpu и библиотеките на TensorRT",
                     "onnxruntime-gpu and the TensorRT libraries"),
    "OpenVINO": Text("пакета onnxruntime-openvino (Intel)",
                     "the onnxruntime-openvino package (Intel)"),
}


def section(rows: Rows, name: str, **match: object) -> list[Row]:
    return [row for row in rows if row.get("section") == name
            and all(row.get(key) == value for key, value in match.items())]


def batches(rows: Rows) -> list[int]:
    """The batch sizes of `rows`, smallest first."""
    return sorted({int(number(row, "batch_size") or 0) for row in rows
                   if number(row, "batch_size")})


def _at(batch: int) -> Text:
    return Text(f"при пакет {batch}", f"at batch {batch}")


def _listed(values: Sequence[int]) -> str:
    return ", ".join(str(value) for value in values)


def batch_of(row: Row) -> int:
    return int(number(row, "batch_size") or 0)


def baseline(rows: Rows, row: Row, key: str) -> Row | None:
    """The row that `row`'s ratio under `key` was measured against: the level below it
    (`gain`), level disable (a level's `speedup`) or eager torch on the CPU (a runtime's)."""
    batch = row.get("batch_size")
    if row.get("section") == "levels":
        level = str(row.get("opt_level"))
        other = LEVELS[max(LEVELS.index(level) - 1, 0)] if key == "gain" else LEVELS[0]
        return find(rows, section="levels", opt_level=other, batch_size=batch)
    return find(rows, section="runtimes", variant=EAGER, device="cpu", batch_size=batch)


def trusted(rows: Rows, row: Row | None, key: str = "speedup") -> Interval | None:
    """The ratio under `key` of `row`, unless it or its baseline could not be measured
    cleanly: such a ratio proves nothing, so nothing is credited or explained from it."""
    if row is None or row.get("noisy") or (baseline(rows, row, key) or {}).get("noisy"):
        return None
    return interval(row, key)


def said(rows: Rows, row: Row, key: str = "speedup") -> Text:
    """A ratio as its interval allows, or that it could not be measured cleanly."""
    found, measured = trusted(rows, row, key), interval(row, key)
    if found is None and measured is not None:
        return Text(f"не е измерено чисто ({bounds(measured)})",
                    f"not measured cleanly ({bounds(measured)})")
    return times(found)


def by_batch(rows: Rows, mine: Sequence[Row], key: str = "speedup") -> Text:
    """"×1.37 faster (×1.18–1.56) at batch 1, no measurable difference (×0.97–1.04) at batch
    64": the ratio under `key` of each of `mine`, smallest batch first."""
    parts = [(said(rows, row, key), _at(batch_of(row))) for row in sorted(mine, key=batch_of)]
    return Text(", ".join(f"{ratio.bg} {at.bg}" for ratio, at in parts),
                ", ".join(f"{ratio.en} {at.en}" for ratio, at in parts))


def _ms(row: Row | None) -> str:
    value = number(row, "latency_ms_median")
    return "—" if value is None else f"{value:.3g}"


# --- export and numeric check ----------------------------------------------------------------


def export_reading(rows: Rows) -> Text:
    """Which exporter wrote the file, its size, and how far ONNX Runtime was from torch."""
    check = section(rows, "check")
    first = check[0]
    diffs = [value for row in check if (value := number(row, "max_abs_diff")) is not None]
    worst = f"{max(diffs):.1e}" if diffs else "—"
    size = number(first, "size_bytes") or 0
    shown_size = f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"
    fallback = str(first.get("fallback_reason") or "")
    failed = Text(f" (torch.export не успя: {fallback})", f" (torch.export failed: {fallback})") \
        if fallback else Text("", "")
    ok = all(row.get("status") == "ok" for row in check)
    shown = _listed(batches(check))
    return Text(
        f"Експорт с {first.get('exporter')}{failed.bg}: {shown_size}. Входът има символна "
        f"ос на пакета, така че един файл служи за пакети {shown}; най-голямата разлика от "
        f"torch е {worst} (граница {TOLERANCE:.0e})"
        + (" — съвпада." if ok else " — НЕ съвпада: виж таблицата."),
        f"Exported with the {first.get('exporter')} exporter{failed.en}: {shown_size}. The "
        f"input has a symbolic batch axis, so one file serves batches {shown}; the largest "
        f"difference from torch is {worst} (limit {TOLERANCE:.0e})"
        + (" — it matches." if ok else " — it does NOT match: see the table."))


# --- graph optimization levels ---------------------------------------------------------------


def graph_change(row: Row) -> Text:
    """What a level did to the graph the level below it left, from its row."""
    fused, layout, removed = (str(row.get(key) or "") for key in ("fused", "layout", "removed"))
    parts = [Text(f"сля {fused}", f"fused {fused}")] if fused else []
    if layout:
        parts.append(Text(f"премести в блоковия формат NCHWc ({layout})",
                          f"moved to the blocked NCHWc layout ({layout})"))
    if removed:
        parts.append(Text(f"премахна {removed}", f"removed {removed}"))
    if not parts:
        parts.append(Text("остави графа какъвто беше", "left the graph as it was"))
    return Text("; ".join(part.bg for part in parts), "; ".join(part.en for part in parts))


def node_counts(row: Row) -> Text:
    """"(10 → 7 nodes)": the graph's size before and after one level."""
    counts = f"{row.get('nodes_before')} → {row.get('nodes')}"
    return Text(f"({counts} възела)", f"({counts} nodes)")


@dataclass(frozen=True)
class Credit:
    """What a level's measurable gain is credited to, and why that helps."""

    name: Text
    why: Text


FUSION = Credit(
    Text("сливането", "fusion"),
    Text("слетият кернел прилага активацията, докато изходът още е в регистрите или кеша: "
         "едно минаване по-малко през активациите и едно извикване по-малко",
         "a fused kernel applies the activation while its output is still in registers or "
         "cache: one pass over the activations and one kernel call fewer"))
LAYOUT = Credit(
    Text("блоковия формат NCHWc", "the NCHWc layout"),
    Text("той държи каналите на блокове с ширината на векторните регистри на процесора, така "
         "че свивката и max-pool зареждат цели вектори; граф, записан на това ниво, става само "
         "за процесори като този",
         "it keeps channels in blocks as wide as the CPU's vector registers, so the "
         "convolution and max-pool kernels load whole vectors; a graph saved at this level "
         "fits only CPUs like this one"))
BOTH = Credit(
    Text("сливането и формата NCHWc заедно (това пускане не може да ги раздели)",
         "fusion and the NCHWc layout together (this run cannot tell them apart)"),
    Text(f"{FUSION.why.bg}; {LAYOUT.why.bg}", f"{FUSION.why.en}; {LAYOUT.why.en}"))
REMOVAL = Credit(Text("премахнатите възли", "the nodes it removed"),
                 Text("по-малко възли са по-малко извиквания на кернели",
                      "fewer nodes are fewer kernel calls"))


def credit(row: Row) -> Credit | None:
    """What in a level's change could explain its gain; None when the graph did not change."""
    fused, layout = bool(row.get("fused")), bool(row.get("layout"))
    if fused and layout:
        return BOTH
    if layout:
        return LAYOUT
    if fused:
        return FUSION
    return REMOVAL if row.get("removed") else None


def _batches_text(found: Sequence[int]) -> Text:
    """"at batch 1", "at batches 1 and 64"."""
    if len(found) == 1:
        return _at(found[0])
    listed = ", ".join(str(batch) for batch in found[:-1])
    return Text(f"при пакети {listed} и {found[-1]}", f"at batches {listed} and {found[-1]}")


def credit_sentence(rows: Rows, level_rows: Sequence[Row]) -> Text:
    """What this run credits one level's step with, batch by batch, from the intervals it
    measured cleanly."""
    gains = [(batch_of(row), trusted(rows, row, "gain")) for row in level_rows]
    faster = [batch for batch, gain in gains if gain is not None and gain.direction() > 0]
    slower = [batch for batch, gain in gains if gain is not None and gain.direction() < 0]
    what = credit(level_rows[0])
    if what is None:
        if not faster and not slower:
            return Text("")
        return Text("Графът не се промени, така че това пускане не приписва тази разлика на "
                    "никоя оптимизация.",
                    "The graph did not change, so this run credits that difference to no "
                    "optimization.")
    parts = []
    if faster:
        where = _batches_text(faster)
        parts.append(Text(f"Печалбата {where.bg} идва от {what.name.bg}: {what.why.bg}.",
                          f"The gain {where.en} is credited to {what.name.en}: {what.why.en}."))
    if slower:
        where = _batches_text(slower)
        parts.append(Text(f"{as_sentence(where.bg)} промяната забави изпълнението.",
                          f"{as_sentence(where.en)} the change cost time."))
    clean = [batch for batch, gain in gains if gain is not None]
    if not parts and clean == [batch for batch, _ in gains]:
        parts.append(Text(f"Тук {what.name.bg} не спести измеримо време при нито един пакет.",
                          f"Here {what.name.en} saved no measurable time at any batch."))
    elif not parts and clean:
        where = _batches_text(clean)
        only = Text("единственият пакет, измерен чисто", "the only batch measured cleanly") \
            if len(clean) == 1 else Text("единствените пакети, измерени чисто",
                                         "the only batches measured cleanly")
        parts.append(Text(f"Тук {what.name.bg} не спести измеримо време {where.bg} ({only.bg}).",
                          f"Here {what.name.en} saved no measurable time {where.en} "
                          f"({only.en})."))
    return join(*parts)


def level_step(rows: Rows, level: str) -> Text:
    """One level against the level below it: what it changed, what it gained, the credit."""
    mine = sorted(section(rows, "levels", opt_level=level), key=batch_of)
    change, counts = graph_change(mine[0]), node_counts(mine[0])
    gains = by_batch(rows, mine, "gain")
    return join(Text(f"Ниво {level} {counts.bg} {change.bg} — {gains.bg}.",
                     f"Level {level} {counts.en} {change.en} — {gains.en}."),
                credit_sentence(rows, mine))


def levels_reading(rows: Rows) -> Text:
    """Node counts per level, each level's step credited from its graph and its interval, and
    level all against disable."""
    firsts = [row for level in LEVELS
              if (row := find(rows, section="levels", opt_level=level)) is not None]
    counts = ", ".join(f"{row.get('opt_level')} {row.get('nodes')}" for row in firsts)
    overall = by_batch(rows, section(rows, "levels", opt_level=LEVELS[-1]))
    return join(
        Text(f"Възли в оптимизирания граф: {counts}.", f"Nodes in the optimized graph: {counts}."),
        *(level_step(rows, str(row.get("opt_level"))) for row in firsts[1:]),
        Text(f"Ниво all спрямо disable: {overall.bg}.",
             f"Level all against disable: {overall.en}."))


# --- runtimes --------------------------------------------------------------------------------


def kernels_sentence(eager: Row, ort: Row) -> Text:
    """Whose kernels each side called, from the libraries its rows name."""
    gemm, conv = eager.get("gemm_library"), eager.get("conv_library")
    torch_bg = f"{gemm} за линейните слоеве" + (f" и {conv} за свивките" if conv else "")
    torch_en = f"{gemm} for its Linear layers" + (f" and {conv} for its convolutions"
                                                 if conv else "")
    return Text(
        f"Кернелите им са различни: eager torch вика {torch_bg}; ONNX Runtime вика своите "
        f"{ort.get('gemm_library')} кернели, с константните тегла пренаредени (prepacked) веднъж, "
        "при създаването на сесията.",
        f"They do not share kernels: eager torch calls {torch_en}; ONNX Runtime calls its own "
        f"{ort.get('gemm_library')} kernels, with the constant weights prepacked once, when "
        "the session is created.")


def torch_kernels(eager: Row) -> str:
    """"MKL/oneDNN": the libraries eager torch's row names."""
    return "/".join(str(eager[key]) for key in ("gemm_library", "conv_library") if eager.get(key))


def gap_sentence(small: Interval | None, large: Interval | None, large_batch: int,
                 eager: Row) -> Text:
    """What the speed-ups at batch 1 and at the large batch together say about where the gap
    between ONNX Runtime and eager torch comes from."""
    first = 0 if small is None else small.direction()
    last = 0 if large is None else large.direction()
    narrows = small is not None and large is not None and first > 0 and large.high < small.low
    lines = []
    if narrows:
        lines.append(Text(
            f"Разликата е най-голяма при пакет 1 и намалява при пакет {large_batch}, значи "
            "главно се плаща на извикване, не на цифра: eager torch минава през Python и "
            "диспечера си за всеки слой, а ONNX Runtime прави едно C++ извикване за целия граф.",
            f"The gap is widest at batch 1 and narrows at batch {large_batch}, so most of it "
            "is paid per call, not per digit: eager torch goes through Python and its "
            "dispatcher for every layer, while ONNX Runtime makes one C++ call for the whole "
            "graph."))
    elif first < 0:
        lines.append(Text(
            "Тук eager torch е по-бърз при пакет 1: готовият граф не е по-бърз сам по себе си; "
            "решават кернелите и разходите на извикване на тази машина.",
            "Here eager torch is faster at batch 1: a prepared graph is not faster by itself; "
            "the kernels and the costs per call on this machine decide."))
    if last > 0 and not narrows:
        lines.append(Text(
            f"При пакет {large_batch}, където цената на извикване се поделя между "
            f"{large_batch} цифри, ONNX Runtime е напред: за тези форми кернелите и графът му "
            "смятат по-бързо.",
            f"At batch {large_batch}, where the cost per call is shared by {large_batch} "
            "digits, ONNX Runtime is ahead: on these shapes its kernels and graph do the "
            "arithmetic faster."))
    if last < 0:
        lines.append(Text(
            f"При пакет {large_batch} eager torch е по-бърз: там кернелите му "
            f"({torch_kernels(eager)}) изпреварват MLAS за тези форми.",
            f"At batch {large_batch} eager torch is faster: there its kernels "
            f"({torch_kernels(eager)}) beat MLAS on these shapes."))
    return join(*lines)


def runtimes_reading(rows: Rows) -> Text:
    """ONNX Runtime against eager torch at each batch, whose kernels each called, and what the
    two speed-ups together say; eager torch on a GPU where it ran."""
    eager = sorted(section(rows, "runtimes", variant=EAGER, device="cpu"), key=batch_of)
    ort = sorted(section(rows, "runtimes", variant=ORT), key=batch_of)
    if not eager or not ort:
        return Text("")
    shown = "/".join(str(batch_of(row)) for row in ort)
    eager_ms, ort_ms = (" / ".join(_ms(row) for row in side) for side in (eager, ort))
    speeds = by_batch(rows, ort)
    lines = [
        Text(f"torch eager {eager_ms} ms, ONNX Runtime {ort_ms} ms при пакет {shown}. ONNX "
             f"Runtime спрямо eager torch: {speeds.bg}.",
             f"torch eager {eager_ms} ms, ONNX Runtime {ort_ms} ms at batch {shown}. ONNX "
             f"Runtime against eager torch: {speeds.en}."),
        kernels_sentence(eager[0], ort[0]),
        gap_sentence(trusted(rows, ort[0]), trusted(rows, ort[-1]) if len(ort) > 1 else None,
                     batch_of(ort[-1]), eager[0]),
    ]
    gpu = section(rows, "runtimes", variant=EAGER, device="cuda")
    if gpu:
        against = by_batch(rows, gpu)
        lines.append(Text(
            f"torch eager на GPU спрямо CPU: {against.bg} (входът вече е на GPU; всяко "
            "извикване се изчаква до края си).",
            f"torch eager on the GPU against the CPU: {against.en} (the input already on the "
            "GPU; each call is waited for until it ends)."))
    return join(*lines)


# --- torch.compile ---------------------------------------------------------------------------

SKIPPED_COMPILE: dict[str, Text] = {
    "not in the quick size": Text("не в quick (компилирането отнема секунди)",
                                  "not in the quick size (compiling takes seconds)"),
    "off": Text("изключен (compile=false)", "off (compile=false)"),
}


@dataclass(frozen=True)
class Payback:
    """What compiling cost and what it saves per call at one batch size."""

    batch: int
    compile_s: float  # every first call together
    speedup: Interval  # compiled against eager, interleaved
    eager_ms: float

    @property
    def calls(self) -> Interval | None:
        """Calls until the compile time is saved back; None when it never is."""
        if self.speedup.direction() <= 0:
            return None

        def after(speedup: float) -> float:
            return self.compile_s * 1e3 / (self.eager_ms * (1 - 1 / speedup))

        return Interval(after(self.speedup.value), after(self.speedup.high),
                        after(self.speedup.low))


def paybacks(rows: Rows) -> list[Payback]:
    """Per timed batch, compiling's cost against its measured saving."""
    compiled = [row for row in section(rows, "compile") if row.get("status") == "ok"]
    total = sum(number(row, "first_call_s") or 0.0 for row in compiled)
    found = []
    for batch in batches(section(rows, "runtimes", variant=COMPILED)):
        speedup = trusted(rows, find(rows, section="runtimes", variant=COMPILED,
                                     batch_size=batch))
        eager_ms = number(find(rows, section="runtimes", variant=EAGER, device="cpu",
                               batch_size=batch), "latency_ms_median")
        if compiled and speedup is not None and eager_ms:
            found.append(Payback(batch, total, speedup, eager_ms))
    return found


def _calls(found: Interval) -> Text:
    """"≈50,100 (45,900–56,400)": a count of calls to three significant digits, thousands
    grouped as each language groups them (a space in Bulgarian, where the comma is decimal)."""
    def shown(lang: str) -> str:
        low, value, high = (fmt_number(lang, round(float(f"{count:.3g}")))
                            for count in (found.low, found.value, found.high))
        return f"≈{value} ({low}–{high})"

    return Text(shown("bg"), shown("en"))


def _graphs(count: object) -> Text:
    """"1 new graph", "2 new graphs"."""
    if count == 1:
        return Text("1 нов граф", "1 new graph")
    return Text(f"{count} нови графа", f"{count} new graphs")


def payback_sentence(found: Payback) -> Text:
    calls, at = found.calls, _at(found.batch)
    if calls is not None:
        return Text(
            f"{as_sentence(at.bg)} компилирането ({found.compile_s:.1f} s) се изплаща след "
            f"{_calls(calls).bg} извиквания.",
            f"{as_sentence(at.en)} compiling ({found.compile_s:.1f} s) pays for itself after "
            f"{_calls(calls).en} calls.")
    if found.speedup.direction() < 0:
        return Text(f"{as_sentence(at.bg)} компилираният модел е по-бавен: компилирането никога "
                    "не се изплаща там.",
                    f"{as_sentence(at.en)} the compiled model is slower: compiling never pays "
                    "back there.")
    return Text(f"{as_sentence(at.bg)} няма измерима печалба, така че компилирането не се "
                "изплаща там.",
                f"{as_sentence(at.en)} there is no measurable gain, so compiling does not pay "
                "back there.")


def shapes_sentence(compiled: Sequence[Row]) -> Text:
    """What the first call at each shape cost, and whether the later shapes compiled again."""
    firsts = [Text(f"{number(row, 'first_call_s') or 0:.2f} s при пакет {row.get('batch_size')} "
                   f"({_graphs(row.get('graphs_compiled')).bg})",
                   f"{number(row, 'first_call_s') or 0:.2f} s at batch {row.get('batch_size')} "
                   f"({_graphs(row.get('graphs_compiled')).en})") for row in compiled]
    said = Text("torch.compile, първо извикване: " + ", ".join(f.bg for f in firsts) + ".",
                "torch.compile, first call: " + ", ".join(f.en for f in firsts) + ".")
    if len(compiled) < 3:
        return said
    second, third = compiled[1], compiled[2]
    batch, before = third.get("batch_size"), second.get("batch_size")
    guard, source = str(third.get("broken_guard") or ""), str(third.get("guard_source") or "")
    if not third.get("graphs_compiled") and second.get("graphs_compiled"):
        return join(said, Text(
            f"При пакет {batch} не се компилира нищо ново: при втората форма torch.compile "
            "прекомпилира с динамичен размер на пакета (automatic_dynamic_shapes) и този граф "
            f"обслужи и пакет {batch}.",
            f"At batch {batch} nothing new was compiled: at the second shape torch.compile "
            "recompiled with the batch size dynamic (automatic_dynamic_shapes), and that "
            f"graph served batch {batch} too."))
    if not third.get("graphs_compiled"):
        return said
    if "batch" in guard and "mismatch" not in guard:
        where = Text(f", зададено в {source}", f", set at {source}") if source else Text("", "")
        return join(said, Text(
            f"При пакет {batch} графът се компилира отново: този от пакет {before} е с "
            f"динамичен размер на пакета, но само докато важи `{guard}` (условие{where.bg}), "
            f"а {batch} е извън него.",
            f"At batch {batch} the graph was compiled again: the one from batch {before} has "
            f"a dynamic batch size, but only while `{guard}` holds (a guard{where.en}), and "
            f"{batch} is outside it."))
    return join(said, Text(
        f"При пакет {batch} графът се компилира отново: този от пакет {before} важи само за "
        f"своя размер ({guard}).",
        f"At batch {batch} the graph was compiled again: the one from batch {before} fits its "
        f"own size only ({guard})."))


def compile_reading(rows: Rows) -> Text:
    """torch.compile: skipped and why, or its first calls, its warm speed-ups and payback."""
    compiled = section(rows, "compile")
    if not compiled:
        return Text("")
    status = str(compiled[0].get("status", ""))
    if status.startswith("skipped: "):
        why = status.removeprefix("skipped: ")
        said = SKIPPED_COMPILE.get(why) or Text(
            f"не успя тук: {why.removeprefix('failed: ')}",
            f"failed here: {why.removeprefix('failed: ')}")
        return Text(f"torch.compile: пропуснат — {said.bg}.",
                    f"torch.compile: skipped — {said.en}.")
    warm = by_batch(rows, section(rows, "runtimes", variant=COMPILED))
    return join(
        shapes_sentence(compiled),
        Text(f"Топъл, спрямо eager torch: {warm.bg}.", f"Warm, against eager torch: {warm.en}."),
        *(payback_sentence(found) for found in paybacks(rows)))


# --- execution providers ---------------------------------------------------------------------


def providers_reading(rows: Rows) -> Text:
    """The providers of this build; each tried one measured, or why it was not."""
    listed = section(rows, "providers")
    present = ", ".join(str(row.get("variant")) for row in listed if row.get("status") != "absent")
    lines = [Text(f"Доставчици в тази сборка на onnxruntime: {present}.",
                  f"Providers in this onnxruntime build: {present}.")]
    for row in listed:
        short, status = str(row.get("variant")), str(row.get("status"))
        if status == "measured":
            against = by_batch(rows, section(rows, "runtimes", variant=f"ORT {short}"))
            lines.append(Text(
                f"{short} спрямо eager torch на CPU: {against.bg} (с копирането на входа и "
                "изхода).",
                f"{short} against eager torch on the CPU: {against.en} (copying the input and "
                "output included)."))
        elif status == "absent":
            needs = NEEDS.get(short, Text("", ""))
            lines.append(Text(f"{short}: няма го (нужно: {needs.bg}).",
                              f"{short}: absent (needs {needs.en})."))
        elif status != "in this build":
            lines.append(Text(f"{short}: {status}.", f"{short}: {status}."))
    return join(*lines)


# --- the lesson: prediction and cards --------------------------------------------------------


def ort_against_torch(rows: Rows) -> Speedups | None:
    """ONNX Runtime with every graph optimization against eager torch."""
    return speedups(rows, section="runtimes", variant=ORT)


@dataclass(frozen=True)
class OrtFinding:
    speedups: Speedups
    torch_kernels: str  # "MKL/oneDNN"


def ort_finding(rows: Rows) -> OrtFinding | None:
    found = ort_against_torch(rows)
    eager = find(rows, section="runtimes", variant=EAGER, device="cpu")
    if found is None or eager is None:
        return None
    return OrtFinding(found, torch_kernels(eager) or "BLAS")


def ort_cards(found: OrtFinding, reading: Sequence[Text]) -> list[CardDraft]:
    small = found.speedups.small
    if not small.excludes(1.0):
        return []  # no measurable difference: nothing to explain
    large = found.speedups.large
    large_bg = (f" и {spanned(large)} при пакет {found.speedups.large_batch}"
                if large is not None else "")
    large_en = (f" and {spanned(large)} at batch {found.speedups.large_batch}"
                if large is not None else "")
    kernels = found.torch_kernels
    back = Text(
        "ONNX Runtime изпълнява целия граф с едно C++ извикване и своите MLAS кернели, с тегла, "
        f"пренаредени при създаването на сесията; eager torch минава през Python и диспечера "
        f"си за всеки слой, преди да стигне до {kernels}. При малък пакет тези постоянни "
        "разходи на извикване са голяма част от времето.",
        "ONNX Runtime runs the whole graph in one C++ call with its own MLAS kernels, weights "
        "prepacked when the session is created; eager torch goes through Python and its "
        f"dispatcher for every layer before it reaches {kernels}. At a small batch those "
        "fixed costs per call are much of the time.",
    ) if small.direction() > 0 else Text(
        "Готовият граф не е по-бърз сам по себе си: кой печели зависи от кернелите за тези форми "
        f"({kernels} в torch, MLAS в ONNX Runtime) и от разходите на извикване, и на тази "
        "машина eager torch излезе напред.",
        "A prepared graph is not faster by itself: which runtime wins depends on its kernels "
        f"for these shapes ({kernels} in torch, MLAS in ONNX Runtime) and on its costs per "
        "call, and on this machine eager torch came out ahead.")
    return [CardDraft(
        Text(f"На твоята машина ONNX Runtime беше {spanned(small)} спрямо torch при пакет "
             f"{found.speedups.small_batch}{large_bg}. Откъде идва разликата?",
             f"On your machine ONNX Runtime ran at {spanned(small)} against torch at batch "
             f"{found.speedups.small_batch}{large_en}. Where does the difference come from?"),
        with_reading(back, reading, "torch eager"))]


@dataclass(frozen=True)
class LevelGain:
    """The level step with the largest measurable gain that its graph change can explain."""

    row: Row
    gain: Interval
    credit: Credit


def level_gain(rows: Rows) -> LevelGain | None:
    found = []
    for row in section(rows, "levels"):
        gain, what = trusted(rows, row, "gain"), credit(row)
        if gain is not None and gain.direction() > 0 and what is not None:
            found.append(LevelGain(row, gain, what))
    return max(found, key=lambda item: item.gain.value, default=None)


def level_cards(found: LevelGain, reading: Sequence[Text]) -> list[CardDraft]:
    level = str(found.row.get("opt_level"))
    below = LEVELS[LEVELS.index(level) - 1]
    batch = found.row.get("batch_size")
    change, counts = graph_change(found.row), node_counts(found.row)
    return [CardDraft(
        Text(f"На твоята машина ниво {level} на ONNX Runtime беше {spanned(found.gain)} спрямо "
             f"ниво {below} при пакет {batch} ({found.row.get('model')}). Какво промени то в "
             "графа?",
             f"On your machine ONNX Runtime's level {level} ran at {spanned(found.gain)} against "
             f"level {below} at batch {batch} ({found.row.get('model')}). What did it change in "
             "the graph?"),
        with_reading(Text(f"{as_sentence(change.bg)} {counts.bg}. Печалбата идва от "
                          f"{found.credit.name.bg}: {found.credit.why.bg}.",
                          f"It {change.en} {counts.en}. The gain is credited to "
                          f"{found.credit.name.en}: {found.credit.why.en}."),
                     reading, "optimized graph"))]


def best_payback(rows: Rows) -> Payback | None:
    """The batch where compiling pays back soonest, if it pays back anywhere."""
    paying = [found for found in paybacks(rows) if found.calls is not None]
    return min(paying, key=lambda found: found.calls.value if found.calls else 0.0,
               default=None)


def compile_cards(found: Payback, reading: Sequence[Text]) -> list[CardDraft]:
    calls = found.calls
    if calls is None:
        return []
    spent, saved = f"{found.compile_s:.1f} s", f"{found.eager_ms:.3g} ms"
    return [CardDraft(
        Text(f"На твоята машина torch.compile компилира за {spent}, а после беше "
             f"{spanned(found.speedup)} спрямо eager при пакет {found.batch}. След колко "
             "извиквания се изплаща компилирането?",
             f"On your machine torch.compile spent {spent} compiling, then ran at "
             f"{spanned(found.speedup)} against eager at batch {found.batch}. After how many "
             "calls does compiling pay for itself?"),
        with_reading(Text(
            f"След {_calls(calls).bg} извиквания: времето за компилиране ({spent}) делено на "
            f"спестеното на извикване ({saved} × (1 − 1/ускорението)). Услуга, която вика "
            "модела по-рядко, губи от компилирането.",
            f"After {_calls(calls).en} calls: the compile time ({spent}) divided by what each "
            f"call saves ({saved} × (1 − 1/speed-up)). A service that calls the model fewer "
            "times loses by compiling."), reading, "torch.compile"))]


LESSON = Lesson(
    Question(Text("ONNX Runtime с всички оптимизации на графа срещу torch, пакет 1:",
                  "ONNX Runtime with every graph optimization against torch, batch 1:"),
             SPEED_CHOICES, SPEED_BOUNDS),
    ort_against_torch, speedup_line("ONNX Runtime", "torch"),
    (CardMaker(ort_finding, ort_cards), CardMaker(level_gain, level_cards),
     CardMaker(best_payback, compile_cards)))
