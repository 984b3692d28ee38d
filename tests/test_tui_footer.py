"""The key bar: keys that wait for a step stay off it until they can act."""

from __future__ import annotations

from pathlib import Path

from tui_support import FakeClock, build_app, drive, running, screen_after

from studyapp.tui.app import StudyApp
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.widgets.footer import KeyBar


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
