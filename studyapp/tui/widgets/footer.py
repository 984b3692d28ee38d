"""The key bar at the bottom of every screen, in the app's current language.

One line drawn from the screen's active bindings. Unlike Textual's `Footer`,
which mounts a widget per key, it only repaints when the bindings change, so
the grade → next card path stays cheap.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual.events import Click
from textual.screen import Screen
from textual.widget import Widget

from studyapp.tui.texts import binding_text

# Keys whose names stay on a narrow bar longest: leaving a screen and asking for help.
ESSENTIAL_ACTIONS = frozenset({"quit", "help", "back"})


def named_keys(entries: list[tuple[str, str, str]], width: int) -> list[bool]:
    """Which of the (key as shown, description, action) entries keep their description in
    `width` cells: when the whole bar does not fit, the other keys lose theirs first, from
    the right, then the essential ones; every key itself stays."""
    named = [True] * len(entries)
    sizes = [cell_len(f" {shown} {description} ") for shown, description, _ in entries]
    total = sum(sizes)
    order = sorted(range(len(entries)),
                   key=lambda index: (entries[index][2] in ESSENTIAL_ACTIONS, -index))
    for index in order:
        if total <= width:
            break
        named[index] = False
        total -= cell_len(entries[index][1]) + 1
    return named


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
                for _, shown, description, enabled, _ in self._shown_bindings()]

    def _shown_bindings(self) -> list[tuple[str, str, str, bool, str]]:
        """(key, key as shown, description, enabled, action) of each shown binding."""
        lang = getattr(self.app, "language", "bg")
        seen: set[str] = set()
        entries: list[tuple[str, str, str, bool, str]] = []
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            entries.append((binding.key.split(",")[0], self.app.get_key_display(binding),
                            binding_text(lang, binding.description, binding.action),
                            active.enabled, binding.action))
        return entries

    def render(self) -> RenderResult:
        key_style = self.get_component_rich_style("keybar--key")
        disabled = self.get_component_rich_style("keybar--disabled", partial=True)
        line = Text(no_wrap=True, overflow="ellipsis")
        self._spans = []
        bindings = self._shown_bindings()
        named = named_keys([(shown, description, action)
                            for _, shown, description, _, action in bindings], self.size.width)
        for (key, shown, description, enabled, _), with_name in zip(bindings, named, strict=True):
            dim = Style() if enabled else disabled
            start = line.cell_len
            line.append(f" {shown} ", key_style + dim)
            if with_name:
                line.append(f"{description} ", dim)
            self._spans.append((start, line.cell_len, key))
        return line

    def on_click(self, event: Click) -> None:
        """A click on a key presses it."""
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
