"""Every action in the command palette, named in the current language.

The palette offers the main screens, help and quit from anywhere, plus every
key of the screen it was opened from (e.g. reveal, the grades and undo in a
review), so an action is never only a key; and what no key does: run a named
lab at its default or quick size, open a lab's past runs, switch the language, export the
learner's data, and export the cards with their schedule for Anki.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from studyapp.services.catalog import LABS
from studyapp.text import LANGS
from studyapp.tui.exports import export_anki, export_data
from studyapp.tui.texts import binding_key

if TYPE_CHECKING:
    from studyapp.tui.app import StudyApp

# (catalogue key of the command's name, main screen to open)
SCREEN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("bind.review", "review"),
    ("bind.study", "study"),
    ("bind.labs", "labs"),
    ("bind.stats", "stats"),
    ("bind.settings", "settings"),
)


class StudyCommands(Provider):
    """Open any screen, run any key of the current screen, show help, quit."""

    def _commands(self) -> list[tuple[str, Callable[[], object]]]:
        app = cast("StudyApp", self.app)
        found: dict[str, Callable[[], object]] = {
            app.t(key): partial(app.open_screen, name) for key, name in SCREEN_COMMANDS
        }
        for active in self.screen.active_bindings.values():
            binding = active.binding
            key = binding_key(binding.description, binding.action)
            if active.enabled and key is not None and binding.action != "command_palette":
                found.setdefault(
                    app.t(key), partial(app.run_action, binding.action, active.node)
                )
        found.setdefault(app.t("bind.quit"), partial(app.run_action, "quit"))
        if app.ready:
            found.update(self._lab_commands(app))
            found[app.t("palette.export")] = partial(export_data, app)
            found[app.t("palette.export_anki")] = partial(export_anki, app)
        for lang in LANGS:
            if lang != app.language:
                found[app.t("palette.language", name=app.t(f"settings.lang_{lang}"))] = partial(
                    setattr, app, "language", lang)
        return list(found.items())

    @staticmethod
    def _lab_commands(app: StudyApp) -> dict[str, Callable[[], object]]:
        found: dict[str, Callable[[], object]] = {}
        for lab in LABS:
            title = lab.title.get(app.language)
            for size in ("default", "quick"):
                found[app.t(f"palette.run_{size}", id=lab.id, title=title)] = partial(
                    app.launch_lab, lab.id, size=size)
            found[app.t("palette.history", id=lab.id, title=title)] = partial(
                app.open_lab_history, lab.id)
        return found

    async def discover(self) -> Hits:
        for name, command in self._commands():
            yield DiscoveryHit(name, command)

    async def search(self, query: str) -> Hits:
        """The commands that match; when none does, a line that says so in our language
        (it stands in for Textual's English one and does nothing)."""
        matcher = self.matcher(query)
        found = False
        for name, command in self._commands():
            score = matcher.match(name)
            if score > 0:
                found = True
                yield Hit(score, matcher.highlight(name), command, text=name)
        if not found:
            app = cast("StudyApp", self.app)
            yield Hit(0, app.t("palette.no_matches"), lambda: None)
