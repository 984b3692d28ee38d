"""One screen per module; the main ones are opened by name and imported when first opened."""

from __future__ import annotations

from importlib import import_module

from textual.screen import Screen

MAIN_SCREENS: dict[str, tuple[str, str]] = {
    "review": ("studyapp.tui.screens.review", "ReviewScreen"),
    "study": ("studyapp.tui.screens.study", "StudyScreen"),
    "labs": ("studyapp.tui.screens.labs", "LabsScreen"),
    "stats": ("studyapp.tui.screens.stats", "StatsScreen"),
    "settings": ("studyapp.tui.screens.settings", "SettingsScreen"),
}


def main_screen(name: str) -> Screen[None]:
    """A new instance of the main screen called `name`."""
    module, cls = MAIN_SCREENS[name]
    screen: Screen[None] = getattr(import_module(module), cls)()
    return screen
