"""`studyapp export --csv DIR`: the cards and the tables as CSV files that Python's `csv`
module reads back as the database's rows; existing files replaced only with --force."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import StudyClock
from study_records import Cli, studied, tiny_cli

from studyapp.services.exports import CARD_COLUMNS, CSV_TABLES

FILES = ["cards.csv", *(f"{name}.csv" for name in CSV_TABLES)]


@pytest.fixture
def cli(tiny_content: Path, study_clock: StudyClock, monkeypatch, capsys) -> Cli:
    return tiny_cli(tiny_content, study_clock, monkeypatch, capsys)


@pytest.fixture
def db(tmp_path: Path, tiny_content: Path, study_clock: StudyClock, cli: Cli) -> Path:
    path = tmp_path / "study.db"
    studied(path, tiny_content, study_clock, cli)
    return path


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def test_each_table_reads_back_as_the_database_s_rows(cli: Cli, db: Path, tmp_path: Path
                                                      ) -> None:
    folder = tmp_path / "csv"
    code, out, err = cli(db, "export", "--csv", str(folder))
    assert (code, err) == (0, "")
    assert out == f"Wrote into {folder}: {', '.join(FILES)}\n"
    tables = json.loads(cli(db, "export", "--json")[1])["tables"]
    for name in CSV_TABLES:
        header, rows = read_csv(folder / f"{name}.csv")
        assert rows, name
        assert header == list(tables[name][0])
        assert rows == [{column: "" if value is None else str(value)
                         for column, value in row.items()} for row in tables[name]]
    assert (folder / "review_log.csv").read_bytes().count(b"\r\n") == len(tables["review_log"]) + 1


def test_cards_csv_has_every_card_in_both_languages(cli: Cli, db: Path, tmp_path: Path) -> None:
    cli(db, "export", "--csv", str(tmp_path / "csv"))
    header, rows = read_csv(tmp_path / "csv" / "cards.csv")
    assert header == list(CARD_COLUMNS)
    by_id = {row["card_id"]: row for row in rows}
    assert len(by_id) == 18  # the tiny module's 17 cards and the result card
    assert by_id["concept.c01"] == {
        "card_id": "concept.c01", "module_id": "tiny", "kind": "concept", "step": "", "lab": "",
        "front_bg": "Понятие 1", "front_en": "Concept 1", "back_bg": "Определение 1",
        "back_en": "Definition 1", "notes_bg": "", "notes_en": ""}
    assert (by_id["result.1.1"]["front_en"], by_id["result.1.1"]["lab"]) == ("Why?", "latency")


def test_an_existing_file_is_replaced_only_with_force(cli: Cli, db: Path, tmp_path: Path
                                                      ) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "lab_run.csv").write_text("mine", encoding="utf-8")
    (folder / "notes.txt").write_text("kept", encoding="utf-8")
    code, out, err = cli(db, "export", "--csv", str(folder))
    assert (code, out) == (1, "")
    assert err == (f"studyapp: error: {folder / 'lab_run.csv'} already exists; add --force to "
                   "overwrite it\n")
    assert sorted(path.name for path in folder.iterdir()) == ["lab_run.csv", "notes.txt"]
    assert cli(db, "export", "--csv", str(folder), "--force")[0] == 0
    assert (folder / "lab_run.csv").read_text(encoding="utf-8").startswith("id,lab_id,")
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "kept"


def test_a_folder_that_cannot_be_made_is_one_line(cli: Cli, db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "missing" / "csv"
    code, _, err = cli(db, "export", "--csv", str(folder))
    assert code == 1 and err.startswith(f"studyapp: error: cannot write {folder}: ")
    assert err.count("\n") == 1
