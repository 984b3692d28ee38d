"""The study commands: due, stats, review --plain, export."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import STUDY_START, StudyClock, write_module_toml

from studyapp.cli import context as cli_context
from studyapp.cli import main
from studyapp.store.engine import writing
from studyapp.store.lab_runs import finish_run, start_run
from studyapp.store.migrations import open_database
from studyapp.store.result_cards import add_result_cards
from studyapp.text import Text

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cli(tmp_path: Path, tiny_content: Path, study_clock: StudyClock, monkeypatch, capsys):
    """Run `studyapp ARGS` on a tmp database and the tiny module; (exit code, stdout, stderr)."""
    monkeypatch.setattr(cli_context, "clock", study_clock)
    monkeypatch.delenv("STUDYAPP_DB", raising=False)
    db = tmp_path / "study.db"

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(["--db", str(db), "--content", str(tiny_content), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_due_lists_counts_and_cards_in_queue_order(cli) -> None:
    code, out, _ = cli("due", "--json")
    assert code == 0
    due = json.loads(out)
    assert (due["today"], due["due_reviews"], due["redrills"], due["new"]) == (
        "2026-03-02", 0, 0, 10)
    assert [card["id"] for card in due["cards"]] == [f"concept.c{i:02d}" for i in range(1, 11)]
    assert due["cards"][0] == {
        "id": "concept.c01", "kind": "concept", "front": "Понятие 1", "due": None, "new": True,
        "redrill": False, "repetitions": 0, "easiness": 2.5, "interval": 0,
    }
    code, out, _ = cli("due", "--lang", "en")
    assert code == 0 and out.splitlines()[0] == (
        "Due today (2026-03-02): 0 to review, 0 to re-drill, 10 new")
    assert "Concept 1" in out


def test_plain_review_grades_undoes_and_reports_when_cards_return(cli) -> None:
    keys = "my words\n5\n\n9\n2\n\nu\n\n4\nq\n"
    code, out, _ = cli("review", "--plain", "--lang", "en", stdin=keys)
    assert code == 0
    assert "Next review: 2026-03-03 (interval: 1 day)." in out
    assert "Type a digit from 0 to 5, u or q." in out  # the 9
    assert "This card comes back later in this session." in out  # the 2
    assert "Last answer undone: the card is back" in out  # u at the next card's front
    assert "Cards: 2, answers: 2 (re-drills: 0)" in out
    code, out, _ = cli("export", "--json")
    log = json.loads(out)["tables"]["review_log"]
    assert [(row["card_id"], row["grade"], bool(row["undone_at"])) for row in log] == [
        ("concept.c01", 5, False), ("concept.c02", 2, True), ("concept.c02", 4, False)]
    assert log[0]["answer"] == "my words" and log[2]["answer"] is None


@pytest.mark.parametrize("lang", ["bg", "en"])
def test_plain_review_speaks_the_apps_words(cli, lang: str) -> None:
    """Grade names, the answer prompt and labels, undo: the same words as the app's review."""
    from studyapp.i18n import tr

    code, out, _ = cli("review", "--plain", "--lang", lang, stdin="my words\n5\n\nu\nq\n")
    assert code == 0
    for grade in range(6):
        assert f"  {grade} — {tr(lang, f'tui.grade.{grade}')}\n" in out
    assert tr(lang, "tui.review.your_answer") + " (" in out
    assert tr(lang, "tui.review.model_answer") + ":\n" in out
    assert tr(lang, "tui.review.undone") in out
    assert "Вашият" not in out


def test_export_counts_the_undone_answers_it_keeps(cli, tmp_path: Path) -> None:
    """The export keeps undone answers for a restore; its line says so beside stats' count."""
    cli("review", "--plain", stdin="\n5\n\n2\n\nu\n\n4\nq\n")
    assert "Answers in all: 2" in cli("stats", "--lang", "en")[1]
    target = tmp_path / "backup.json"
    code, out, _ = cli("export", "--json", "-o", str(target), "--lang", "en")
    assert code == 0 and "answers 3 (undone among them: 1)" in out


def test_plain_review_ends_cleanly_at_end_of_input(cli) -> None:
    code, out, err = cli("review", "--plain", stdin="\n5\n\n")
    assert code == 0 and err == ""
    assert "Карти: 1, отговори: 1" in out  # the saved language is bg by default


def test_language_comes_from_the_saved_setting_when_not_given(
    cli, tmp_path: Path, tiny_content: Path, study_clock: StudyClock
) -> None:
    from studyapp.deck import load_modules
    from studyapp.labs.catalog import LAB_IDS
    from studyapp.services.study import StudyService
    from studyapp.services.values import Settings

    cli("due")  # creates the database
    service = StudyService.open(tmp_path / "study.db", load_modules(tiny_content, LAB_IDS),
                                study_clock)
    service.save_settings(Settings(lang="en"))
    service.close()
    assert cli("due")[1].startswith("Due today")
    assert cli("due", "--lang", "bg")[1].startswith("За днес")


def test_stats_reports_per_day_retention_streak_and_forecast(cli) -> None:
    cli("review", "--plain", stdin="\n5\n\n1\n\n4\n")
    code, out, _ = cli("stats", "--json", "--days", "7")
    stats = json.loads(out)
    assert code == 0
    assert stats["reviews_per_day"][-1] == ["2026-03-02", 3]
    assert len(stats["reviews_per_day"]) == 7
    assert stats["first_review_retention"] == pytest.approx(2 / 3)
    assert stats["streak"] == 1 and stats["total_reviews"] == 3
    assert len(stats["forecast"]) == 30
    assert stats["forecast"][1] == ["2026-03-03", 4]  # c01, c02, c03 and plan.1d unlocking
    code, out, _ = cli("stats", "--lang", "en")
    assert "Retention of first answers (grade ≥ 3): 67%" in out
    assert "Streak (days in a row): 1" in out


def test_due_and_stats_name_lab_result_cards_as_their_own_kind(cli, tmp_path: Path) -> None:
    engine = open_database(tmp_path / "study.db", STUDY_START)
    run_id = start_run(engine, "latency", {}, STUDY_START)
    finish_run(engine, run_id, "ok", STUDY_START, results={"rows": []})
    with writing(engine) as session:
        add_result_cards(session, module_id="tiny", run_id=run_id, lab_id="latency",
                         texts=[(Text("Защо?", "Why?"), Text("Кеш.", "Cache."))], at=STUDY_START)
    engine.dispose()
    code, out, _ = cli("due", "--lang", "en")
    assert code == 0 and f"result.{run_id}.1" in out and "lab result" in out
    cli("review", "--plain", stdin="\n5\n\n4\n")  # the result card, then concept.c01
    code, out, _ = cli("stats", "--lang", "en")
    lines = out.splitlines()
    by_kind = lines[lines.index("Answered cards by kind:") + 1:][:2]
    assert [line.split()[:-1] for line in by_kind] == [["concept", "1"], ["lab", "result", "1"]]
    assert "резултат" in cli("stats", "--lang", "bg")[1]


def test_export_writes_every_table_to_a_file_or_stdout(cli, tmp_path: Path) -> None:
    cli("review", "--plain", stdin="\n3\n")
    engine = open_database(tmp_path / "study.db", STUDY_START)
    run_id = start_run(engine, "latency", {"size": "quick"}, STUDY_START, card_id="concept.c01")
    finish_run(engine, run_id, "ok", STUDY_START, results={"median_ms": 1.5})
    engine.dispose()
    target = tmp_path / "backup.json"
    code, out, _ = cli("export", "--json", "-o", str(target), "--lang", "en")
    assert code == 0 and out == (
        f"Wrote {target}: cards 17, answers 1 (undone among them: 0), lab runs 1\n")
    document = json.loads(target.read_text(encoding="utf-8"))
    run = document["tables"]["lab_run"][0]
    assert (run["lab_id"], run["status"], json.loads(run["results_json"])) == (
        "latency", "ok", {"median_ms": 1.5})
    assert set(document["tables"]) == {"card_state", "review_log", "lab_run", "result_card",
                                       "prior_answer", "module_progress", "setting"}
    assert document["schema_version"] >= 2
    code, out, _ = cli("export")
    sections = [line for line in out.splitlines() if line.startswith("# ")]
    assert sections == ["# card_state", "# review_log", "# lab_run", "# result_card",
                        "# prior_answer", "# module_progress", "# setting"]
    code, _, err = cli("export", "-o", str(tmp_path / "missing" / "x.tsv"))
    assert code == 1 and len(err.strip().splitlines()) == 1 and "x.tsv" in err


@pytest.mark.parametrize("args", [("review",), ("stats", "--days", "0"), ("due", "--bogus")])
def test_bad_usage_exits_2(cli, args: tuple[str, ...]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli(*args)
    assert exit_info.value.code == 2


def test_the_database_path_comes_from_the_environment(
    tmp_path: Path, tiny_content: Path, monkeypatch, capsys
) -> None:
    db = tmp_path / "env" / "from-env.db"
    db.parent.mkdir()  # a chosen path, like --db: its folder is not made
    monkeypatch.setenv("STUDYAPP_DB", str(db))
    assert main(["due", "--content", str(tiny_content)]) == 0
    assert db.exists()


def test_plain_review_works_through_a_real_pipe(tmp_path: Path, tiny_content: Path) -> None:
    db = tmp_path / "pipe.db"
    result = subprocess.run(
        [sys.executable, "-m", "studyapp", "--db", str(db), "--content", str(tiny_content),
         "--lang", "en", "review", "--plain"],
        input="\n5\n\n2\n", capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "Next review:" in result.stdout
    assert "This card comes back later in this session." in result.stdout
    assert "Cards: 2, answers: 2 (re-drills: 0)" in result.stdout


def test_plain_review_shows_notes_after_the_answer_and_code_in_the_language(
    tmp_path: Path, study_clock: StudyClock, monkeypatch, capsys
) -> None:
    cards = [
        {"id": "example.1", "kind": "example", "lab": "quantize",
         "front": {"bg": "Пример", "en": "Example"},
         "code": {"bg": "x = 1  # едно", "en": "x = 1  # one"},
         "cue": {"bg": "Колко е x?", "en": "What is x?"},
         "back": {"bg": "Едно.", "en": "One."},
         "notes": {"bg": "Не се оценява.", "en": "Not graded."}},
    ]
    content = write_module_toml(tmp_path / "content", cards)
    monkeypatch.setattr(cli_context, "clock", study_clock)
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n5\n"))
    argv = ["--db", str(tmp_path / "study.db"), "--content", str(content), "--lang", "en"]
    assert main([*argv, "review", "--plain"]) == 0
    out = capsys.readouterr().out
    assert "Example\n\nWhat is x?\nx = 1  # one\n" in out  # the card's own cue, English code
    assert "Model answer:\nOne.\nMore (not graded):\nNot graded.\n" in out
