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
to start now or until when to wait (`Decision`). A request needs `steps` calls of the engine;
the one-shot models here need one, so a started batch leaves together. A policy that lets
requests join and leave between the steps of a longer job (continuous batching of a decoder)
plugs into the same loop, with an engine whose requests need several steps.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
    steps: int = 1  # calls of the engine it needs
    start: float = math.nan  # when a call first included it
    finish: float = math.nan  # when the call that completed it ended
    batch: int = 0  # requests in the call that started it

    @property
    def latency(self) -> float:
        return self.finish - self.arrival


@dataclass(frozen=True)
class Decision:
    take: int = 0  # waiting requests to start now, oldest first
    until: float | None = None  # when none: wait until then (or the next arrival)


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
    waited `window_s` (as Triton's dynamic batcher does); a batch runs to completion."""

    max_batch: int
    window_s: float

    def decide(self, waiting: Sequence[Request], active: int, now: float) -> Decision:
        if active or not waiting:
            return Decision()
        deadline = waiting[0].arrival + self.window_s
        if len(waiting) >= self.max_batch or now >= deadline:
            return Decision(take=min(len(waiting), self.max_batch))
        return Decision(until=deadline)


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


Engine = Callable[[int], object]  # one step for that many requests in progress


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
        for _ in range(decision.take):
            request = waiting.popleft()
            request.start = now
            active.append(request)
        if active:
            for request in active[len(active) - decision.take:]:
                request.batch = len(active)
            began = clock.now()
            engine(len(active))
            ended = clock.now()
            busy += ended - began
            for request in active:
                request.steps -= 1
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
