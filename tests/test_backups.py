"""The automatic daily copies: one a day on a writing open, the last seven kept."""

from __future__ import annotations

import io
import sqlite3
import sys
from pathlib import Path

from conftest import StudyClock

from studyapp.cli import context as cli_context
from studyapp.cli import main
from studyapp.deck import load_modules
from studyapp.labs.catalog import LAB_IDS
from studyapp.services.study import StudyService
from studyapp.store.backups import backup_folder, daily_backup, list_backups
from studyapp.store.migrations import inspect_file, open_database


def open_and_answer(db: Path, content: Path, clock: StudyClock) -> StudyService:
    service = StudyService.open(db, load_modules(content, LAB_IDS), clock)
    service.start_review().grade(4)
    return service


def copies(db: Path) -> list[str]:
    return sorted(path.name for path in backup_folder(db).iterdir())


def test_the_first_writing_open_of_a_day_copies_the_database_and_later_ones_do_not(
    tmp_path: Path, tiny_content: Path, study_clock: StudyClock
) -> None:
    db = tmp_path / "study.db"
    open_and_answer(db, tiny_content, study_clock).close()
    assert copies(db) == ["2026-03-02.db"]  # the UTC day of 09:00 in Sofia
    first = (backup_folder(db) / "2026-03-02.db").read_bytes()
    study_clock.advance(hours=3)
    open_and_answer(db, tiny_content, study_clock).close()  # the same day: no second copy
    assert (backup_folder(db) / "2026-03-02.db").read_bytes() == first
    study_clock.advance(days=1)
    service = StudyService.open(db, load_modules(tiny_content, LAB_IDS), study_clock)
    service.close()
    assert copies(db) == ["2026-03-02.db", "2026-03-03.db"]
    with sqlite3.connect(backup_folder(db) / "2026-03-03.db") as con:  # yesterday's answers
        assert con.execute("SELECT count(*) FROM review_log").fetchone() == (2,)
        assert con.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert service.backup_problem is None


def test_eight_days_leave_the_last_seven_copies_and_foreign_files_alone(
    tmp_path: Path, study_clock: StudyClock
) -> None:
    db = tmp_path / "study.db"
    open_database(db, study_clock()).dispose()
    folder = backup_folder(db)
    folder.mkdir()
    foreign = [folder / "notes.txt", folder / "2020-01-01.db.keep", folder / "2020-13-01.db"]
    for path in foreign:
        path.write_text("mine")
    for _ in range(8):
        assert daily_backup(db, study_clock()) is not None
        study_clock.advance(days=1)
    days = [backup.day.isoformat() for backup in list_backups(db)]
    assert days == [f"2026-03-{day:02d}" for day in range(9, 2, -1)]  # 7 newest, newest first
    assert all(path.read_text() == "mine" for path in foreign)
    assert daily_backup(db, study_clock.advance(days=-1)) is None  # at most once a day


def test_opening_without_writing_makes_no_copy(
    tmp_path: Path, tiny_content: Path, study_clock: StudyClock, monkeypatch, capsys
) -> None:
    db = tmp_path / "study.db"
    open_and_answer(db, tiny_content, study_clock).close()
    for path in backup_folder(db).iterdir():
        path.unlink()
    study_clock.advance(days=1)
    monkeypatch.setattr(cli_context, "clock", study_clock)
    monkeypatch.setenv("STUDYAPP_DATA_DIR", str(tmp_path / "data"))
    inspect_file(db)
    assert main(["--db", str(db), "doctor"]) == 0
    assert main(["--db", str(db), "--content", str(tiny_content), "due"]) == 0
    capsys.readouterr()
    assert copies(db) == []


def test_a_copy_that_cannot_be_made_is_reported_and_studying_goes_on(
    tmp_path: Path, tiny_content: Path, study_clock: StudyClock, monkeypatch, capsys
) -> None:
    db = tmp_path / "study.db"
    backup_folder(db).write_text("a file where the folder should be")
    monkeypatch.setattr(cli_context, "clock", study_clock)
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n4\n"))
    argv = ["--db", str(db), "--content", str(tiny_content), "--lang", "en"]
    assert main([*argv, "review", "--plain"]) == 0
    out, err = capsys.readouterr()
    assert "Cards: 1, answers: 1" in out
    assert err.startswith(f"studyapp: warning: {db}: cannot write today's automatic backup "
                          f"copy {backup_folder(db) / '2026-03-02.db'} (")
    assert err.endswith("); you can study without it\n") and err.count("\n") == 1
    assert list(tmp_path.glob("study.db.backups*")) == [backup_folder(db)]
