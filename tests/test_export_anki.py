"""`studyapp export --anki`: the package Anki's own library imports, with the cards, their
texts and tags, and with --with-schedule each card's state and answers as in our database."""

from __future__ import annotations

import sqlite3
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from conftest import StudyClock, write_module_toml
from study_records import Cli, studied, tiny_cli

from studyapp.services.anki_notes import NOTETYPE_ID, NOTETYPE_NAME, note_guid

anki_collection = pytest.importorskip("anki.collection")

REVIEWABLE = 12 + 2 + 1  # the tiny module's concepts and plan prompts, the result card


@pytest.fixture
def cli(tiny_content: Path, study_clock: StudyClock, monkeypatch, capsys) -> Cli:
    return tiny_cli(tiny_content, study_clock, monkeypatch, capsys)


@pytest.fixture
def db(tmp_path: Path, tiny_content: Path, study_clock: StudyClock, cli: Cli) -> Path:
    path = tmp_path / "study.db"
    studied(path, tiny_content, study_clock, cli)
    return path


def imported(tmp_path: Path, *packages: Path):
    """A fresh Anki collection with `packages` imported by Anki's own importer, with their
    schedules, and Anki's default for a note it has: take the texts of a newer one."""
    folder = tmp_path / "anki"
    folder.mkdir(exist_ok=True)
    collection = anki_collection.Collection(str(folder / "collection.anki2"))
    for package in packages:
        collection.import_anki_package(anki_collection.ImportAnkiPackageRequest(
            package_path=str(package),
            options=anki_collection.ImportAnkiPackageOptions(with_scheduling=True)))
    return collection


def notes_by_card(collection) -> dict[str, object]:
    notes = [collection.get_note(nid) for nid in collection.find_notes("")]
    return {note["CardId"]: note for note in notes}


@pytest.mark.parametrize(("lang", "front", "other"), [
    ("en", "Concept 1", ""), ("bg", "Понятие 1", ""), ("both", "Понятие 1", "Concept 1"),
])
def test_every_reviewable_card_is_one_note_in_the_chosen_languages(
    cli: Cli, db: Path, tmp_path: Path, lang: str, front: str, other: str
) -> None:
    package = tmp_path / "deck.apkg"
    code, out, err = cli(db, "export", "--anki", str(package), "--lang", lang)
    assert (code, err) == (0, "")
    assert f" {package}: " in out and out.count("\n") == 1
    collection = imported(tmp_path, package)
    try:
        notes = notes_by_card(collection)
        assert len(notes) == collection.note_count() == collection.card_count() == REVIEWABLE
        note = notes["concept.c01"]
        assert note.guid == note_guid("concept.c01")
        assert note.mid == NOTETYPE_ID
        assert note["Front"].startswith(front)
        assert note["FrontOther"].startswith(other) and bool(note["FrontOther"]) == bool(other)
        assert set(note.tags) >= {"studyapp", "studyapp::module::tiny", "studyapp::kind::concept"}
        assert "studyapp::lab::latency" in notes["result.1.1"].tags
        assert collection.models.get(note.mid)["name"] == NOTETYPE_NAME
        # without --with-schedule every card is new and there is no history
        assert {collection.get_card(cid).queue for cid in collection.find_cards("")} == {0}
        assert collection.db.scalar("select count() from revlog") == 0
    finally:
        collection.close()


def test_with_schedule_each_answered_card_keeps_its_state_and_answers(
    cli: Cli, db: Path, tmp_path: Path, study_clock: StudyClock
) -> None:
    package = tmp_path / "deck.apkg"
    assert cli(db, "export", "--anki", str(package), "--with-schedule")[0] == 0
    with sqlite3.connect(db) as con:
        states = con.execute("SELECT card_id, interval, easiness_x100, due FROM card_state "
                             "WHERE due IS NOT NULL").fetchall()
        answers = dict(con.execute("SELECT card_id, count(*) FROM review_log "
                                   "WHERE undone_at IS NULL GROUP BY card_id").fetchall())
    today = study_clock().date()  # the tiny database's study day starts at 05:00; it is 09:00
    collection = imported(tmp_path, package)
    try:
        notes = notes_by_card(collection)
        assert states
        for card_id, interval, easiness_x100, due in states:
            card = notes[card_id].cards()[0]
            assert (card.type, card.queue) == (2, 2)
            assert card.ivl == interval
            assert card.factor == easiness_x100 * 10
            # Anki counts days from today: the same calendar day as ours
            assert card.due - collection.sched.today == (date.fromisoformat(due) - today).days
            assert card.reps == answers[card_id]
            assert collection.db.scalar("select count() from revlog where cid = ?",
                                        card.id) == answers[card_id]
        assert collection.db.scalar("select count() from revlog") == sum(answers.values())
        assert notes["concept.c12"].cards()[0].queue == 0  # never answered: still new
    finally:
        collection.close()


def test_a_second_export_updates_the_notes_instead_of_adding_them(
    cli: Cli, db: Path, tmp_path: Path, study_clock: StudyClock
) -> None:
    first, second = tmp_path / "first.apkg", tmp_path / "second.apkg"
    assert cli(db, "export", "--anki", str(first), "--with-schedule")[0] == 0
    study_clock.advance(days=1)
    cli(db, "review", "--plain", stdin="\n5\n")
    time.sleep(1.01)  # a note's time in Anki is in whole seconds: the second one is newer
    assert cli(db, "export", "--anki", str(second), "--with-schedule", "--lang", "bg")[0] == 0
    collection = imported(tmp_path, first, second)
    try:
        notes = notes_by_card(collection)
        assert len(notes) == collection.note_count() == REVIEWABLE
        assert notes["concept.c01"]["Front"].startswith("Понятие 1")  # the second's texts
        assert [name for name in collection.models.all_names() if "studyapp" in name] == [
            NOTETYPE_NAME]
    finally:
        collection.close()


def test_without_the_anki_package_one_line_says_how_to_install_it(
    cli: Cli, db: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setitem(sys.modules, "anki.collection", None)  # its import now fails
    code, out, err = cli(db, "export", "--anki", str(tmp_path / "deck.apkg"))
    assert (code, out) == (1, "")
    assert err == ("studyapp: error: exporting to Anki needs the anki package: "
                   "pip install 'studyapp[anki]'\n")
    assert not (tmp_path / "deck.apkg").exists()


def test_bad_output_and_an_empty_deck_are_one_line_each(
    cli: Cli, db: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    existing = tmp_path / "deck.apkg"
    existing.write_bytes(b"mine")
    code, _, err = cli(db, "export", "--anki", str(existing))
    assert (code, err) == (1, f"studyapp: error: {existing} already exists; add --force to "
                              "overwrite it\n")
    assert existing.read_bytes() == b"mine"
    assert cli(db, "export", "--anki", str(existing), "--force")[0] == 0
    assert existing.read_bytes().startswith(b"PK")  # a zip, as Anki's packages are

    unwritable = tmp_path / "no-such-folder" / "deck.apkg"
    code, _, err = cli(db, "export", "--anki", str(unwritable))
    assert code == 1 and err.startswith(f"studyapp: error: cannot write {unwritable}")
    assert err.count("\n") == 1

    no_cards = write_module_toml(tmp_path / "bare", [
        {"id": "prior.1", "kind": "prior", "front": {"bg": "Въпрос", "en": "Question"}}])
    empty = tiny_cli(no_cards, StudyClock(), monkeypatch, capsys)
    code, _, err = empty(tmp_path / "empty.db", "export", "--anki", str(tmp_path / "e.apkg"))
    assert (code, err) == (1, "studyapp: error: no cards to export: the loaded modules have "
                              "no cards to review\n")

    assert cli(db, "export", "--with-schedule")[0] == 2


@pytest.mark.parametrize(("args", "said"), [
    (("--with-schedule",), "--with-schedule goes with --anki only"),
    (("--json", "--anki", "deck.apkg"), "--json does not go with --anki or --csv"),
])
def test_options_that_do_not_go_together_are_bad_usage(
    cli: Cli, db: Path, args: tuple[str, ...], said: str
) -> None:
    code, out, err = cli(db, "--lang", "en", "export", *args)
    assert (code, out) == (2, "") and said in err and err.count("\n") == 1
