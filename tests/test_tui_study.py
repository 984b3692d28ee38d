"""Study in the app: prior-knowledge answers, the first-study day, the saved position."""

from __future__ import annotations

from pathlib import Path

from rich.syntax import Syntax
from textual.widgets import Static, TextArea
from tui_support import FakeClock, build_app, drive, opened_service, running, screen_after

from studyapp.tui.screens.study import StudyScreen


def title(screen: StudyScreen) -> str:
    return str(screen.query_one("#study-title").render())


def body_text(screen: StudyScreen) -> str:
    return "\n".join(str(widget.render()) for widget in screen.query("#study-body Plain"))


@drive
async def test_study_saves_prior_answers_sets_first_day_and_resumes(tmp_path: Path) -> None:
    clock = FakeClock()
    app = build_app(tmp_path, clock, lang="en")
    async with running(app) as pilot:
        screen = await screen_after(pilot, StudyScreen, "s")
        assert "1/8 Activate prior knowledge" in title(screen)
        await pilot.press("tab")  # from the page into the first answer box
        assert isinstance(app.focused, TextArea)
        await pilot.press(*"fast n 5", "escape")  # digits, spaces and n are text in the box
        assert app.screen is screen and "1/8" in title(screen)
        await pilot.press("n")
        await pilot.pause()
        assert "2/8 Overview" in title(screen)
        assert "A short overview of the module." in body_text(screen)
        for _ in range(6):
            await pilot.press("n")
        await pilot.pause()
        assert "8/8 Quick recap" in title(screen)
        recap = body_text(screen)
        assert "Measure, then optimize." in recap and "fast n 5" in recap
        await pilot.press("p", "p")
        await pilot.pause()
        assert "6/8 Common pitfalls" in title(screen)
        assert "Noise makes it useless.\n\nRepeat it many times." in body_text(screen)
        await pilot.press("escape")

    with opened_service(tmp_path, clock) as service:
        assert service.prior_answers() == {"prior.1": "fast n 5"}
        assert service.first_study_day() == clock.now.date()
        assert service.study_position() == "mini:pitfalls"

    clock.advance(days=3)  # coming back later: same page, the first day unchanged
    app = build_app(tmp_path, clock, lang="bg")
    async with running(app) as pilot:
        screen = await screen_after(pilot, StudyScreen, "s")
        assert "6/8 Чести грешки" in title(screen)
    with opened_service(tmp_path, clock) as service:
        assert service.first_study_day() == FakeClock().now.date()


@drive
async def test_step_shows_focus_task_recall_and_its_lab(tmp_path: Path) -> None:
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        screen = await screen_after(pilot, StudyScreen, "s", "n", "n", "n")
        assert "4/8 Step 1" in title(screen)
        text = body_text(screen)
        for part in ("Measuring latency", "Focus: Cold and warm calls.",
                     "Practical task: Measure the median.", "Spread",
                     "Every call takes a different time.", "Why is one reading not enough?",
                     "Lab latency: Latency: one reading versus a real measurement"):
            assert part in text
        await pilot.press("n")
        await pilot.pause()
        assert "5/8 Examples" in title(screen)
        code = screen.query_one(".code", Static).content
        assert isinstance(code, Syntax) and "quantize_dynamic" in code.code
