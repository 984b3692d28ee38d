"""A day that guides itself: each screen points to the next step of the learner's day."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from lab_records import on_test_machine, record_quantize_run
from rich.text import Text as RichText
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Select
from tui_support import (
    FIRST_DAY,
    FakeClock,
    build_app,
    drive,
    opened_service,
    running,
    screen_after,
    started,
)

from studyapp.i18n import tr
from studyapp.labs.events import Progress
from studyapp.store.errors import StoreError
from studyapp.text import Text
from studyapp.tui.app import StudyApp
from studyapp.tui.lab_messages import LabFinished, LabProgress
from studyapp.tui.labrun import ActiveRun
from studyapp.tui.screens.dashboard import DashboardScreen
from studyapp.tui.screens.error import ErrorDialog
from studyapp.tui.screens.lab_history import LabHistoryScreen
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.screens.settings import SettingsScreen
from studyapp.tui.screens.study import StudyScreen
from studyapp.tui.widgets.footer import KeyBar, named_keys


@drive
async def test_next_on_the_last_study_page_leads_to_review(tmp_path: Path) -> None:
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        study = await screen_after(pilot, StudyScreen, "s", *"n" * 7)
        assert study.index == len(study.sections) - 1
        review = await screen_after(pilot, ReviewScreen, "n")
        assert review.item is not None
        await pilot.press("escape")
        await pilot.pause()
        assert StudyScreen not in {type(screen) for screen in app.screen_stack}


def shown(app: StudyApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


@drive
async def test_the_dashboard_names_the_next_step_of_the_day(tmp_path: Path) -> None:
    clock = FakeClock()
    app = build_app(tmp_path, clock, lang="en")
    async with running(app) as pilot:
        assert shown(app, "#dash-next") == "Start the module: press s"
        await screen_after(pilot, StudyScreen, "s")
        await screen_after(pilot, DashboardScreen, "escape")
        await started(pilot)
        waiting = len(FIRST_DAY)
        assert shown(app, "#dash-next") == f"Cards to review: {waiting} — press r"
        review = await screen_after(pilot, ReviewScreen, "r")
        while review.item is not None:
            await pilot.press("space", "5")
        await screen_after(pilot, DashboardScreen, "escape")
        await started(pilot)
        tomorrow = app.screen.data.forecast[1][1]
        assert tomorrow > 0
        assert shown(app, "#dash-next") == f"Done for today. Tomorrow: {tomorrow} due"


@drive
async def test_a_tall_dashboard_lists_todays_plan_prompts_and_the_last_lab(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_test_machine(monkeypatch)
    clock = FakeClock()
    with opened_service(tmp_path, clock) as service:
        service.mark_studied()
    clock.advance(days=1)  # the one-day plan prompt opens
    record_quantize_run(tmp_path)
    app = build_app(tmp_path, clock, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        assert app.screen.query_one("#dash-more").display
        assert "Explain latency." in shown(app, "#dash-plans")
        # the lab by the title the learner knows it by, not its id
        assert shown(app, "#dash-last-lab").startswith(
            "Quantization: fp32 versus int8, fp16 and bf16: Last: ")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert app.screen.query_one("#dash-more").region.height == 0


@drive
async def test_the_dashboard_follows_a_lab_running_in_the_background(tmp_path: Path) -> None:
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        assert not app.screen.query_one("#dash-lab").display
        app.lab_run = ActiveRun("probe", cast(Any, None))
        app.post_message(LabProgress(Progress(1, 4, Text("стъпка", "warming up"))))
        await pilot.pause()
        assert shown(app, "#dash-lab").startswith("▶ probe: 25% · warming up")
        app.lab_run = None
        app.post_message(LabFinished(None))
        await pilot.pause()
        assert not app.screen.query_one("#dash-lab").display


@drive
async def test_a_small_terminal_keeps_quit_and_help_named_and_the_dashboard_whole(
    tmp_path: Path
) -> None:
    app = build_app(tmp_path, FakeClock(), lang="bg")
    async with app.run_test(size=(60, 20)) as pilot:
        await started(pilot)
        bar = app.screen.query_one(KeyBar).render()
        assert isinstance(bar, RichText)
        assert bar.cell_len <= 60
        assert "q изход" in bar.plain and "? помощ" in bar.plain
        assert " r преговор " in bar.plain  # the first keys keep their names while they fit
        bottom = app.screen.query_one(KeyBar).region.y
        for panel in ("#dash-today", "#dash-forecast"):
            region = app.screen.query_one(panel).region
            assert region.height > 0 and region.bottom <= bottom, panel


def test_a_narrow_key_bar_drops_descriptions_of_other_keys_first() -> None:
    entries = [("r", "review", "open"), ("s", "study", "open"), ("q", "quit", "quit"),
               ("?", "help", "help")]
    assert named_keys(entries, 80) == [True, True, True, True]
    assert named_keys(entries, 30) == [True, False, True, True]
    assert named_keys(entries, 22) == [False, False, True, True]
    assert named_keys(entries, 5) == [False, False, False, False]


@drive
async def test_review_shows_progress_marks_labs_and_ends_with_what_is_next(
    tmp_path: Path
) -> None:
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        review = await screen_after(pilot, ReviewScreen, "r")
        total = review.session.remaining()
        assert f"╌╌╌╌╌╌╌╌╌╌ 0/{total}" in shown(app, "#review-status")
        labs = 0
        while review.item is not None:
            status = shown(app, "#review-status")
            assert f" {review.session.answered()}/{total} " in status
            lab = review.item.card.lab
            assert (f"lab {lab}: l" in status) == (lab is not None)
            labs += lab is not None
            await pilot.press("space", "5")
        assert labs > 0
        await started(pilot)
        assert shown(app, "#summary-title") == "Session finished"
        assert shown(app, "#summary-next").startswith("Done for today. Tomorrow: ")


@drive
async def test_a_review_with_nothing_due_is_titled_so(tmp_path: Path) -> None:
    clock = FakeClock()
    with opened_service(tmp_path, clock) as service:
        session = service.start_review()
        while session.current() is not None:
            session.grade(5)
    app = build_app(tmp_path, clock, lang="en")
    async with running(app) as pilot:
        await screen_after(pilot, ReviewScreen, "r")
        await started(pilot)
        assert shown(app, "#summary-title") == "Nothing was due"
        assert shown(app, "#summary-next").startswith("Done for today. Tomorrow: ")


@drive
async def test_textual_s_own_texts_speak_bulgarian(tmp_path: Path) -> None:
    app = build_app(tmp_path, FakeClock(), lang="bg")
    notices: list[tuple[str, str]] = []
    async with running(app) as pilot:
        app.notify = lambda message, *, title="", **_: notices.append((title, message))
        await pilot.press("ctrl+c")
        assert notices == [("Искаш ли да излезеш?", "Натисни q, за да излезеш от приложението.")]

        await screen_after(pilot, SettingsScreen, "o")
        app.screen.query_one(Select).focus()
        await pilot.press("enter")  # the language list opens
        await pilot.pause()
        assert ("esc", "затвори списъка", True) in app.screen.query_one(KeyBar).entries()
        await pilot.press("escape", "escape")

        await pilot.press("ctrl+p")
        await pilot.pause()
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        await pilot.press(*"zzqx")
        for _ in range(50):
            await pilot.pause(0.02)
        options = palette.query_one(CommandList)
        shown_options = [str(options.get_option_at_index(index).prompt)
                         for index in range(options.option_count)]
        assert shown_options == ["Няма такава команда."]


@drive
async def test_errors_in_the_app_are_shown_in_the_learner_s_language(tmp_path: Path) -> None:
    app = build_app(tmp_path, FakeClock(), lang="bg")
    async with running(app) as pilot:
        with app.reporting_errors():
            raise StoreError("nothing_to_undo")
        await pilot.pause()
        assert isinstance(app.screen, ErrorDialog)
        assert shown(app, "#error-message") == tr("bg", "store.nothing_to_undo")


async def palette_run(pilot: Pilot[Any], query: str) -> None:
    """Open the palette, type `query` and run the first command found."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*query)
    for _ in range(50):
        await pilot.pause(0.02)
    await pilot.press("enter")
    await pilot.pause()


@drive
async def test_the_palette_runs_named_labs_opens_past_runs_and_switches_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(tmp_path, FakeClock(), lang="en")
    launched: list[tuple[str, str | None]] = []
    monkeypatch.setattr(app, "launch_lab",
                        lambda lab_id, card_id=None, size=None: launched.append((lab_id, size)))
    async with running(app) as pilot:
        await palette_run(pilot, "Run the quantize lab, quick")
        assert launched == [("quantize", "quick")]
        await palette_run(pilot, "Past runs of latency")
        assert isinstance(app.screen, LabHistoryScreen)
        await pilot.press("escape")
        await palette_run(pilot, "Language: Бълг")
        assert app.language == "bg"
