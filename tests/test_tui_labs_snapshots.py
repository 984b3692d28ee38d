"""The Labs screen and a recorded run's result at 80×24, in Bulgarian and English."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lab_records import on_test_machine, record_quantize_run
from tui_support import FakeClock, build_app, started

LANGS = ("bg", "en")
Compare = Callable[..., bool]


@pytest.mark.parametrize("lang", LANGS)
def test_labs_screen(snap_compare: Compare, tmp_path: Path, lang: str,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    on_test_machine(monkeypatch)
    record_quantize_run(tmp_path)
    app = build_app(tmp_path, FakeClock(), lang)
    assert snap_compare(app, press=["l", "down"], run_before=started)


@pytest.mark.parametrize("lang", LANGS)
def test_lab_result(snap_compare: Compare, tmp_path: Path, lang: str,
                    monkeypatch: pytest.MonkeyPatch) -> None:
    on_test_machine(monkeypatch)
    record_quantize_run(tmp_path)
    app = build_app(tmp_path, FakeClock(), lang)
    assert snap_compare(app, press=["l", "down", "o"], run_before=started)
