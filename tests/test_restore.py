"""`studyapp restore`: an export put back whole, checked before anything is written."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import STUDY_START, StudyClock
from study_records import Cli, studied, tiny_cli


@pytest.fixture
def cli(tiny_content: Path, study_clock: StudyClock, monkeypatch, capsys) -> Cli:
    return tiny_cli(tiny_content, study_clock, monkeypatch, capsys)


def review_days(db: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT * FROM review_day ORDER BY study_day").fetchall()


def test_export_restore_export_gives_the_same_document_stats_and_queue(
    cli: Cli, tmp_path: Path, tiny_content: Path, study_clock: StudyClock
) -> None:
    original, copy = tmp_path / "original.db", tmp_path / "copy.db"
    studied(original, tiny_content, study_clock, cli)
    backup = tmp_path / "backup.json"
    assert cli(original, "export", "--json", "-o", str(backup))[0] == 0
    tables = json.loads(backup.read_text(encoding="utf-8"))["tables"]
    assert [len(tables[name]) for name in ("review_log", "lab_run", "result_card",
                                           "prior_answer", "setting")] == [6, 2, 1, 1, 6]

    code, out, err = cli(copy, "restore", str(backup))
    assert (code, err) == (0, "")
    assert out == (
        f"Restored from {backup}: cards 18, answers 6 (undone among them: 1), lab runs 2\n")
    assert cli(copy, "export", "--json")[1] == backup.read_text(encoding="utf-8")
    assert review_days(copy) == review_days(original) != []
    for command in (("stats", "--json"), ("stats",), ("due", "--json"), ("due",)):
        assert cli(copy, *command) == cli(original, *command)


def test_a_database_with_study_data_is_refused_unless_forced(
    cli: Cli, tmp_path: Path, tiny_content: Path, study_clock: StudyClock
) -> None:
    fresh, used = tmp_path / "fresh.db", tmp_path / "used.db"
    empty_export = tmp_path / "empty.json"
    cli(fresh, "export", "--json", "-o", str(empty_export))
    studied(used, tiny_content, study_clock, cli)
    before = cli(used, "export", "--json")[1]

    code, out, err = cli(used, "restore", str(empty_export))
    assert (code, out) == (1, "")
    assert err == (f"studyapp: error: {used}: the database already holds study data; restore "
                   "into a new file with --db, or add --force to replace it (a copy is "
                   "written first)\n")
    assert cli(used, "export", "--json")[1] == before

    code, out, err = cli(used, "restore", str(empty_export), "--force")
    assert (code, err) == (0, "")
    [saved] = tmp_path.glob("used.db.*.bak")
    assert out.splitlines()[0] == f"The previous data was saved to {saved}"
    assert json.loads(cli(used, "export", "--json")[1])["tables"]["review_log"] == []
    with sqlite3.connect(saved) as con:  # what --force replaced is kept
        assert con.execute("SELECT count(*) FROM review_log").fetchone() == (6,)


def _set(document: dict[str, Any], table: str, column: str, value: Any, row: int = 1) -> None:
    document["tables"][table][row - 1][column] = value


BAD_DOCUMENTS: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "another format": (lambda d: d.update(format="anki"),
                       "not a file written by 'studyapp export --json'"),
    "newer schema": (lambda d: d.update(schema_version=99),
                     "exported by a newer studyapp (schema 99"),
    "unknown table": (lambda d: d["tables"].update(notes=[]), "unknown table 'notes'"),
    "missing table": (lambda d: d["tables"].pop("setting"), "the table 'setting' is missing"),
    "missing column": (lambda d: d["tables"]["review_log"][0].pop("grade"),
                       "review_log, row 1: the column 'grade' is missing"),
    "unknown column": (lambda d: _set(d, "card_state", "colour", "red"),
                       "card_state, row 1: unknown column 'colour'"),
    "text for a number": (lambda d: _set(d, "review_log", "grade", "5"),
                          "review_log, row 1, column 'grade': expected a whole number, "
                          "found \"5\""),
    "null key": (lambda d: _set(d, "review_log", "id", None),
                 "review_log, row 1, column 'id': must not be empty (null)"),
    "bad date": (lambda d: _set(d, "review_log", "study_day", "2026-02-30"),
                 "column 'study_day': expected a date (YYYY-MM-DD)"),
    "instant without offset": (lambda d: _set(d, "review_log", "at", "2026-03-02T07:00:00"),
                               "column 'at': expected a date and time with its UTC offset"),
    "number for a flag": (lambda d: _set(d, "review_log", "redrill", 0),
                          "column 'redrill': expected true or false, found 0"),
    "duplicate id": (lambda d: _set(d, "review_log", "id", 2),
                     "review_log, row 2: id = 2 appears a second time"),
    "unknown card": (lambda d: _set(d, "review_log", "card_id", "concept.gone"),
                     "review_log, row 1: card_id = concept.gone is not in the table "
                     "'card_state'"),
    "grade out of range": (lambda d: _set(d, "review_log", "grade", 9),
                           "review_log, row 1: the database schema refuses it: CHECK "
                           "constraint failed: grade BETWEEN 0 AND 5"),
    "negative grade on a later row": (lambda d: _set(d, "review_log", "grade", -1, row=4),
                                      "review_log, row 4: the database schema refuses it: "
                                      "CHECK constraint failed"),
}


@pytest.mark.parametrize("case", sorted(BAD_DOCUMENTS))
def test_a_bad_export_is_named_in_one_line_and_nothing_is_restored(
    case: str, cli: Cli, tmp_path: Path, tiny_content: Path, study_clock: StudyClock
) -> None:
    studied(tmp_path / "original.db", tiny_content, study_clock, cli)
    document = json.loads(cli(tmp_path / "original.db", "export", "--json")[1])
    change, message = BAD_DOCUMENTS[case]
    change(document)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document), encoding="utf-8")
    target = tmp_path / "target.db"

    code, out, err = cli(target, "restore", str(bad))
    assert (code, out) == (1, "")
    assert err.startswith(f"studyapp: error: {bad}: ") and err.count("\n") == 1, err
    assert message in err
    assert not target.exists()  # checked whole before the database is made


@pytest.mark.parametrize(("text", "message"), [
    (b"{\"format\": ", "not a JSON file (Expecting value: line 1 column 12"),
    (b"\xff\xfe", "not a JSON file"),
    (b"[]", "not a file written by 'studyapp export --json'"),
])
def test_a_file_that_is_no_export_is_refused_before_the_database_is_created(
    text: bytes, message: str, cli: Cli, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(text)
    code, out, err = cli(tmp_path / "new.db", "restore", str(bad))
    assert (code, out) == (1, "") and err.count("\n") == 1
    assert err.startswith(f"studyapp: error: {bad}: {message}"), err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bad.json", "content"]


def test_an_export_of_an_older_schema_without_result_cards_is_restored(
    cli: Cli, tmp_path: Path
) -> None:
    cli(tmp_path / "original.db", "review", "--plain", stdin="\n4\n")
    document = json.loads(cli(tmp_path / "original.db", "export", "--json")[1])
    document["schema_version"] = 2
    del document["tables"]["result_card"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(document), encoding="utf-8")
    code, out, _ = cli(tmp_path / "copy.db", "restore", str(old))
    assert code == 0 and "answers 1" in out
    assert STUDY_START.date().isoformat() in cli(tmp_path / "copy.db", "stats")[1]
