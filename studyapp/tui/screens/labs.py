"""Every lab: what it measures, its learning-path step, its last result on this machine.

`r` or `enter` predicts and runs the highlighted lab, `o` opens its last result, `h` its history;
while a lab runs its progress shows at the top and on its entry, `v` returns to it and `c`
cancels it. A lab that finished while the learner was elsewhere is highlighted here, so `o`
opens its result.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text as RichText
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from studyapp.controls import visible
from studyapp.services.lab_results import LabOverview
from studyapp.tui.lab_lines import last_run_line, running_line
from studyapp.tui.lab_messages import LabChanged
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.screens.prediction import CSS_PATH
from studyapp.tui.widgets.footer import KeyBar
from studyapp.tui.widgets.plain import Plain


class LabsScreen(AppScreen):
    CSS_PATH = CSS_PATH
    AUTO_FOCUS = "#labs-list"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "lab.bind.run", id="labs.run"),
        Binding("R", "run('quick')", "lab.bind.run_quick", id="labs.run_quick"),
        Binding("o", "open_last", "lab.bind.open_last", id="labs.open_last"),
        Binding("h", "history", "lab.bind.history", id="labs.history"),
        Binding("v", "view_run", "lab.bind.view_run", id="labs.view_run"),
        Binding("c", "cancel_run", "lab.bind.cancel", id="labs.cancel_run"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.labs: list[LabOverview] = []
        self.listed_running: str | None = None  # the lab whose entry says it is running

    def compose(self) -> ComposeResult:
        yield Plain(self.t("lab.title"), classes="screen-title")
        yield Plain("", id="labs-running", classes="running")
        yield OptionList(id="labs-list")
        yield KeyBar()

    def on_mount(self) -> None:
        self.refresh_data()
        self.lab_changed()

    async def language_changed(self) -> None:
        await super().language_changed()
        self.fill()
        self.lab_changed()

    def refresh_data(self) -> None:
        with self.study_app.reporting_errors():
            self.labs = self.study_app.study_labs().overview()
        self.fill()
        finished = self.study_app.take_finished_lab()
        ids = [lab.entry.id for lab in self.labs]
        if finished in ids:
            self.query_one(OptionList).highlighted = ids.index(finished)

    def fill(self) -> None:
        options = self.query_one(OptionList)
        highlighted = options.highlighted or 0
        active = self.study_app.lab_run
        self.listed_running = active.lab_id if active is not None else None
        options.clear_options()
        options.add_options(Option(self._prompt(lab), id=lab.entry.id) for lab in self.labs)
        if self.labs:
            options.highlighted = min(highlighted, len(self.labs) - 1)
        self.refresh_bindings()

    def _prompt(self, lab: LabOverview) -> RichText:
        entry, lang = lab.entry, self.lang
        prompt = RichText()
        prompt.append(self.t("lab.entry", id=entry.id, step=entry.step,
                             title=entry.title.get(lang)), style="bold")
        prompt.append("\n" + entry.description.get(lang))
        prompt.append("\n" + visible(self._last(lab)) + "\n", style="italic")
        return prompt

    def _last(self, lab: LabOverview) -> str:
        if not lab.entry.available:
            return self.t("lab.unavailable")
        if lab.entry.id == self.listed_running:
            return self.t("lab.running_now")
        if lab.last is None:
            return self.t("lab.never_run")
        return last_run_line(self.study_app, lab.last)

    @on(LabChanged)
    def lab_changed(self) -> None:
        active = self.study_app.lab_run
        if (active.lab_id if active is not None else None) != self.listed_running:
            self.fill()
        running = running_line(self.study_app)
        line = self.query_one("#labs-running", Plain)
        line.display = running is not None
        if running is not None:
            line.update(running)
        self.refresh_bindings()

    def _selected(self) -> LabOverview | None:
        index = self.query_one(OptionList).highlighted
        return self.labs[index] if index is not None and index < len(self.labs) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys are hidden where they cannot act; `r` while another lab runs says why."""
        lab = self._selected()
        running = self.study_app.lab_run is not None
        return {
            "run": lab is not None and lab.entry.available,
            "open_last": lab is not None and lab.last is not None,
            "history": lab is not None,
            "view_run": running,
            "cancel_run": running,
        }.get(action, True)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.refresh_bindings()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_run()

    def action_run(self, size: str | None = None) -> None:
        lab = self._selected()
        if lab is not None and lab.entry.available:
            self.study_app.launch_lab(lab.entry.id, size=size)

    def action_open_last(self) -> None:
        from studyapp.tui.screens.lab_result import LabResultScreen

        lab = self._selected()
        if lab is not None and lab.last is not None:
            self.app.push_screen(LabResultScreen(lab.last))

    def action_history(self) -> None:
        lab = self._selected()
        if lab is not None:
            self.study_app.open_lab_history(lab.entry.id)

    def action_view_run(self) -> None:
        from studyapp.tui.screens.lab_run import LabRunScreen

        if self.study_app.lab_run is not None:
            self.app.push_screen(LabRunScreen())

    def action_cancel_run(self) -> None:
        self.study_app.cancel_lab()
