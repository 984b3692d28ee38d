"""`studyapp doctor` and the app's daily integrity check."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
from conftest import StudyClock
from tui_support import FakeClock, build_app, drive, opened_service, running

from studyapp.cli import context as cli_context
from studyapp.cli import main
from studyapp.deck import load_modules
from studyapp.labs import lifeline
from studyapp.labs.catalog import LAB_IDS
from studyapp.services import data_safety as session_module
from studyapp.services.study import StudyService
from studyapp.services.values import Settings
from studyapp.store.health import integrity_problems
from studyapp.store.lab_runs import start_run
from studyapp.store.migrations import migrate, open_database

PAGE = 4096
Doctor = Callable[..., tuple[int, list[str], str]]


@pytest.fixture
def doctor(tmp_path: Path, study_clock: StudyClock, monkeypatch, capsys) -> Doctor:
    """Run `studyapp doctor` on a database, with the lab cache in tmp_path/data/cache."""
    monkeypatch.setenv("STUDYAPP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(cli_context, "clock", study_clock)

    def run(db: Path, *options: str, lang: str | None = "en") -> tuple[int, list[str], str]:
        code = main(["--db", str(db), *(["--lang", lang] if lang else []), "doctor", *options])
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


def files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}


def lab_run_statuses(db: Path) -> list[tuple[int, str]]:
    with closing(sqlite3.connect(db)) as con:
        return con.execute("SELECT id, status FROM lab_run ORDER BY id").fetchall()


def test_a_healthy_database_is_reported_in_aligned_lines_and_a_verdict_with_exit_0(
    db: Path, tmp_path: Path, doctor: Doctor
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
        f"database     {db}: sound (full integrity check)",
        "lab runs     none marked running",
        f"model cache  {cache}: 2 files, 2.00 MB (may be deleted; it is rebuilt)",
        f"backup       2026-03-02: {copy}, {copy.stat().st_size / 1e6:.2f} MB",
        "verdict      no problems found",
    ]
    assert db.read_bytes() == before  # read only: no -wal, no new copy
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "content", "data", "study.db", "study.db.backups"]


def test_a_corrupted_database_is_a_problem_with_exit_1(db: Path, doctor: Doctor) -> None:
    broken = corrupted_copy(db)
    before = broken.read_bytes()
    code, lines, err = doctor(broken)
    assert code == 1 and err == ""
    assert lines[0].startswith(f"database     PROBLEM: {broken} is damaged: ")
    assert lines[1:] == [
        "database     restore it from a backup: 'studyapp restore', or a copy from "
        f"{broken}.backups",
        f"model cache  {broken.parent / 'data' / 'cache'}: empty",
        "backup       no automatic copies yet (the first start of a day makes one)",
        "verdict      problems found: 1",
    ]
    assert broken.read_bytes() == before
    assert integrity_problems(db) == []


def test_a_run_of_a_live_process_is_fine_and_one_whose_process_ended_a_problem(
    db: Path, study_clock: StudyClock, doctor: Doctor
) -> None:
    engine = open_database(db, study_clock())
    start_run(engine, "latency", {}, study_clock(), owner=lifeline.owner())  # this process
    start_run(engine, "quantize", {}, study_clock(), owner={**lifeline.owner(), "boot": "old"})
    start_run(engine, "prune", {}, study_clock())  # recorded before owners were kept
    engine.dispose()
    code, lines, _ = doctor(db)
    assert code == 1
    assert lines[1:4] == [
        f"lab runs     run #1 (latency): running now in process {os.getpid()}",
        "lab runs     PROBLEM: run #2 (quantize): still marked running, but its process has ended; "
        "the next start closes it as interrupted, 'studyapp doctor --fix' does so now",
        "lab runs     PROBLEM: run #3 (prune): still marked running, but its process has ended; "
        "the next start closes it as interrupted, 'studyapp doctor --fix' does so now",
    ]
    assert lines[-1] == "verdict      problems found: 2"
    assert lab_run_statuses(db) == [(1, "running"), (2, "running"), (3, "running")]

    code, lines, _ = doctor(db, "--fix")
    assert code == 0
    assert lines[1:4] == [
        f"lab runs     run #1 (latency): running now in process {os.getpid()}",
        "lab runs     run #2 (quantize): closed as interrupted (its process had ended)",
        "lab runs     run #3 (prune): closed as interrupted (its process had ended)",
    ]
    assert lab_run_statuses(db) == [(1, "running"), (2, "interrupted"), (3, "interrupted")]
    assert doctor(db)[0] == 0


def test_a_missing_database_is_reported_and_not_made(tmp_path: Path, doctor: Doctor) -> None:
    code, lines, _ = doctor(tmp_path / "none.db", "--fix")
    assert code == 0 and lines[0] == f"database     no database yet at {tmp_path / 'none.db'}"
    assert not (tmp_path / "none.db").exists()


def _newer(path: Path) -> None:
    migrate(path)
    with closing(sqlite3.connect(path)) as con:
        con.execute("PRAGMA user_version = 99")


@pytest.mark.parametrize(("make", "message"), [
    (lambda path: path.touch(), "an empty file, not a studyapp database"),
    (lambda path: path.write_text("notes", encoding="utf-8"),
     "not a studyapp database (not an SQLite file)"),
    (_newer, "made by a newer studyapp (schema 99"),
])
def test_what_the_open_checks_refuse_is_a_finding(
    make: Callable[[Path], object], message: str, tmp_path: Path, doctor: Doctor
) -> None:
    make(tmp_path / "odd.db")
    before = files(tmp_path)
    code, lines, err = doctor(tmp_path / "odd.db", "--fix")
    assert (code, err) == (1, "")
    assert lines[0].startswith(f"database     PROBLEM: {tmp_path / 'odd.db'}: {message}")
    assert lines[-1] == "verdict      problems found: 1"
    assert files(tmp_path) == before


def test_the_report_is_in_the_saved_language_else_bulgarian(
    db: Path, tiny_content: Path, study_clock: StudyClock, doctor: Doctor
) -> None:
    code, lines, _ = doctor(db, lang=None)
    assert code == 0
    assert lines[0] == f"база данни       {db}: здрава (пълна проверка на целостта)"
    assert lines[-1] == "извод            няма открити проблеми"
    service = StudyService.open(db, load_modules(tiny_content, LAB_IDS), study_clock)
    service.save_settings(Settings(lang="en"))
    service.close()
    assert doctor(db, lang=None)[1][-1] == "verdict      no problems found"
    assert doctor(db, lang="bg")[1][-1] == "извод            няма открити проблеми"


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
