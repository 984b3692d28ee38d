"""Robust statistics of interleaved rounds: intervals, paired ratios, stalls."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from studyapp.labs import stats
from studyapp.labs.stats import Interval


def coverage(n: int, k: int) -> float:
    return 1 - 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n


@pytest.mark.parametrize("n", range(6, 41))
def test_order_statistic_ranks_are_the_narrowest_with_95_percent_coverage(n: int) -> None:
    low, high = stats.order_statistic_ranks(n)
    assert high == n - 1 - low
    assert coverage(n, low) >= 0.95
    assert low + 1 >= n // 2 or coverage(n, low + 1) < 0.95


def test_fewer_than_six_values_give_their_whole_range() -> None:
    assert stats.order_statistic_ranks(5) == (0, 4)
    assert stats.median_interval([3.0, 1.0, 2.0]) == Interval(2.0, 1.0, 3.0)


def test_fifteen_rounds_give_the_fourth_and_twelfth_values() -> None:
    values = [float(v) for v in range(1, 16)]
    assert stats.median_interval(values[::-1]) == Interval(8.0, 4.0, 12.0)


def test_the_interval_covers_the_true_median_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(0)
    trials = 2000
    hits = 0
    for _ in range(trials):
        found = stats.median_interval(list(rng.lognormal(0.0, 0.5, 15)))
        hits += found.low <= 1.0 <= found.high  # the lognormal's median is e^0 = 1
    assert 0.94 <= hits / trials <= 0.99


def test_paired_ratios_cancel_a_drift_that_hits_both_variants() -> None:
    drift = [1.0, 1.3, 0.8, 2.0, 1.1, 0.9, 1.5, 1.0]  # the machine's speed, round by round
    base = [3.0 * d for d in drift]
    other = [1.0 * d for d in drift]
    found = stats.paired_ratio(base, other)
    assert (found.value, found.low, found.high) == pytest.approx((3.0, 3.0, 3.0))
    assert found.direction() == 1
    unpaired = stats.median_interval(base).value / stats.median_interval(other).value
    assert unpaired == pytest.approx(3.0)  # the median agrees, but…
    assert stats.median_interval(base).high / stats.median_interval(other).low > 5  # …spans


def test_a_ratio_whose_interval_includes_one_has_no_direction() -> None:
    found = stats.paired_ratio([1.0, 1.1, 0.9, 1.05, 0.95, 1.0], [1.0] * 6)
    assert not found.excludes(1.0) and found.direction() == 0
    assert Interval(0.7, 0.6, 0.8).direction() == -1


def test_intervals_scale_and_invert_with_their_bounds_in_order() -> None:
    times_ms = Interval(2.0, 1.0, 4.0)
    assert times_ms.scaled(10.0) == Interval(20.0, 10.0, 40.0)
    assert times_ms.inverted(1000.0) == Interval(500.0, 250.0, 1000.0)


def test_a_stall_is_far_slower_both_relatively_and_robustly() -> None:
    rounds = [1.0, 1.02, 0.98, 1.01, 40.0, 0.99, 1.0, 1.03]
    assert stats.stalled(rounds) == [4]
    assert stats.stalled([1.0, 1.2, 0.9, 1.1, 1.9, 1.0]) == []  # 1.9× is not a stall
    assert stats.stalled([1.0, 1.0, 1.0, 1.0, 2.1]) == [4]  # no spread at all: 2.1× is
    assert stats.stalled([1.0, 9.0]) == []  # too few rounds to tell


@given(st.lists(st.floats(0.01, 1000.0), min_size=1, max_size=60))
def test_the_interval_holds_its_median(values: list[float]) -> None:
    found = stats.median_interval(values)
    assert found.low <= found.value <= found.high
    assert min(values) <= found.low and found.high <= max(values)
