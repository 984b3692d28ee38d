"""`studyapp doctor` and the app's daily integrity check."""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import StudyClock
from tui_support import FakeClock, build_app, drive, opened_service, running

from studyapp import session as session_module
from studyapp.cli import context as cli_context
from studyapp.cli import main
from studyapp.deck import load_modules
from studyapp.labs.catalog import LAB_IDS
from studyapp.session import StudyService
from studyapp.store.health import integrity_problems
from studyapp.store.lab_runs import start_run

PAGE = 4096


@pytest.fixture
def doctor(tmp_path: Path, monkeypatch, capsys) -> Callable[[Path], tuple[int, list[str], str]]:
    """Run `studyapp doctor` on a database, with the lab cache in tmp_path/data/cache."""
    monkeypatch.setenv("STUDYAPP_DATA_DIR", str(tmp_path / "data"))

    def run(db: Path) -> tuple[int, list[str], str]:
        code = main(["--db", str(db), "--lang", "en", "doctor"])
        out, err = capsys.readouterr()
        return code, out.splitlines(), err

    return run


@pytest.fixture
def db(tmp_path: Path, tiny_content: Path, study_clock: StudyClock, monkeypatch, capsys) -> Path:
    """A database with a few answers, opened (and so copied) once."""
    path = tmp_path / "study.db"
    monkeypatch.setattr(cli_context, "clock", study_clock)
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n4\n\n5\n\n3\n"))
    main(["--db", str(path), "--content", str(tiny_content), "review", "--plain"])
    capsys.readouterr()
    return path


def corrupted_copy(db: Path) -> Path:
    """A copy of `db` with the page in the middle of the file overwritten."""
    copy = db.with_name("corrupt.db")
    shutil.copy(db, copy)
    with copy.open("r+b") as handle:
        handle.seek(copy.stat().st_size // PAGE // 2 * PAGE)
        handle.write(b"\xff" * PAGE)
    return copy


def test_a_healthy_database_is_reported_line_by_line_with_exit_0(
    db: Path, tmp_path: Path, doctor
) -> None:
    cache = tmp_path / "data" / "cache"
    (cache / "mlp").mkdir(parents=True)
    (cache / "mlp" / "weights.pt").write_bytes(b"w" * 1_500_000)
    (cache / "model.onnx").write_bytes(b"m" * 500_000)
    before = db.read_bytes()
    code, lines, err = doctor(db)
    assert (code, err) == (0, "")
    [copy] = sorted((tmp_path / "study.db.backups").iterdir())
    assert lines == [
        f"The database {db} is sound (full integrity check).",
        f"Lab model cache: {cache}, 2 files, 2.00 MB (may be deleted; it is rebuilt).",
        f"Backup of 2026-03-02: {copy}, {copy.stat().st_size / 1e6:.2f} MB",
    ]
    assert db.read_bytes() == before  # read only: no -wal, no new copy
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "content", "data", "study.db", "study.db.backups"]


def test_a_corrupted_database_is_a_problem_with_exit_1(db: Path, doctor) -> None:
    broken = corrupted_copy(db)
    before = broken.read_bytes()
    code, lines, err = doctor(broken)
    assert code == 1 and err == ""
    assert lines[0].startswith(f"PROBLEM: the database {broken} is damaged: ")
    assert "'studyapp restore'" in lines[0]
    assert lines[1:] == [f"The lab model cache ({broken.parent / 'data' / 'cache'}) is empty.",
                         "No automatic backup copies yet."]
    assert broken.read_bytes() == before
    assert integrity_problems(db) == []


def test_lab_runs_left_running_and_a_missing_database_are_reported(
    db: Path, tmp_path: Path, study_clock: StudyClock, doctor, capsys
) -> None:
    from studyapp.store.migrations import open_database

    engine = open_database(db, study_clock())
    start_run(engine, "latency", {}, study_clock())
    start_run(engine, "quantize", {}, study_clock())
    engine.dispose()
    code, lines, _ = doctor(db)
    assert code == 1
    assert lines[1] == ("PROBLEM: lab runs still marked running: 2 (stopped without a "
                        "result, unless a lab is running now).")
    code, lines, _ = doctor(tmp_path / "none.db")
    assert code == 0 and lines[0] == f"No database yet at {tmp_path / 'none.db'}."
    assert not (tmp_path / "none.db").exists()
    assert main(["--db", str(db), "--lang", "bg", "doctor"]) == 1
    assert "ПРОБЛЕМ" in capsys.readouterr().out


def test_the_service_checks_integrity_once_a_study_day_and_a_damaged_file_every_time(
    db: Path, tiny_content: Path, study_clock: StudyClock, monkeypatch
) -> None:
    checked: list[Path] = []
    found: list[str] = []

    def check(path: Path) -> list[str]:
        checked.append(path)
        return list(found)

    monkeypatch.setattr(session_module, "integrity_problems", check)
    service = StudyService.open(db, load_modules(tiny_content, LAB_IDS), study_clock)
    assert service.check_integrity_if_due() == []
    assert service.check_integrity_if_due() == []
    assert checked == [db]
    study_clock.advance(days=1)
    found.append("Page 7: btreeInitPage() returns error code 11")
    assert service.check_integrity_if_due() == found
    assert service.check_integrity_if_due() == found  # not remembered: checked again
    assert len(checked) == 3
    service.close()


@drive
async def test_the_app_names_a_damaged_file_in_a_notification(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    with opened_service(tmp_path, clock):
        pass
    monkeypatch.setattr(session_module, "integrity_problems", lambda path: ["Page 7: bad"])
    app = build_app(tmp_path, clock, "en")
    notes: list[tuple[str, str]] = []
    monkeypatch.setattr(app, "notify", lambda message, severity, timeout: notes.append(
        (message, severity)))
    async with running(app):
        await app.workers.wait_for_complete()
    assert notes == [(f"The database {tmp_path / 'study.db'} is damaged: Page 7: bad. Quit the "
                      "app and run 'studyapp doctor'; 'studyapp restore' puts back a backup.",
                      "error")]
