"""Engine pragmas, schema versions, forward migrations with a backup."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import SQLModel

from studyapp.store import tables
from studyapp.store.engine import APPLICATION_ID, reading, writing
from studyapp.store.migrations import SCHEMA_VERSION, migrate, open_database

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def test_every_connection_gets_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    engine = open_database(tmp_path / "a.db", NOW)
    try:
        for _ in range(2):
            with engine.connect() as connection:
                pragma = connection.exec_driver_sql
                assert pragma("PRAGMA journal_mode").scalar() == "wal"
                assert pragma("PRAGMA foreign_keys").scalar() == 1
                assert pragma("PRAGMA busy_timeout").scalar() >= 1000
            engine.dispose()  # the next round opens a fresh connection
    finally:
        engine.dispose()


def test_new_database_is_marked_and_matches_the_table_classes(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    open_database(path, NOW).dispose()
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        names = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert names == set(SQLModel.metadata.tables)
        for table in SQLModel.metadata.sorted_tables:
            columns = [row[1] for row in con.execute(f"PRAGMA table_info({table.name})")]
            assert columns == [column.name for column in table.columns], table.name


def test_upgrading_an_old_database_keeps_its_data_and_leaves_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    assert migrate(path, target=1) == 1
    with sqlite3.connect(path) as con:
        con.execute("INSERT INTO setting (key, value) VALUES ('lang', 'en')")
        con.execute("INSERT INTO card_state (card_id, module_id, kind, ord, reviewable) "
                    "VALUES ('quiz.1', 'm', 'quiz', 0, 1)")
        for grade, first, undone in ((2, 1, None), (4, 0, None), (5, 0, "2026-03-02")):
            con.execute(
                "INSERT INTO review_log (card_id, session_id, at, study_day, grade, first_answer,"
                " before_repetitions, before_easiness_x100, before_interval, after_repetitions,"
                " after_easiness_x100, after_interval, after_due, undone_at) VALUES"
                " ('quiz.1', 's', '2026-03-01 07:00:00', '2026-03-01', ?, ?, 0, 250, 0, 1, 250,"
                " 1, '2026-03-02', ?)", (grade, first, undone))

    engine = open_database(path, NOW)
    with reading(engine) as session:
        assert session.get(tables.SettingRow, "lang").value == "en"
    with writing(engine) as session:  # the table of version 2 exists now
        session.add(tables.LabRunRow(lab_id="latency", params_json="{}", status="running",
                                     started_at=NOW))
    engine.dispose()

    backups = list(tmp_path.glob("old.db.20260302T070000Z*.bak"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 1
        assert con.execute("SELECT value FROM setting").fetchall() == [("en",)]
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        # the day counts of version 2 are filled from the log that was already there
        assert con.execute("SELECT * FROM review_day").fetchall() == [("2026-03-01", 2, 1, 0)]


def test_day_counts_follow_answers_undos_and_deletes(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    open_database(path, NOW).dispose()
    with sqlite3.connect(path) as con:
        con.execute("INSERT INTO card_state (card_id, module_id, kind, ord, reviewable) "
                    "VALUES ('quiz.1', 'm', 'quiz', 0, 1)")
        for grade, first in ((5, 1), (1, 0), (4, 0)):
            con.execute(
                "INSERT INTO review_log (card_id, session_id, at, study_day, grade, first_answer,"
                " before_repetitions, before_easiness_x100, before_interval, after_repetitions,"
                " after_easiness_x100, after_interval, after_due) VALUES ('quiz.1', 's',"
                " '2026-03-02 07:00:00', '2026-03-02', ?, ?, 0, 250, 0, 1, 250, 1, '2026-03-03')",
                (grade, first))
        day = "SELECT answers, first_answers, first_passed FROM review_day"
        assert con.execute(day).fetchall() == [(3, 1, 1)]
        con.execute("UPDATE review_log SET undone_at = '2026-03-02 08:00:00' WHERE id = 1")
        assert con.execute(day).fetchall() == [(2, 0, 0)]
        con.execute("UPDATE review_log SET undone_at = NULL WHERE id = 1")
        assert con.execute(day).fetchall() == [(3, 1, 1)]
        con.execute("DELETE FROM review_log WHERE id = 2")
        assert con.execute(day).fetchall() == [(2, 1, 1)]
    con.close()


def test_opening_a_current_database_writes_no_backup(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    open_database(path, NOW).dispose()
    open_database(path, NOW).dispose()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".bak") == []


def _other_writer_can_begin(path: Path) -> bool:
    con = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    finally:
        con.close()


def test_a_writing_unit_of_work_takes_the_write_lock_at_begin(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    engine = open_database(path, NOW)
    with reading(engine) as session:
        session.get(tables.SettingRow, "lang")
        assert _other_writer_can_begin(path)
    with writing(engine) as session:
        session.get(tables.SettingRow, "lang")  # only a read so far, and yet:
        assert not _other_writer_can_begin(path)
    assert _other_writer_can_begin(path)
    engine.dispose()
