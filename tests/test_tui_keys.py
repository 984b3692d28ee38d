"""Keys and focus in the app: every key the footer offers acts, or says why it cannot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import write_module_toml
from lab_records import app_over_a_recorded_run, on_test_machine, record_quantize_run
from test_tui_labs import finished, probe_defaults, progressed, text
from textual.containers import VerticalScroll
from textual.widgets import Input, OptionList, Select, TextArea
from tui_support import (
    FakeClock,
    build_app,
    drive,
    opened_service,
    running,
    screen_after,
    seed_history,
)

from studyapp.labs import registry
from studyapp.tui.app import StudyApp, make_app
from studyapp.tui.lab_messages import LabFinished
from studyapp.tui.screens.dashboard import DashboardScreen
from studyapp.tui.screens.lab_failure import LabFailureDialog
from studyapp.tui.screens.lab_history import LabHistoryScreen
from studyapp.tui.screens.lab_result import LabResultScreen
from studyapp.tui.screens.lab_run import LabRunScreen
from studyapp.tui.screens.labs import LabsScreen
from studyapp.tui.screens.prediction import ChoiceDialog
from studyapp.tui.screens.result_cards import ResultCardsDialog
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.screens.settings import SettingsScreen
from studyapp.tui.screens.stats import StatsScreen
from studyapp.tui.screens.study import StudyScreen
from studyapp.tui.widgets.footer import KeyBar


def keys(app: StudyApp) -> list[str]:
    """The keys of the key bar at the bottom of the current screen."""
    return [key for key, _, _ in app.screen.query_one(KeyBar).entries()]


@pytest.fixture
def slow_latency(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The latency lab (first in the list) runs the test probe: 200 s, stopped first."""
    registry.register("latency", "labs_probe")
    probe_defaults(monkeypatch, "latency", "sleep", steps=1000)
    yield "latency"
    registry.unregister("latency")


def notices_of(app: StudyApp, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    notices: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **_: notices.append(message))
    return notices


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


@drive
async def test_while_a_lab_runs_it_is_listed_its_keys_act_and_its_cancel_says_what_happened(
    tmp_path: Path, slow_latency: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(tmp_path, FakeClock(), lang="en")
    notices = notices_of(app, monkeypatch)
    async with running(app) as pilot:
        app.start_lab(slow_latency, prediction=None, card_id=None, size="default")
        await progressed(pilot)
        labs = await screen_after(pilot, LabsScreen, "l")
        running_entry = str(labs.query_one("#labs-list").get_option_at_index(0).prompt)
        assert "Running now" in running_entry and "Not run" not in running_entry
        assert "c" in keys(app)
        await pilot.press("down", "r")  # another lab: one at a time, and it says so
        assert notices == ["The latency lab is still running: one at a time."]
        await screen_after(pilot, LabRunScreen, "v")
        assert keys(app)[0] == "c"
        await pilot.press("c")
        await finished(pilot)
        assert isinstance(app.screen, LabFailureDialog)
        cancelled = text(app, "#lab-failure-cancelled")
        assert cancelled.startswith("Stopped at your request after ")
        assert "It had reached step " in cancelled and "of 1000: step " in cancelled
        assert "Nothing had been measured yet." in cancelled
        assert "enter or escape: close" in " ".join(
            str(hint.render()) for hint in app.screen.query(".hint"))
        await pilot.press("escape")
        assert app.screen is labs
        entry = str(labs.query_one("#labs-list").get_option_at_index(0).prompt)
        assert "Running now" not in entry and "c" not in keys(app)


@drive
async def test_quitting_while_a_lab_runs_asks_first(
    tmp_path: Path, slow_latency: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(tmp_path, FakeClock(), lang="bg")
    exits: list[object] = []
    async with running(app) as pilot:
        monkeypatch.setattr(app, "exit", lambda *args, **kwargs: exits.append(args))
        app.start_lab(slow_latency, prediction=None, card_id=None, size="default")
        await progressed(pilot)
        dialog = await screen_after(pilot, ChoiceDialog, "q")
        assert "още тече" in text(app, "#choice-prompt")
        await pilot.press("2")  # stay
        assert isinstance(app.screen, DashboardScreen) and not exits
        assert app.lab_run is not None
        await pilot.press("q", "1")
        assert exits and dialog is not app.screen
        monkeypatch.undo()


@drive
async def test_o_after_a_background_run_s_notice_opens_that_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_test_machine(monkeypatch)
    run_id = record_quantize_run(tmp_path)
    app = build_app(tmp_path, FakeClock(), lang="en")
    notices = notices_of(app, monkeypatch)
    async with running(app) as pilot:
        app.post_message(LabFinished(app.study_labs().get(run_id)))  # the quantize lab
        await pilot.pause()
        assert notices == ["The quantize lab finished: its result is in Labs (l, then o)."]
        result = await screen_after(pilot, LabResultScreen, "l", "o")
        assert result.record.id == run_id


@drive
async def test_keys_that_cannot_act_are_hidden_or_say_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_quantize_run(tmp_path)
    app = build_app(tmp_path, FakeClock(), lang="en")
    notices = notices_of(app, monkeypatch)
    async with running(app) as pilot:
        review = await screen_after(pilot, ReviewScreen, "r")
        while review.item is not None:
            assert ("l" in keys(app)) == (review.item.card.lab is not None)
            await pilot.press("space", "5")
        study = await screen_after(pilot, StudyScreen, "escape", "s")
        assert study.sections[study.index].kind == "prior" and "l" not in keys(app)
        await screen_after(pilot, LabHistoryScreen, "escape", "l", "down", "h")
        assert "c" not in keys(app)  # one run: nothing to compare it with
        record_quantize_run(tmp_path, minutes_later=30)
        app.screen.refresh_data()
        await pilot.press("space", "c")
        assert isinstance(app.screen, LabHistoryScreen)
        assert notices == ["To compare, mark two runs with space (1 marked)."]


LONG_ANSWER_CARD = {
    "id": "concept.long", "kind": "concept",
    "front": {"bg": "Какво е латентност?", "en": "What is latency?"},
    "back": {"bg": "Време.", "en": "Time."},
    "notes": {"bg": "ред\n" * 40, "en": "line\n" * 40},
}


@drive
async def test_review_enter_reveals_undo_says_so_and_a_long_answer_keeps_the_question(
    tmp_path: Path,
) -> None:
    content = write_module_toml(tmp_path / "content", [LONG_ANSWER_CARD])
    app = make_app(db_path=tmp_path / "study.db", content_dir=content, lang="en",
                   clock=FakeClock())
    async with running(app) as pilot:
        review = await screen_after(pilot, ReviewScreen, "r")
        await pilot.press("enter")  # outside the answer box, as the box's hint says
        assert review.revealed
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        front = review.query_one("#card-front")
        assert app.screen.get_widget_at(front.region.x, front.region.y)[0] is front
        await pilot.press("0", "u")
        assert text(app, "#review-last") == (
            "Last answer undone: the card is back and its grade is deleted.")


@drive
async def test_result_cards_show_one_mark_per_card_and_unticking_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_over_a_recorded_run(tmp_path, "bg", monkeypatch)
    async with running(app) as pilot:
        dialog = await screen_after(pilot, ResultCardsDialog, "l", "down", "o", "k")
        options = dialog.query_one("#result-cards-list", OptionList)

        def shown() -> str:
            return "\n".join(line.text for line in options.render_lines(options.size.region))

        count = len(dialog.drafts)
        assert count > 1 and shown().count("☑") == count and "☐" not in shown()
        await pilot.press("space")
        assert shown().count("☑") == count - 1 and shown().count("☐") == 1
        await pilot.press("a")
        assert dialog.chosen == set(range(1, count))
