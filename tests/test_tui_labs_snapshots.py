"""The Labs screen and recorded runs' results at 80×24, in Bulgarian and English: the tables
of every lab fit the screen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lab_records import on_test_machine, record_quantize_run, record_real_run
from textual.pilot import Pilot
from tui_support import FakeClock, build_app, started

from studyapp.labs.catalog import LAB_IDS
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.lab_result import LabResultScreen

LANGS = ("bg", "en")
Compare = Callable[..., bool]


def app_with_a_run(root: Path, lang: str, monkeypatch: pytest.MonkeyPatch) -> StudyApp:
    """The app on the recorded run's machine, with one recorded quantize run."""
    on_test_machine(monkeypatch)
    record_quantize_run(root)
    return build_app(root, FakeClock(), lang)


@pytest.mark.parametrize("lang", LANGS)
def test_labs_screen(snap_compare: Compare, tmp_path: Path, lang: str,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    app = app_with_a_run(tmp_path, lang, monkeypatch)
    assert snap_compare(app, press=["l", "down"], run_before=started)


@pytest.mark.parametrize("lang", LANGS)
def test_lab_result(snap_compare: Compare, tmp_path: Path, lang: str,
                    monkeypatch: pytest.MonkeyPatch) -> None:
    app = app_with_a_run(tmp_path, lang, monkeypatch)
    assert snap_compare(app, press=["l", "down", "o"], run_before=started)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("lab", sorted(LAB_IDS))
def test_real_lab_result(snap_compare: Compare, tmp_path: Path, lab: str, lang: str) -> None:
    run_id = record_real_run(tmp_path, lab)
    app = build_app(tmp_path, FakeClock(), lang)  # type: ignore[arg-type]

    async def opened(pilot: Pilot[Any]) -> None:
        await started(pilot)
        await app.push_screen(LabResultScreen(app.study_labs().get(run_id)))
        await pilot.pause()

    assert snap_compare(app, run_before=opened)
