"""The key bar at the bottom of every screen, in the app's current language.

One line drawn from the screen's active bindings. Unlike Textual's `Footer`,
which mounts a widget per key, it only repaints when the bindings change, so
the grade → next card path stays cheap.

A key is on the bar only while it can act: one that waits for a step (a grade before the
answer is shown: `check_action` returns None) stays off it until then, and help lists it as
"not now". The keys of one `Binding.Group` share an entry under the group's description.
"""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

from rich.cells import cell_len
from rich.text import Text
from textual.app import RenderResult
from textual.binding import Binding
from textual.events import Click
from textual.screen import Screen
from textual.widget import Widget

from studyapp.tui.texts import binding_text

# Keys whose names stay on a narrow bar longest: leaving a screen and asking for help.
ESSENTIAL_ACTIONS = frozenset({"quit", "help", "back"})


def bar_line(entries: list[tuple[str, str, str]], named: list[bool]) -> str:
    """The bar's text: each key, with its description where `named` says so."""
    return "".join(f" {shown} {description} " if with_name else f" {shown} "
                   for (shown, description, _), with_name in zip(entries, named, strict=True)
                   ).rstrip()


def named_keys(entries: list[tuple[str, str, str]], width: int) -> list[bool]:
    """Which of the (key as shown, description, action) entries keep their description in
    `width` cells: when the whole bar does not fit, the other keys lose theirs first, from
    the right, then the essential ones; every key itself stays."""
    named = [True] * len(entries)
    order = sorted(range(len(entries)),
                   key=lambda index: (entries[index][2] in ESSENTIAL_ACTIONS, -index))
    for index in order:
        if cell_len(bar_line(entries, named)) <= width:
            break
        named[index] = False
    return named


def group_keys(keys: list[str], group: Binding.Group) -> str:
    """A group's keys as one: side by side when compact (←→), else their range (0–5)."""
    return "".join(keys) if group.compact else f"{keys[0]}–{keys[-1]}"


class Entry(NamedTuple):
    """A key of the bar, or the keys of a group, with what they do."""

    shown: str
    description: str
    action: str
    press: str | None  # the key a click presses; none for a group


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
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"keybar--key"}

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, str]] = []  # cells of each key, for clicks

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    # Any: a screen of whatever result (Textual's Screen is invariant in it)
    def _bindings_changed(self, _screen: Screen[Any]) -> None:
        self.refresh()

    def entries(self) -> list[tuple[str, str, bool]]:
        """(key as shown, description, whether the description fits on the bar) of each
        entry."""
        return [(entry.shown, entry.description, with_name)
                for entry, with_name in self._layout()]

    def _layout(self) -> list[tuple[Entry, bool]]:
        """Each entry, and whether its description fits on the bar."""
        entries = self._entries()
        named = named_keys([(entry.shown, entry.description, entry.action)
                            for entry in entries], self.size.width)
        return list(zip(entries, named, strict=True))

    def _entries(self) -> list[Entry]:
        """One entry per shown action that can act now, one per group."""
        seen: set[str] = set()
        members: dict[Binding.Group | str, list[Binding]] = {}
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if binding.show and active.enabled and binding.action not in seen:
                seen.add(binding.action)
                members.setdefault(binding.group or binding.action, []).append(binding)
        return [self._entry(bindings) for bindings in members.values()]

    def _entry(self, bindings: list[Binding]) -> Entry:
        lang = getattr(self.app, "language", "bg")
        first, group = bindings[0], bindings[0].group
        if group is None:
            return Entry(self.app.get_key_display(first),
                         binding_text(lang, first.description, first.action), first.action,
                         first.key.split(",")[0])
        keys = [self.app.get_key_display(binding) for binding in bindings]
        return Entry(group_keys(keys, group), binding_text(lang, group.description),
                     first.action, None)

    def render(self) -> RenderResult:
        key_style = self.get_component_rich_style("keybar--key")
        line = Text(no_wrap=True, overflow="ellipsis")
        self._spans = []
        for entry, with_name in self._layout():
            start = line.cell_len
            line.append(f" {entry.shown} ", key_style)
            if with_name:
                line.append(f"{entry.description} ")
            if entry.press is not None:
                self._spans.append((start, line.cell_len, entry.press))
        line.rstrip()
        return line

    def on_click(self, event: Click) -> None:
        """A click on a key presses it."""
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
