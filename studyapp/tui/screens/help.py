"""Every key of the screen below, with what it does, in the current language."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen

from studyapp.tui.screens.base import AppModal
from studyapp.tui.texts import binding_key, t
from studyapp.tui.widgets.plain import Plain


def binding_rows(screen: Screen, lang: str) -> list[tuple[str, str]]:
    """(keys, description) for every binding of `screen`, one row per action.

    Keys that do nothing at this moment (e.g. grading before the answer is
    shown) are listed too, marked as not available now. A text box's editing
    keys are not: they work as in any text field.
    """
    rows: dict[str, tuple[list[str], str]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        key = binding_key(binding.description, binding.action)
        if binding.system or key is None:
            continue
        description = t(lang, key)
        if not active.enabled:
            description += " " + t(lang, "help.not_now")
        keys, _ = rows.setdefault(binding.action + str(binding.description), ([], description))
        keys.append(screen.app.get_key_display(binding))
    return [(" ".join(keys), description) for keys, description in rows.values()]


class HelpScreen(AppModal):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "close", "bind.close", show=False, id="help.close"),
    ]

    def __init__(self, below: Screen) -> None:
        super().__init__()
        self.below = below

    def compose(self) -> ComposeResult:
        rows = binding_rows(self.below, self.study_app.language)
        width = max((len(keys) for keys, _ in rows), default=0)
        with Vertical(id="help-box", classes="dialog"):
            yield Plain(self.t("help.title"), classes="dialog-title")
            with VerticalScroll(id="help-keys"):
                for keys, description in rows:
                    yield Plain(f"{keys:>{width}}  {description}", classes="help-row")
            yield Plain(self.t("help.footer"), classes="hint")
