"""The start screen: the next step, what is due and new, the streak, the month ahead and the
weeks behind; a running lab's progress; on a tall terminal, today's plan prompts and the last
lab run."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical

from studyapp.tui.lab_lines import last_run_line, running_line
from studyapp.tui.lab_messages import LabChanged
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.texts import days_word, fmt_date, lab_title, next_step_text, t, weekday_short
from studyapp.tui.widgets.charts import BarChart, TextChart, heat_legend, heatmap_lines
from studyapp.tui.widgets.footer import KeyBar
from studyapp.tui.widgets.plain import Plain

if TYPE_CHECKING:
    from studyapp.services.labs import RecordedRun
    from studyapp.services.values import Dashboard


def forecast_caption(lang: str, forecast: list[tuple[date, int]]) -> str:
    total = sum(count for _, count in forecast)
    if not total:
        return t(lang, "chart.forecast_empty", days=len(forecast))
    peak_day, peak = max(forecast, key=lambda item: item[1])
    return t(lang, "chart.forecast", days=len(forecast), total=total, peak=peak,
             date=fmt_date(lang, peak_day))


def chart_data(
    lang: str, series: list[tuple[date, int]]
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Counts and three date labels (first, middle, last) for a `BarChart`."""
    days = [day for day, _ in series]
    labels = [days[0], days[len(days) // 2], days[-1]] if days else []
    return (
        tuple(count for _, count in series),
        tuple(day.strftime(t(lang, "date.short_format")) for day in labels),
    )


class DashboardScreen(AppScreen):
    # narrow: the heatmap gives its room to today's panel; tall: the plan prompts and last run
    # (Textual types the breakpoints as instance variables, so they are not ClassVars here)
    HORIZONTAL_BREAKPOINTS = [(0, "-small"), (70, "-narrow"), (100, "-wide")]  # noqa: RUF012
    VERTICAL_BREAKPOINTS = [(0, "-short"), (24, "-medium"), (34, "-tall")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "open('review')", "bind.review", id="dashboard.review"),
        Binding("s", "open('study')", "bind.study", id="dashboard.study"),
        Binding("l", "open('labs')", "bind.labs", id="dashboard.labs"),
        Binding("t", "open('stats')", "bind.stats", id="dashboard.stats"),
        Binding("o", "open('settings')", "bind.settings", id="dashboard.settings"),
        Binding("q", "quit", "bind.quit", id="dashboard.quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.data: Dashboard | None = None
        self.last_run: RecordedRun | None = None

    def compose(self) -> ComposeResult:
        yield Plain(self._title(), id="dash-title", classes="screen-title")
        with Horizontal(id="dash-top"):
            with Vertical(id="dash-today", classes="panel"):
                yield Plain(self.t("dash.today_title"), classes="panel-title")
                yield Plain("", id="dash-next", classes="next-step")
                yield Plain(self._today_text(), id="dash-today-text")
                yield Plain("", id="dash-lab")
            with Vertical(id="dash-heat", classes="panel"):
                yield Plain(self.t("dash.heat_title"), classes="panel-title")
                yield TextChart(id="dash-heatmap")
                yield Plain("", id="dash-heat-legend", classes="legend")
        with Vertical(id="dash-forecast", classes="panel"):
            yield Plain("", id="dash-forecast-title", classes="panel-title")
            yield BarChart(id="dash-forecast-chart")
        with Vertical(id="dash-more", classes="panel"):
            yield Plain(self.t("dash.plans_title"), classes="panel-title")
            yield Plain("", id="dash-plans")
            yield Plain(self.t("dash.last_lab_title"), classes="panel-title")
            yield Plain("", id="dash-last-lab")
        yield KeyBar()

    def on_mount(self) -> None:
        self.show()
        if self.study_app.ready:
            self.reload()

    def refresh_data(self) -> None:
        self.reload()
        self.refresh_bindings()

    def day_changed(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.load("dashboard", self.service.dashboard, self._show_dashboard)
        self.load("last-run", self.study_app.study_labs().latest, self._show_last_run)

    def _show_dashboard(self, data: Dashboard) -> None:
        self.data = data
        self.show()

    def _show_last_run(self, run: RecordedRun | None) -> None:
        self.last_run = run
        self.show()

    @on(LabChanged)
    def lab_changed(self) -> None:
        running = running_line(self.study_app)
        line = self.query_one("#dash-lab", Plain)
        line.display = running is not None
        line.update(running or "")

    async def language_changed(self) -> None:
        await super().language_changed()
        self.show()

    def _title(self) -> str:
        if not self.study_app.ready:
            return self.app.title
        module = self.study_app.module.title.get(self.lang)
        if self.data is None:
            return module
        return f"{module} · {fmt_date(self.lang, self.data.today)}"

    def _today_text(self) -> str:
        data = self.data
        if data is None:
            return self.t("loading")
        return "\n".join((
            self.t("dash.due", reviews=data.due_reviews),
            self.t("dash.redrills", redrills=data.redrills),
            self.t("dash.new", new=data.new_available),
            self.t("dash.next_plan", date=fmt_date(self.lang, data.next_plan)),
            self.t("dash.streak", streak=days_word(self.lang, data.streak)),
            self.t("dash.reviewed_today", n=data.heatmap.get(data.today, 0)),
        ))

    def _plans_text(self, data: Dashboard) -> str:
        if not data.plan_prompts:
            return self.t("dash.no_plans")
        return "\n".join(f"• {card.front.get(self.lang)}" for card in data.plan_prompts)

    def _last_lab_text(self) -> str:
        record = self.last_run
        if record is None:
            return self.t("dash.no_lab")
        return f"{lab_title(record.run.lab, self.lang)}: {last_run_line(self.study_app, record)}"

    def show(self) -> None:
        """Fill the widgets from `self.data` (on the app's thread)."""
        self.query_one("#dash-title", Plain).update(self._title())
        self.query_one("#dash-today-text", Plain).update(self._today_text())
        self.lab_changed()
        self.query_one("#dash-last-lab", Plain).update(self._last_lab_text())
        data = self.data
        next_line = self.query_one("#dash-next", Plain)
        next_line.display = data is not None
        if data is None:
            return
        next_line.update(next_step_text(self.lang, data.next_step()))
        self.query_one("#dash-plans", Plain).update(self._plans_text(data))
        self.query_one("#dash-heatmap", TextChart).lines = tuple(
            heatmap_lines(data.heatmap, data.today, lambda day: weekday_short(self.lang, day))
        )
        peak = max(data.heatmap.values(), default=0)
        self.query_one("#dash-heat-legend", Plain).update(heat_legend(peak))
        self.query_one("#dash-forecast-title", Plain).update(
            forecast_caption(self.lang, data.forecast)
        )
        self.query_one("#dash-forecast-chart", BarChart).data = chart_data(
            self.lang, data.forecast
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No `escape` on the start screen; screens wait (off the key bar) until the database
        is open."""
        if action == "back":
            return False
        if action == "open" and not self.study_app.ready:
            return None
        return True

    def action_open(self, name: str) -> None:
        self.study_app.open_screen(name)

    async def action_quit(self) -> None:
        await self.study_app.action_quit()  # it asks first while a lab runs
