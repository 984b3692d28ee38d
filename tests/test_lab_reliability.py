"""Lab runs outlive nothing and lose nothing: a child dies with its parent, a run left
running by a dead process is closed as interrupted (one of a live process is not), results
are shown when they cannot be saved, and a cache that reads back wrong is rebuilt."""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import StudyClock, tiny_cards, write_module_toml
from test_tui_labs import finished, probe_defaults
from tui_support import FakeClock, build_app, drive, running

from studyapp.cli import context as cli_context
from studyapp.cli import main
from studyapp.deck import load_modules
from studyapp.labs import lifeline, roofline_probe
from studyapp.labs.catalog import LAB_IDS
from studyapp.services.labs import LabService
from studyapp.services.study import StudyService
from studyapp.store import lab_runs
from studyapp.store.errors import StoreError
from studyapp.tui.screens.lab_result import LabResultScreen

ROOT = Path(__file__).resolve().parents[1]
DEADLINE_S = 30.0  # generous: the machine may be busy; the checks poll, they do not time
linux_only = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")

# Runs the probe lab the way the command line does ("cli") or the way the app does, from a
# worker thread ("thread"), on the database and content given, until it is stopped. The lab
# hangs without writing: a child that merely died of a broken pipe would not end here.
HARNESS = """
import sys, threading
from pathlib import Path
from studyapp.labs import registry
registry.register("probe", "labs_probe")
mode, db, content = sys.argv[1:4]
if mode == "cli":
    from studyapp.cli import main
    raise SystemExit(main(["--db", db, "--content", content, "lab", "run", "probe",
                           "--set", "mode=hang"]))
from studyapp.clock import system_clock
from studyapp.deck import load_modules
from studyapp.labs.catalog import LAB_IDS
from studyapp.services.labs import LabService
from studyapp.services.study import StudyService
service = StudyService.open(Path(db), load_modules(Path(content), LAB_IDS), system_clock)
labs = LabService(service.engine, system_clock)
runner = labs.prepare("probe", {"mode": "hang"})
worker = threading.Thread(target=labs.run, args=(runner,),
                          kwargs={"on_event": lambda event: print(event, file=sys.stderr)})
worker.start()
worker.join()
"""


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] != "Z"


def _lab_child_of(parent: int) -> int | None:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text()
            if int(fields[fields.rfind(")") + 2:].split()[1]) == parent:
                cmdline = (stat.parent / "cmdline").read_bytes()
                if b"studyapp.labs" in cmdline:
                    return int(stat.parent.name)
    return None


def _poll(check: Callable[[], object], what: str) -> object:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"not within {DEADLINE_S:g} s: {what}")


@pytest.fixture
def place(tmp_path: Path, labs_data_dir: Path) -> tuple[Path, Path]:
    """A database path and a content folder."""
    return tmp_path / "study.db", write_module_toml(tmp_path / "content", tiny_cards())


def _open(db: Path, content: Path) -> StudyService:
    return StudyService.open(db, load_modules(content, LAB_IDS), StudyClock())


def _cli(db: Path, content: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--db", str(db), "--content", str(content), "--lang", "en", *args])
    return code, out.getvalue(), err.getvalue()


# --- the child dies with its parent; the run is closed --------------------------------------


@linux_only
@pytest.mark.parametrize(("mode", "signum"), [
    pytest.param(mode, signum, id=f"{mode}-{signum.name}")
    for mode, signum in (("cli", signal.SIGKILL), ("thread", signal.SIGKILL),
                         ("cli", signal.SIGTERM), ("cli", signal.SIGHUP))
])
def test_the_lab_child_dies_with_its_parent_and_the_run_is_closed_as_interrupted(
    place: tuple[Path, Path], mode: str, signum: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, content = place
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    parent = subprocess.Popen([sys.executable, "-c", HARNESS, mode, str(db), str(content)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert parent.stderr is not None
    try:
        said = [parent.stderr.readline().decode()]
        while said[-1] and "step 1" not in said[-1]:  # the lab now hangs, quiet
            said.append(parent.stderr.readline().decode())
        child = _lab_child_of(parent.pid)
        assert child is not None, "".join(said)
        parent.send_signal(signum)
        code = parent.wait(DEADLINE_S)
    finally:
        parent.kill()
        parent.wait()
        stderr = parent.stderr.read().decode()
    try:
        _poll(lambda: not _alive(child), "the lab child ended with its parent")
    finally:
        if _alive(child):  # the test failed: leave no ten-minute child behind
            os.kill(child, signal.SIGKILL)
    if signum != signal.SIGKILL:
        assert code == 130 and "Traceback" not in stderr, stderr

    service = _open(db, content)
    try:
        [record] = LabService(service.engine, StudyClock()).history("probe")
    finally:
        service.close()
    assert record.run.status == "interrupted" and record.run.error is not None
    if signum == signal.SIGKILL:
        assert "ended without finishing it" in record.run.error.en
        assert "спря, без да я завърши" in record.run.error.bg
    else:
        assert record.run.error.en == f"interrupted by signal {signal.Signals(signum).name}"

    code, out, _ = _cli(db, content, "lab", "history")
    assert code == 0 and "probe     interrupted" in out
    code, out, _ = _cli(db, content, "lab", "show", str(record.id))
    assert code == 0 and "· interrupted ·" in out and f"Reason: {record.run.error.en}" in out


# --- only runs whose owner is gone are closed -----------------------------------------------


def test_a_process_is_told_apart_from_a_gone_one_and_from_one_reusing_its_pid() -> None:
    me = lifeline.owner()
    assert not lifeline.is_gone(me)
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    assert lifeline.is_gone(me | {"pid": int(ended.stdout)})
    if me["started"] is not None:
        assert lifeline.is_gone(me | {"started": "1"})  # the pid reused by a later process
    assert lifeline.is_gone(me | {"boot": "another boot"})
    assert lifeline.is_gone(None) and lifeline.is_gone({"pid": "12"})


def test_opening_closes_only_the_runs_whose_process_is_gone(place: tuple[Path, Path]) -> None:
    db, content = place
    service = _open(db, content)
    at = StudyClock()()
    gone = lifeline.owner() | {"boot": "an earlier boot"}
    runs = {name: lab_runs.start_run(service.engine, "probe", {}, at, owner=owner)
            for name, owner in (("live", lifeline.owner()), ("gone", gone), ("unowned", None))}
    service.close()

    service = _open(db, content)
    try:
        status = {name: lab_runs.get_run(service.engine, run_id).status
                  for name, run_id in runs.items()}
        live = LabService(service.engine, StudyClock()).get(runs["live"])
    finally:
        service.close()
    assert status == {"live": "running", "gone": "interrupted", "unowned": "interrupted"}
    assert live.run.env == {}  # the owner kept while it runs is not its environment


# --- a run that cannot be saved is still shown ------------------------------------------------


def _disk_full(*_args: object, **_kwargs: object) -> None:
    raise StoreError("database_error", path="study.db",
                     detail=sqlite3.OperationalError("database or disk is full"))


def test_a_run_that_cannot_be_saved_prints_its_tables_and_one_line(
    place: tuple[Path, Path], probe: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, content = place
    monkeypatch.setattr(cli_context, "clock", StudyClock())
    monkeypatch.setattr(lab_runs, "finish_run", _disk_full)
    said = ["studyapp: error: the results above could not be saved: "
            "study.db: database error: database or disk is full"]
    code, out, err = _cli(db, content, "lab", "run", probe, "--threads", "1")
    assert code == 1 and out.startswith("probe\nvariant  threads  device\n")
    assert "3 steps" in out and "Run #" not in out
    assert [line for line in err.splitlines() if line.startswith("studyapp:")] == said

    code, out, err = _cli(db, content, "lab", "run", probe, "--threads", "1", "--json")
    shown = json.loads(out)
    assert code == 1 and shown["run_id"] is None and shown["rows"][0]["steps"] == 3
    assert [line for line in err.splitlines() if line.startswith("studyapp:")] == said


@drive
async def test_the_app_shows_a_result_it_could_not_save_and_says_so(
    tmp_path: Path, probe: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe_defaults(monkeypatch, probe, "ok", steps=1)
    monkeypatch.setattr(lab_runs, "finish_run", _disk_full)
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        notices: list[str] = []
        monkeypatch.setattr(app, "notify", lambda message, **_: notices.append(message))
        app.launch_lab(probe)
        await finished(pilot)
        assert isinstance(app.screen, LabResultScreen) and app.screen.record.run.rows
    assert notices == ["The result is shown, but it could not be saved: "
                       "study.db: database error: database or disk is full"]


# --- caches that read back wrong are rebuilt ---------------------------------------------------


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STUDYAPP_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("metadata", [{}, {"accuracy": "abc"}, {"accuracy": math.nan},
                                      {"train_seconds": "1 s"}])
def test_a_model_cache_with_wrong_metadata_is_trained_again_and_says_so(
    data_dir: Path, metadata: dict[str, object]
) -> None:
    import torch

    from studyapp.labs import zoo
    from studyapp.labs.models import build

    path = zoo.cache_path("mlp")
    path.parent.mkdir(parents=True)
    saved = {"state_dict": build("mlp").state_dict(), "accuracy": 0.9, "train_seconds": 1.0,
             "code_version": zoo.CODE_VERSION} | metadata
    if not metadata:
        del saved["accuracy"]
    torch.save(saved, path)
    messages: list[str] = []
    model = zoo.trained("mlp", progress=lambda done, total, message: messages.append(message.en))
    assert not model.from_cache and model.accuracy is not None and 0.9 < model.accuracy <= 1
    assert set(messages) == {"cache for mlp-v2.pt was invalid; rebuilding"}
    again = zoo.trained("mlp")
    assert again.from_cache and again.accuracy == model.accuracy


@pytest.mark.parametrize("ceiling", [{"peak_gflops": 0}, {"bandwidth_gbs": "fast"}])
def test_a_roofline_cache_of_zeros_or_strings_is_probed_again_and_says_so(
    data_dir: Path, ceiling: dict[str, object], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    from studyapp.labs.roofline import Ceiling, Roofline

    measured = Roofline((Ceiling(2, 50.0, 10.0, 40.0),), "2026-03-02T07:00:00+00:00", 0.1,
                        None)
    key = roofline_probe._key(2)
    bad = measured.to_json()
    bad["ceilings"] = [bad["ceilings"][0] | ceiling]
    path = roofline_probe.cache_dir() / roofline_probe.CACHE_FILE
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({key: bad}), encoding="utf-8")
    monkeypatch.setattr(roofline_probe, "probe", lambda threads, **_: measured)
    monkeypatch.setattr(roofline_probe, "quiet", lambda load: True)
    assert roofline_probe.roofline(2) == measured
    assert "cache for roofline.json" in capsys.readouterr().err
    assert json.loads(path.read_text(encoding="utf-8"))[key] == measured.to_json()


def test_an_onnx_export_whose_facts_read_back_wrong_is_exported_again(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from studyapp.labs import onnx_export, zoo
    from studyapp.labs.digits import load_digits

    model, sample = zoo.untrained("mlp"), load_digits().x_test[:2].copy()
    first = onnx_export.cached_export(model.model, model.key, sample, "torchscript")
    facts = first.path.with_suffix(".json")
    facts.write_text(json.dumps({"exporter": 5, "fallback_reason": None}), encoding="utf-8")
    again = onnx_export.cached_export(model.model, model.key, sample, "torchscript")
    assert again == first and again.exporter == "torchscript"
    assert f"cache for {facts.name} was invalid; rebuilding" in capsys.readouterr().err
    assert json.loads(facts.read_text(encoding="utf-8"))["exporter"] == "torchscript"
