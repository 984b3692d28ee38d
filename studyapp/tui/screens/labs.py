"""The labs of the catalogue: what each one measures and which step it belongs to."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from studyapp.labs.catalog import LABS
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.widgets.footer import KeyBar
from studyapp.tui.widgets.plain import Plain


class LabsScreen(AppScreen):
    def compose(self) -> ComposeResult:
        yield Plain(self.t("labs.title"), classes="screen-title")
        with VerticalScroll(id="labs-list"):
            for lab in LABS:
                yield Plain(
                    self.t("labs.entry", id=lab.id, step=lab.step, title=lab.title.get(self.lang)),
                    classes="lab-title",
                )
                yield Plain(lab.description.get(self.lang), classes="lab-description")
            yield Plain(self.t("labs.later"), classes="hint")
        yield KeyBar()
