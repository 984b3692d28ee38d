"""Opening a database: every path names itself, a crash while creating leaves nothing refused,
only a missing path becomes a new database, read-only commands read only, checks stay cheap."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from conftest import STUDY_START, StudyClock

from studyapp.cli import main
from studyapp.deck import load_modules
from studyapp.labs.catalog import LAB_IDS
from studyapp.services.study import StudyService
from studyapp.store import migrations
from studyapp.store.migrations import SCHEMA_VERSION, backup, inspect_file, migrate

ROOT = Path(__file__).resolve().parent.parent
# Root passes every permission check; under root the read-only cases run the command in a
# child without the capabilities that override file modes, as an ordinary user would.
UNPRIVILEGED = (["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]
                if os.geteuid() == 0 else [])
needs_permissions = pytest.mark.skipif(
    bool(UNPRIVILEGED) and shutil.which("setpriv") is None,
    reason="root ignores file permissions and setpriv is missing")


def run_unprivileged(db: Path, content: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """The command line run as a user that file modes apply to."""
    return subprocess.run(
        [*UNPRIVILEGED, sys.executable, "-m", "studyapp", "--db", str(db), "--content",
         str(content), "--lang", "en", *command],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120, check=False)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def names(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()}


def run_cli(db: Path, content: Path, *command: str) -> int:
    return main(["--db", str(db), "--content", str(content), "--lang", "en", *command])


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.startswith("studyapp: error: ") and err.count("\n") == 1, err
    return err


def make_db(path: Path, content: Path) -> None:
    service = StudyService.open(path, load_modules(content, LAB_IDS), StudyClock())
    session = service.start_review()
    session.grade(4)
    service.close()


# -- 1. a path means itself ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["p%20q.db", "k?mode=ro", "h#x.db"])
def test_a_path_with_url_characters_names_that_very_file(
    tmp_path: Path, tiny_content: Path, name: str, capsys
) -> None:
    db = tmp_path / name
    assert run_cli(db, tiny_content, "due") == 0
    assert names(tmp_path) == {name, "content"}
    with closing(sqlite3.connect(db)) as con:  # a plain path: no URI parsing
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert con.execute("SELECT count(*) FROM card_state").fetchone()[0] > 0


def test_a_backup_of_a_file_with_url_characters_is_next_to_it(tmp_path: Path) -> None:
    db = tmp_path / "old %41?#.db"
    migrate(db, target=1)
    copy = backup(db, STUDY_START)
    assert copy.parent == tmp_path and copy.name.startswith("old %41?#.db.")
    with closing(sqlite3.connect(copy)) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 1


# -- 2. a crash while creating -------------------------------------------------------------

_CREATING = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA cache_size = 10")  # spill to the file before the commit
con.execute("BEGIN IMMEDIATE")
con.execute("CREATE TABLE card_state (card_id TEXT PRIMARY KEY, text TEXT)")
con.executemany("INSERT INTO card_state VALUES (?, ?)", ((f"c{i}", "x" * 500) for i in range(500)))
print("writing", flush=True)
sys.stdin.read()
"""


def kill_while_creating(path: Path) -> None:
    """A child process that is creating `path` is killed with pages written before its commit."""
    proc = subprocess.Popen([sys.executable, "-c", _CREATING, str(path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert path.stat().st_size > 0
    assert path.with_name(path.name + "-journal").stat().st_size > 0  # a hot journal


def test_a_creation_killed_midway_is_rolled_back_and_created_afresh(
    tmp_path: Path, tiny_content: Path, capsys
) -> None:
    db = tmp_path / "study.db"
    kill_while_creating(db)
    assert run_cli(db, tiny_content, "due") == 0, capsys.readouterr().err
    assert names(tmp_path) == {"study.db", "content"}
    assert inspect_file(db) == SCHEMA_VERSION


def test_a_new_database_appears_whole_or_not_at_all(tmp_path: Path, monkeypatch) -> None:
    def crash(path: Path, target: int = SCHEMA_VERSION) -> int:
        sqlite3.connect(path).close()  # the file is there...
        raise KeyboardInterrupt  # ...when the process dies writing the schema

    monkeypatch.setattr(migrations, "migrate", crash)
    with pytest.raises(KeyboardInterrupt):
        migrations.open_database(tmp_path / "study.db", STUDY_START)
    assert names(tmp_path) == set()


def no_hard_links(monkeypatch: pytest.MonkeyPatch,
                  meanwhile: Callable[[Path], None] | None = None) -> None:
    """A filesystem that makes no hard links; `meanwhile(path)` runs as a link is tried."""
    def link(source: Path, target: Path) -> None:
        if meanwhile is not None:
            meanwhile(Path(target))
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "link", link)


def test_a_filesystem_without_hard_links_gets_a_whole_database(tmp_path: Path, monkeypatch):
    no_hard_links(monkeypatch)
    migrations.open_database(tmp_path / "study.db", STUDY_START).dispose()
    assert inspect_file(tmp_path / "study.db") == SCHEMA_VERSION
    assert names(tmp_path) == {"study.db"}


def test_without_hard_links_a_database_made_meanwhile_is_kept(tmp_path: Path, monkeypatch):
    def made_by_another_process(path: Path) -> None:
        migrate(path)
        with closing(sqlite3.connect(path)) as con, con:
            con.execute("INSERT INTO setting VALUES ('lang', 'en')")

    no_hard_links(monkeypatch, meanwhile=made_by_another_process)
    migrations.open_database(tmp_path / "study.db", STUDY_START).dispose()
    with closing(sqlite3.connect(tmp_path / "study.db")) as con:
        assert con.execute("SELECT * FROM setting").fetchall() == [("lang", "en")]
    assert names(tmp_path) == {"study.db"}


def test_without_hard_links_a_crash_while_placing_leaves_an_interrupted_creation(
    tmp_path: Path, monkeypatch
) -> None:
    no_hard_links(monkeypatch)
    def die(source: Path, target: Path) -> None:
        raise KeyboardInterrupt  # the process dies between the claim and the replace

    with monkeypatch.context() as dying:
        dying.setattr(os, "replace", die)
        with pytest.raises(KeyboardInterrupt):
            migrations.open_database(tmp_path / "study.db", STUDY_START)
    assert (tmp_path / "study.db").stat().st_size == 0  # claimed, not yet replaced
    migrations.open_database(tmp_path / "study.db", STUDY_START).dispose()
    assert inspect_file(tmp_path / "study.db") == SCHEMA_VERSION
    assert names(tmp_path) == {"study.db"}


# -- 3. only a missing path becomes a new database ----------------------------------------


def test_an_empty_file_is_refused_and_untouched(tmp_path: Path, tiny_content: Path, capsys):
    db = tmp_path / "empty.db"
    db.touch()
    assert run_cli(db, tiny_content, "due") == 1
    assert "an empty file" in one_error_line(capsys)
    assert db.read_bytes() == b"" and names(tmp_path) == {"empty.db", "content"}


def test_an_sqlite_file_without_tables_is_refused_and_untouched(
    tmp_path: Path, tiny_content: Path, capsys
) -> None:
    db = tmp_path / "bare.db"
    with closing(sqlite3.connect(db)) as con:
        con.execute("CREATE TABLE gone (x)")
        con.execute("DROP TABLE gone")
    before = digest(db)
    assert run_cli(db, tiny_content, "due") == 1
    assert "without tables" in one_error_line(capsys)
    assert digest(db) == before and names(tmp_path) == {"bare.db", "content"}


# -- 4. read-only commands read only -------------------------------------------------------


READ_ONLY_COMMANDS = [["due"], ["due", "--json"], ["stats"], ["export", "--json"],
                      ["lab", "history"], ["lab", "list"]]


@pytest.mark.parametrize("command", READ_ONLY_COMMANDS, ids=" ".join)
def test_a_read_only_command_changes_nothing(
    tmp_path: Path, tiny_content: Path, command: list[str], capsys
) -> None:
    db = tmp_path / "study.db"
    make_db(db, tiny_content)
    before, files = digest(db), names(tmp_path)
    assert run_cli(db, tiny_content, *command) == 0, capsys.readouterr().err
    assert digest(db) == before and names(tmp_path) == files


def test_due_does_not_wait_for_a_writer(tmp_path: Path, tiny_content: Path, capsys) -> None:
    db = tmp_path / "study.db"
    make_db(db, tiny_content)
    with closing(sqlite3.connect(db, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")  # a review in another process, mid-answer
        assert run_cli(db, tiny_content, "due") == 0, capsys.readouterr().err
        writer.execute("ROLLBACK")


@pytest.fixture
def read_only(tmp_path: Path, tiny_content: Path, request) -> Iterator[Path]:
    """A database with its file (param "file") or its folder (param "folder") read-only."""
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "study.db"
    make_db(db, tiny_content)
    locked = db if request.param == "file" else folder
    mode = locked.stat().st_mode
    locked.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    yield db
    locked.chmod(mode)


@needs_permissions
@pytest.mark.parametrize("read_only", ["file", "folder"], indirect=True)
@pytest.mark.parametrize("command", READ_ONLY_COMMANDS, ids=" ".join)
def test_a_read_only_database_can_be_read(
    read_only: Path, tiny_content: Path, command: list[str]
) -> None:
    before, files = digest(read_only), names(read_only.parent)
    done = run_unprivileged(read_only, tiny_content, *command)
    assert done.returncode == 0, done.stderr
    assert digest(read_only) == before and names(read_only.parent) == files


@needs_permissions
@pytest.mark.parametrize("read_only", ["file", "folder"], indirect=True)
def test_a_command_that_writes_refuses_a_read_only_database_by_name(
    read_only: Path, tiny_content: Path
) -> None:
    before, files = digest(read_only), names(read_only.parent)
    done = run_unprivileged(read_only, tiny_content, "review", "--plain")
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert f"{read_only}: the database (or its folder) is read-only" in done.stderr
    assert digest(read_only) == before and names(read_only.parent) == files


# -- 5. a missing folder -------------------------------------------------------------------


def test_a_db_in_a_missing_folder_is_refused(tmp_path: Path, tiny_content: Path, capsys):
    db = tmp_path / "no" / "such" / "study.db"
    assert run_cli(db, tiny_content, "due") == 1
    assert "does not exist" in one_error_line(capsys)
    assert not (tmp_path / "no").exists()


def test_the_default_data_folder_is_made(tmp_path: Path, tiny_content: Path, monkeypatch):
    folder = tmp_path / "new" / "data"
    monkeypatch.setenv("STUDYAPP_DATA_DIR", str(folder))
    monkeypatch.delenv("STUDYAPP_DB", raising=False)
    assert main(["--content", str(tiny_content), "due"]) == 0
    assert (folder / "studyapp.db").is_file()


# -- 6. cheap checks at open ---------------------------------------------------------------


@pytest.fixture
def statements(monkeypatch) -> list[str]:
    """Every statement run by the connections that inspect a file."""
    seen: list[str] = []
    connect = sqlite3.connect

    def traced(*args, **kwargs) -> sqlite3.Connection:
        con = connect(*args, **kwargs)
        con.set_trace_callback(seen.append)
        return con

    monkeypatch.setattr(migrations.sqlite3, "connect", traced)
    return seen


def whole_file_checks(statements: list[str]) -> list[str]:
    return [s for s in statements if "quick_check" in s or "integrity_check" in s]


def test_a_clean_open_checks_no_whole_file(tmp_path: Path, tiny_content: Path, statements):
    db = tmp_path / "study.db"
    make_db(db, tiny_content)
    statements.clear()
    assert inspect_file(db) == SCHEMA_VERSION
    assert statements and not whole_file_checks(statements)


def test_an_open_after_a_crash_checks_the_whole_file(
    tmp_path: Path, tiny_content: Path, statements
) -> None:
    db = tmp_path / "study.db"
    make_db(db, tiny_content)
    with closing(sqlite3.connect(db)) as con:  # a writer killed before its checkpoint
        con.execute("INSERT INTO setting VALUES ('late', 'answer')")
        con.commit()
        os.link(db.with_name("study.db-wal"), db.with_name("left-wal"))
    os.replace(db.with_name("left-wal"), db.with_name("study.db-wal"))
    statements.clear()
    assert inspect_file(db) == SCHEMA_VERSION
    assert whole_file_checks(statements)


def test_a_damaged_page_deep_in_a_table_fails_a_read_in_one_line(
    tmp_path: Path, tiny_content: Path, capsys
) -> None:
    db = tmp_path / "study.db"
    make_db(db, tiny_content)
    with closing(sqlite3.connect(db)) as con:
        con.executemany("INSERT INTO setting VALUES (?, ?)",
                        ((f"k{i}", "x" * 500) for i in range(2000)))
        con.commit()
        pages = con.execute("PRAGMA page_count").fetchone()[0]
    data = bytearray(db.read_bytes())
    page = pages // 2  # a leaf of `setting`, neither its first nor its last
    data[(page - 1) * 4096 + 8: page * 4096] = b"\xa5" * (4096 - 8)
    db.write_bytes(bytes(data))
    assert inspect_file(db) == SCHEMA_VERSION  # not found at open: that costs a whole read
    assert run_cli(db, tiny_content, "export", "--json") == 1
    err = one_error_line(capsys)
    assert str(db) in err and "malformed" in err
