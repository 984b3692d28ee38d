"""The Labs screen and a recorded run's result at 80×24, in Bulgarian and English."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lab_records import on_test_machine, record_quantize_run
from tui_support import FakeClock, build_app, started

from studyapp.tui.app import StudyApp

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
