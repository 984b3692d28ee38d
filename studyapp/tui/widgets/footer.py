"""A footer that shows binding descriptions in the app's current language."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer

from studyapp.tui.texts import binding_text


class LocalizedFooter(Footer):
    """Binding descriptions are catalogue keys (`bind.NAME`); this footer shows their text."""

    def compose(self) -> ComposeResult:
        lang = getattr(self.app, "language", "bg")
        for widget in super().compose():
            description = getattr(widget, "description", None)
            if isinstance(description, str):
                action = getattr(widget, "action", "")
                widget.description = binding_text(lang, description, action)  # type: ignore[attr-defined]
            yield widget
