"""Settings: language (applied at once everywhere), rollover hour, new cards per day; and
the exports, into the user's documents folder (the command palette offers them too).

The language shown is the one in use, which `--lang` may have chosen for this start only:
it is saved only when the learner picks another one.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Select

from studyapp.ascii_numbers import ascii_int
from studyapp.services.values import Settings
from studyapp.text import LANGS
from studyapp.tui.exports import export_anki, export_data
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.widgets.footer import KeyBar
from studyapp.tui.widgets.plain import Plain


def parse_whole(text: str, low: int, high: int) -> int | None:
    """`text` as a whole number from low to high (in ASCII digits), else None."""
    try:
        value = ascii_int(text)
    except ValueError:
        return None
    return value if low <= value <= high else None


class SettingsScreen(AppScreen):
    CSS_PATH = "../settings.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "bind.save", id="settings.save"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.settings = Settings()
        self.message = "settings.hint"

    def compose(self) -> ComposeResult:
        yield Plain(self.t("settings.title"), classes="screen-title")
        with Vertical(id="settings-form", classes="panel"):
            yield Plain(self.t("settings.language"), classes="field-label")
            yield Select(
                [(self.t(f"settings.lang_{lang}"), lang) for lang in LANGS],
                value=self.study_app.language, allow_blank=False, id="language",
            )
            yield Plain(self.t("settings.rollover"), classes="field-label")
            yield Input(str(self.settings.rollover_hour), type="integer", id="rollover")
            yield Plain(self.t("settings.new_per_day"), classes="field-label")
            yield Input(str(self.settings.new_per_day), type="integer", id="new-per-day")
            yield Plain(self.t(self.message), id="settings-message", classes="hint")
            yield Plain(self.t("settings.export", folder=self.service.export_folder()),
                        classes="field-label")
            with Horizontal(id="settings-export"):
                yield Button(self.t("settings.export_anki"), id="export-anki", compact=True)
                yield Button(self.t("settings.export_json"), id="export-json", compact=True)
        yield KeyBar()

    async def on_mount(self) -> None:
        with self.study_app.reporting_errors():
            self.settings = self.service.settings()
            await self.recompose()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        export = export_anki if event.button.id == "export-anki" else export_data
        export(self.study_app)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        rollover = parse_whole(self.query_one("#rollover", Input).value, 0, 23)
        new_per_day = parse_whole(self.query_one("#new-per-day", Input).value, 0, 999)
        if rollover is None:
            self.tell("settings.bad_rollover")
            return
        if new_per_day is None:
            self.tell("settings.bad_new_per_day")
            return
        chosen = self.query_one("#language", Select).value
        if chosen not in LANGS:
            return
        lang = self.settings.lang if chosen == self.study_app.language else chosen
        settings = replace(self.settings, lang=lang, rollover_hour=rollover,
                           new_per_day=new_per_day)
        with self.study_app.reporting_errors():
            self.service.save_settings(settings)
            self.settings = settings
            self.study_app.language = chosen
            self.study_app.check_day()
            self.tell("settings.saved")

    def tell(self, key: str) -> None:
        self.message = key
        self.query_one("#settings-message", Plain).update(self.t(key))
