"""How a lab run's plots read on screen, in one language; the texts of its tables come from
`studyapp.services.lab_tables`, its title and start time from `studyapp.tui.texts`.

A run's texts come from the database, so the plots show their control characters as escapes
(`studyapp.controls`).
"""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil, floor, log10

from textual.app import RenderResult
from textual_plotext import PlotextPlot

from studyapp.controls import visible
from studyapp.i18n import tr
from studyapp.services.lab_values import Series

PLOT_MARKER = "braille"
MAX_TICKS = 8


def series_groups(series: Sequence[Series]) -> list[list[Series]]:
    """Series that share their axes go on one plot, in the order they came."""
    groups: dict[tuple[str, str], list[Series]] = {}
    for line in series:
        groups.setdefault((line.x_label.en, line.y_label.en), []).append(line)
    return list(groups.values())


class SeriesPlot(PlotextPlot):
    """One plot of series with the same axes, labelled in the app's language."""

    def __init__(self, series: Sequence[Series], lang: str, *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.series = list(series)
        self.lang = lang

    def render(self) -> RenderResult:
        """The plot; a size plotext cannot draw in gives a line saying so, not a crash."""
        try:
            return super().render()
        except (ValueError, ZeroDivisionError, IndexError):
            return tr(self.lang, "tui.lab.plot_failed")

    def on_mount(self) -> None:
        plt = self.plt
        first = self.series[0]
        plt.xlabel(visible(first.x_label.get(self.lang)))
        plt.ylabel(visible(first.y_label.get(self.lang)))
        x_ticks: set[float] = set()
        y_ticks: set[float] = set()
        for line in self.series:
            points = [(x, y) for x, y in zip(line.x, line.y, strict=False)
                      if y is not None and (x > 0 or not first.log_x)
                      and (y > 0 or not first.log_y)]
            if points:
                xs, ys = [x for x, _ in points], [y for _, y in points]
                x_ticks.update(xs)
                y_ticks.update(ys)
                plt.plot(_scaled(xs, first.log_x), _scaled(ys, first.log_y),
                         label=visible(line.name.get(self.lang)), marker=PLOT_MARKER)
        # values on a log axis are drawn by hand: plotext's own log scale fails on narrow plots
        if first.log_x and x_ticks:
            shown = sorted(x_ticks)[:: max(1, len(x_ticks) // MAX_TICKS)]
            plt.xticks([log10(x) for x in shown], [f"{x:g}" for x in shown])
        if first.log_y and y_ticks:
            shown = _decades(min(y_ticks), max(y_ticks))
            plt.yticks([log10(y) for y in shown], [f"{y:g}" for y in shown])


def _scaled(values: Sequence[float], log: bool) -> list[float]:
    return [log10(value) for value in values] if log else list(values)


def _decades(low: float, high: float) -> list[float]:
    """Powers of ten from the one at or below `low` to the one at or above `high`."""
    return [10.0 ** power for power in range(floor(log10(low)), ceil(log10(high)) + 1)]
