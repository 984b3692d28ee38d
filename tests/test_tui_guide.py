"""A day that guides itself: each screen points to the next step of the learner's day."""

from __future__ import annotations

from pathlib import Path

from tui_support import FakeClock, build_app, drive, running, screen_after

from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.screens.study import StudyScreen


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
