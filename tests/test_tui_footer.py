"""The key bar: every key keeps its name at 80 columns, and keys that wait for a step stay out
of it until they can act."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path

import pytest
from lab_records import record_quantize_run, record_real_run
from textual.screen import Screen
from tui_support import FakeClock, build_app, drive, running, screen_after

import studyapp.tui.screens
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.screens.dashboard import DashboardScreen
from studyapp.tui.screens.lab_compare import LabCompareScreen
from studyapp.tui.screens.lab_history import LabHistoryScreen
from studyapp.tui.screens.lab_result import LabResultScreen
from studyapp.tui.screens.lab_run import LabRunScreen
from studyapp.tui.screens.labs import LabsScreen
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.screens.settings import SettingsScreen
from studyapp.tui.screens.stats import StatsScreen
from studyapp.tui.screens.study import StudyScreen
from studyapp.tui.widgets.footer import KeyBar

ESSENTIAL_KEYS = {"esc", "q", "?"}  # named on a bar of 60 columns too

# Each screen with a key bar, built in an app whose database holds two quantize runs (ids 1
# and 2) and a real quantize run with tables wider than the screen (id 3).
SCREENS: dict[type[AppScreen], Callable[[StudyApp], Screen[None]]] = {
    DashboardScreen: lambda _: DashboardScreen(),
    StudyScreen: lambda _: StudyScreen(),
    ReviewScreen: lambda _: ReviewScreen(),
    StatsScreen: lambda _: StatsScreen(),
    SettingsScreen: lambda _: SettingsScreen(),
    LabsScreen: lambda _: LabsScreen(),
    LabRunScreen: lambda _: LabRunScreen(),
    LabResultScreen: lambda app: LabResultScreen(app.study_labs().get(3)),
    LabHistoryScreen: lambda _: LabHistoryScreen("quantize"),
    LabCompareScreen: lambda app: LabCompareScreen(app.study_labs().get(1),
                                                   app.study_labs().get(2)),
}


def test_every_screen_is_checked() -> None:
    for module in pkgutil.iter_modules(studyapp.tui.screens.__path__):
        importlib.import_module(f"studyapp.tui.screens.{module.name}")
    assert set(AppScreen.__subclasses__()) == set(SCREENS)


def keys(app: StudyApp) -> list[str]:
    return [key for key, _, _ in app.screen.query_one(KeyBar).entries()]


def unnamed(app: StudyApp) -> list[str]:
    """The keys on the current screen's bar that have lost their names."""
    return [key for key, _, named in app.screen.query_one(KeyBar).entries() if not named]


# Keys shown as the screen says: `esc` (the dashboard has none) and the review's steps, whose
# keys are never on the bar together (reveal before the answer is shown, grades after).
OWN_ANSWER = {"back", "reveal", "toggle_answer", "grade"}


def every_key_shown(screen: Screen[None]) -> None:
    """Show the keys of `screen` as if they could all act now, but those of OWN_ANSWER."""
    check = screen.check_action
    screen.check_action = (  # type: ignore[method-assign]
        lambda action, parameters: check(action, parameters) if action in OWN_ANSWER else True)


@pytest.mark.parametrize("lang", ["bg", "en"])
@drive
async def test_every_key_keeps_its_name_at_80_columns(tmp_path: Path, lang: str) -> None:
    """Each screen in turn, with all its keys on the bar: none loses its name at 80 columns;
    at 60, `esc`, `q` and `?` keep theirs."""
    for minutes in (0, 5):
        record_quantize_run(tmp_path, minutes_later=minutes)
    record_real_run(tmp_path, "quantize")
    app = build_app(tmp_path, FakeClock(), lang)  # type: ignore[arg-type]
    async with running(app) as pilot:
        for kind, build in SCREENS.items():
            screen = build(app)
            every_key_shown(screen)
            await app.push_screen(screen)
            await pilot.pause()
            assert (kind, unnamed(app)) == (kind, [])
            assert (kind, keys(app)) != (kind, [])
            await pilot.resize_terminal(60, 20)
            await pilot.pause()
            assert "?" in keys(app)
            assert (kind, set(unnamed(app)) & ESSENTIAL_KEYS) == (kind, set())
            await pilot.resize_terminal(80, 24)
            app.pop_screen()
            await pilot.pause()


def bar(app: StudyApp) -> list[tuple[str, str]]:
    return [(key, name) for key, name, _ in app.screen.query_one(KeyBar).entries()]


@drive
async def test_grades_join_the_bar_once_the_answer_is_shown(tmp_path: Path) -> None:
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        review = await screen_after(pilot, ReviewScreen, "r")
        assert review.item is not None and review.item.card.lab is not None
        assert bar(app) == [("tab", "answer box"), ("esc", "back"), ("space", "reveal"),
                            ("i", "card info"), ("l", "lab"), ("?", "help")]
        await pilot.press("space")
        assert bar(app) == [("esc", "back"), ("0–5", "grade"), ("i", "card info"), ("l", "lab"),
                            ("?", "help")]
        await pilot.press("5")  # the next card has no lab; the grade can be undone
        assert review.item is not None and review.item.card.lab is None
        assert bar(app) == [("tab", "answer box"), ("esc", "back"), ("space", "reveal"),
                            ("u", "undo"), ("i", "card info"), ("?", "help")]


@drive
async def test_left_and_right_are_on_the_bar_while_a_table_is_wider_than_the_screen(
    tmp_path: Path
) -> None:
    narrow = record_quantize_run(tmp_path)
    wide = record_real_run(tmp_path, "quantize")
    app = build_app(tmp_path, FakeClock(), lang="bg")
    async with running(app) as pilot:
        for run_id, shown in ((narrow, False), (wide, True)):
            await app.push_screen(LabResultScreen(app.study_labs().get(run_id)))
            await pilot.pause()
            assert (("←→", "колони") in bar(app)) == shown
            assert not unnamed(app)
        await pilot.resize_terminal(400, 24)
        await pilot.pause()
        assert ("←→", "колони") not in bar(app)
