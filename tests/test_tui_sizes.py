"""The day at 60×20 and 120×40: nothing a learner needs is clipped on a small terminal, and
the dashboard and a lab result are kept as snapshots at both sizes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lab_records import app_over_a_recorded_run
from textual.pilot import Pilot
from textual.widget import Widget
from tui_support import FakeClock, build_app, drive, running, screen_after, seed_history, started

from studyapp.text import Lang
from studyapp.tui.screens.dashboard import DashboardScreen
from studyapp.tui.screens.lab_result import LabResultScreen
from studyapp.tui.screens.result_cards import ResultCardsDialog
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.widgets.answer_box import AnswerBox

SMALL = (60, 20)
LARGE = (120, 40)
Compare = Callable[..., bool]


def shown_text(widget: Widget) -> str:
    return "\n".join(widget.render_line(y).text for y in range(widget.size.height))


def inside(widget: Widget, box: Widget) -> bool:
    """`widget` lies whole within `box`'s content, so none of it is cut off."""
    return box.content_region.contains_region(widget.region)


@pytest.mark.parametrize("lang", ["bg", "en"])
@drive
async def test_the_review_box_s_hint_fits_it_on_a_small_terminal(tmp_path: Path,
                                                                 lang: Lang) -> None:
    async with running(build_app(tmp_path, FakeClock(), lang), SMALL) as pilot:
        review = await screen_after(pilot, ReviewScreen, "r")
        box = review.query_one(AnswerBox)
        assert len(box.placeholder) <= box.content_size.width


def app_with_a_run(root: Path, lang: Lang, monkeypatch: pytest.MonkeyPatch,
                   history: bool = False) -> Any:
    """The app over one recorded quantize run (and a review history, when asked)."""
    if history:
        seed_history(root)
    return app_over_a_recorded_run(root, lang, monkeypatch)


@drive
async def test_the_result_cards_dialog_keeps_its_keys_in_view_on_a_small_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(app_with_a_run(tmp_path, "bg", monkeypatch), SMALL) as pilot:
        dialog = await screen_after(pilot, ResultCardsDialog, "l", "down", "o", "k")
        box = dialog.query_one("#result-cards-box")
        assert inside(dialog.query_one(".hint"), box)
        assert inside(dialog.query_one("#result-cards-answer"), box)


@drive
async def test_the_dashboard_forecast_keeps_its_dates_on_a_small_terminal(tmp_path: Path) -> None:
    seed_history(tmp_path)  # a forecast caption that wraps to two lines in Bulgarian
    async with running(build_app(tmp_path, FakeClock(), "bg"), SMALL) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, DashboardScreen)
        chart = screen.query_one("#dash-forecast-chart")
        assert inside(chart, screen.query_one("#dash-forecast"))
        assert "." in shown_text(chart).splitlines()[-1]  # the dates under the bars


@drive
async def test_a_long_screen_title_wraps_instead_of_losing_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(app_with_a_run(tmp_path, "en", monkeypatch), SMALL) as pilot:
        result = await screen_after(pilot, LabResultScreen, "l", "down", "o")
        title = " ".join(shown_text(result.query_one(".screen-title")).split())
        assert title.endswith("run #1 · 2026-11-27 10:00")


@pytest.mark.parametrize(("size", "lang"), [(SMALL, "bg"), (LARGE, "en")])
def test_dashboard(snap_compare: Compare, tmp_path: Path, size: tuple[int, int], lang: Lang,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    app = app_with_a_run(tmp_path, lang, monkeypatch, history=True)
    assert snap_compare(app, run_before=started, terminal_size=size)


@pytest.mark.parametrize(("size", "lang"), [(SMALL, "en"), (LARGE, "bg")])
def test_lab_result(snap_compare: Compare, tmp_path: Path, size: tuple[int, int], lang: Lang,
                    monkeypatch: pytest.MonkeyPatch) -> None:
    app = app_with_a_run(tmp_path, lang, monkeypatch, history=True)

    async def opened(pilot: Pilot[Any]) -> None:
        await started(pilot)
        await pilot.press("l", "down", "o")
        await pilot.pause()

    assert snap_compare(app, run_before=opened, terminal_size=size)
