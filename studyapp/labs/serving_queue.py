"""A request queue served by one thread: open-loop arrivals replayed against the clock, and
the policies that decide what runs next. No torch here: the lab hands it the model's call.

Arrivals are scheduled before the run (`arrivals`: a seeded Poisson stream of rate 1,
divided by the rate wanted), so they never wait for the server — open loop. The loop
admits each request once the clock passes its scheduled time, asks the policy what to start,
runs it, and sleeps only when nothing is to be done. A request's latency runs from its
scheduled arrival to the end of the call that finished it, however late the server got to
it. One thread does it all: a producer thread beside the server would fight it for the GIL
and delay the arrivals themselves.

A policy sees the waiting requests, how many are in progress and the clock, and says how many
to start now or until when to wait (`Decision`). A request needs `steps` calls of the engine:
the one-shot models need one; a decoder's request one per output token (its prompt's
prefill gives the first). Batching a decoder's requests statically (`DynamicBatching`), a
batch runs as long as its longest request and returns together; continuous batching lets
requests join and leave between steps (`ContinuousBatching`).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

SPIN_S = 0.0003  # the last stretch of a wait is spun, not slept: a sleep overshoots by ~60 µs


def arrivals(count: int, seed: int) -> list[float]:
    """`count` arrival times, in seconds, of a Poisson process of rate 1 (exponential gaps of
    mean 1), seeded; divided by a rate they are that rate's arrivals, in the same pattern."""
    gaps = np.random.default_rng(seed).exponential(1.0, count)
    return [float(when) for when in np.cumsum(gaps)]


@dataclass
class Request:
    arrival: float  # scheduled, in seconds from the start of the run
    steps: int = 1  # calls of the engine it still needs
    key: int = 0  # which of the lab's inputs it carries (a decoder's prompt)
    start: float = math.nan  # when a call first included it
    first: float = math.nan  # when that first call ended (a decoder's first token)
    finish: float = math.nan  # when the call that completed it ended
    batch: int = 0  # requests in the call that started it
    needed: int = field(init=False)  # the steps it asked for
    taken: int = 0  # calls that included it so far

    def __post_init__(self) -> None:
        self.needed = self.steps

    @property
    def latency(self) -> float:
        return self.finish - self.arrival


@dataclass(frozen=True)
class Decision:
    take: int = 0  # waiting requests to start now, oldest first
    until: float | None = None  # when none: wait until then (or the next arrival)
    pad: bool = False  # those started run as long as the longest of them, finishing with it


class Policy(Protocol):
    def decide(self, waiting: Sequence[Request], active: int, now: float) -> Decision:
        """What to do at `now` with `waiting` requests queued and `active` in progress."""
        ...


@dataclass(frozen=True)
class OneAtATime:
    """First come, first served, a batch of one."""

    def decide(self, waiting: Sequence[Request], active: int, now: float) -> Decision:
        return Decision(take=1) if waiting and not active else Decision()


@dataclass(frozen=True)
class DynamicBatching:
    """Up to `max_batch` waiting requests, started once that many wait or the oldest has
    waited `window_s` (as Triton's dynamic batcher does); a batch runs to completion, as long
    as its longest request, and returns together: no request joins or leaves it."""

    max_batch: int
    window_s: float

    def decide(self, waiting: Sequence[Request], active: int, now: float) -> Decision:
        if active or not waiting:
            return Decision()
        deadline = waiting[0].arrival + self.window_s
        if len(waiting) >= self.max_batch or now >= deadline:
            return Decision(take=min(len(waiting), self.max_batch), pad=True)
        return Decision(until=deadline)


@dataclass(frozen=True)
class ContinuousBatching:
    """Before every step, waiting requests join those in progress, up to `max_batch` in
    all; a request leaves as soon as its own steps are done (as LLM servers such as vLLM
    schedule)."""

    max_batch: int

    def decide(self, waiting: Sequence[Request], active: int, now: float) -> Decision:
        return Decision(take=min(len(waiting), self.max_batch - active))


class Clock(Protocol):
    def now(self) -> float: ...

    def sleep_until(self, when: float) -> None: ...


class WallClock:
    """`time.perf_counter`, and waits that sleep, then spin the last SPIN_S."""

    def now(self) -> float:
        return time.perf_counter()

    def sleep_until(self, when: float) -> None:
        left = when - time.perf_counter()
        if left > SPIN_S:
            time.sleep(left - SPIN_S)
        while time.perf_counter() < when:
            pass


@dataclass(frozen=True)
class Served:
    """One run of the queue: every request with its times, how long the run took (from its
    start to the last finish) and how much of that the engine was running."""

    requests: tuple[Request, ...]
    wall_s: float
    busy_s: float


Engine = Callable[[Sequence[Request]], object]  # one step for the requests in progress: a
# request whose `first` is still nan is in its first step


def serve(requests: Sequence[Request], policy: Policy, engine: Engine,
          clock: Clock | None = None, stop_at: float = math.inf) -> Served:
    """Replay `requests` at their scheduled arrivals through `policy` and `engine`; at
    `stop_at` (seconds from the start) the run ends, and the requests it had not finished
    keep no `finish` (a machine far slower than planned cannot stretch a run without end)."""
    clock = clock or WallClock()
    pending = deque(sorted(requests, key=lambda request: request.arrival))
    waiting: deque[Request] = deque()
    active: list[Request] = []
    busy = 0.0
    start = clock.now()
    while pending or waiting or active:
        now = clock.now() - start
        if now >= stop_at:
            break
        while pending and pending[0].arrival <= now:
            waiting.append(pending.popleft())
        decision = policy.decide(waiting, len(active), now)
        started = [waiting.popleft() for _ in range(decision.take)]
        longest = max((request.steps for request in started), default=0)
        for request in started:
            request.start = now
            request.steps = longest if decision.pad else request.steps
        active += started
        if active:
            for request in started:
                request.batch = len(active)
            began = clock.now()
            engine(active)
            ended = clock.now()
            busy += ended - began
            for request in active:
                if math.isnan(request.first):
                    request.first = ended - start
                request.steps -= 1
                request.taken += 1
                if request.steps == 0:
                    request.finish = ended - start
            active = [request for request in active if request.steps > 0]
            continue
        wake = [when for when in (decision.until, pending[0].arrival if pending else None)
                if when is not None]
        if not wake:
            raise RuntimeError("the policy neither started a request nor named a time to wait")
        clock.sleep_until(start + min(wake))
    return Served(tuple(requests), clock.now() - start, busy)


@dataclass(frozen=True)
class Point:
    """What one run of the queue measured."""

    p50_ms: float
    p90_ms: float
    p99_ms: float
    throughput_per_s: float  # requests finished per second of the run
    keeps_up: float  # requests finished per request arrived, over the middle of the run
    busy: float  # share of the run the engine was running
    mean_batch: float  # of the calls that started the requests served
    served: int
    unfinished: int  # requests the run ended before (see `serve`'s `stop_at`)


MIDDLE = (0.1, 0.9)  # the share of the arrivals' span that `keeping_up` counts over


def keeping_up(requests: Sequence[Request]) -> float:
    """Requests finished per request arrived over the middle of the arrivals' span: about 1
    while the queue keeps up (a request finishes one latency after it arrives, at the same
    rate), the served rate over the offered one when it falls behind. The ends are left out:
    the queue starts empty, and the last requests' latency says nothing of the rate."""
    first = min(request.arrival for request in requests)
    span = max(request.arrival for request in requests) - first
    start, end = (first + share * span for share in MIDDLE)
    arrived = sum(1 for request in requests if start < request.arrival <= end)
    finished = sum(1 for request in requests if start < request.finish <= end)
    return finished / arrived if arrived else math.nan


def measured(run: Served) -> Point:
    """The percentiles of latency (linear interpolation), throughput and utilisation. A
    request the run ended before counts with the time it had waited by then: at least its
    latency, so the percentiles are never flattered."""
    done = [request for request in run.requests if not math.isnan(request.finish)]
    latencies = np.asarray([request.latency if not math.isnan(request.finish)
                            else run.wall_s - request.arrival
                            for request in run.requests]) * 1e3
    p50, p90, p99 = (float(value) for value in np.percentile(latencies, [50, 90, 99]))
    return Point(p50, p90, p99, len(done) / run.wall_s, keeping_up(run.requests),
                 run.busy_s / run.wall_s,
                 float(np.mean([request.batch for request in done])) if done else 0.0,
                 len(done), len(run.requests) - len(done))


@dataclass(frozen=True)
class TokenPoint:
    """What one run of a decoder's queue measured besides its `Point`. A request the run
    ended before counts with the time it had waited by then, as in `measured`."""

    point: Point
    ttft_p50_ms: float  # time to first token: from the arrival to the end of its prefill
    ttft_p99_ms: float
    tpot_ms: float  # time per output token after the first, the median over the requests
    tokens_per_s: float  # output tokens written that requests asked for (those of unfinished
    # requests too; not a padded batch's past a request's own), per second of the run
    short_p99_ms: float  # the p99 latency of the requests asking for at most `short` tokens


def _waited_ms(run: Served, request: Request, until: float) -> float:
    return ((until if not math.isnan(until) else run.wall_s) - request.arrival) * 1e3


def decoded(run: Served, short: int) -> TokenPoint:
    """`measured`, and the token view of the same run (requests of `needed` > 1 tokens)."""
    ttft = np.percentile([_waited_ms(run, request, request.first) for request in run.requests],
                         [50, 99])
    done = [request for request in run.requests if not math.isnan(request.finish)]
    per_token = [(request.finish - request.first) * 1e3 / (request.needed - 1)
                 for request in done if request.needed > 1]
    shorts = [_waited_ms(run, request, request.finish) for request in run.requests
              if request.needed <= short]
    return TokenPoint(
        measured(run), float(ttft[0]), float(ttft[1]),
        float(np.median(per_token)) if per_token else math.nan,
        sum(min(request.taken, request.needed) for request in run.requests) / run.wall_s,
        float(np.percentile(shorts, 99)) if shorts else math.nan)
