"""A clock for the serving queue's tests: seconds move only when the server sleeps or a test
moves them (an engine's call "taking" time), so a queue's timings are exact.

No tests here; the serving test modules import from it.
"""

from __future__ import annotations


class QueueClock:
    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def sleep_until(self, when: float) -> None:
        self.t = max(self.t, when)
