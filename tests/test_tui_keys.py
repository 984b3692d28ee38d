"""Keys and focus in the app: every key the footer offers acts, or says why it cannot."""

from __future__ import annotations

from pathlib import Path

from textual.containers import VerticalScroll
from textual.widgets import Input, Select, TextArea
from tui_support import (
    FakeClock,
    build_app,
    drive,
    opened_service,
    running,
    screen_after,
    seed_history,
)

from studyapp.tui.screens.settings import SettingsScreen
from studyapp.tui.screens.stats import StatsScreen
from studyapp.tui.screens.study import StudyScreen


@drive
async def test_escape_in_any_answer_box_leaves_the_boxes(tmp_path: Path) -> None:
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        screen = await screen_after(pilot, StudyScreen, "s")
        await pilot.press("tab", "tab")  # the second answer box
        assert isinstance(app.focused, TextArea) and app.focused.id == "prior-2"
        await pilot.press("escape", "x")  # a command key, not text in the first box
        assert app.focused is screen.query_one("#study-body")
        assert [area.text for area in screen.query(TextArea)] == ["", ""]


@drive
async def test_entering_a_box_with_text_goes_on_at_its_end(tmp_path: Path) -> None:
    clock = FakeClock()
    with opened_service(tmp_path, clock) as service:
        service.save_prior_answer("prior.1", "fast")
    app = build_app(tmp_path, clock, lang="en")
    async with running(app) as pilot:
        screen = await screen_after(pilot, StudyScreen, "s")
        await pilot.press("tab", *"er", "escape")
        assert screen.query_one("#prior-1", TextArea).text == "faster"


@drive
async def test_stats_scroll_with_the_keys_once_loaded(tmp_path: Path) -> None:
    seed_history(tmp_path)
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        screen = await screen_after(pilot, StatsScreen, "t")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        body = screen.query_one("#stats-body", VerticalScroll)
        assert body.max_scroll_y > 0
        await pilot.press("end")
        assert body.scroll_target_y == body.max_scroll_y


@drive
async def test_settings_show_the_language_in_use_and_keep_it(tmp_path: Path) -> None:
    clock = FakeClock()
    app = build_app(tmp_path, clock, lang="en")  # saved: bg, the default
    async with running(app) as pilot:
        screen = await screen_after(pilot, SettingsScreen, "o")
        await pilot.pause()
        assert screen.query_one("#language", Select).value == "en"
        screen.query_one("#new-per-day", Input).value = "7"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.language == "en"
        assert str(screen.query_one("#settings-message").render()) == "Saved."
    with opened_service(tmp_path, clock) as service:
        assert (service.settings().lang, service.settings().new_per_day) == ("bg", 7)
