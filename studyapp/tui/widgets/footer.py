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
from textual.events import Click
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

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, str]] = []  # cells of each key, for clicks

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: Screen[Any]) -> None:
        self.refresh()

    def entries(self) -> list[tuple[str, str, bool]]:
        """(key as shown, description, enabled) of each shown binding, one per action."""
        return [(shown, description, enabled)
                for _, shown, description, enabled in self._shown_bindings()]

    def _shown_bindings(self) -> list[tuple[str, str, str, bool]]:
        """(key, key as shown, description, enabled) of each shown binding."""
        lang = getattr(self.app, "language", "bg")
        seen: set[str] = set()
        entries: list[tuple[str, str, str, bool]] = []
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            entries.append((binding.key.split(",")[0], self.app.get_key_display(binding),
                            binding_text(lang, binding.description, binding.action),
                            active.enabled))
        return entries

    def render(self) -> RenderResult:
        key_style = self.get_component_rich_style("keybar--key")
        disabled = self.get_component_rich_style("keybar--disabled", partial=True)
        line = Text(no_wrap=True, overflow="ellipsis")
        self._spans = []
        for key, shown, description, enabled in self._shown_bindings():
            dim = Style() if enabled else disabled
            start = line.cell_len
            line.append(f" {shown} ", key_style + dim)
            line.append(f"{description} ", dim)
            self._spans.append((start, line.cell_len, key))
        return line

    def on_click(self, event: Click) -> None:
        """A click on a key presses it."""
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
