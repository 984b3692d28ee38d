"""The key bar at the bottom of every screen, in the app's current language.

One line drawn from the screen's active bindings. Unlike Textual's `Footer`,
which mounts a widget per key, it only repaints when the bindings change, so
the grade → next card path stays cheap.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual.screen import Screen
from textual.widget import Widget

from studyapp.tui.texts import binding_text


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-description-foreground;
        .keybar--key {
            color: $footer-key-foreground;
            text-style: bold;
        }
        .keybar--disabled {
            text-style: dim;
        }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"keybar--key", "keybar--disabled"}

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: Screen[Any]) -> None:
        self.refresh()

    def entries(self) -> list[tuple[str, str, bool]]:
        """(key, description, enabled) of each shown binding, one per action."""
        lang = getattr(self.app, "language", "bg")
        seen: set[str] = set()
        entries = []
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            entries.append((self.app.get_key_display(binding),
                            binding_text(lang, binding.description, binding.action),
                            active.enabled))
        return entries

    def render(self) -> RenderResult:
        key_style = self.get_component_rich_style("keybar--key")
        disabled = self.get_component_rich_style("keybar--disabled", partial=True)
        line = Text(no_wrap=True, overflow="ellipsis")
        for key, description, enabled in self.entries():
            dim = Style() if enabled else disabled
            line.append(f" {key} ", key_style + dim)
            line.append(f"{description} ", dim)
        return line
