"""Control characters from the database reach the app's screen only as escapes.

The content's loader refuses them, so they come only from the database: result cards, the
learner's own answers, lab runs. Each screen that shows such text is painted (the app's
screenshot holds every character it would send to a terminal) and must hold the text as an
escape (`\\u001b`) and no control character at all.
"""

from __future__ import annotations

import html
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from datetime import timedelta
from pathlib import Path
from typing import Any

from lab_records import record_quantize_run
from textual.pilot import Pilot
from tui_support import START, FakeClock, build_app, drive, opened_service, started

from studyapp.controls import CONTROL, visible
from studyapp.store.engine import writing
from studyapp.store.result_cards import add_result_cards
from studyapp.text import Text
from studyapp.tui.screens.card_info import CardInfoScreen
from studyapp.tui.screens.lab_compare import LabCompareScreen
from studyapp.tui.screens.lab_history import LabHistoryScreen
from studyapp.tui.screens.lab_result import LabResultScreen
from studyapp.tui.screens.labs import LabsScreen
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.screens.study import StudyScreen

# A screen clear (CSI), a window title (OSC ended by BEL) and a C1 CSI: what a terminal obeys.
HOSTILE = "\x1b[2J\x1b]0;pwned\x07\x9b31m"
SHOWN = visible(HOSTILE)  # \u001b[2J\u001b]0;pwned\u0007\u009b31m, as JSON writes them too


def seed_cards(root: Path) -> None:
    """A result card whose texts hold control characters, answered yesterday with an answer
    that holds them too (so it is due today), and a prior answer with them."""
    clock = FakeClock(START - timedelta(days=1))
    run_id = record_quantize_run(root)
    with opened_service(root, clock) as service, writing(service.engine) as session:
        add_result_cards(session, module_id="mini", run_id=run_id, lab_id="quantize",
                         texts=[(Text(f"front{HOSTILE}", f"front{HOSTILE}"),
                                 Text(f"back{HOSTILE}", f"back{HOSTILE}"))], at=clock.now)
    with opened_service(root, clock) as service:
        review = service.start_review()
        assert review.current() is not None and review.current().card.id == "result.1.1"
        review.grade(4, answer=f"typed{HOSTILE}")
        service.save_prior_answer("prior.1", f"mine{HOSTILE}")


def seed_runs(root: Path) -> None:
    """Two quantize runs whose parameters, machine and table rows hold control characters
    (as JSON escapes, the way the database keeps them)."""
    record_quantize_run(root)
    record_quantize_run(root, minutes_later=30)
    with closing(sqlite3.connect(root / "study.db")) as con, con:
        con.execute("UPDATE lab_run SET params_json = replace(params_json, '\"default\"', ?),"
                    " env_json = replace(env_json, 'Test CPU', ?),"
                    " results_json = replace(results_json, 'torch fp32', ?)",
                    (f'"default{SHOWN}"', f"Test{SHOWN} CPU", f"torch{SHOWN} fp32"))


@asynccontextmanager
async def app_on(root: Path) -> AsyncIterator[Pilot[Any]]:
    """The app, started, on a terminal wide enough for every column."""
    app = build_app(root, FakeClock(), lang="en")
    async with app.run_test(size=(180, 60)) as pilot:
        await started(pilot)
        yield pilot


async def painted(pilot: Pilot[Any], kind: type, *keys: str) -> str:
    """Press `keys`, let the app settle, check that a `kind` is on top and return every
    character of the screen, which must hold no control character."""
    await pilot.press(*keys)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(pilot.app.screen, kind), pilot.app.screen
    shot = pilot.app.export_screenshot()
    assert not CONTROL.search(shot), (kind, CONTROL.findall(shot))
    return html.unescape(shot).replace("\xa0", " ")  # the SVG's entities read


@drive
async def test_cards_and_answers_from_the_database_are_shown_as_escapes(tmp_path: Path) -> None:
    seed_cards(tmp_path)
    async with app_on(tmp_path) as pilot:
        await painted(pilot, ReviewScreen, "r")
        review = pilot.app.screen
        while review.item.card.id != "result.1.1":  # the plan prompt unlocked today comes first
            await pilot.press("space", "5")
        assert f"ront{SHOWN}" in await painted(pilot, ReviewScreen)
        assert f"ack{SHOWN}" in await painted(pilot, ReviewScreen, "space")
        assert f"typed{SHOWN}" in await painted(pilot, CardInfoScreen, "i")
        # the saved answer fills its box, and the box shows it escaped
        assert f"mine{SHOWN}" in await painted(pilot, StudyScreen, "escape", "escape", "s")
        await pilot.press("escape")
    with opened_service(tmp_path, FakeClock()) as service:  # shown, not rewritten
        assert service.prior_answers()["prior.1"] == f"mine{HOSTILE}"


@drive
async def test_lab_runs_from_the_database_are_shown_as_escapes(tmp_path: Path) -> None:
    seed_runs(tmp_path)
    async with app_on(tmp_path) as pilot:
        await painted(pilot, LabsScreen, "l")
        pilot.app.push_screen(LabHistoryScreen("quantize"))
        shown = await painted(pilot, LabHistoryScreen)
        assert f"default{SHOWN}" in shown and f"Test{SHOWN} CPU" in shown
        shown = await painted(pilot, LabResultScreen, "enter")
        assert f"torch{SHOWN} fp32" in shown and f"Test{SHOWN} CPU" in shown
        shown = await painted(pilot, LabCompareScreen, "escape", "space", "down", "space", "c")
        assert f"torch{SHOWN[:12]}" in shown  # a row label, cut to its column with "…"
