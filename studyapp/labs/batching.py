"""Lab `batching` (step 3): throughput against per-item latency as the batch grows.

The model runs on the CPU in eager torch, in torch with its Linear weights packed once (by
MKL, at the small batches, and by oneDNN) and in ONNX Runtime (`batching_variants.py`) at
every batch size, ONNX Runtime also at 1…N threads at the smallest and the largest batch,
and, on a CUDA GPU, in eager torch with the input on the device and with the host→device
copy in the call. All of them are timed in one interleaved
comparison, so every ratio the reading states (throughput against batch 1, a variant
against eager torch, N threads against one) comes from paired rounds, with its interval.
Each row is placed on the measured roofline, and two demonstrations (a memory-bound layer
of 256 MB, the wide MLP at a large batch) are timed against their probe kernels in the same
rounds (`batching_demos.py`). The reading is chosen from the rows by `lessons/batching.py`.
torch is imported inside the functions (lab child process only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from studyapp.labs import batching_demos, harness, onnx_export, readings, roofline_probe, work
from studyapp.labs import batching_rows as vocab
from studyapp.labs.batching_variants import (
    LABELS,
    Case,
    Variants,
    gemm_library,
)
from studyapp.labs.columns import columns
from studyapp.labs.envinfo import cuda_available, load_average, usable_cores
from studyapp.labs.events import Column, Emitter, Row
from studyapp.labs.findings import number, put_interval
from studyapp.labs.lessons import batching as lesson
from studyapp.labs.params import Params, ParamSpec, timing_model
from studyapp.labs.roofline import Roofline, place
from studyapp.labs.stats import Interval
from studyapp.text import Text

if TYPE_CHECKING:
    import onnxruntime

    from studyapp.labs.zoo import TrainedModel

PARAMS: dict[str, ParamSpec] = {
    "model": timing_model("wide_mlp", "mlp", "cnn"),
}


@dataclass(frozen=True)
class Size:
    batches: tuple[int, ...]
    sweep: harness.Plan  # every variant, batch and thread count, interleaved
    demos: harness.Plan  # the two demonstrations and their probe kernels


SIZES: dict[str, Size] = {
    "quick": Size((1, 4, 16), harness.Plan(rounds=6, block_s=0.002, warmup=1, retries=2),
                  harness.Plan(rounds=6, block_s=0.002, warmup=1, retries=2)),
    # Each of the ~30 default cases takes its cold and one warm call, then 6 rounds: a stalled
    # round is measured again at most twice, so a busy minute cannot double the run. The
    # demonstrations take 9 rounds, the fewest whose median interval drops the extreme rounds.
    "default": Size((1, 2, 4, 16, 64, 256),
                    harness.Plan(rounds=6, block_s=0.005, warmup=1, retries=2),
                    harness.Plan(rounds=9, block_s=0.005, warmup=1, retries=2)),
}
EXACT = Interval(1.0, 1.0, 1.0)  # a row against itself


def _ratio_columns(key: str, label: Text) -> tuple[Column, ...]:
    return (Column(key, label, "×"), Column(f"{key}_low", Text("95% от", "95% from"), "×"),
            Column(f"{key}_high", Text("95% до", "95% to"), "×"))


COLUMNS: tuple[Column, ...] = columns(
    "variant", "batch_size", "threads", "latency_ms_median", "latency_ms_low",
    "latency_ms_high",
    Column("latency_ms_per_item", Text("на елемент", "per item"), "ms"),
    Column("throughput_per_s", Text("пропускателна способност", "throughput"), "1/s"),
    *_ratio_columns("throughput_gain", Text("спрямо пакет 1", "vs batch 1")),
    *_ratio_columns("speedup", Text("спрямо eager", "vs eager")),
    *_ratio_columns("thread_speedup", Text("спрямо 1 нишка", "vs 1 thread")),
    *_ratio_columns("share_of_probe", Text("дял от пробата", "share of probe")),
    Column("bandwidth_gbs", Text("прочетени байтове/s", "bytes read/s"), "GB/s"),
    "gflops", "arithmetic_intensity", "bound", "share_of_roofline",
    Column("max_abs_diff", Text("разлика от eager", "diff from eager"), "max |Δ|"),
    "noisy", "stalls", "device", "status",
)


def ratios(cases: Sequence[Case], comparison: harness.Comparison,
           rows: dict[str, Row]) -> None:
    """Each row's ratios from the paired rounds: throughput against batch 1 and as a share
    of the variant's best batch, a variant against eager torch at the same batch, and a
    thread count against one thread."""
    def same(case: Case, **change: object) -> Case | None:
        wanted = {"variant": case.variant, "batch": case.batch, "threads": case.threads,
                  **change}
        return next((other for other in cases if all(
            getattr(other, key) == value for key, value in wanted.items())), None)

    def per_item(base: Case, case: Case) -> Interval:
        """How many times more items per second `case` ran than `base`."""
        if base is case:
            return EXACT
        return comparison.speedup(base.key, case.key).scaled(case.batch / base.batch)

    for case in cases:
        row = rows[case.key]
        own = [other for other in cases
               if (other.variant, other.threads) == (case.variant, case.threads)]
        first = min(own, key=lambda other: other.batch)
        best = max(own, key=lambda other: other.batch / comparison[other.key].median_ms)
        put_interval(row, "throughput_gain", per_item(first, case))
        put_interval(row, "share_of_best", per_item(best, case))
        eager = same(case, variant=vocab.EAGER)
        if eager is not None and eager is not case:
            put_interval(row, "speedup", comparison.speedup(eager.key, case.key))
        one = same(case, threads=1)
        if one is not None and one is not case:
            put_interval(row, "thread_speedup", comparison.speedup(one.key, case.key))


class BatchingRun:
    """The model in its variants, the roofline, the settings, and every row so far."""

    def __init__(self, params: Params, emit: Emitter) -> None:
        from studyapp.labs import zoo

        self.emit = emit
        self.threads = int(params["threads"])
        self.seed = int(params["seed"])
        self.size = SIZES[str(params["size"])]
        self.rows: list[Row] = []
        self.cuda = cuda_available()
        rounds = self.size.sweep.rounds + self.size.demos.rounds
        self.step = readings.Steps(emit, 3 + rounds, readings.LiveTable(
            "batching", Text("Пакетиране: латентност и пропускателна способност",
                             "Batching: latency and throughput"), COLUMNS, self.rows))
        self.step(Text("roofline на тази машина", "this machine's roofline"))
        self.roof = roofline_probe.roofline(self.threads)
        self.trained = zoo.untrained(str(params["model"]), seed=self.seed)

    def variants(self) -> Variants:
        self.step(Text("вариантите: eager, пакетирани тегла, ONNX Runtime",
                       "the variants: eager, prepacked weights, ONNX Runtime"))
        return Variants(self.trained, self.size.batches, self.threads, self.seed)

    def on_round(self, done: int, planned: int) -> None:
        self.step(Text(f"кръг {done} от {planned}", f"round {done} of {planned}"))

    def sweep(self, variants: Variants, gpu_roof: Roofline | None) -> list[Row]:
        """Every case timed in one comparison; a row each, placed on its roofline."""
        cases = variants.cpu_cases() + (variants.gpu_cases() if self.cuda else [])
        comparison = harness.interleaved(
            {case.key: case.call for case in cases},
            threads={case.key: case.threads for case in cases},
            plan=self.size.sweep, on_round=self.on_round,
            synchronize={case.key: harness.synchronizer(case.device) for case in cases})
        rows = {case.key: self.row(case, comparison[case.key], variants.max_abs_diff(case))
                for case in cases}
        ratios(cases, comparison, rows)
        for case in cases:
            roof = self.roof if case.device == "cpu" else gpu_roof
            if roof is not None and any(ceiling.threads == case.threads
                                        for ceiling in roof.ceilings):
                place(rows[case.key], work.work(self.trained.model, case.batch), roof)
        self.rows += rows.values()
        return list(rows.values())

    def row(self, case: Case, timing: harness.Timing, diff: float | None) -> Row:
        seconds = timing.median_ms / 1e3
        name = LABELS[case.variant]
        return {
            "variant": name.en, "variant_bg": name.bg, "model": self.trained.name,
            "batch_size": case.batch, "comparison": vocab.SWEEP, "device": case.device,
            "status": "ok", **timing.as_row(samples=True),
            "cores": usable_cores(),
            "latency_ms_per_item": timing.median_ms / case.batch,
            "throughput_per_s": case.batch / seconds,
            "weights_bytes": work.weight_bytes(self.trained.model),
            "gemm_library": gemm_library() if case.variant == vocab.EAGER else None,
            "max_abs_diff": diff,
        }

    def demos(self, wide: TrainedModel, session: onnxruntime.InferenceSession) -> list[Row]:
        """The memory- and the compute-bound demonstration, against their probe kernels."""
        rows = batching_demos.demonstrate(wide, session, self.roof, self.threads, self.seed,
                                          self.size.demos, self.on_round)
        self.rows += rows
        return rows

    def wide_model(self, variants: Variants
                   ) -> tuple[TrainedModel, onnxruntime.InferenceSession]:
        """The compute demonstration's model and its ONNX Runtime session at the lab's
        threads: the sweep's own when the lab times that model."""
        from studyapp.labs import zoo

        if self.trained.name == batching_demos.COMPUTE_MODEL:
            return self.trained, variants.sessions[self.threads]
        wide = zoo.untrained(batching_demos.COMPUTE_MODEL, seed=self.seed)
        sample = variants.inputs[self.size.batches[-1]]
        exported = onnx_export.cached_export(wide.model, wide.key, sample,
                                             exporter="torchscript")
        return wide, harness.ort_session(exported.path, threads=self.threads)

    def gpu_roofline(self) -> Roofline | None:
        if not self.cuda:
            self.rows.append(readings.cuda_skipped(self.emit, self.threads, Text(
                "Няма CUDA устройство: редовете за GPU са пропуснати.",
                "No CUDA device: the GPU rows were skipped.")))
            return None
        return roofline_probe.probe(self.threads, device="cuda")


def plot(emit: Emitter, rows: Sequence[Row]) -> None:
    """Throughput and time per item against the batch, one line per variant; time per call
    against the thread count, one line per batch."""
    x_label = Text("размер на пакета", "batch size")
    variants = [*vocab.CPU_VARIANTS, vocab.GPU, vocab.GPU_COPY]
    for key, y_label in (("throughput_per_s", Text("елемента/s", "items/s")),
                         ("latency_ms_per_item", Text("ms на елемент", "ms per item"))):
        for variant in variants:
            sweep = vocab.series(rows, variant)
            if len(sweep) > 1:
                emit.series(vocab.label(sweep[0]), x_label, y_label,
                            [vocab.batch_of(row) for row in sweep],
                            [number(row, key) for row in sweep], log_x=True, log_y=True)
    ends = vocab.series(rows, vocab.THREAD_VARIANT)
    for batch in sorted({vocab.batch_of(row) for row in ends[:1] + ends[-1:]}):
        counts = vocab.thread_sweep(rows, batch)
        if len(counts) > 1:
            emit.series(Text(f"{vocab.THREAD_VARIANT}, пакет {batch}",
                             f"{vocab.THREAD_VARIANT}, batch {batch}"),
                        Text("нишки", "threads"), Text("ms на извикване", "ms per call"),
                        [vocab.threads_of(row) for row in counts],
                        [number(row, "latency_ms_median") for row in counts])


def plot_roofline(emit: Emitter, roof: Roofline, rows: Sequence[Row]) -> None:
    """Every placed CPU row on the roofline: a line per variant, one thread, the demos."""
    lab_threads = vocab.lab_threads(rows)
    groups = [(vocab.label(sweep[0]), sweep)
              for variant in vocab.CPU_VARIANTS if (sweep := vocab.series(rows, variant))]
    if lab_threads > 1:
        groups.append((Text("1 нишка", "1 thread"), vocab.series(
            rows, vocab.THREAD_VARIANT, threads=1)))
    groups.append((Text("демонстрации и проби", "demonstrations and probes"),
                   [row for row in rows if row.get("comparison") == vocab.DEMOS]))
    readings.plot_roofline(emit, roof, groups)


def run(params: Params, emit: Emitter) -> None:
    load = load_average()  # before the lab adds its own
    lab = BatchingRun(params, emit)
    gpu_roof = lab.gpu_roofline()
    variants = lab.variants()
    lab.sweep(variants, gpu_roof)
    wide = lab.wide_model(variants)
    del variants  # its packed weights (a copy per library and batch) make room for the demos
    lab.demos(*wide)
    cpu = [row for row in lab.rows if row.get("device") == "cpu" and "flops" in row]
    roof, notes = roofline_probe.checked(cpu, lab.roof)
    plot(emit, lab.rows)
    plot_roofline(emit, roof, lab.rows)
    lab.step.finish(Text("готово", "done"))
    emit.result(lab.rows, [*lesson.reading(lab.rows, roof, notes),
                          *readings.cautions(load, lab.rows)],
                roof.to_json())
