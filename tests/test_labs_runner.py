"""The lab runner: a real child process, its event stream, and every way it can end."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from studyapp.labs import events, registry
from studyapp.labs.events import Progress, ProtocolError, Result
from studyapp.labs.params import LabParamError
from studyapp.labs.runner import LabRunner, run_lab
from studyapp.text import Text


def test_events_round_trip_through_json_lines() -> None:
    samples = [
        events.Progress(1, 4, Text("стъпка", "step")),
        events.Table("t", Text("т", "t"), (events.Column("median_ms", Text("м", "m"), "ms"),),
                     ({"median_ms": 1.5, "noisy": False},)),
        events.Series(Text("cpu", "cpu"), Text("x", "x"), Text("y", "y"), (1.0, 2.0), (3.0, None),
                      log_x=True),
        events.Note(Text("б", "n")),
        events.Result(({"variant": "a", "threads": 2},), (Text("б", "e"),), {"cpu_model": "x"}),
        events.Error("ValueError: x", "Traceback…"),
    ]
    for event in samples:
        line = events.encode(event)
        assert "\n" not in line and line.startswith('{"event": ')
        assert events.decode(line) == event


def test_non_finite_numbers_become_null() -> None:
    line = events.encode(events.Result(({"ratio": float("inf")},), (), {}))
    assert events.decode(line).rows == ({"ratio": None},)  # type: ignore[union-attr]


@pytest.mark.parametrize("line", ["hello", "[1, 2]", '{"event": "bogus"}',
                                  '{"event": "progress", "done": 1}'])
def test_garbage_lines_are_protocol_errors(line: str) -> None:
    with pytest.raises(ProtocolError):
        events.decode(line)


def test_a_run_streams_progress_then_the_result(probe: str) -> None:
    seen: list[events.Event] = []
    run = run_lab(probe, {"steps": 3, "threads": 1}, on_event=seen.append)
    assert run.status == "ok", run.error
    assert isinstance(seen[0], Progress) and isinstance(seen[-1], Result)
    assert seen[-1].rows[0]["steps"] == 3
    assert run.rows == [{"variant": "a", "threads": 1, "device": "cpu", "steps": 3}]
    assert [text.en for text in run.reading] == ["3 steps"]
    assert run.notes == [Text("бележка", "a note")] and "probe" in run.tables
    assert run.env["threads"] == 1 and "cpu_model" in run.env
    assert run.to_json("bg")["reading"] == ["3 стъпки"]


def test_prints_and_warnings_do_not_corrupt_the_stream(probe: str) -> None:
    run = run_lab(probe, {"mode": "chatter"})
    assert run.status == "ok", run.error
    joined = "\n".join(run.stderr_tail)
    assert "plain print to stdout" in joined and "write to file descriptor 1" in joined
    assert "a deprecation on purpose" in joined


def test_an_exception_in_the_lab_is_a_failed_run_with_the_reason(probe: str) -> None:
    run = run_lab(probe, {"mode": "raise"})
    assert run.status == "failed"
    assert run.error is not None and run.error.en == "ValueError: the probe failed on purpose"
    assert "Traceback" in run.detail and "labs_probe.py" in run.detail


def test_a_child_killed_by_a_signal_is_a_failed_run(probe: str) -> None:
    run = run_lab(probe, {"mode": "signal"})
    assert run.status == "failed"
    assert run.error is not None and "SIGKILL" in run.error.en and "памет" in run.error.bg


@pytest.mark.skipif(sys.platform != "linux", reason="address-space limit is POSIX/Linux")
def test_running_out_of_memory_is_a_failed_run(probe: str) -> None:
    run = run_lab(probe, {"mode": "memory"}, memory_limit_mb=1024)
    assert run.status == "failed"
    assert run.error is not None and "MemoryError" in run.error.en


def test_a_lab_that_sends_no_result_fails(probe: str) -> None:
    run = run_lab(probe, {"mode": "no_result"})
    assert run.status == "failed" and "without sending its result" in run.error.en


def test_garbage_on_stdout_fails_the_run(probe: str, monkeypatch) -> None:
    runner = LabRunner(probe)
    monkeypatch.setattr(runner, "command",
                        lambda: [sys.executable, "-c", "print('hello'); import time; "
                                 "time.sleep(30)"])
    started = time.monotonic()
    run = runner.run()
    assert run.status == "failed" and "not an event" in run.error.en and "hello" in run.error.en
    assert time.monotonic() - started < 10


def test_cancel_stops_the_child_within_a_second(probe: str) -> None:
    runner = LabRunner(probe, {"mode": "sleep", "steps": 200})
    first_progress = threading.Event()
    stopped_at: list[float] = []
    outcome: list = []

    def work() -> None:
        outcome.append(runner.run(on_event=lambda event: first_progress.set()))
        stopped_at.append(time.monotonic())

    thread = threading.Thread(target=work)
    thread.start()
    assert first_progress.wait(30)
    cancelled_at = time.monotonic()
    runner.cancel()
    thread.join(10)
    assert outcome and outcome[0].status == "cancelled"
    assert stopped_at[0] - cancelled_at < 1.0


def test_timeout_stops_the_child(probe: str) -> None:
    started = time.monotonic()
    run = run_lab(probe, {"mode": "sleep", "steps": 200}, timeout_s=2.0)
    assert run.status == "timeout" and "2 s" in run.error.en
    assert time.monotonic() - started < 4.0


def test_bad_params_are_refused_before_a_child_starts(probe: str, monkeypatch) -> None:
    monkeypatch.setattr("subprocess.Popen", lambda *a, **k: pytest.fail("a child started"))
    with pytest.raises(LabParamError, match="unknown lab 'nope'"):
        LabRunner("nope")
    with pytest.raises(LabParamError, match="no parameter 'colour'"):
        LabRunner(probe, {"colour": "red"})
    with pytest.raises(LabParamError, match=r"steps=0 is out of range \(int in 1\.\.1000\)"):
        LabRunner(probe, {"steps": 0})
    with pytest.raises(LabParamError, match="mode must be ok"):
        LabRunner(probe, {"mode": "explode"})
    with pytest.raises(LabParamError, match="threads must be int"):
        LabRunner(probe, {"threads": "two"})
    with pytest.raises(LabParamError, match=r"size must be quick \| default"):
        LabRunner(probe, {"size": "huge"})


def test_params_arrive_complete_with_the_common_ones(probe: str) -> None:
    params = LabRunner(probe, {"size": "quick"}).params
    assert params["size"] == "quick" and params["mode"] == "ok" and params["seed"] == 0
    assert params["device"] == "cpu" and isinstance(params["threads"], int)


def test_every_app_lab_is_known_to_the_registry() -> None:
    from studyapp.labs.catalog import LAB_IDS

    assert set(registry.BUILTIN) == LAB_IDS
