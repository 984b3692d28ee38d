"""Robust statistics for timings taken in interleaved rounds. Plain Python (the app reads
stored intervals with it, so it imports neither numpy nor torch).

A timing a lab reports is the median of its per-round medians, with a distribution-free
confidence interval from order statistics; a ratio of two variants is the median of their
per-round ratios (each round times both within a few milliseconds of each other, so a slow
minute of the machine cancels out), with the same kind of interval. A round far slower than
the others is a stall: the harness measures it again.

    interval = median_interval([1.02, 0.98, 1.01, …])     # Interval(value, low, high)
    ratio = paired_ratio(base_rounds, other_rounds)        # how many times faster `other` is
    ratio.excludes(1.0)                                    # a difference worth stating
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

CONFIDENCE = 0.95
MIN_ROUNDS = 6  # the fewest values that give a 95% interval for a median (coverage 0.969)
STALL_FACTOR = 2.0  # a round this many times slower than the median round…
STALL_SIGMAS = 5.0  # …and this many robust standard deviations above it is a stall
MAD_TO_SIGMA = 1.4826  # the MAD of normal data times this is its standard deviation


@dataclass(frozen=True)
class Interval:
    """A measured value and its confidence interval."""

    value: float
    low: float
    high: float

    def excludes(self, point: float) -> bool:
        """Whether the interval rules `point` out (a difference from it is measurable)."""
        return self.low > point or self.high < point

    def direction(self, point: float = 1.0) -> int:
        """+1 when the whole interval lies above `point`, −1 below, 0 when it includes it."""
        return 1 if self.low > point else -1 if self.high < point else 0

    def scaled(self, factor: float) -> Interval:
        """Every bound times a positive `factor` (a time turned into a rate, say)."""
        return Interval(self.value * factor, self.low * factor, self.high * factor)

    def inverted(self, numerator: float = 1.0) -> Interval:
        """`numerator / x` for each bound (a time turned into a throughput, say)."""
        return Interval(numerator / self.value, numerator / self.high, numerator / self.low)


def order_statistic_ranks(n: int, confidence: float = CONFIDENCE) -> tuple[int, int]:
    """0-based ranks (k, n−1−k) of the sorted values bounding the median with at least
    `confidence` coverage; (0, n−1) when n is too small for that coverage."""
    best = 0
    for k in range(n // 2):
        # P(the median lies outside [x_k, x_(n-1-k)]) = 2·P(Binomial(n, ½) ≤ k)
        below = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
        if 1 - 2 * below < confidence:
            break
        best = k
    return best, n - 1 - best


def median_interval(values: Sequence[float], confidence: float = CONFIDENCE) -> Interval:
    """The median of `values` and a distribution-free confidence interval for it."""
    if not values:
        raise ValueError("need at least one value")
    ordered = sorted(float(value) for value in values)
    low, high = order_statistic_ranks(len(ordered), confidence)
    return Interval(statistics.median(ordered), ordered[low], ordered[high])


def paired_ratio(base: Sequence[float], other: Sequence[float]) -> Interval:
    """How many times longer `base` took than `other`, round by round: the median of the
    per-round ratios and its interval. Above 1: `other` is faster."""
    if len(base) != len(other):
        raise ValueError("the two variants must have the same rounds")
    return median_interval([b / o for b, o in zip(base, other, strict=True)])


def mad(values: Sequence[float]) -> float:
    """The median absolute deviation from the median."""
    middle = statistics.median(values)
    return statistics.median(abs(value - middle) for value in values)


def stalled(values: Sequence[float]) -> list[int]:
    """Indexes of the rounds that are stalls: far slower than the median round both
    relatively (STALL_FACTOR) and in robust standard deviations (STALL_SIGMAS)."""
    if len(values) < 3:
        return []
    middle = statistics.median(values)
    sigma = MAD_TO_SIGMA * mad(values)
    return [index for index, value in enumerate(values)
            if value > STALL_FACTOR * middle and value > middle + STALL_SIGMAS * sigma]
