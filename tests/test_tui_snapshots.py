"""What the learner sees at 80×24, in Bulgarian and English, on a fixed day."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from tui_support import FakeClock, build_app, seed_history, started

LANGS = ("bg", "en")
Compare = Callable[..., bool]


async def typed_answer_revealed(pilot: Pilot) -> None:
    await started(pilot)
    await pilot.press("r", "tab", *"time to a result", "enter")
    await pilot.pause()


@pytest.mark.parametrize("lang", LANGS)
def test_dashboard(snap_compare: Compare, tmp_path: Path, lang: str) -> None:
    seed_history(tmp_path)
    assert snap_compare(build_app(tmp_path, FakeClock(), lang), run_before=started)


@pytest.mark.parametrize("lang", LANGS)
def test_review_front(snap_compare: Compare, tmp_path: Path, lang: str) -> None:
    assert snap_compare(build_app(tmp_path, FakeClock(), lang), press=["r"], run_before=started)


@pytest.mark.parametrize("lang", LANGS)
def test_review_back_with_typed_answer(snap_compare: Compare, tmp_path: Path, lang: str) -> None:
    assert snap_compare(build_app(tmp_path, FakeClock(), lang), run_before=typed_answer_revealed)


@pytest.mark.parametrize("lang", LANGS)
def test_study_step(snap_compare: Compare, tmp_path: Path, lang: str) -> None:
    app = build_app(tmp_path, FakeClock(), lang)
    assert snap_compare(app, press=["s", "_", "n", "n", "n"], run_before=started)


@pytest.mark.parametrize("lang", LANGS)
def test_stats(snap_compare: Compare, tmp_path: Path, lang: str) -> None:
    seed_history(tmp_path)
    assert snap_compare(build_app(tmp_path, FakeClock(), lang), press=["t"], run_before=started)
