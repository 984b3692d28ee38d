"""The lab commands: list, run (text and JSON), history and show, and their errors."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import StudyClock, tiny_cards, write_module_toml
from lab_records import record_real_run

from studyapp.cli import context as cli_context
from studyapp.cli import main

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def cli(labs_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    """`studyapp ARGS` on one database for the whole module; (exit code, stdout, stderr)."""
    folder = tmp_path_factory.mktemp("cli-lab")
    content = write_module_toml(folder / "content", tiny_cards())
    db = folder / "study.db"

    def run(*args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--db", str(db), "--content", str(content), *args])
        return code, out.getvalue(), err.getvalue()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli_context, "clock", StudyClock())
        yield run


@pytest.fixture(scope="module")
def json_run(cli: Cli) -> dict:
    code, out, err = cli("lab", "run", "latency", "--quick", "--json", "--threads", "1")
    assert code == 0, err
    return json.loads(out)


def test_list_names_every_lab_and_its_parameters(cli: Cli) -> None:
    code, out, _ = cli("--lang", "en", "lab", "list")
    assert code == 0
    for lab_id in ("latency", "quantize", "prune", "batching", "decode", "serving", "onnx",
                   "profile"):
        assert lab_id in out
    assert "readings = 20" in out and "Common to all: size (quick | default)" in out
    code, out, _ = cli("lab", "list", "--json", "--lang", "bg")
    entries = {entry["id"]: entry for entry in json.loads(out)}
    assert entries["latency"]["available"] is True
    assert entries["latency"]["params"]["batch"]["allowed"] == "цяло число в 1..1024"
    assert entries["latency"]["title"].startswith("Латентност")


def test_run_json_is_one_object_of_the_agreed_shape(json_run: dict) -> None:
    assert {"lab", "status", "params", "env", "rows", "reading", "duration_s"} <= set(json_run)
    assert json_run["lab"] == "latency" and json_run["status"] == "ok"
    assert json_run["params"]["size"] == "quick" and json_run["params"]["threads"] == 1
    assert json_run["env"]["threads"] == 1 and json_run["env"]["cpu_model"]
    assert all(row["threads"] == 1 and row["device"] == "cpu" for row in json_run["rows"])
    assert all(isinstance(text, str) and text for text in json_run["reading"])
    assert json_run["duration_s"] > 0


def test_run_text_shows_progress_tables_and_the_reading(cli: Cli, probe: str) -> None:
    code, out, err = cli("--lang", "en", "lab", "run", probe, "--quick", "--threads", "1",
                         "--set", "steps=4")
    assert code == 0, err
    assert "Lab probe (quick, 1 thread, CPU)" in err and "100% step 4" in err
    assert out.startswith("probe\nvariant  threads  device\n")
    assert "Notes:\n- a note" in out and "What this measurement shows:\n- 4 steps" in out
    assert "Run #" in out and "[" not in out  # the bar stays on stderr
    code, out, _ = cli("--lang", "bg", "lab", "run", probe, "--quick")
    assert "Бележки:\n- бележка" in out and "Какво показва това измерване:\n- 3 стъпки" in out


def test_history_and_show_read_the_recorded_runs(cli: Cli, json_run: dict) -> None:
    code, out, _ = cli("--lang", "en", "lab", "history", "latency")
    assert code == 0 and "latency" in out and "done" in out
    code, out, _ = cli("lab", "history", "latency", "--json")
    runs = json.loads(out)
    assert runs and runs[0]["lab"] == "latency" and runs[0]["status"] == "ok"
    run_id = json_run["run_id"]
    code, out, _ = cli("lab", "show", str(run_id), "--json", "--lang", "bg")
    shown = json.loads(out)
    assert shown["rows"] == json_run["rows"] and shown["reading"] == json_run["reading"]
    code, out, _ = cli("--lang", "bg", "lab", "show", str(run_id))
    assert code == 0 and f"Пускане №{run_id}: latency · готово" in out
    assert "Какво показва това измерване:" in out and "Часовници" in out


def test_show_says_its_settings_in_the_learner_s_language(cli: Cli, json_run: dict) -> None:
    _, out, _ = cli("--lang", "bg", "lab", "show", str(json_run["run_id"]))
    params, env = out.splitlines()[1:3]
    assert params.startswith("Параметри: ") and "размер: бърз" in params
    assert "устройство: процесор" in params and "seed" not in params
    assert env.startswith("Среда: ") and env.endswith("GPU: няма")
    _, out, _ = cli("--lang", "en", "lab", "show", str(json_run["run_id"]))
    assert "size: quick" in out and "device: CPU" in out


@pytest.mark.parametrize(("lang", "shown", "not_shown"), [
    ("bg", ["наред", "пропуснато: няма CUDA устройство"], ["ok", "skipped"]),
    ("en", ["ok", "skipped: no CUDA device"], ["наред"]),
])
def test_show_says_row_statuses_as_the_app_does(tmp_path: Path, lang: str, shown: list[str],
                                                not_shown: list[str]) -> None:
    run_id = record_real_run(tmp_path, "batching")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--db", str(tmp_path / "study.db"), "--content", str(tmp_path / "content"),
                     "--lang", lang, "lab", "show", str(run_id)])
    words = out.getvalue().split()
    assert code == 0 and all(text in out.getvalue() for text in shown)
    assert not any(word in words for word in not_shown)


@pytest.mark.parametrize("args, message, status", [
    (("lab", "run", "nope"), "unknown lab 'nope'", 2),
    (("lab", "run", "latency", "--threads", "0"), "threads=0 is out of range", 2),
    (("lab", "run", "latency", "--set", "batch=1000000000"), "is out of range", 2),
    (("lab", "run", "latency", "--set", "colour=red"), "no parameter 'colour'", 2),
    (("lab", "run", "latency", "--set", "batch"), "NAME=VALUE", 2),
    (("lab", "history", "nope"), "unknown lab 'nope'", 2),
    (("lab", "show", "999"), "999", 1),
])
def test_bad_input_is_one_line_usage_2_and_data_1(
    cli: Cli, args: tuple[str, ...], message: str, status: int
) -> None:
    code, _, err = cli("--lang", "en", *args)
    assert code == status and message in err and len(err.strip().splitlines()) == 1


def test_a_failing_lab_exits_1_with_the_reason_and_is_recorded(cli: Cli, probe: str) -> None:
    code, _, err = cli("--lang", "en", "lab", "run", probe, "--set", "mode=raise")
    _, out, _ = cli("lab", "history", probe, "--json")
    assert code == 1 and "ValueError: the probe failed on purpose" in err
    assert json.loads(out)[0]["status"] == "failed"


def test_bad_usage_exits_2(cli: Cli) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli("lab")
    assert exit_info.value.code == 2


def test_tables_drop_empty_columns_and_turn_when_too_wide() -> None:
    from studyapp.cli.lab_commands import render_table
    from studyapp.labs.events import Column, Table
    from studyapp.text import Text

    table = Table("t", Text("Заглавие", "Title"), (
        Column("variant", Text("вариант", "variant")),
        Column("latency_ms_median", Text("медиана", "median"), "ms"),
        Column("unused", Text("празно", "empty")),
        Column("noisy", Text("шумно", "noisy")),
    ), ({"variant": "fast", "variant_bg": "бърз", "latency_ms_median": 0.01234, "noisy": False},
        {"variant": "slow", "latency_ms_median": 123.4, "noisy": True}))
    wide = render_table(table, "en", 100)
    assert wide[:2] == ["Title", "variant  median, ms  noisy"]
    assert wide[3:] == ["fast         0.0123     no", "slow            123    yes"]
    turned = render_table(table, "bg", 20)
    assert turned[0] == "Заглавие" and turned[1].split() == ["вариант", "бърз", "slow"]
    assert turned[3:] == ["медиана, ms  0.0123   123", "шумно            не    да"]
