"""Stats: reviews per day, retention of first answers, easiness spread, cards by kind, forecast."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll

from studyapp.services.content import CARD_KINDS, RESULT_KIND
from studyapp.services.present import kind_name
from studyapp.services.values import Stats
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.screens.dashboard import chart_data, forecast_caption
from studyapp.tui.texts import days_word
from studyapp.tui.widgets.charts import BarChart, TextChart
from studyapp.tui.widgets.footer import KeyBar
from studyapp.tui.widgets.plain import Plain

RECENT_DAYS = 30
HISTOGRAM_WIDTH = 24


def histogram_lines(rows: list[tuple[str, int]], width: int = HISTOGRAM_WIDTH) -> list[str]:
    """Horizontal bars, each followed by its count."""
    peak = max((count for _, count in rows), default=0)
    label_width = max((len(label) for label, _ in rows), default=0)
    lines = []
    for label, count in rows:
        length = round(count / peak * width) if peak else 0
        bar = "█" * max(length, 1 if count else 0)
        lines.append(f"{label:>{label_width}} {bar} {count}")
    return lines


class StatsScreen(AppScreen):
    CSS_PATH = "../stats.tcss"
    def __init__(self) -> None:
        super().__init__()
        self.data: Stats | None = None

    def compose(self) -> ComposeResult:
        yield Plain(self.t("stats.title"), classes="screen-title")
        with VerticalScroll(id="stats-body"):
            if self.data is None:
                yield Plain(self.t("loading"))
            else:
                yield from self._panels(self.data)
        yield KeyBar()

    def on_mount(self) -> None:
        self.load("stats", self.service.stats, self._show)

    def day_changed(self) -> None:
        self.load("stats", self.service.stats, self._show)

    def _show(self, data: Stats) -> None:
        self.data = data
        self.call_later(self.recompose)

    def _panel(self, title: str, *lines: str) -> Vertical:
        chart = TextChart()
        chart.lines = tuple(lines)
        return Vertical(Plain(title, classes="panel-title"), chart, classes="panel")

    def _bars(self, title: str, series: list[tuple[date, int]]) -> Vertical:
        chart = BarChart()
        chart.data = chart_data(self.lang, series)
        return Vertical(Plain(title, classes="panel-title"), chart, classes="panel")

    def _panels(self, data: Stats) -> ComposeResult:
        retention = (
            self.t("stats.retention_none") if data.first_review_retention is None
            else f"{data.first_review_retention:.0%}"
        )
        yield Plain("\n".join((
            self.t("stats.total", n=data.total_reviews),
            self.t("stats.streak", streak=days_word(self.lang, data.streak)),
            self.t("stats.retention", value=retention),
        )), classes="panel")
        recent = data.reviews_per_day[-RECENT_DAYS:]
        yield self._bars(self.t("stats.per_day", days=len(recent),
                                total=sum(count for _, count in recent)), recent)
        yield self._panel(
            self.t("stats.easiness"),
            *(histogram_lines([(f"{ef:.2f}", count) for ef, count in data.easiness_histogram])
              or [self.t("stats.empty")]),
        )
        kinds = [(kind_name(kind, self.lang), data.counts_by_kind[kind])
                 for kind in (*CARD_KINDS, RESULT_KIND) if kind in data.counts_by_kind]
        yield self._panel(self.t("stats.by_kind"),
                          *(histogram_lines(kinds) or [self.t("stats.empty")]))
        yield self._bars(forecast_caption(self.lang, data.forecast), data.forecast)
