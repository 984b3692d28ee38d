"""The command line over the tiny module, and a database studied through it on two days
(with an undone answer, a re-drill, a lab run and a result card), for the tests of exports
and restores.

No tests here; test modules import from it.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import StudyClock

from studyapp.cli import context as cli_context
from studyapp.cli import main
from studyapp.deck import load_modules
from studyapp.labs.catalog import LAB_IDS
from studyapp.services.study import StudyService
from studyapp.services.values import Settings
from studyapp.store.engine import writing
from studyapp.store.lab_runs import finish_run, start_run
from studyapp.store.result_cards import add_result_cards
from studyapp.text import Text

Cli = Callable[..., tuple[int, str, str]]


def tiny_cli(tiny_content: Path, clock: StudyClock, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run `studyapp --db DB ARGS` on the tiny module; (exit code, stdout, stderr)."""
    monkeypatch.setattr(cli_context, "clock", clock)

    def run(db: Path, *args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(["--db", str(db), "--content", str(tiny_content), "--lang", "en", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def studied(db: Path, content: Path, clock: StudyClock, cli: Cli) -> None:
    """A database with answers on two days (one undone), a prior answer, settings, the study
    position, a finished lab run with a result card and a run left running."""
    cli(db, "review", "--plain", stdin="my words\n5\n\n2\nu\n\n4\n\n1\n")
    service = StudyService.open(db, load_modules(content, LAB_IDS), clock)
    service.save_prior_answer("prior.1", "Кеш — мисля, че помага")
    service.save_settings(Settings(lang="en", rollover_hour=5, new_per_day=6))
    service.save_study_position("concept.c03")
    run_id = start_run(service.engine, "latency", {"size": "quick"}, clock(), card_id="concept.c01")
    finish_run(service.engine, run_id, "ok", clock.advance(seconds=3.25),
               results={"median_ms": 1.5}, environment={"cores": 2})
    with writing(service.engine) as session:
        add_result_cards(session, module_id="tiny", run_id=run_id, lab_id="latency",
                         texts=[(Text("Защо?", "Why?"), Text("Кеш.", "Cache."))], at=clock())
    start_run(service.engine, "quantize", {}, clock())
    service.close()
    clock.advance(days=1)
    cli(db, "review", "--plain", stdin="\n3\n\n5\n")
