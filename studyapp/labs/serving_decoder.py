"""The serving lab's language-model part: the decoder of the lab's size (`decoder.trained`)
behind the same request queue (`serving_queue.py`), served one at a time, in batches that
run as long as their longest request (`DynamicBatching`), and with continuous batching.

A request is a prompt — a seeded slice of the module's text, every prompt `prompt`
characters long — and a seeded number of output tokens, drawn per request between the
size's bounds. Its first step is its prompt's prefill (which gives the first token), each
later one a decode step; the prompts that join together are prefilled in one pass, and the
sequences in progress, each at its own position, decode in one batched step
(`decoder_batch.py`). Every output is greedy and real.

The harness first times a decode step for one sequence and for a full batch, and one
prompt's prefill, interleaved. A full batch's tokens per second set the loads: ρ = 1 offers
as many output tokens per second as full batches decoding back to back produce, so the
sweep crosses saturation on any machine. Then the rounds: every policy at every load in a
shuffled order, on one seeded stream of requests per round. The model runs on the lab's
device (trained on the CPU, then moved there); a step ends when its tokens are read back,
which waits for the GPU's work, and each timed call is synchronised. torch is imported
inside the functions (lab child process only).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from studyapp.labs import harness, readings
from studyapp.labs import serving_rows as vocab
from studyapp.labs.columns import columns, interval_columns
from studyapp.labs.envinfo import contended
from studyapp.labs.events import Column, Emitter, Row
from studyapp.labs.findings import number, put_interval
from studyapp.labs.params import Params
from studyapp.labs.serving_queue import (
    ContinuousBatching,
    DynamicBatching,
    Policy,
    Request,
    TokenPoint,
    arrivals,
    decoded,
    serve,
)
from studyapp.labs.stats import median_interval, paired_ratio
from studyapp.text import Text

if TYPE_CHECKING:
    import torch

    from studyapp.labs.decoder import TrainedDecoder
    from studyapp.labs.decoder_net import KVCache


@dataclass(frozen=True)
class DecoderSize:
    prompt: int  # characters of every prompt
    tokens: tuple[int, int]  # the fewest and the most output tokens a request asks for
    loads: tuple[float, ...]  # offered output tokens, as shares of full batches' rate
    rounds: int  # every policy at every load, once per round, in a shuffled order
    seconds: float  # what the queue runs should take together, at the planned rates
    min_requests: int  # per run of the queue
    plan: harness.Plan


SIZES: dict[str, DecoderSize] = {
    "quick": DecoderSize(16, (2, 16), (0.4, 1.2), 6, 1.0, 16,
                         harness.Plan(rounds=6, block_s=0.002, warmup=1, retries=1)),
    "default": DecoderSize(32, (4, 32), (0.4, 1.2), 6, 5.0, 20,
                           harness.Plan(rounds=6, block_s=0.005, warmup=1, retries=2)),
}
PROMPTS = 64  # distinct prompts a run's requests take in turn
STRETCH = 2.0  # a run of the queue ends at this many times its arrivals' span


COLUMNS: tuple[Column, ...] = columns(
    Column("variant", Text("политика, товар", "policy, load")), "batch_size",
    Column("rate_per_s", Text("подадени", "offered"), "1/s"),
    Column("tokens_per_s", Text("токени/s", "tokens/s"), "1/s"),
    Column("latency_ms_median", Text("p50", "p50"), "ms"),
    Column("latency_ms_p99", Text("p99", "p99"), "ms"),
    Column("ttft_ms_median", Text("TTFT p50", "TTFT p50"), "ms"),
    Column("ttft_ms_p99", Text("TTFT p99", "TTFT p99"), "ms"),
    Column("short_p99_ms", Text("p99 на кратките", "short p99"), "ms"),
    Column("tpot_ms", Text("на токен", "per token"), "ms"),
    Column("mean_batch", Text("ср. пакет", "mean batch")),
    Column("busy", Text("заетост", "busy"), "0..1"),
    Column("latency_ms_low", Text("p50 от", "p50 from"), "ms"),
    Column("latency_ms_high", Text("p50 до", "p50 to"), "ms"),
    *interval_columns("latency_ms_p99", Text("p99", "p99"), "ms")[1:],
    *interval_columns("tokens_per_s", Text("токени/s", "tokens/s"), "1/s")[1:],
    *interval_columns("short_p99_ms", Text("p99 на кратките", "short p99"), "ms")[1:],
    *interval_columns("tokens_vs_batch", Text("токени/s спрямо динамично",
                                               "tokens/s vs dynamic"), "×"),
    *interval_columns("short_p99_vs_batch", Text("p99 на кратките спрямо динамично",
                                                  "short p99 vs dynamic"), "×"),
    *interval_columns("ttft_vs_batch", Text("TTFT p50 спрямо динамично",
                                             "TTFT p50 vs dynamic"), "×"),
    Column("requests", Text("заявки", "requests")),
    Column("unfinished", Text("недовършени", "unfinished")), "rounds", "noisy", "status",
)
TITLE = Text("Езиков модел зад опашката: непрекъснато пакетиране",
             "A language model behind the queue: continuous batching")


class DecoderEngine:
    """The queue's step for the decoder: the joining requests' prompts prefilled in one
    pass, the others' next tokens in one batched decode step; every request's tokens kept
    (a statically batched one's past its own count, as the batch pads it, are cut off). Reading
the chosen tokens back to Python ends the step on a GPU too: it waits for the step's work."""

    def __init__(self, model: TrainedDecoder, prompts: torch.Tensor) -> None:
        self.net, self.prompts = model.net, prompts
        self.caches: dict[int, KVCache] = {}  # by id() of a request in progress
        self.replies: dict[int, list[int]] = {}  # by id() of every request started

    def __call__(self, active: Sequence[Request]) -> None:
        from studyapp.labs.decoder_batch import decode_rows, prefill_rows

        running = [request for request in active if id(request) in self.caches]
        joining = [request for request in active if id(request) not in self.caches]
        if running:
            last = self.net.tokens([self.replies[id(request)][-1] for request in running])
            picked = decode_rows(self.net, last, [self.caches[id(request)]
                                                  for request in running]).argmax(-1)
            for request, token in zip(running, picked.tolist(), strict=True):
                self.replies[id(request)].append(token)
        if joining:
            capacity = self.prompts.shape[1] + max(request.steps for request in joining)
            logits, caches = prefill_rows(
                self.net, self.prompts[[request.key for request in joining]], capacity)
            for request, cache, token in zip(joining, caches, logits.argmax(-1).tolist(),
                                             strict=True):
                self.caches[id(request)], self.replies[id(request)] = cache, [token]
        for request in active:
            if request.steps == 1:  # its last step: its cache is freed
                del self.caches[id(request)]
                del self.replies[id(request)][request.needed:]

    def reply(self, request: Request) -> list[int]:
        return self.replies[id(request)]


def prompt_batch(model: TrainedDecoder, text: str, length: int, seed: int) -> torch.Tensor:
    """PROMPTS seeded slices of `text`, `length` characters each: [PROMPTS, length]."""
    import torch

    starts = np.random.default_rng(seed).integers(0, len(text) - length, PROMPTS)
    return torch.stack([model.encode(text[start:start + length]) for start in starts])


def requests_of(pattern: Sequence[float], tokens: Sequence[int], rate: float) -> list[Request]:
    """The round's stream at `rate` requests/s: request i at its arrival, asking for its
    tokens, carrying prompt i (in turn)."""
    return [Request(when / rate, steps=count, key=index % PROMPTS)
            for index, (when, count) in enumerate(zip(pattern, tokens, strict=True))]


def _of(points: dict[tuple[str, float], list[TokenPoint]], policy: str, load: float,
        key: str) -> list[float]:
    """One measure of every round of a policy at a load: a `TokenPoint` field, else a field
    of its `Point`."""
    return [float(getattr(point, key) if key in TokenPoint.__dataclass_fields__
                  else getattr(point.point, key)) for point in points[(policy, load)]]


def _measured(values: Sequence[float]) -> bool:
    return not any(math.isnan(value) for value in values)


def token_row(policy: str, load: float, rate: float,
              points: dict[tuple[str, float], list[TokenPoint]]) -> Row:
    """A policy at a load: medians over the rounds with their intervals; for continuous
    batching its ratios from the paired rounds against dynamic batching. None where a round
    did not measure it (no request finished, say)."""
    def of(key: str, who: str = policy) -> list[float]:
        return _of(points, who, load, key)

    rounds = [point.point for point in points[(policy, load)]]
    row = {**vocab.case_row(vocab.DECODER_SWEEP, policy, load, rounds), "rate_per_s": rate,
           "throughput_per_s": statistics.median(of("throughput_per_s"))}
    for key, source in (("latency_ms_median", "p50_ms"), ("latency_ms_p99", "p99_ms"),
                        ("ttft_ms_median", "ttft_p50_ms"), ("ttft_ms_p99", "ttft_p99_ms"),
                        ("tpot_ms", "tpot_ms"), ("tokens_per_s", "tokens_per_s"),
                        ("short_p99_ms", "short_p99_ms"), ("keeps_up", "keeps_up")):
        values = of(source)
        put_interval(row, key, median_interval(values) if _measured(values) else None)
    row["latency_ms_low"], row["latency_ms_high"] = (row.pop("latency_ms_median_low"),
                                                     row.pop("latency_ms_median_high"))
    if policy == vocab.CONTINUOUS:
        for key, source in (("tokens_vs_batch", "tokens_per_s"),
                            ("short_p99_vs_batch", "short_p99_ms"),
                            ("ttft_vs_batch", "ttft_p50_ms")):
            ours, base = of(source), of(source, vocab.DYNAMIC)
            put_interval(row, key, paired_ratio(ours, base)
                         if _measured(ours) and _measured(base) and all(base) else None)
    return row


class DecoderServing:
    """The decoder, its prompts, the settings, and its rows so far (a live table of its own)."""

    def __init__(self, params: Params, emit: Emitter, size: str,
                 step: readings.Steps, common: Row) -> None:
        from studyapp.labs import decoder

        self.emit, self.step = emit, step
        self.size = SIZES[size]
        self.threads, self.seed = int(params["threads"]), int(params["seed"])
        self.max_batch = int(params["max_batch"])
        self.window_ms = float(params["window_ms"])
        text = decoder.corpus()
        self.model = decoder.trained(size, progress=emit.progress, text=text)
        self.model.net.to(str(common["device"]))
        self.sync = harness.synchronizer(str(common["device"]))
        self.prompts = prompt_batch(self.model, text, self.size.prompt, self.seed)
        low, high = self.size.tokens
        self.short = (low + high) // 2  # a request asking for at most this many is short
        self.common = {**common, "model": "decoder", "prompt_tokens": self.size.prompt,
                       "tokens_low": low, "tokens_high": high, "short_tokens": self.short,
                       "params_count": self.model.params_count,
                       "held_out_loss": self.model.held_out_loss}
        self.rows: list[Row] = []
        self.last: tuple[DecoderEngine, Request] | None = None  # a continuous run's first

    def table(self) -> None:
        self.emit.table("serving_decoder", TITLE, COLUMNS, self.rows)

    def _steps(self, rows: int, position: int) -> tuple[torch.Tensor, list[KVCache]]:
        """`rows` sequences of the first prompts, prefilled and at `position` (the last
        token for the step, and the caches)."""
        from studyapp.labs.decoder_batch import prefill_rows

        capacity = self.size.prompt + self.size.tokens[1]
        logits, caches = prefill_rows(self.model.net, self.prompts[:rows], capacity)
        for cache in caches:
            cache.length = position
        return logits.argmax(-1), caches

    def _decode(self, tokens: torch.Tensor, caches: Sequence[KVCache], position: int) -> None:
        from studyapp.labs.decoder_batch import decode_rows

        for cache in caches:
            cache.length = position
        decode_rows(self.model.net, tokens, caches)

    def _prefill(self, rows: int) -> None:
        from studyapp.labs.decoder_batch import prefill_rows

        prefill_rows(self.model.net, self.prompts[:rows],
                     self.size.prompt + self.size.tokens[1])

    def warm(self) -> None:
        """Every batch size's prefill and decode step, twice: a new shape builds its kernels
        on its first call."""
        import torch

        self.step(Text("загряване на езиковия модел", "warming the language model"))
        with harness.torch_threads(self.threads), torch.inference_mode():
            for rows in range(1, self.max_batch + 1):
                for _ in range(2):
                    tokens, caches = self._steps(rows, self.size.prompt)
                    self._decode(tokens, caches, self.size.prompt)

    def service(self) -> float:
        """A decode step for one sequence and for a full batch (halfway through the longest
        reply), and one prompt's prefill, timed interleaved; a full batch's tokens/s."""
        import torch

        self.step(Text("време за стъпка decode и за prefill",
                       "the time of a decode step and of a prefill"))
        position = self.size.prompt + self.size.tokens[1] // 2
        with torch.inference_mode():
            one, full = self._steps(1, position), self._steps(self.max_batch, position)
        calls: dict[str, Callable[[], object]] = {
            "1": partial(self._decode, *one, position),
            str(self.max_batch): partial(self._decode, *full, position),
            "prefill": partial(self._prefill, 1)}
        comparison = harness.interleaved(calls, threads=self.threads, plan=self.size.plan,
                                         synchronize=dict.fromkeys(calls, self.sync))
        for key, name, rows in (("1", vocab.ONE_STEP, 1),
                                (str(self.max_batch), vocab.BATCH_STEP, self.max_batch),
                                ("prefill", vocab.PREFILL, 1)):
            timing = comparison[key]
            row: Row = {"comparison": vocab.DECODER_SERVICE, "variant": name.en,
                        "variant_bg": name.bg, "batch_size": rows, "phase":
                        "prefill" if key == "prefill" else "decode",
                        **timing.as_row(samples=True), **self.common,
                        "tokens_per_s": rows / timing.median_ms * 1e3}
            put_interval(row, "throughput_gain", comparison.speedup("1", key).scaled(rows)
                         if rows > 1 else None)
            self.rows.append(row)
        self.table()
        return self.max_batch / comparison[str(self.max_batch)].median_ms * 1e3

    def count_for(self, full_rate: float) -> int:
        """Requests per run of the queue, so that the runs take about `seconds` together at
        the planned rates (the mean request asks for the middle of the token range)."""
        mean_tokens = sum(self.size.tokens) / 2
        per_request_s = self.size.rounds * len(vocab.DECODER_POLICIES) * sum(
            mean_tokens / (load * full_rate) for load in self.size.loads)
        return max(self.size.min_requests, int(self.size.seconds / per_request_s))

    def sweep(self, full_rate: float) -> None:
        """Every policy at every load, once per round, in a shuffled order."""
        policies: dict[str, Policy] = {
            vocab.DYNAMIC: DynamicBatching(self.max_batch, self.window_ms / 1e3),
            vocab.CONTINUOUS: ContinuousBatching(self.max_batch)}
        cases = [(policy, load) for policy in policies for load in self.size.loads]
        count, (low, high) = self.count_for(full_rate), self.size.tokens
        mean_tokens = (low + high) / 2
        patterns = [arrivals(count, self.seed + index) for index in range(self.size.rounds)]
        asks = [np.random.default_rng(self.seed + index).integers(low, high + 1, count).tolist()
                for index in range(self.size.rounds)]  # each request's output tokens

        def run(round_index: int, case: tuple[str, float]) -> TokenPoint:
            policy, load = case
            rate = load * full_rate / mean_tokens
            pattern, engine = patterns[round_index], DecoderEngine(self.model, self.prompts)
            served = serve(requests_of(pattern, asks[round_index], rate), policies[policy],
                           engine, stop_at=STRETCH * pattern[-1] / rate)
            if policy == vocab.CONTINUOUS:
                self.last = (engine, served.requests[0])
            return decoded(served, self.short)

        def on_round(done: int) -> None:
            self.step(Text(f"езиков модел: кръг {done} от {self.size.rounds}",
                           f"language model: round {done} of {self.size.rounds}"))

        points, others = harness.shuffled_rounds(cases, self.size.rounds, run,
                                                 threads=self.threads, seed=self.seed,
                                                 on_round=on_round)
        crowded = contended(self.threads, others)
        for policy, load in cases:
            rate = load * full_rate / mean_tokens
            self.rows.append({**token_row(policy, load, rate, points), **self.common,
                              "noisy": crowded, "others_cores": others})
        self.table()

    def show_reply(self) -> None:
        """One reply continuous batching wrote, after its prompt, as a note."""
        if self.last is None:
            return
        engine, request = self.last
        prompt = self.model.decode(self.prompts[request.key].tolist())
        shown = (prompt + "|" + self.model.decode(engine.reply(request))).replace("\n", " ↵ ")
        self.emit.note(f"Отговор, написан при непрекъснато пакетиране (алчно): {shown}",
                       f"A reply written under continuous batching (greedy): {shown}")


def plot(emit: Emitter, rows: Sequence[Row]) -> None:
    """The language model's latency–throughput curve: p99 against output tokens served per
    second, for each policy."""
    for policy in vocab.DECODER_POLICIES:
        found = vocab.sweep(rows, policy, vocab.DECODER_SWEEP)
        if found:
            name = vocab.label(policy)
            emit.series(Text(f"{name.bg}, езиков модел", f"{name.en}, language model"),
                        Text("токени/s", "tokens/s"), Text("p99, ms", "p99, ms"),
                        [number(row, "tokens_per_s") or 0.0 for row in found],
                        [number(row, "latency_ms_p99") for row in found], log_y=True)


def steps(size: str) -> int:
    """The progress steps the decoder part reports."""
    return 2 + SIZES[size].rounds


def measure(params: Params, emit: Emitter, step: readings.Steps,
            common: Row) -> list[Row]:
    """The decoder part, start to end: its rows."""
    part = DecoderServing(params, emit, str(params["size"]), step, common)
    part.warm()
    part.sweep(part.service())
    part.show_reply()
    return part.rows
