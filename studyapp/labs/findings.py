"""Reading the key numbers of a finished run from its result rows, by plain code.

Each lab's lesson (`lessons/`) builds its findings with these. No torch: the app reads stored
runs. A reader returns None when the rows do not hold what it needs (a variant was skipped,
a run of an older version), never a made-up number. A timed ratio is read with its interval:
`key`, `key_low` and `key_high` in the row.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass

from studyapp.labs.stats import Interval

Row = Mapping[str, object]
Rows = Sequence[Row]


def number(row: Row | None, key: str) -> float | None:
    """A finite number stored under `key`, or None."""
    value = None if row is None else row.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value == value and abs(value) != float("inf") else None


def interval(row: Row | None, key: str = "speedup") -> Interval | None:
    """The ratio stored under `key` with its interval (`key_low`, `key_high`), or None."""
    value, low, high = (number(row, name) for name in (key, f"{key}_low", f"{key}_high"))
    if value is None or low is None or high is None:
        return None
    return Interval(value, low, high)


def put_interval(row: MutableMapping[str, object], key: str, found: Interval | None) -> None:
    """Store a ratio and its interval under `key`, `key_low` and `key_high` (None when not
    measured)."""
    row[key] = None if found is None else found.value
    row[f"{key}_low"] = None if found is None else found.low
    row[f"{key}_high"] = None if found is None else found.high


def measured_cleanly(rows: Rows) -> bool:
    """Whether every timed row of a run was measured cleanly (none is `noisy`). A run that
    was not offers no review cards and says why in its reading."""
    return not any(row.get("noisy") for row in rows if row.get("latency_ms_median") is not None)


def multiple(value: float) -> str:
    """A ratio as the learner reads it: "×0.80", "×3.67" below ten, "×22" from ten up."""
    return f"×{value:.2f}" if value < 10 else f"×{value:.0f}"


def spanned(found: Interval) -> str:
    """"×2.90 (×2.71–3.05)": a measured ratio with its interval; an exact one alone."""
    shown = multiple(found.value)
    if found.low == found.high:
        return shown
    return f"{shown} ({multiple(found.low)}–{multiple(found.high)[1:]})"


def find(rows: Rows, **match: object) -> Row | None:
    """The first row whose values equal every one of `match`."""
    for row in rows:
        if all(row.get(key) == value for key, value in match.items()):
            return row
    return None


@dataclass(frozen=True)
class Speedups:
    """Speed-ups of one variant against its baseline at two batch sizes, with intervals."""

    model: str
    small_batch: int
    small: Interval
    large_batch: int | None
    large: Interval | None


def speedups(rows: Rows, **match: object) -> Speedups | None:
    """A variant's speed-ups (rows matching `match`) at its smallest and largest batch."""
    matching = [row for row in rows if all(row.get(k) == v for k, v in match.items())
                and interval(row) is not None and number(row, "batch_size")]
    if not matching:
        return None
    model = str(matching[0].get("model") or "")
    same = sorted((row for row in matching if str(row.get("model") or "") == model),
                  key=lambda row: number(row, "batch_size") or 0)
    small, large = same[0], same[-1] if len(same) > 1 else None
    found = interval(small)
    assert found is not None  # every matching row has one
    return Speedups(model, int(number(small, "batch_size") or 0), found,
                    int(number(large, "batch_size") or 0) if large else None,
                    interval(large))
