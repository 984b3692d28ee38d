"""One recorded run: the prediction beside the measurement, tables, plots, reading, machine."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widget import Widget

from studyapp.services.lab_results import outcome
from studyapp.services.lab_tables import (
    env_line,
    layout,
    params_line,
    roofline_summary,
    run_status,
)
from studyapp.services.lab_values import CardDraft
from studyapp.services.labs import RecordedRun
from studyapp.text import Text
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.screens.prediction import CSS_PATH
from studyapp.tui.texts import fmt_started, lab_title
from studyapp.tui.widgets.footer import KeyBar
from studyapp.tui.widgets.lab_table import LabPage, LabTable
from studyapp.tui.widgets.lab_views import SeriesPlot, series_groups
from studyapp.tui.widgets.plain import Plain

COLUMNS = Binding.Group("lab.bind.columns", compact=True)


class LabResultScreen(AppScreen):
    CSS_PATH = CSS_PATH
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "cards", "lab.bind.cards", id="lab_result.cards"),
        Binding("h", "history", "lab.bind.history", id="lab_result.history"),
        Binding("r", "run_again", "lab.bind.run", id="lab_result.run_again"),
        Binding("R", "run_again('quick')", "lab.bind.run_quick",
                id="lab_result.run_quick"),
        # before the page's own left and right, so that the bar can say what they move
        *(Binding(key, f"columns('{key}')", f"bind.scroll_{key}", group=COLUMNS, priority=True,
                  id=f"lab_result.columns_{key}") for key in ("left", "right")),
    ]

    def __init__(self, record: RecordedRun, *, fresh: bool = False) -> None:
        super().__init__()
        self.record = record
        self.fresh = fresh  # just run: say that it has cards to offer
        self.offered: list[CardDraft] = []

    def compose(self) -> ComposeResult:
        record, lang = self.record, self.lang
        started = fmt_started(record.started_at, self.study_app.clock)
        yield Plain(self.t("lab.result_title", lab=lab_title(record.run.lab, lang),
                           id=record.id, started=started), classes="screen-title")
        with LabPage(id="lab-result-body"):
            yield from self._summary()
            yield from self._outcome()
            yield Plain("", id="lab-result-cards", classes="hint")
            yield from self._tables()
            for group in series_groups(list(record.run.series.values())):
                yield SeriesPlot(group, lang, classes="lab-plot")
            yield from self._texts("lab.reading", record.run.reading)
            yield from self._texts("lab.notes", record.run.notes)
            yield Plain(self.t("lab.environment"), classes="item-title")
            yield Plain(env_line(record.run.env, lang), id="lab-result-env")
            roofline = roofline_summary(record.run.roofline, lang)
            if roofline is not None:
                yield Plain(self.t("lab.roofline"), classes="item-title")
                yield Plain(roofline, id="lab-result-roofline")
        yield KeyBar()

    def _summary(self) -> Iterator[Widget]:
        run = self.record.run
        yield Plain(self.t("lab.result_summary", status=run_status(run.status, self.lang),
                           seconds=run.duration_s, params=params_line(run.params, self.lang)),
                    id="lab-result-summary")
        if run.error is not None:
            yield Plain(self.t("lab.failure_reason", reason=run.error.get(self.lang)))

    def _outcome(self) -> Iterator[Widget]:
        found = outcome(self.record)
        if found.prediction is None and found.measured is None:
            return
        lines = []
        if found.prediction is not None:
            lines.append(self.t("lab.predicted", answer=found.prediction.answer.get(self.lang)))
        else:
            lines.append(self.t("lab.not_predicted"))
        if found.measured is not None:
            lines.append(self.t("lab.measured", text=found.measured.text.get(self.lang)))
        parts = [Plain("\n".join(lines))]
        if found.verdict is not None:
            parts.append(Plain(found.verdict.get(self.lang), id="lab-result-verdict",
                               classes="verdict"))
        yield Vertical(*parts, id="lab-result-outcome", classes="panel")

    def _tables(self) -> Iterator[Widget]:
        for table in self.record.run.tables.values():
            yield Plain(table.title.get(self.lang), classes="item-title")
            shown = layout(table, self.lang)
            if shown.common:
                yield Plain(shown.common, classes="hint lab-common")
            yield LabTable(shown, self.lang, classes="lab-table")
            if shown.legend:
                yield Plain(shown.legend, classes="hint lab-legend")

    def _texts(self, title: str, texts: list[Text]) -> Iterator[Widget]:
        if texts:
            yield Plain(self.t(title), classes="item-title")
            for text in texts:
                yield Plain(text.get(self.lang), classes="lab-paragraph")

    def on_mount(self) -> None:
        with self.study_app.reporting_errors():
            self.offered = self.study_app.study_labs().offered_cards(self.record)
        self._show_cards_hint()
        if self.fresh and self.offered:
            self.notify(self.t("lab.cards_ready", n=len(self.offered)))

    async def language_changed(self) -> None:
        await super().language_changed()
        self._show_cards_hint()

    def _show_cards_hint(self) -> None:
        hint = self.t("lab.cards_offer", n=len(self.offered)) if self.offered else ""
        self.query_one("#lab-result-cards", Plain).update(hint)
        self.query_one("#lab-result-cards").display = bool(hint)
        self.refresh_bindings()

    def on_resize(self) -> None:
        self.call_after_refresh(self.refresh_bindings)  # the tables may fit now, or no more

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`k` waits for cards to offer; ←→ are on the bar while a table is wider than the
        screen."""
        if action == "cards":
            return True if self.offered else None
        if action == "columns":
            return any(table.max_scroll_x > 0 for table in self.query(LabTable))
        return True

    def action_columns(self, key: str) -> None:
        getattr(self.query_one(LabPage), f"action_scroll_{key}")()

    def action_cards(self) -> None:
        from studyapp.tui.screens.result_cards import ResultCardsDialog

        if self.offered:
            self.app.push_screen(ResultCardsDialog(self.record, self.offered, self.cards_added))

    def cards_added(self, ids: list[str]) -> None:
        self.offered = []
        self._show_cards_hint()
        self.notify(self.t("lab.cards_added", n=len(ids)))

    def action_history(self) -> None:
        self.study_app.open_lab_history(self.record.run.lab)

    def action_run_again(self, size: str | None = None) -> None:
        self.study_app.launch_lab(self.record.run.lab, self.record.card_id, size)
