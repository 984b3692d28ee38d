"""Wording a lab's reading is built from: speed-up phrases, noise cautions, progress steps.

Every phrase comes from a measured number, in Bulgarian and English. No torch here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from studyapp.deck.model import Text
from studyapp.labs.events import Emitter

SAME = 0.05  # speed-ups within ±5% read as "no change"


class Steps:
    """Progress over a known number of steps: each call reports one more step done."""

    def __init__(self, emit: Emitter, total: int) -> None:
        self._emit, self._total, self._done = emit, total, 0

    def __call__(self, message: Text) -> None:
        self._done = min(self._done + 1, self._total)
        self._emit.progress(self._done, self._total, message)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is 0."""
    return None if numerator is None or not denominator else numerator / denominator


def times(speedup: float | None) -> Text:
    """"×2.90 faster" / "×0.70 (slower)" / "×1.00 (no change)", or "not measured"."""
    if speedup is None:
        return Text("не е измерено", "not measured")
    if speedup > 1 + SAME:
        return Text(f"×{speedup:.2f} по-бързо", f"×{speedup:.2f} faster")
    if speedup < 1 - SAME:
        return Text(f"×{speedup:.2f} (по-бавно)", f"×{speedup:.2f} (slower)")
    return Text(f"×{speedup:.2f} (без промяна)", f"×{speedup:.2f} (no change)")


def verdict(speedup: float | None, faster: Text, slower: Text, same: Text | None = None) -> Text:
    """`faster`, `slower` or `same` (default: nothing) as the measured speed-up says."""
    if speedup is not None and speedup > 1 + SAME:
        return faster
    if speedup is not None and speedup < 1 - SAME:
        return slower
    return same or Text("")


def noise_caution(*rows: Mapping[str, Any]) -> Text:
    """A warning when a compared timing is noisy or a single call; nothing otherwise."""
    if not any(row.get("noisy") or row.get("samples") == 1 for row in rows):
        return Text("")
    worst = max((row.get("cv") or 0.0 for row in rows), default=0.0)
    return Text(
        f" Внимание: измерването е шумно (CV до {worst:.2f}) или е от едно извикване — "
        "вероятно друга програма ползва процесора; пуснете упражнението отново.",
        f" Caution: the timing is noisy (CV up to {worst:.2f}) or a single call — another "
        "program is probably using the CPU; run the lab again.",
    )


def join(*parts: Text) -> Text:
    """The parts one after another, in each language."""
    return Text("".join(part.bg for part in parts), "".join(part.en for part in parts))
