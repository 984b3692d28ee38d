"""Text charts that read without colour: bars with a numeric scale, a heatmap with a legend."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from math import ceil

from rich.text import Text
from textual.app import RenderResult
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

EIGHTHS = " ▁▂▃▄▅▆▇█"
SHADES = "·░▒▓█"  # no reviews, then four levels up to the busiest day
WEEKS = 12


def bar_chart_lines(
    values: Sequence[int], height: int, labels: Sequence[str] = (), step: int = 2
) -> list[str]:
    """Vertical bars `step` columns apart, a scale from 0 to the peak, labels under the axis.

    `labels` are spread evenly under the bars: the first under the first bar and
    the last under the last one.
    """
    peak = max(values, default=0)
    scale = str(peak) if peak else ""
    pad = max(len(scale), 1)
    bar, gap = (step - 1, " ") if step > 1 else (1, "")
    levels = [
        0 if value <= 0 else max(1, round(value / peak * height * 8)) for value in values
    ]
    lines = []
    for row in range(height, 0, -1):
        floor = (row - 1) * 8
        cells = gap.join(EIGHTHS[min(8, max(0, level - floor))] * bar for level in levels)
        tick = scale if row == height and scale else ("0" if row == 1 else "")
        lines.append(f"{tick:>{pad}} ┤{cells}")
    width = max(0, len(values) * (bar + len(gap)) - len(gap))
    lines.append(" " * pad + " └" + "─" * width)
    if labels and values:
        lines.append(" " * (pad + 2) + _spread(labels, width))
    return lines


def _spread(labels: Sequence[str], width: int) -> str:
    """Place labels at even steps across `width` characters, the last one right-aligned."""
    if len(labels) == 1:
        return labels[0]
    line = [" "] * width
    step = (width - len(labels[-1])) / (len(labels) - 1)
    for index, label in enumerate(labels):
        start = round(index * step)
        line[start:start + len(label)] = label
    return "".join(line)[: max(width, len(labels[-1]))].rstrip()


def heat_levels(peak: int) -> list[tuple[int, int]]:
    """The count range (low, high) of each non-empty shade for counts up to `peak`."""
    bounds = [ceil(peak * step / 4) for step in range(5)]
    ranges = []
    for level in range(1, 5):
        low = max(bounds[level - 1] + 1, 1)
        high = bounds[level]
        if high >= low:
            ranges.append((low, high))
    return ranges or [(1, 1)]


def heat_shade(count: int, peak: int) -> str:
    if count <= 0:
        return SHADES[0]
    return SHADES[min(4, max(1, ceil(count / peak * 4)))]


def heatmap_lines(
    counts: dict[date, int], today: date, weekday: Callable[[date], str]
) -> list[str]:
    """Twelve weeks of daily counts: one column per week, one row per weekday (Monday first)."""
    first = today - timedelta(days=today.weekday() + 7 * (WEEKS - 1))
    peak = max((count for day, count in counts.items() if first <= day <= today), default=0)
    lines = []
    for row in range(7):
        cells = []
        for week in range(WEEKS):
            day = first + timedelta(days=7 * week + row)
            cells.append(" " if day > today else heat_shade(counts.get(day, 0), peak))
        label = weekday(first + timedelta(days=row))
        lines.append(f"{label:<3}" + " ".join(cells))
    return lines


def heat_legend(peak: int) -> str:
    parts = [f"{SHADES[0]}0"]
    for index, (low, high) in enumerate(heat_levels(peak), start=1):
        parts.append(f"{SHADES[index]}{low}" if low == high else f"{SHADES[index]}{low}–{high}")
    return " ".join(parts)


class BarChart(Widget):
    """Bars that fill the widget: wider columns and taller bars on a larger terminal."""

    DEFAULT_CSS = """
    BarChart {
        height: 8;
        min-height: 5;
    }
    """

    data: reactive[tuple[tuple[int, ...], tuple[str, ...]]] = reactive(((), ()))

    def render(self) -> RenderResult:
        values, labels = self.data
        if not values:
            return Content("")
        pad = len(str(max(values))) + 2
        step = max(1, (self.size.width - pad + 1) // len(values))
        height = max(1, self.size.height - (2 if labels else 1))
        lines = bar_chart_lines(values, height, labels, step)
        return Text("\n".join(lines), no_wrap=True, overflow="crop")


class TextChart(Widget):
    """Shows lines computed by the screen; the lines are plain text, no colour needed."""

    DEFAULT_CSS = """
    TextChart {
        height: auto;
        width: auto;
    }
    """

    lines: reactive[tuple[str, ...]] = reactive(tuple, layout=True)

    def render(self) -> RenderResult:
        return Content("\n".join(self.lines))
