"""SuperMemo SM-2 (Wozniak, 1990), kept exact.

Easiness moves in steps of 0.02, so it is computed in integer hundredths:
a long run of 5s gives 1, 6, 17, 48, 140, 420, … days with no float drift.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_EASINESS_X100 = 130
START_EASINESS_X100 = 250
PASSING_GRADE = 3


@dataclass(frozen=True)
class Sm2State:
    repetitions: int
    easiness: float
    interval: int

    @classmethod
    def new(cls) -> Sm2State:
        return cls(repetitions=0, easiness=START_EASINESS_X100 / 100, interval=0)

    @property
    def easiness_x100(self) -> int:
        """Easiness in exact hundredths, as the store keeps it."""
        return round(self.easiness * 100)

    @classmethod
    def from_x100(cls, repetitions: int, easiness_x100: int, interval: int) -> Sm2State:
        return cls(repetitions=repetitions, easiness=easiness_x100 / 100, interval=interval)


def check_grade(grade: object) -> int:
    """`grade` if it is an int in 0..5 (bool is not), else ValueError."""
    if isinstance(grade, bool) or not isinstance(grade, int) or not 0 <= grade <= 5:
        raise ValueError(f"grade must be a whole number from 0 to 5, got {grade!r}")
    return grade


def easiness_delta_x100(grade: int) -> int:
    """EF' - EF in hundredths: 0.1 - (5-q)(0.08 + (5-q)·0.02)."""
    return _delta_x100(check_grade(grade))


def _delta_x100(grade: int) -> int:
    miss = 5 - grade
    return 10 - miss * (8 + miss * 2)


def review(state: Sm2State, grade: int) -> Sm2State:
    """The state after answering with `grade` (0..5); `state` is not changed."""
    check_grade(grade)
    ef = state.easiness_x100
    if grade >= PASSING_GRADE:
        if state.repetitions == 0:
            interval = 1
        elif state.repetitions == 1:
            interval = 6
        else:
            interval = -(-state.interval * ef // 100)  # ceil(I * EF), EF before this answer
        repetitions = state.repetitions + 1
    else:
        repetitions, interval = 0, 1
    new_ef = max(MIN_EASINESS_X100, ef + _delta_x100(grade))
    return Sm2State.from_x100(repetitions, new_ef, interval)
