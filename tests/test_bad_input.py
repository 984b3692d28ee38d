"""Bad input loses nothing: damaged, foreign or newer files, concurrent writers, a killed review."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from conftest import STUDY_START, StudyClock, tiny_cards, write_module_toml

from studyapp.cli import main
from studyapp.deck import load_modules
from studyapp.errors import StudyappError
from studyapp.labs.catalog import LAB_IDS
from studyapp.services.study import StudyService
from studyapp.services.values import Settings
from studyapp.store.migrations import open_database

ROOT = Path(__file__).resolve().parent.parent


def make_db(path: Path, content: Path, answers: int = 3) -> None:
    """A real study database with a few answers, fully checkpointed into one file."""
    service = StudyService.open(path, load_modules(content, LAB_IDS), StudyClock())
    session = service.start_review()
    for _ in range(answers):
        session.grade(4)
    service.close()
    assert not path.with_name(path.name + "-wal").exists()


def assert_refused(path: Path, content: Path, match: str, capsys) -> None:
    """Opening `path` fails with one line, through the API and the CLI, and leaves it as it was."""
    before = path.read_bytes()
    files = sorted(p.name for p in path.parent.iterdir())  # the daily copies among them
    with pytest.raises(StudyappError, match=match) as error:
        StudyService.open(path, load_modules(content, LAB_IDS), StudyClock())
    assert "\n" not in str(error.value)
    assert main(["--db", str(path), "--content", str(content), "due"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("studyapp: error: ") and err.count("\n") == 1
    assert "Traceback" not in err
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == files


@pytest.fixture
def db(tmp_path: Path, tiny_content: Path) -> Path:
    path = tmp_path / "study.db"
    make_db(path, tiny_content)
    return path


def test_a_truncated_database_is_refused_and_untouched(db: Path, tiny_content: Path, capsys):
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    assert_refused(db, tiny_content, "truncated or damaged", capsys)


def root_page(path: Path, table: str) -> int:
    """The first page of `table`, read through a read-only connection that leaves no side files."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)) as con:
        return con.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()[0]


@pytest.mark.parametrize("table", ["sqlite_master", "review_log"],
                         ids=["schema page", "page of answers"])
def test_a_database_with_a_damaged_page_is_refused_and_untouched(
    db: Path, tiny_content: Path, capsys, table: str
):
    page = 1 if table == "sqlite_master" else root_page(db, table)
    data = bytearray(db.read_bytes())
    page_size = 4096
    # Keep the file header (page 1) or the page header (8 bytes) so the damage is in the cells.
    start = (page - 1) * page_size + (100 if page == 1 else 8)
    end = page * page_size
    assert end <= len(data)
    data[start:end] = b"\xa5" * (end - start)
    db.write_bytes(bytes(data))
    assert_refused(db, tiny_content, "damaged", capsys)


def test_a_file_that_is_not_sqlite_is_refused_and_untouched(
    tmp_path: Path, tiny_content: Path, capsys
):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 10)
    assert_refused(path, tiny_content, "not an SQLite file", capsys)


def test_a_database_from_a_newer_schema_is_refused_and_untouched(
    db: Path, tiny_content: Path, capsys
):
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA user_version = 99")
    con.close()
    assert_refused(db, tiny_content, "newer studyapp", capsys)


def test_a_foreign_sqlite_database_is_refused_and_untouched(
    tmp_path: Path, tiny_content: Path, capsys
):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        con.execute("INSERT INTO users (name) VALUES ('ada')")
    con.close()
    assert_refused(path, tiny_content, "not a studyapp database.*users", capsys)
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA application_id = 1234")
    con.close()
    assert_refused(path, tiny_content, "application id 1234", capsys)


def test_a_grade_outside_zero_to_five_raises_value_error_and_writes_nothing(
    tmp_path: Path, tiny_content: Path
):
    service = StudyService.open(tmp_path / "a.db", load_modules(tiny_content, LAB_IDS),
                                StudyClock())
    session = service.start_review()
    for grade in (6, -1, 10**9):
        with pytest.raises(ValueError, match="0 to 5"):
            session.grade(grade)
    assert service.export_data()["review_log"] == []
    assert service.card_state("concept.c01").due is None
    service.close()


_ANSWERING = """
import sys, time
from pathlib import Path
from studyapp.deck import load_modules
from studyapp.labs.catalog import LAB_IDS
from studyapp.services.study import StudyService
from studyapp.clock import system_clock
db, content, start_flag = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
service = StudyService.open(db, load_modules(content, LAB_IDS), system_clock)
session = service.start_review()
print("ready", flush=True)
while not start_flag.exists():
    time.sleep(0.005)
while session.current() is not None:
    session.grade(5)
print(session.summary().reviewed)
"""


def test_two_processes_answering_at_once_lose_no_answer(tmp_path: Path) -> None:
    content = write_module_toml(tmp_path / "content", tiny_cards(concepts=40, plans=False))
    db = tmp_path / "shared.db"
    service = StudyService.open(db, load_modules(content, LAB_IDS), StudyClock())
    service.save_settings(Settings(new_per_day=40))
    service.close()
    flag = tmp_path / "go"
    procs = [
        subprocess.Popen([sys.executable, "-c", _ANSWERING, str(db), str(content), str(flag)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        for _ in range(2)
    ]
    for proc in procs:  # both have opened the database and built their queue of 40
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    flag.touch()
    results = [proc.communicate(timeout=120) for proc in procs]
    reviewed = 0
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        reviewed += int(out)
    assert reviewed == 40  # each card moved by one of them, the other's answer a re-drill
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM review_log").fetchone()[0] == 80
        # every card got both answers, but one SM-2 step a day: 1 day
        states = con.execute("SELECT DISTINCT repetitions, interval FROM card_state "
                             "WHERE kind = 'concept'").fetchall()
    con.close()
    assert states == [(1, 1)]


def test_a_review_killed_mid_session_keeps_every_answer_given(
    tmp_path: Path, tiny_content: Path
) -> None:
    db = tmp_path / "killed.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "studyapp", "--db", str(db), "--content", str(tiny_content),
         "--lang", "en", "review", "--plain"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=ROOT, bufsize=1,
    )
    assert proc.stdin is not None and proc.stdout is not None
    grades = [5, 2, 4]
    confirmed = 0
    deadline = time.monotonic() + 60
    proc.stdin.write("".join(f"\n{grade}\n" for grade in grades))
    proc.stdin.flush()  # stdin stays open: the review waits for the next card
    while confirmed < len(grades) and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        confirmed += ("Next review:" in line) or ("comes back later" in line)
    assert confirmed == len(grades)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    engine = open_database(db, STUDY_START)  # opens cleanly after the kill
    engine.dispose()
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT card_id, grade FROM review_log ORDER BY id").fetchall()
    con.close()
    assert rows == [("concept.c01", 5), ("concept.c02", 2), ("concept.c03", 4)]


def test_the_refusal_is_given_in_the_chosen_language(tmp_path: Path, tiny_content: Path, capsys):
    path = tmp_path / "notes.db"
    path.write_text("not a database\n" * 10)
    base = ["--db", str(path), "--content", str(tiny_content)]
    assert main([*base, "due"]) == 1
    assert "не е база данни на studyapp" in capsys.readouterr().err
    assert main([*base, "--lang", "en", "due"]) == 1
    assert "not a studyapp database" in capsys.readouterr().err
