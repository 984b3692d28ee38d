"""Hostile input at the command line: damaged rows, control characters, no terminal, odd
encodings, odd grades and parameters, odd output files — each one line, never a traceback."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from conftest import STUDY_START, StudyClock

from studyapp.cli import context as cli_context
from studyapp.cli import main
from studyapp.store.lab_runs import finish_run, start_run
from studyapp.store.migrations import open_database

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "study.db"


@pytest.fixture
def cli(db: Path, tiny_content: Path, study_clock: StudyClock, monkeypatch, capsys):
    """Run `studyapp --lang en ARGS` on a tmp database; (exit code, stdout, stderr)."""
    monkeypatch.setattr(cli_context, "clock", study_clock)
    monkeypatch.delenv("STUDYAPP_DB", raising=False)

    def run(*args: str, stdin: str = "", content: Path = tiny_content) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(["--db", str(db), "--content", str(content), "--lang", "en", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def one_error_line(err: str, *parts: str) -> None:
    assert err.startswith("studyapp: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for part in parts:
        assert part in err, err


def add_lab_run(db: Path, **results: object) -> int:
    engine = open_database(db, STUDY_START)
    run_id = start_run(engine, "latency", {"size": "quick"}, STUDY_START)
    finish_run(engine, run_id, "ok", STUDY_START, results=results or None)
    engine.dispose()
    return run_id


def hand_edit(db: Path, statement: str) -> None:
    """What a learner with the sqlite3 shell can do: a change `integrity_check` does not see."""
    with closing(sqlite3.connect(db)) as con, con:
        con.execute(statement)


def studyapp(*args: str, stdin: bytes | None = b"", env: dict[str, str] | None = None,
             stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    """`python -m studyapp ARGS` in a child process (for what needs real streams); stdin
    None reads /dev/null."""
    return subprocess.run(
        [sys.executable, "-m", "studyapp", *args], input=stdin, stdout=stdout,
        stdin=subprocess.DEVNULL if stdin is None else None, stderr=subprocess.PIPE, cwd=ROOT,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


# --- D: one line for what no command expected, for a full disk and for any encoding -------


def test_an_unexpected_exception_is_one_line_and_its_traceback_only_on_request(
    cli, monkeypatch
) -> None:
    from studyapp.cli import study_commands

    def broken(*_: object) -> None:
        raise KeyError("lost")

    monkeypatch.setattr(study_commands, "_item_json", broken)
    code, out, err = cli("due", "--json")
    assert code == 1 and out == ""
    one_error_line(err, "internal error: KeyError: 'lost'")
    monkeypatch.setenv("STUDYAPP_DEBUG", "1")
    code, _, err = cli("due", "--json")
    assert code == 1 and "Traceback" in err
    assert err.splitlines()[-1] == "studyapp: error: internal error: KeyError: 'lost'"


def test_a_full_disk_on_standard_output_is_one_line(tmp_path: Path, tiny_content: Path) -> None:
    with open("/dev/full", "wb") as full:
        done = studyapp("--db", str(tmp_path / "s.db"), "--content", str(tiny_content),
                        "--lang", "en", "cards", stdout=full.fileno())
    assert done.returncode == 1
    one_error_line(done.stderr.decode(), "cannot write to standard output: No space left")


@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"},
                                 {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}],
                         ids=["ascii", "C locale"])
def test_output_that_cannot_encode_bulgarian_gets_escapes(
    tmp_path: Path, tiny_content: Path, env: dict[str, str]
) -> None:
    done = studyapp("--db", str(tmp_path / "s.db"), "--content", str(tiny_content),
                    "--lang", "bg", "cards", env=env)
    assert done.returncode == 0, done.stderr
    assert b"\\u041f\\u043e\\u043d\\u044f\\u0442\\u0438\\u0435 1" in done.stdout  # Понятие 1


# --- A: a hand-edited value is named by table, row and column ------------------------------


def test_export_leaves_out_a_row_with_a_bad_date_names_it_and_exits_1(cli, db: Path) -> None:
    cli("review", "--plain", stdin="\n4\n\n4\n")
    hand_edit(db, "UPDATE card_state SET due = 'notadate' WHERE card_id = 'concept.c01'")
    for args in (("export", "--json"), ("export",)):
        code, out, err = cli(*args)
        assert code == 1
        lines = err.splitlines()
        assert lines[0].startswith(f"studyapp: error: {db}: table card_state, row concept.c01, "
                                   "column due: ") and "notadate" in lines[0]
        assert lines[1] == "studyapp: error: exported without 1 unreadable row(s) (see above)"
        assert len(lines) == 2 and "Traceback" not in err
    code, out, _ = cli("export", "--json")
    states = {row["card_id"]: row for row in json.loads(out)["tables"]["card_state"]}
    assert "concept.c01" not in states and states["concept.c02"]["due"] == "2026-03-03"
    assert len(states) == 16


@pytest.mark.parametrize(("column", "value", "commands"), [
    ("due", "'notadate'", ("due", "stats", "review")),  # sorts after every date
    ("due", "'2026-02-30'", ("due", "stats", "review")),
    ("due", "0", ("due", "stats", "review")),
    ("first_seen", "'bad'", ("due", "review")),
    ("interval", "'x'", ("due", "review")),
    ("easiness_x100", "'x'", ("due", "stats", "review")),
    ("easiness_x100", "2.5", ("due", "stats", "review")),
])
def test_a_card_state_value_that_is_not_of_its_kind_is_one_line_naming_it(
    cli, db: Path, study_clock: StudyClock, column: str, value: str, commands: tuple[str, ...]
) -> None:
    cli("review", "--plain", stdin="\n4\n\n4\n")
    study_clock.advance(days=1)  # both cards are due again
    hand_edit(db, f"UPDATE card_state SET {column} = {value} WHERE card_id = 'concept.c01'")
    arguments = {"due": (("due",), ("due", "--json")), "stats": (("stats",), ("stats", "--json")),
                 "review": (("review", "--plain"),)}
    for args in (args for command in commands for args in arguments[command]):
        code, out, err = cli(*args, stdin="4\nq\n")
        assert code == 1 and (out == "" or args[0] == "review"), (args, out, err)
        one_error_line(err, f"{db}: table card_state, row concept.c01, column {column}: "
                            "cannot read the stored value", "'studyapp export'")
    code, out, _ = cli("export", "--json")
    assert code == 1 and json.loads(out)["tables"]["review_log"]  # nothing else was lost


@pytest.mark.parametrize(("column", "value"), [
    ("params_json", "'{'"), ("started_at", "'bad'"), ("finished_at", "'2026-13-01 00:00:00'"),
    ("duration_s", "'slow'"),
])
def test_lab_history_and_show_name_a_lab_run_value_they_cannot_read(
    cli, db: Path, column: str, value: str
) -> None:
    run_id = add_lab_run(db)
    hand_edit(db, f"UPDATE lab_run SET {column} = {value}")
    for args in (("lab", "history"), ("lab", "history", "--json"), ("lab", "show", str(run_id))):
        code, out, err = cli(*args)
        assert code == 1 and out == ""
        one_error_line(err, f"{db}: table lab_run, row {run_id}, column {column}: cannot read")


# --- F: a lab or parameter that does not exist is bad usage (2); so is a time limit <= 0 ----


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "soon"])
def test_a_lab_time_limit_must_be_a_number_of_seconds_above_zero(
    tiny_content: Path, db: Path, capsys, value: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", str(db), "--content", str(tiny_content), "lab", "run", "latency",
              f"--timeout={value}"])
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and not db.exists()
    one_error_line(err, "argument --timeout: ", repr(value))


@pytest.mark.parametrize("args", [("--threads", "0"), ("--set", "batch=1000000000"),
                                  ("--set", "colour=red"), ("--set", "batch")])
def test_a_lab_parameter_out_of_range_or_unknown_exits_2(cli, args: tuple[str, ...]) -> None:
    code, out, err = cli("lab", "run", "latency", *args)
    assert code == 2 and out == ""
    one_error_line(err)


def test_argparse_usage_errors_are_one_line(tiny_content: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--content", str(tiny_content), "due", "--bogus"])
    assert exit_info.value.code == 2
    one_error_line(capsys.readouterr().err, "unrecognized arguments: --bogus")


# --- E: grades and every other number are typed in ASCII digits, nothing else ----------


@pytest.mark.parametrize("typed", ["٤", "４", "²", "4.0", " +4"])
def test_plain_review_takes_only_ascii_digits_as_grades(cli, typed: str) -> None:
    code, out, err = cli("review", "--plain", stdin=f"\n{typed}\nq\n")
    assert code == 0 and err == ""
    assert "Type a digit from 0 to 5, u or q." in out and "Cards: 0, answers: 0" in out
    code, out, _ = cli("export", "--json")
    assert json.loads(out)["tables"]["review_log"] == []


@pytest.mark.parametrize(("args", "refusal"), [
    (("stats", "--days", "٤"), "argument --days: not a whole number: '٤'"),
    (("stats", "--days", "４"), "argument --days: not a whole number: '４'"),
    (("lab", "run", "latency", "--threads", "٢"), "argument --threads: not a whole number: '٢'"),
    (("lab", "run", "latency", "--timeout", "1.٥"),
     "argument --timeout: not a number of seconds: '1.٥'"),
    (("lab", "history", "--limit", "５"), "argument --limit: not a whole number: '５'"),
    (("lab", "show", "１"), "argument RUN_ID: not a whole number: '１'"),
], ids=repr)
def test_number_arguments_take_only_ascii_digits(
    tiny_content: Path, db: Path, capsys, args: tuple[str, ...], refusal: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", str(db), "--content", str(tiny_content), "--lang", "en", *args])
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and not db.exists()
    one_error_line(err, refusal)


@pytest.mark.parametrize("value", ["٤", "４", "२"])  # Arabic-Indic, full-width, Devanagari
def test_lab_parameters_take_only_ascii_digits(cli, value: str) -> None:
    code, out, err = cli("lab", "run", "latency", "--set", f"seed={value}")
    assert code == 2 and out == ""
    one_error_line(err, f"seed must be int in 0..2147483647, not {value!r}")
    code, out, _ = cli("lab", "history", "--json")
    assert json.loads(out) == []


def test_a_float_parameter_takes_only_ascii_digits() -> None:
    from studyapp.labs.params import LabParamError, ParamSpec, parse_text

    spec = ParamSpec(float, 1.0, min=0.0)
    assert parse_text("ratio", spec, "2.5") == 2.5
    with pytest.raises(LabParamError, match="ratio must be number"):
        parse_text("ratio", spec, "２.5")


@pytest.mark.parametrize(("stored", "new"), [("3", 3), ("٣", 10), ("３", 10)])
def test_a_saved_number_in_other_digits_keeps_its_default(
    cli, db: Path, stored: str, new: int
) -> None:
    cli("due")
    hand_edit(db, f"INSERT INTO setting (key, value) VALUES ('new_per_day', '{stored}')")
    code, out, _ = cli("due", "--json")
    assert code == 0 and json.loads(out)["new"] == new


# --- C: the app needs a terminal ---------------------------------------------------------


def test_the_app_without_a_terminal_exits_2_at_once_and_points_to_plain_review(
    tmp_path: Path, tiny_content: Path
) -> None:
    done = studyapp("--db", str(tmp_path / "s.db"), "--content", str(tiny_content),
                    "--lang", "en", stdin=None)
    assert done.returncode == 2 and done.stdout == b""
    one_error_line(done.stderr.decode(), "needs a terminal", "studyapp review --plain")
    assert not (tmp_path / "s.db").exists()


def test_the_app_starts_on_a_terminal(monkeypatch, tiny_content: Path) -> None:
    from studyapp.cli import context

    class App:
        start_error = None
        return_code = 0

        def run(self) -> None:
            self.ran = True

    app = App()
    for stream in ("stdin", "stdout", "stderr"):
        monkeypatch.setattr(getattr(sys, stream), "isatty", lambda: True, raising=False)
    monkeypatch.setattr(context, "build_app", lambda _: app)
    assert main(["--content", str(tiny_content)]) == 0 and app.ran


# --- B: control characters from the database reach the terminal only as escapes ----------


def test_an_answer_with_escape_codes_is_kept_exactly_and_printed_as_escapes(cli) -> None:
    typed = "cls\x1b[2J\x1b]0;title\x07 \x9b31m"
    code, out, _ = cli("review", "--plain", stdin=f"{typed}\n4\nq\n")
    assert code == 0
    code, out, _ = cli("export", "--json")
    assert json.loads(out)["tables"]["review_log"][0]["answer"] == typed  # stored exactly
    code, out, _ = cli("export")
    assert "cls\\u001b[2J\\u001b]0;title\\u0007 \\u009b31m" in out
    assert not set(out) & {"\x1b", "\x07", "\x9b"}


def test_lab_show_and_history_print_control_characters_as_escapes(cli, db: Path) -> None:
    run_id = add_lab_run(db)
    hand_edit(db, "UPDATE lab_run SET error = 'boom\x1b]0;pwned\x07', "
                  "params_json = '{\"size\": \"q\\u001b[2J\"}'")
    for args in (("lab", "show", str(run_id)), ("lab", "history", "--json")):
        code, out, err = cli(*args)
        assert code == 0, err
        assert "\\u001b" in out and not set(out) & {"\x1b", "\x07"}


# --- D: bytes that are not UTF-8 on stdin --------------------------------------------------


def test_plain_review_reads_bytes_that_are_not_utf8_as_replacement_characters(
    tmp_path: Path, tiny_content: Path
) -> None:
    args = ("--db", str(tmp_path / "s.db"), "--content", str(tiny_content), "--lang", "en")
    done = studyapp(*args, "review", "--plain", stdin=b"caf\xe9 \xff\n4\nq\n",
                    env={"PYTHONIOENCODING": "utf-8"})
    assert done.returncode == 0 and done.stderr == b"", done.stderr
    assert b"Cards: 1, answers: 1" in done.stdout
    exported = studyapp(*args, "export", "--json")
    assert json.loads(exported.stdout)["tables"]["review_log"][0]["answer"] == "caf\ufffd \ufffd"


def test_a_lab_child_that_cannot_be_started_is_one_line_and_recorded_as_failed(
    cli, tmp_path: Path, monkeypatch
) -> None:
    python = tmp_path / "python"
    python.write_text("#!/bin/sh\n")
    python.chmod(0o644)  # not executable: PermissionError when the child starts
    real = sys.executable
    monkeypatch.setattr(sys, "executable", str(python))
    code, out, err = cli("lab", "run", "latency", "--quick", "--json")
    assert code == 1 and out == ""
    one_error_line(err, "lab latency could not be started: Permission denied")
    monkeypatch.setattr(sys, "executable", real)
    code, out, _ = cli("lab", "history", "--json")
    assert [run["status"] for run in json.loads(out)] == ["failed"]


# --- G: -o writes a regular file or a new path, and nothing else ---------------------------


@pytest.fixture(params=["export", "import"])
def writer(request, cli, tmp_path: Path):
    """`export -o PATH` or `import SEED -o PATH`, with extra arguments."""
    seed = ROOT / "tests" / "fixtures" / "inference_optimization.md"

    def write(path: Path, *extra: str) -> tuple[int, str, str]:
        if request.param == "export":
            return cli("export", "-o", str(path), *extra)
        return cli("import", str(seed), "-o", str(path), *extra)

    return write


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_the_mode_of_the_umask(writer, tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        code, _, err = writer(tmp_path / "out.txt")
    finally:
        os.umask(old)
    assert code == 0, err
    assert (tmp_path / "out.txt").stat().st_mode & 0o777 == 0o666 & ~umask


def test_an_existing_file_is_replaced_only_with_force_and_keeps_its_mode(
    writer, tmp_path: Path
) -> None:
    target = tmp_path / "out.txt"
    target.write_text("mine\n")
    target.chmod(0o640)
    code, out, err = writer(target)
    assert code == 1 and out == "" and target.read_text() == "mine\n"
    one_error_line(err, "already exists; add --force")
    code, _, err = writer(target, "--force")
    assert code == 0 and target.read_text() != "mine\n"
    assert target.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("kind", ["fifo", "folder", "link to a device"])
def test_what_is_not_a_regular_file_is_refused_even_with_force(
    writer, tmp_path: Path, kind: str
) -> None:
    # The device is reached through a link in tmp_path: a run as root of a writer that
    # replaces what it is given must not replace the machine's /dev/full.
    target = tmp_path / "target"
    {"fifo": os.mkfifo, "folder": os.mkdir,
     "link to a device": lambda path: os.symlink("/dev/full", path)}[kind](target)
    before = target.lstat()
    code, out, err = writer(target, "--force")
    assert code == 1 and out == ""
    one_error_line(err, f"{target} is not a regular file")
    after = target.lstat()
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert Path("/dev/full").is_char_device()


def test_a_symlink_to_a_regular_file_is_written_through(writer, tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old\n")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    code, _, err = writer(link, "--force")
    assert code == 0, err
    assert link.is_symlink() and real.read_text() != "old\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".txt") == [
        "link.txt", "real.txt"]
