"""A dialog that shows one error message; the app keeps running."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical

from studyapp.tui.screens.base import AppModal
from studyapp.tui.widgets.plain import Plain


class ErrorDialog(AppModal):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "close", "bind.close", id="dialog.ok"),
    ]

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="error-box", classes="dialog"):
            yield Plain(self.t("error.title"), classes="dialog-title")
            yield Plain(self.message, id="error-message")
            yield Plain(self.t("error.dismiss"), classes="hint")
