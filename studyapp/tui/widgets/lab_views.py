"""How a lab run reads on screen: its tables, plots, environment and numbers, in one language.

A run's texts come from the database, so the views show their control characters as escapes
(`studyapp.controls`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from math import ceil, floor, log10
from typing import Any

from textual.app import RenderResult
from textual_plotext import PlotextPlot

from studyapp.clock import Clock
from studyapp.controls import visible
from studyapp.i18n import catalogue, counted, tr
from studyapp.labs.catalog import LAB_IDS, lab_info
from studyapp.labs.columns import SKIPPED
from studyapp.labs.events import Scalar, Series

PLOT_MARKER = "braille"
MAX_TICKS = 8


def lab_title(lab_id: str, lang: str) -> str:
    """The catalogue title, or the id of a lab that is not in the catalogue."""
    return lab_info(lab_id).title.get(lang) if lab_id in LAB_IDS else lab_id


def fmt_number(value: Scalar, lang: str) -> str:
    """Three significant digits for measurements; counts and names as they are."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return tr(lang, "labs_ui.yes" if value else "labs_ui.no")
    if isinstance(value, float):
        if value == 0 or abs(value) >= 1000:
            return f"{value:,.0f}".replace(",", " ")
        return f"{value:.3g}"
    return str(value)


def fmt_started(at: datetime, clock: Clock) -> str:
    """A stored (aware UTC) instant in the clock's time zone, to the minute."""
    return at.astimezone(clock().tzinfo).strftime("%Y-%m-%d %H:%M")


def setting_label(key: str, lang: str) -> str:
    """A parameter's or an environment key's name in `lang`; an unknown key as it is."""
    return catalogue(lang).get(f"labs_ui.setting.{key}", key)


def fmt_value(key: str, value: Scalar, lang: str) -> str:
    """A parameter's or a table cell's value in `lang`: a word the catalogue names
    (`labs_ui.value.KEY.VALUE`: a size, a device, a status, a roofline bound) in its words,
    anything else as `fmt_number` shows it. A status "skipped: WHY" says WHY in its words too
    (a run recorded before its rows said their status in Bulgarian themselves)."""
    if isinstance(value, str):
        if key == "status" and value.startswith(SKIPPED):
            return tr(lang, "labs_ui.value.status.skipped",
                      why=fmt_value(key, value.removeprefix(SKIPPED), lang))
        return catalogue(lang).get(f"labs_ui.value.{key}.{value}", value)
    return fmt_number(value, lang)


def fmt_params(params: Mapping[str, Any], lang: str) -> str:
    """A run's parameters, each named and valued in `lang`; the seed left out."""
    return " · ".join(tr(lang, "labs_ui.table_common", label=setting_label(key, lang),
                         value=fmt_value(key, value, lang))
                      for key, value in params.items() if key != "seed")


def env_line(env: Mapping[str, Any], lang: str) -> str:
    """The environment fingerprint in one line: CPU, ISA, cores and threads, versions, GPU."""
    if not env:
        return tr(lang, "labs_ui.env_unknown")
    isa = env.get("isa") or {}
    flags = ", ".join(name for name in ("avx2", "avx512f", "avx512_vnni", "amx")
                      if isa.get(name)) or "—"
    return tr(lang, "labs_ui.env", cpu=env.get("cpu_model", "?"), flags=flags,
              cores=counted(lang, "core", env.get("cores", "?")),
              threads=counted(lang, "thread", env.get("threads", "?")),
              torch=env.get("torch", "?"), ort=env.get("onnxruntime", "?"),
              gpu=env.get("gpu") or tr(lang, "labs_ui.no_gpu"))


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
            return tr(self.lang, "labs_ui.plot_failed")

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
