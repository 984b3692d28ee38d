"""Every app action in the command palette, named in the current language."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from studyapp.tui.app import StudyApp

# (catalogue key of the command's name, screen to open or app action)
SCREEN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("bind.review", "review"),
    ("bind.study", "study"),
    ("bind.labs", "labs"),
    ("bind.stats", "stats"),
    ("bind.settings", "settings"),
)
APP_COMMANDS: tuple[tuple[str, str], ...] = (
    ("bind.help", "help"),
    ("bind.quit", "quit"),
)


class StudyCommands(Provider):
    """Open any screen, show help, quit."""

    def _commands(self) -> list[tuple[str, Callable[[], object]]]:
        app = cast("StudyApp", self.app)
        found: list[tuple[str, Callable[[], object]]] = [
            (app.t(key), partial(app.open_screen, name)) for key, name in SCREEN_COMMANDS
        ]
        found += [
            (app.t(key), partial(app.run_action, action)) for key, action in APP_COMMANDS
        ]
        return found

    async def discover(self) -> Hits:
        for name, command in self._commands():
            yield DiscoveryHit(name, command)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, text=name)
