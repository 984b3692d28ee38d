"""`studyapp cards`: table in the chosen language, JSON, --kind and --search."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import write_module_toml

from studyapp.cli import main
from studyapp.deck.model import CARD_KINDS
from studyapp.store.engine import writing
from studyapp.store.migrations import open_database
from studyapp.store.tables import SettingRow

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "content"
SEED_MARKDOWN = ROOT / "tests" / "fixtures" / "inference_optimization.md"

CARDS: list[dict[str, Any]] = [
    {"id": "prior.1", "kind": "prior",
     "front": {"bg": "Какво е латентност?", "en": "What is latency?"}},
    {"id": "concept.latency", "kind": "concept", "lab": "latency",
     "front": {"bg": "Латентност", "en": "Latency"},
     "back": {"bg": "Времето за отговор", "en": "The response TIME"}},
    {"id": "quiz.1", "kind": "quiz",
     "front": {"bg": "Какво е пакетиране?", "en": "What is batching?"},
     "back": {"bg": "Обработка на много входове наведнъж", "en": "Many inputs at once"},
     "notes": {"bg": "Пропускателната способност расте", "en": "Throughput rises"}},
    {"id": "recap.1", "kind": "recap",
     "front": {"bg": "Профилирането е задължително за идентифициране на тесни места в "
                     "изпълнението на модела при инференция",
               "en": "Profiling is required"}},
]


@pytest.fixture(autouse=True)
def no_saved_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default database is one that does not exist: the learner's own saved language
    must not leak into these tests."""
    monkeypatch.setenv("STUDYAPP_DB", str(tmp_path / "none" / "studyapp.db"))


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return write_module_toml(tmp_path / "content", CARDS)


def cards_json(
    capsys: pytest.CaptureFixture[str], content: Path, *options: str
) -> list[dict[str, Any]]:
    assert main(["--content", str(content), "cards", "--json", *options]) == 0
    return json.loads(capsys.readouterr().out)


def cards_table(
    capsys: pytest.CaptureFixture[str], content: Path, *options: str
) -> list[str]:
    assert main(["--content", str(content), "cards", *options]) == 0
    return capsys.readouterr().out.splitlines()


def test_json_lists_every_card_in_order(capsys: pytest.CaptureFixture[str], content: Path) -> None:
    listed = cards_json(capsys, content)
    none = {"step": None, "cue": None, "notes": None, "body": None}
    assert listed[:3] == [
        {"id": "prior.1", "kind": "prior",
         "front": {"bg": "Какво е латентност?", "en": "What is latency?"},
         "back": None, "lab": None, **none},
        {"id": "concept.latency", "kind": "concept",
         "front": {"bg": "Латентност", "en": "Latency"},
         "back": {"bg": "Времето за отговор", "en": "The response TIME"}, "lab": "latency",
         **none},
        {"id": "quiz.1", "kind": "quiz",
         "front": {"bg": "Какво е пакетиране?", "en": "What is batching?"},
         "back": {"bg": "Обработка на много входове наведнъж", "en": "Many inputs at once"},
         "lab": None, **none,
         "notes": {"bg": "Пропускателната способност расте", "en": "Throughput rises"}},
    ]
    assert [card["id"] for card in listed] == [card["id"] for card in CARDS]


def test_json_of_the_shipped_module(capsys: pytest.CaptureFixture[str]) -> None:
    listed = cards_json(capsys, SHIPPED)
    assert len(listed) == 57 + 64  # the seed's cards and the module's own
    keys = {"id", "kind", "step", "front", "cue", "back", "notes", "body", "lab"}
    assert all(set(card) == keys for card in listed)
    assert {card["kind"] for card in listed} == set(CARD_KINDS)
    steps = [card for card in listed if card["kind"] == "step"]
    assert [card["lab"] for card in steps] == ["latency", "quantize", "batching", "onnx",
                                               "profile"]


@pytest.mark.parametrize("kind", ["quiz", "prior", "plan"])
def test_kind_keeps_only_that_kind(
    capsys: pytest.CaptureFixture[str], content: Path, kind: str
) -> None:
    assert [card["kind"] for card in cards_json(capsys, content, "--kind", kind)] == (
        [kind] if kind != "plan" else []
    )


def test_unknown_kind_is_bad_usage(capsys: pytest.CaptureFixture[str], content: Path) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--content", str(content), "cards", "--kind", "flashcard"])
    assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("search", "ids"),
    [
        ("LATENCY", ["prior.1", "concept.latency"]),  # English front, any case
        ("латентност", ["prior.1", "concept.latency"]),  # Bulgarian front
        ("response time", ["concept.latency"]),  # English back, any case
        ("НАВЕДНЪЖ", ["quiz.1"]),  # Bulgarian back, any case
        ("throughput", ["quiz.1"]),  # notes
        ("quiz", []),  # ids are not searched
        ("nothing like this", []),
    ],
)
def test_search_matches_front_and_back_in_either_language(
    capsys: pytest.CaptureFixture[str], content: Path, search: str, ids: list[str]
) -> None:
    assert [card["id"] for card in cards_json(capsys, content, "--search", search)] == ids


def test_kind_and_search_together(capsys: pytest.CaptureFixture[str], content: Path) -> None:
    listed = cards_json(capsys, content, "--kind", "concept", "--search", "latency")
    assert [card["id"] for card in listed] == ["concept.latency"]


def test_table_is_in_bulgarian_by_default(
    capsys: pytest.CaptureFixture[str], content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    lines = cards_table(capsys, content)
    assert lines[0].split() == ["ид", "вид", "лаб.", "лице"]
    assert lines[2].split() == ["concept.latency", "понятие", "latency", "Латентност"]
    assert lines[1].split()[:5] == ["prior.1", "предварителни", "знания", "-", "Какво"]
    assert lines[-1] == "4 от 4 карти"


def test_table_in_english(
    capsys: pytest.CaptureFixture[str], content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    lines = cards_table(capsys, content, "--lang", "en", "--kind", "quiz")
    assert lines == [
        "id      kind  lab  front",
        "quiz.1  quiz  -    What is batching?",
        "1 of 4 cards",
    ]


def save_language(db: Path, lang: str) -> None:
    """A database whose saved language is `lang`, as the app's settings leave it."""
    engine = open_database(db, datetime.now(UTC))
    with writing(engine) as session:
        session.merge(SettingRow(key="lang", value=lang))
    engine.dispose()


def test_table_follows_the_saved_language(
    capsys: pytest.CaptureFixture[str], content: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    db = tmp_path / "study.db"
    save_language(db, "en")
    assert main(["--db", str(db), "--content", str(content), "cards", "--kind", "quiz"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "id      kind  lab  front", "quiz.1  quiz  -    What is batching?", "1 of 4 cards"]
    assert main(["--db", str(db), "--content", str(content), "--lang", "bg", "cards"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "4 от 4 карти"


def test_import_follows_the_saved_language_without_writing_the_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "study.db"
    save_language(db, "en")
    before = db.read_bytes()
    out = tmp_path / "module.toml"
    assert main(["--db", str(db), "import", str(SEED_MARKDOWN), "-o", str(out)]) == 0
    assert capsys.readouterr().out.startswith("Draft written to ")
    assert "FILL IN" in out.read_text(encoding="utf-8")
    assert db.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["module.toml", "study.db"]


def test_table_starts_a_reverse_front_as_a_sentence(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    reverse = {"id": "concept.latency.reverse", "kind": "concept",
               "front": {"bg": "времето за отговор", "en": "fp16 time to answer"},
               "back": {"bg": "Латентност", "en": "Latency"}}
    content = write_module_toml(tmp_path / "content", [reverse])
    assert cards_table(capsys, content)[1].endswith("  Времето за отговор")
    assert cards_table(capsys, content, "--lang", "en")[1].endswith("  fp16 time to answer")


def test_table_cuts_long_fronts_to_the_terminal_width(
    capsys: pytest.CaptureFixture[str], content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    lines = cards_table(capsys, content)
    assert all(len(line) <= 60 for line in lines)
    recap = next(line for line in lines if line.startswith("recap.1"))
    assert recap.endswith("…")
    assert len(recap) == 60


def test_no_match_says_so(capsys: pytest.CaptureFixture[str], content: Path) -> None:
    assert cards_table(capsys, content, "--lang", "en", "--search", "zzz") == ["No cards match."]
    assert cards_json(capsys, content, "--search", "zzz") == []


def test_needs_no_database(
    capsys: pytest.CaptureFixture[str], content: Path, tmp_path: Path
) -> None:
    db = tmp_path / "never" / "studyapp.db"
    assert main(["--db", str(db), "--content", str(content), "cards", "--json"]) == 0
    assert not db.exists()
    assert not db.parent.exists()


def test_two_modules_are_listed_one_after_the_other(
    capsys: pytest.CaptureFixture[str], content: Path
) -> None:
    other = [{"id": "recap.other", "kind": "recap", "front": {"bg": "Друго", "en": "Other"}}]
    write_module_toml(content, other, module_id="zz-second")
    ids = [card["id"] for card in cards_json(capsys, content)]
    assert ids == [card["id"] for card in CARDS] + ["recap.other"]


def test_broken_content_exits_1_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    content = write_module_toml(tmp_path / "content", [{**CARDS[1], "lab": "warp"}])
    assert main(["--content", str(content), "--lang", "en", "cards"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "card 'concept.latency': field 'lab': unknown lab id 'warp'" in captured.err


def test_broken_content_is_told_in_the_saved_language(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    content = write_module_toml(tmp_path / "content", [{**CARDS[1], "lab": "warp"}])
    db = tmp_path / "study.db"
    assert main(["--db", str(db), "--content", str(content), "cards"]) == 1
    assert "карта 'concept.latency': поле 'lab': непозната лаборатория 'warp'" in (
        capsys.readouterr().err)
    save_language(db, "en")
    assert main(["--db", str(db), "--content", str(content), "cards"]) == 1
    assert "card 'concept.latency': field 'lab': unknown lab id 'warp'" in capsys.readouterr().err
