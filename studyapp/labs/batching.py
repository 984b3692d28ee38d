"""Lab `batching` (step 3): throughput against per-item latency as the batch grows.

One model is timed through the harness at a series of batch sizes: latency per batch, latency
per item and throughput (items per second); one thread against the chosen count at the
smallest and largest batch; on a CUDA GPU, the same sweep with the input already on the GPU
and with the host→device copy inside the timed call. Each CPU timing is placed on this
machine's measured roofline: achieved GFLOP/s as a share of what a kernel of that arithmetic
intensity can reach at best. torch is imported inside the functions (lab child process only).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studyapp.deck.model import Text
from studyapp.labs import harness, roofline
from studyapp.labs.columns import columns
from studyapp.labs.envinfo import load_average
from studyapp.labs.events import Column, Emitter
from studyapp.labs.params import ParamSpec, timing_model
from studyapp.labs.readings import (
    SAME,
    LiveTable,
    Steps,
    cautions,
    cuda_skipped,
    join,
    noise_caution,
    read_roofline,
    times,
)

if TYPE_CHECKING:
    import torch
    from torch import nn

    from studyapp.labs.roofline import Roofline

PARAMS: dict[str, ParamSpec] = {
    "model": timing_model("wide_mlp", "mlp", "cnn"),
}


@dataclass(frozen=True)
class Sweep:
    batches: tuple[int, ...]  # all threads; one thread at the first and `one_thread_max`
    one_thread_max: int  # the largest batch also timed with one thread
    min_time_s: float  # per measurement (the harness also takes at least 20 samples)
    probe_s: float  # a fresh GPU roofline probe (the CPU one is cached)


SWEEPS: dict[str, Sweep] = {
    "quick": Sweep((1, 4, 16), 16, harness.QUICK_MIN_TIME_S, 0.5),
    "default": Sweep((1, 4, 16, 64, 256), 64, 0.1, 1.0),
}
KNEE = 0.9  # the knee: the first batch that reaches this share of the best throughput

COLUMNS: tuple[Column, ...] = columns(
    "variant", "batch_size",
    Column("latency_ms_median", Text("латентност на пакет", "latency per batch"), "ms"),
    Column("latency_ms_per_item", Text("латентност на елемент", "latency per item"), "ms"),
    Column("throughput_per_s", Text("пропускателност", "throughput"), "1/s"),
    "gflops", "flop_per_byte",
    Column("bytes_moved", Text("прочетени/записани байта (поне)", "bytes moved (at least)"), "B"),
    "ridge_flop_per_byte", "memory_bound", "attainable_gflops", "share_of_peak", "device",
    "status", *(column for column in harness.TIMING_COLUMNS if column.key != "latency_ms_median"),
)


class BatchingRun:
    """The model, the settings, and every row measured so far."""

    def __init__(self, params: dict[str, Any], emit: Emitter) -> None:
        from studyapp.labs import envinfo, zoo

        self.emit = emit
        self.model_name = str(params["model"])
        self.threads = int(params["threads"])
        self.seed = int(params["seed"])
        self.sweep = SWEEPS[str(params["size"])]
        self.rows: list[dict[str, Any]] = []
        self.cuda = envinfo.cuda_available()
        runs = len(self.sweep.batches)  # the roofline, the sweep, one thread, the GPU sweeps
        self.step = Steps(
            emit, 1 + runs + (2 if self.threads > 1 else 0) + (2 * runs if self.cuda else 1),
            LiveTable("batching", Text("Пакетиране: латентност и пропускателност",
                                       "Batching: latency and throughput"), COLUMNS, self.rows))
        self.model = zoo.untrained(self.model_name, seed=self.seed).model
        self.step(Text("roofline на тази машина (измерва се веднъж, после е в кеша)",
                       "this machine's roofline (measured once, then cached)"))
        self.roof = roofline.roofline(self.threads)

    def inputs(self, batch: int) -> torch.Tensor:
        """`batch` seeded test digits, as a tensor on the CPU."""
        import torch

        from studyapp.labs.digits import sample_batch

        return torch.from_numpy(sample_batch(batch, self.seed))

    def measure(self, variant: Text, model: nn.Module, batch: int, call: Callable[[], object],
                threads: int, device: str, roof: Roofline | None) -> dict[str, Any]:
        timing = harness.measure(call, threads=threads, min_time_s=self.sweep.min_time_s,
                                 synchronize=harness.synchronizer(device))
        row = roofline.timed_row(variant, batch, timing, roofline.work(model, batch), device,
                                 roof)
        self.rows.append(row)
        self.step(Text(f"{variant.bg}: пакет {batch}", f"{variant.en}: batch {batch}"))
        return row

    def cpu_sweep(self, threads: int, batches: Sequence[int]) -> list[dict[str, Any]]:
        """Each batch on the CPU at `threads`; placed on the roofline probed at that count."""
        roof = self.roof if threads == self.threads else None
        rows = []
        for batch in batches:
            x = self.inputs(batch)
            variant = Text(f"cpu, нишки: {threads}", f"cpu {threads}T")
            rows.append(self.measure(variant, self.model, batch, lambda x=x: self.model(x),
                                     threads, "cpu", roof))
        return rows

    def cuda_sweep(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Input already on the GPU, and the host→device copy inside each timed call."""
        if not self.cuda:
            self.rows.append(cuda_skipped(self.emit, self.threads, Text(
                "Няма CUDA устройство: редовете за GPU са пропуснати.",
                "No CUDA device: the GPU rows were skipped.")))
            self.step(Text("няма CUDA устройство", "no CUDA device"))
            return [], []
        gpu_roof = roofline.probe(self.threads, seconds=self.sweep.probe_s, device="cuda")
        model = copy.deepcopy(self.model).to("cuda")
        resident, copied = [], []
        for batch in self.sweep.batches:
            host = self.inputs(batch)
            on_gpu = host.to("cuda")
            resident.append(self.measure(Text("cuda", "cuda"), model, batch,
                                         lambda x=on_gpu: model(x), self.threads, "cuda",
                                         gpu_roof))
            copied.append(self.measure(Text("cuda+копиране H2D", "cuda+H2D"), model, batch,
                                       lambda x=host: model(x.to("cuda")),
                                       self.threads, "cuda", gpu_roof))
        return resident, copied


def knee(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The first row whose throughput reaches KNEE of the best one."""
    best = max(row["throughput_per_s"] for row in rows)
    return next(row for row in rows if row["throughput_per_s"] >= KNEE * best)


def plot(emit: Emitter, sweeps: Sequence[Sequence[dict[str, Any]]]) -> None:
    """Throughput and per-item latency against the batch size, one line per variant."""
    x_label = Text("размер на пакета", "batch size")
    for key, y_label in (("throughput_per_s", Text("елемента/s", "items/s")),
                         ("latency_ms_per_item", Text("ms на елемент", "ms per item"))):
        for rows in sweeps:
            name = Text(rows[0]["variant_bg"], rows[0]["variant"])
            emit.series(name, x_label, y_label, [row["batch_size"] for row in rows],
                        [row[key] for row in rows], log_x=True)


def _ms(row: dict[str, Any]) -> float:
    return float(row["latency_ms_median"])


def read_knee(rows: Sequence[dict[str, Any]]) -> Text:
    first, at_knee, last = rows[0], knee(rows), rows[-1]
    best = max(rows, key=lambda r: r["throughput_per_s"])
    gain = best["throughput_per_s"] / first["throughput_per_s"]
    b0, bk, bb = first["batch_size"], at_knee["batch_size"], best["batch_size"]
    per_item = at_knee["latency_ms_per_item"]
    growth = Text(
        f"Пропускателността расте от {first['throughput_per_s']:.0f}/s при пакет {b0} до "
        f"{best['throughput_per_s']:.0f}/s при пакет {bb} (×{gain:.1f}).",
        f"Throughput grows from {first['throughput_per_s']:.0f}/s at batch {b0} to "
        f"{best['throughput_per_s']:.0f}/s at batch {bb} (×{gain:.1f}).")
    if at_knee is last and len(rows) > 1:
        where = Text(
            f"До пакет {bk} коляно няма: пропускателността още расте при най-големия измерен "
            "пакет, сметките още не са наситили процесора.",
            f"There is no knee up to batch {bk}: throughput still grows at the largest batch "
            "measured, the arithmetic has not saturated the processor yet.")
    else:
        where = Text(
            f"Коляното е при пакет {bk}: там се стига {KNEE:.0%} от най-доброто, а по-големите "
            "пакети добавят малко.",
            f"The knee is at batch {bk}: it reaches {KNEE:.0%} of the best, and larger batches "
            "add little.")
    return join(Text(
        f"{growth.bg} {where.bg} Цената е латентността: пакет от {bk} отнема "
        f"{_ms(at_knee):.2f} ms срещу {_ms(first):.2f} ms за пакет {b0} — всяка заявка чака "
        f"целия пакет, макар на елемент да се падат само {per_item:.3f} ms.",
        f"{growth.en} {where.en} The price is latency: a batch of {bk} takes "
        f"{_ms(at_knee):.2f} ms against {_ms(first):.2f} ms for batch {b0} — every request "
        f"waits for the whole batch, even though per item it is only {per_item:.3f} ms."),
        noise_caution(*rows))


def read_threads(one: Sequence[dict[str, Any]], many: Sequence[dict[str, Any]]) -> Text:
    by_batch = {row["batch_size"]: row for row in many}
    gains = {row["batch_size"]: _ms(row) / _ms(by_batch[row["batch_size"]]) for row in one}
    listed = [(batch, times(gain)) for batch, gain in gains.items()]
    threads = many[0]["threads"]
    text = Text(
        f"{threads} нишки срещу 1, по пакет — "
        + ", ".join(f"{batch}: {phrase.bg}" for batch, phrase in listed)
        + ". Когато работата е малка или чака паметта, още нишки помагат малко; при голям "
        "пакет има какво да се раздели.",
        f"{threads} threads against 1, per batch — "
        + ", ".join(f"{batch}: {phrase.en}" for batch, phrase in listed)
        + ". When the work is small or waits on memory, more threads help little; at a large "
        "batch there is work to split.")
    if min(gains.values()) < 1 - SAME:
        text = join(text, Text(
            " Тук повече нишки са били и по-бавни: ако друга програма държи ядро заето, всяка "
            "паралелна операция чака втората си нишка да получи процесор.",
            " Here more threads were even slower: when another program keeps a core busy, "
            "every parallel operation waits for its second thread to get a CPU."))
    return join(text, noise_caution(*one, *many))


def read_cuda(cpu: Sequence[dict[str, Any]], resident: Sequence[dict[str, Any]],
              copied: Sequence[dict[str, Any]]) -> Text:
    big_cpu, big_gpu, big_copy, small_gpu = cpu[-1], resident[-1], copied[-1], resident[0]
    batch, small = big_gpu["batch_size"], small_gpu["batch_size"]
    copy_ms = _ms(big_copy) - _ms(big_gpu)
    copy_share = copy_ms / _ms(big_copy)
    versus_cpu = times(_ms(big_cpu) / _ms(big_gpu))
    text = Text(
        f"При пакет {batch} GPU отнема {_ms(big_gpu):.3f} ms с входа вече на устройството и "
        f"{_ms(big_copy):.3f} ms с копирането host→device: копирането е {copy_ms:.3f} ms "
        f"({copy_share:.0%} от извикването). Спрямо CPU ({_ms(big_cpu):.3f} ms) това е "
        f"{versus_cpu.bg}.",
        f"At batch {batch} the GPU takes {_ms(big_gpu):.3f} ms with the input already on the "
        f"device and {_ms(big_copy):.3f} ms with the host→device copy: the copy is "
        f"{copy_ms:.3f} ms ({copy_share:.0%} of the call). Against the CPU "
        f"({_ms(big_cpu):.3f} ms) that is {versus_cpu.en}.")
    fixed = _ms(small_gpu) / _ms(big_gpu)
    if small < batch and fixed > 4 * small / batch:
        text = join(text, Text(
            f" При пакет {small} едно извикване отнема {_ms(small_gpu):.3f} ms — {fixed:.0%} от "
            f"времето за {batch // small}× повече работа: при малък пакет времето на GPU е за "
            "пускане на кернели, не за сметки.",
            f" At batch {small} one call takes {_ms(small_gpu):.3f} ms — {fixed:.0%} of the time "
            f"for {batch // small}× the work: at a small batch the GPU's time goes into "
            "launching kernels, not into arithmetic."))
    return join(text, noise_caution(big_cpu, big_gpu, big_copy, small_gpu))


def run(params: dict[str, Any], emit: Emitter) -> None:
    load = load_average()  # before the lab adds its own
    lab = BatchingRun(params, emit)
    many = lab.cpu_sweep(lab.threads, lab.sweep.batches)
    roof, reprobed = roofline.checked_roofline(many, lab.roof, lab.threads)
    ends = sorted({lab.sweep.batches[0], lab.sweep.one_thread_max})
    one = lab.cpu_sweep(1, ends) if lab.threads > 1 else []
    resident, copied = lab.cuda_sweep()
    plot(emit, [rows for rows in (many, one, resident, copied) if len(rows) > 1])
    reading = [read_knee(many), *reprobed, read_roofline(many, roof)]
    if one:
        reading.append(read_threads(one, many))
    else:
        reading.append(Text("С една нишка няма сравнение 1 срещу много нишки.",
                            "With one thread there is no one-versus-many comparison."))
    if resident:
        reading.append(read_cuda(many, resident, copied))
    emit.result(lab.rows, [*reading, *cautions(load, lab.rows, lambda row: str(row["variant"]),
                                               lab.sweep.batches[0], lab.sweep.batches[-1])])
