"""Lab `serving` (after step 3): a model behind a real request queue, at loads that cross
saturation, served one at a time and with dynamic batching; then a language model, with
dynamic and with continuous batching.

First the harness times one request and a full batch (`max_batch`) interleaved: one over the
time of one request is the capacity of serving one at a time, and the loads are shares of it
(0.2…1.5), so the sweep crosses saturation on any machine. Then, round after round, every
policy serves the queue at every load in a shuffled order (`serving_queue.py`: one thread,
open-loop Poisson arrivals replayed against the clock, a seeded stream per round, the same for
every policy and load in it). Each row is a policy at a load: p50/p90/p99 latency, achieved
throughput and utilisation, medians over the rounds with their intervals, and ratios from
the paired rounds. Then the `decode` lab's language model behind the same queue, batched
to completion against continuous batching (`serving_decoder.py`); both models run on the
lab's device (`device=cuda`: the GPU where there is one). The reading is
`lessons/serving.py`'s and `lessons/serving_decoder.py`'s. torch is imported inside the
functions (lab child process only).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from studyapp.labs import harness, readings, serving_decoder
from studyapp.labs import serving_rows as vocab
from studyapp.labs.columns import columns, interval_columns
from studyapp.labs.envinfo import contended, cuda_available, load_average
from studyapp.labs.events import Column, Emitter, Row
from studyapp.labs.findings import number, put_interval
from studyapp.labs.lessons import serving as lesson
from studyapp.labs.params import Params, ParamSpec, timing_model
from studyapp.labs.serving_queue import (
    DynamicBatching,
    OneAtATime,
    Point,
    Policy,
    Request,
    arrivals,
    measured,
    serve,
)
from studyapp.labs.stats import median_interval, paired_ratio
from studyapp.text import Text

PARAMS: dict[str, ParamSpec] = {
    "model": timing_model("mlp", "cnn"),
    "max_batch": ParamSpec(int, 16, min=2, max=256, help=Text(
        "най-много заявки в пакет", "the most requests in a batch")),
    "window_ms": ParamSpec(float, 1.0, min=0.0, max=100.0, help=Text(
        "колко най-много чака най-старата заявка, докато пакетът се напълни",
        "how long the oldest request waits at most for the batch to fill")),
    "p99_budget_ms": ParamSpec(float, vocab.DEFAULT_BUDGET_MS, min=0.01, max=10_000.0, help=Text(
        "целта за p99 на латентността", "the p99 latency target")),
}


@dataclass(frozen=True)
class Size:
    loads: tuple[float, ...]  # offered rates, as shares of one-at-a-time capacity
    rounds: int  # every policy at every load, once per round, in a shuffled order
    seconds: float  # what the queue runs should take together, at the planned rates
    min_requests: int  # per run of the queue, however slow the model
    service: harness.Plan


SIZES: dict[str, Size] = {
    "quick": Size((0.3, 0.9, 2.0), 6, 1.0, 100,
                  harness.Plan(rounds=6, block_s=0.002, warmup=1, retries=2)),
    "default": Size((0.2, 0.4, 0.6, 0.8, 0.9, 1.0, 1.2, 1.5), 6, 4.0, 200,
                    harness.Plan(rounds=9, block_s=0.005, warmup=1, retries=2)),
}
MAX_REQUESTS = 5000  # per run of the queue: a very fast model still fits its time
STRETCH = 2.5  # a run of the queue ends at this many times its arrivals' span: at ρ 1.5 on
# a machine 20% slower than its harness timing it needs 1.9 times, a crowded one far more


COLUMNS: tuple[Column, ...] = columns(
    Column("variant", Text("политика, товар", "policy, load")), "batch_size",
    Column("rate_per_s", Text("подадени", "offered"), "1/s"),
    Column("throughput_per_s", Text("обслужени", "served"), "1/s"),
    Column("latency_ms_median", Text("p50", "p50"), "ms"), "latency_ms_p90",
    Column("latency_ms_p99", Text("p99", "p99"), "ms"),
    Column("busy", Text("заетост", "busy"), "0..1"),
    Column("mean_batch", Text("ср. пакет", "mean batch")),
    *interval_columns("throughput_per_s", Text("обслужени", "served"), "1/s")[1:],
    Column("latency_ms_low", Text("p50 от", "p50 from"), "ms"),
    Column("latency_ms_high", Text("p50 до", "p50 to"), "ms"),
    *interval_columns("latency_ms_p99", Text("p99", "p99"), "ms")[1:],
    *interval_columns("p99_growth", Text("p99 спрямо най-лекия товар",
                                          "p99 vs lightest load"), "×"),
    *interval_columns("throughput_vs_one", Text("обслужени спрямо една по една",
                                                 "served vs one at a time"), "×"),
    *interval_columns("p50_vs_one", Text("p50 спрямо една по една", "p50 vs one at a time"), "×"),
    Column("requests", Text("заявки", "requests")),
    Column("unfinished", Text("недовършени", "unfinished")), "rounds", "noisy", "device",
    "status",
)


def count_for(size: Size, capacity_per_s: float) -> int:
    """Requests per run of the queue, so that every policy at every load in every round
    takes about `size.seconds` together at the planned rates."""
    per_request_s = size.rounds * len(vocab.POLICIES) * sum(
        1 / (load * capacity_per_s) for load in size.loads)
    return max(size.min_requests, min(MAX_REQUESTS, int(size.seconds / per_request_s)))


def rounds_of(points: dict[tuple[str, float], list[Point]], policy: str, load: float,
              key: str) -> list[float]:
    return [float(getattr(point, key)) for point in points[(policy, load)]]


def point_row(policy: str, load: float, capacity: float,
              points: dict[tuple[str, float], list[Point]]) -> Row:
    """A policy at a load: medians over the rounds, with their intervals, and its ratios
    from the paired rounds (against its lightest load, and against one at a time)."""
    def of(key: str, at: float = load, who: str = policy) -> list[float]:
        return rounds_of(points, who, at, key)

    p50 = median_interval(of("p50_ms"))
    row = {**vocab.case_row(vocab.SWEEP, policy, load, points[(policy, load)]),
           "rate_per_s": load * capacity, "latency_ms_median": p50.value,
           "latency_ms_low": p50.low, "latency_ms_high": p50.high}
    put_interval(row, "latency_ms_p99", median_interval(of("p99_ms")))
    put_interval(row, "throughput_per_s", median_interval(of("throughput_per_s")))
    put_interval(row, "keeps_up", median_interval(of("keeps_up")))
    lightest = min(at for who, at in points if who == policy)
    put_interval(row, "p99_growth", None if load == lightest
                 else paired_ratio(of("p99_ms"), of("p99_ms", lightest)))
    if policy != vocab.ONE_AT_A_TIME:
        put_interval(row, "throughput_vs_one", paired_ratio(
            of("throughput_per_s"), of("throughput_per_s", who=vocab.ONE_AT_A_TIME)))
        put_interval(row, "p50_vs_one", paired_ratio(
            of("p50_ms"), of("p50_ms", who=vocab.ONE_AT_A_TIME)))
    return row


class ServingRun:
    """The model, its inputs at every batch size, the settings and the rows so far."""

    def __init__(self, params: Params, emit: Emitter) -> None:
        import torch

        from studyapp.labs import zoo
        from studyapp.labs.digits import sample_batch

        self.emit = emit
        self.threads, self.seed = int(params["threads"]), int(params["seed"])
        self.size = SIZES[str(params["size"])]
        self.max_batch = int(params["max_batch"])
        self.window_ms = float(params["window_ms"])
        self.budget_ms = float(params["p99_budget_ms"])
        self.rows: list[Row] = []
        self.device = "cuda" if params["device"] == "cuda" and cuda_available() else "cpu"
        if self.device != params["device"]:
            self.rows.append(readings.cuda_skipped(emit, self.threads, Text(
                "Няма CUDA устройство: опашката е обслужена на процесора.",
                "No CUDA device: the queue was served on the CPU.")))
        self.step = readings.Steps(emit, 3 + self.size.rounds + serving_decoder.steps(
            str(params["size"])), readings.LiveTable(
            "serving", Text("Опашка от заявки: латентност и пропускателна способност",
                            "A request queue: latency and throughput"), COLUMNS, self.rows))
        self.step(Text("моделът и входовете му", "the model and its inputs"))
        self.trained = zoo.untrained(str(params["model"]), seed=self.seed)
        self.model = self.trained.model.to(self.device)
        self.inputs = {n: torch.from_numpy(sample_batch(n, self.seed)).to(self.device)
                       for n in range(1, self.max_batch + 1)}
        self.sync = harness.synchronizer(self.device)
        self.common = {"model": self.trained.name, "threads": self.threads,
                       "device": self.device, "max_batch": self.max_batch,
                       "window_ms": self.window_ms, "p99_budget_ms": self.budget_ms,
                       "status": "ok"}

    def call(self, n: int) -> None:
        """One call of the model on `n` requests (their inputs stacked)."""
        self.model(self.inputs[n])
        if self.sync is not None:
            self.sync()

    def engine(self, active: Sequence[Request]) -> None:
        """The queue's step: one call on the requests in progress."""
        self.call(len(active))

    def warm(self) -> None:
        """Every batch size once or twice: a new shape builds its kernels on its first call,
        a stall that would otherwise land in the middle of the sweep."""
        import torch

        self.step(Text("загряване на всеки размер на пакета", "warming every batch size"))
        with harness.torch_threads(self.threads), torch.inference_mode():
            for n in self.inputs:
                for _ in range(2):
                    self.call(n)

    def service(self) -> float:
        """One request and a full batch timed interleaved; one-at-a-time capacity, per s."""
        self.step(Text("време за една заявка и за пълен пакет",
                       "the time of one request and of a full batch"))
        calls: dict[str, Callable[[], object]] = {
            str(n): partial(self.call, n) for n in (1, self.max_batch)}
        comparison = harness.interleaved(calls, threads=self.threads, plan=self.size.service)
        one = comparison["1"]
        for n in (1, self.max_batch):
            timing = comparison[str(n)]
            name = vocab.ONE_REQUEST if n == 1 else vocab.FULL_BATCH
            row: Row = {"comparison": vocab.SERVICE, "variant": name.en,
                        "variant_bg": name.bg, "batch_size": n,
                        **timing.as_row(samples=True), **self.common,
                        "throughput_per_s": n / timing.median_ms * 1e3}
            put_interval(row, "throughput_gain",
                         comparison.speedup("1", str(n)).scaled(n) if n > 1 else None)
            self.rows.append(row)
        return 1e3 / one.median_ms

    def sweep(self, capacity: float) -> None:
        """Every policy at every load, once per round, in a shuffled order."""
        policies: dict[str, Policy] = {
            vocab.ONE_AT_A_TIME: OneAtATime(),
            vocab.DYNAMIC: DynamicBatching(self.max_batch, self.window_ms / 1e3)}
        cases = [(policy, load) for policy in policies for load in self.size.loads]
        count = count_for(self.size, capacity)
        patterns = [arrivals(count, self.seed + index) for index in range(self.size.rounds)]

        def run(round_index: int, case: tuple[str, float]) -> Point:
            policy, load = case
            rate = load * capacity
            pattern = patterns[round_index]
            requests = [Request(when / rate) for when in pattern]
            return measured(serve(requests, policies[policy], self.engine,
                                  stop_at=STRETCH * pattern[-1] / rate))

        def on_round(done: int) -> None:
            self.step(Text(f"кръг {done} от {self.size.rounds}",
                           f"round {done} of {self.size.rounds}"))

        points, others = harness.shuffled_rounds(cases, self.size.rounds, run,
                                                 threads=self.threads, seed=self.seed,
                                                 on_round=on_round)
        crowded = contended(self.threads, others)
        for policy, load in cases:
            self.rows.append({**point_row(policy, load, capacity, points), **self.common,
                              "noisy": crowded, "others_cores": others})


def plot(emit: Emitter, rows: Sequence[Row], budget_ms: float) -> None:
    """The latency–throughput curve (p99 against requests served per second) of each policy,
    with the p99 budget; and p50 against the load."""
    served = Text("обслужени заявки/s", "requests served/s")
    p99 = Text("p99, ms", "p99, ms")
    ends: list[float] = []
    for policy in vocab.POLICIES:
        sweep = vocab.sweep(rows, policy)
        if sweep:
            xs = [number(row, "throughput_per_s") or 0.0 for row in sweep]
            ends += xs
            emit.series(vocab.label(policy), served, p99, xs,
                        [number(row, "latency_ms_p99") for row in sweep], log_y=True)
            emit.series(Text(f"{vocab.label(policy).bg}, p50", f"{vocab.label(policy).en}, p50"),
                        Text("товар ρ", "load ρ"), Text("p50, ms", "p50, ms"),
                        [vocab.load_of(row) for row in sweep],
                        [number(row, "latency_ms_median") for row in sweep], log_y=True)
    if ends:
        emit.series(Text("целта за p99", "p99 target"), served, p99, [min(ends), max(ends)],
                    [budget_ms, budget_ms], log_y=True)


def run(params: Params, emit: Emitter) -> None:
    load = load_average()  # before the lab adds its own
    lab = ServingRun(params, emit)
    lab.warm()
    capacity = lab.service()
    lab.sweep(capacity)
    rows = [*lab.rows, *serving_decoder.measure(params, emit, lab.step, lab.common)]
    plot(emit, rows, lab.budget_ms)
    serving_decoder.plot(emit, rows)
    lab.step.table()
    lab.step.finish(Text("готово", "done"))
    emit.result(rows, [*lesson.reading(rows), *readings.cautions(load, rows)])

