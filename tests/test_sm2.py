"""SM-2 as DESIGN §3 states it: published deltas, exact easiness, floors and resets."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from math import ceil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studyapp.srs.sm2 import Sm2State, easiness_delta_x100, review

grades = st.integers(min_value=0, max_value=5)


def run(grade_sequence: list[int], state: Sm2State | None = None) -> list[Sm2State]:
    """Every state along the way, the start excluded."""
    states = []
    current = state or Sm2State.new()
    for grade in grade_sequence:
        current = review(current, grade)
        states.append(current)
    return states


def test_new_item_starts_at_zero_repetitions_ef_2_5_interval_0() -> None:
    assert Sm2State.new() == Sm2State(repetitions=0, easiness=2.5, interval=0)


@pytest.mark.parametrize(
    ("grade", "delta"),
    [(0, "-0.8"), (1, "-0.54"), (2, "-0.32"), (3, "-0.14"), (4, "0"), (5, "0.1")],
)
def test_published_easiness_deltas(grade: int, delta: str) -> None:
    assert Decimal(easiness_delta_x100(grade)) / 100 == Decimal(delta)
    # from an EF high enough that the 1.3 floor does not interfere
    after = review(Sm2State.from_x100(3, 300, 10), grade)
    assert after.easiness_x100 == 300 + int(Decimal(delta) * 100)


def test_run_of_fives_gives_published_intervals_and_exact_easiness() -> None:
    states = run([5] * 6)
    assert [s.interval for s in states] == [1, 6, 17, 48, 140, 420]
    assert [s.repetitions for s in states] == [1, 2, 3, 4, 5, 6]
    assert [s.easiness for s in states] == [2.6, 2.7, 2.8, 2.9, 3.0, 3.1]


def test_easiness_has_no_float_drift_after_many_steps() -> None:
    sequence = [5, 4, 3, 5, 2, 5, 5, 4, 0, 5] * 30
    state = run(sequence)[-1]
    expected = Decimal("2.5")
    for grade in sequence:
        q = 5 - grade
        expected = max(
            Decimal("1.3"), expected + Decimal("0.1") - q * (Decimal("0.08") + q * Decimal("0.02"))
        )
    assert state.easiness_x100 == int(expected * 100)
    assert state.easiness == float(expected)
    # what naive float accumulation of the same steps would give differs
    naive = 2.5
    for grade in sequence:
        q = 5 - grade
        naive = max(1.3, naive + (0.1 - q * (0.08 + q * 0.02)))
    assert naive != float(expected)


def test_long_run_of_fives_stays_exact() -> None:
    states = run([5] * 50)
    assert states[-1].easiness_x100 == 250 + 50 * 10
    assert states[-1].easiness == 7.5  # no upper cap
    for before, after in pairwise(states):
        if before.repetitions >= 2:
            assert after.interval == ceil(Fraction(before.interval * before.easiness_x100, 100))


@given(st.lists(grades, min_size=1, max_size=80))
def test_easiness_never_below_floor_and_interval_never_below_one(sequence: list[int]) -> None:
    for state in run(sequence):
        assert state.easiness_x100 >= 130
        assert state.easiness >= 1.3
        assert state.interval >= 1
        assert state.repetitions >= 0


@given(st.lists(grades, min_size=1, max_size=40))
def test_easiness_is_a_multiple_of_0_02_plus_start(sequence: list[int]) -> None:
    for state in run(sequence):
        assert state.easiness == state.easiness_x100 / 100
        # 250 and every delta are even, 130 too: EF stays on the 0.02 grid
        assert state.easiness_x100 % 2 == 0


def test_floor_holds_after_repeated_failures() -> None:
    states = run([0] * 5)
    assert [s.easiness_x100 for s in states] == [170, 130, 130, 130, 130]


@pytest.mark.parametrize("fail", [0, 1, 2])
def test_fail_resets_repetitions_and_gives_one_day(fail: int) -> None:
    learned = run([5, 5, 5, 5])[-1]
    assert learned.interval == 48
    after = review(learned, fail)
    assert after.repetitions == 0
    assert after.interval == 1
    assert after.easiness_x100 == learned.easiness_x100 + easiness_delta_x100(fail)
    # learned anew: the next passes give 1 and then 6 days
    assert [s.interval for s in run([4, 4], after)] == [1, 6]


def test_interval_uses_easiness_before_the_update() -> None:
    state = Sm2State.from_x100(repetitions=2, easiness_x100=250, interval=6)
    # grade 3 lowers EF to 2.36; the interval must use 2.5: ceil(6 * 2.5) = 15, not ceil(14.16)
    after = review(state, 3)
    assert after.interval == 15
    assert after.easiness_x100 == 236
    # grade 5 raises EF to 2.6; the interval must still use 2.5
    assert review(state, 5).interval == 15


def test_grade_three_passes_and_grade_two_fails() -> None:
    start = Sm2State.from_x100(repetitions=1, easiness_x100=250, interval=1)
    assert review(start, 3).repetitions == 2
    assert review(start, 2).repetitions == 0


def test_review_does_not_mutate_its_input() -> None:
    state = Sm2State.from_x100(repetitions=3, easiness_x100=260, interval=17)
    copy = replace(state)
    result = review(state, 0)
    assert state == copy
    assert result is not state
    with pytest.raises(AttributeError):
        state.interval = 1  # type: ignore[misc]


@pytest.mark.parametrize("grade", [True, False, 3.0, 4.5, "4", None, -1, 6, [3]])
def test_grade_outside_whole_numbers_0_to_5_raises(grade: object) -> None:
    with pytest.raises(ValueError, match="grade"):
        review(Sm2State.new(), grade)  # type: ignore[arg-type]
