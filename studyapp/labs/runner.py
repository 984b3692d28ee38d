"""Run a lab in a child process and follow its events: the parent side of the protocol.

    runner = LabRunner("latency", {"size": "quick"}, timeout_s=120)   # validates, or LabParamError
    run = runner.run(on_event=print)      # blocks; call runner.cancel() from another thread
    run.status, run.rows, run.reading     # "ok" | "failed" | "cancelled" | "timeout"

The child is `python -m studyapp.labs run NAME --params JSON`. Its stdout carries only
events; its stderr (warnings, library chatter) is drained, and its last lines kept to explain
a failure. A child that raises, dies from a signal, runs out of memory or writes something
that is not an event gives a failed run with the reason; it never takes the caller down.
Cancelling terminates the child and kills it if it is still there after half a second.
The child dies with this process, however it ends (`lifeline.py`): its stdin is a pipe held
open here until the run is over. In a command line's main thread, `stopped_by_signals()`
turns SIGTERM and SIGHUP into `Interrupted`, so that the run is stopped and recorded.
No torch here: the app imports this.
"""

from __future__ import annotations

import collections
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

from studyapp.labs import registry
from studyapp.labs.events import (
    Error,
    Event,
    Note,
    Parsed,
    ProtocolError,
    Result,
    Scalar,
    Series,
    Table,
    decode,
    from_dict,
    text_from,
    to_dict,
)
from studyapp.text import Text

CANCEL_GRACE_S = 0.5  # after terminate(), how long the child may take before it is killed
POLL_S = 0.05
STDERR_TAIL_LINES = 20

EventCallback = Callable[[Event], None]


@dataclass
class LabRun:
    """What a run produced so far; complete once `status` is no longer "running"."""

    lab: str
    params: dict[str, object]
    status: str = "running"
    tables: dict[str, Table] = field(default_factory=dict)
    series: dict[Text, Series] = field(default_factory=dict)
    notes: list[Text] = field(default_factory=list)
    rows: list[dict[str, Scalar]] = field(default_factory=list)
    reading: list[Text] = field(default_factory=list)
    env: dict[str, Parsed] = field(default_factory=dict)  # as the child sent it, or stored
    roofline: Mapping[str, object] | None = None  # the ceilings the rows were placed on
    error: Text | None = None  # why the run did not finish ok
    detail: str = ""  # the child's traceback, or its last stderr lines
    stderr_tail: list[str] = field(default_factory=list)
    duration_s: float = 0.0  # by this process's monotonic clock (`LabRunner.elapsed`)

    def apply(self, event: Event) -> None:
        """Fold one event into the run. Progress is not kept: it tells the caller how far the
        child has got (`on_event`), it is not part of what the run produced."""
        if isinstance(event, Table):
            self.tables[event.name] = event
        elif isinstance(event, Series):
            self.series[event.name] = event
        elif isinstance(event, Note):
            self.notes.append(event.text)
        elif isinstance(event, Result):
            self.rows, self.reading = list(event.rows), list(event.reading)
            self.env, self.roofline = dict(event.env), event.roofline
            self.status = "ok"
        elif isinstance(event, Error):
            self.fail(Text(event.message, event.message), event.detail)

    def fail(self, reason: Text, detail: str = "") -> None:
        self.status, self.error, self.detail = "failed", reason, detail

    def results(self) -> dict[str, object]:
        """Everything but params, env and status as one JSON-ready object (for storage)."""
        return {
            "rows": self.rows,
            "roofline": self.roofline,
            "reading": [text.to_json() for text in self.reading],
            "notes": [text.to_json() for text in self.notes],
            "tables": [to_dict(table) for table in self.tables.values()],
            "series": [to_dict(series) for series in self.series.values()],
            "error": self.error.to_json() if self.error else None,
            "detail": self.detail,
        }

    @classmethod
    def from_results(cls, lab: str, params: dict[str, object], status: str,
                     results: Mapping[str, Parsed] | None, env: dict[str, Parsed] | None,
                     duration_s: float | None) -> LabRun:
        """A stored run, rebuilt from `results()` and its record."""
        saved = results or {}
        run = cls(lab, params, status, env=env or {}, duration_s=duration_s or 0.0,
                  rows=list(saved.get("rows") or []), detail=str(saved.get("detail") or ""),
                  roofline=saved.get("roofline") if isinstance(saved.get("roofline"), dict)
                  else None,
                  reading=[text_from(item) for item in saved.get("reading") or []],
                  notes=[text_from(item) for item in saved.get("notes") or []],
                  error=text_from(saved["error"]) if saved.get("error") else None)
        for item in [*saved.get("tables", []), *saved.get("series", [])]:
            run.apply(from_dict(item))
        return run

    def to_json(self, lang: str) -> dict[str, object]:
        """The run as one JSON object, texts in `lang`."""
        return {
            "lab": self.lab, "status": self.status, "params": self.params, "env": self.env,
            "rows": self.rows, "roofline": self.roofline,
            "reading": [text.get(lang) for text in self.reading],
            "notes": [text.get(lang) for text in self.notes],
            "error": self.error.get(lang) if self.error else None,
            "duration_s": round(self.duration_s, 3),
        }


def _signal_reason(signum: int) -> Text:
    name = signal.Signals(signum).name if signum in signal.valid_signals() else str(signum)
    if signum == signal.SIGKILL:
        return Text(f"процесът на лабораторията е убит със сигнал {name} "
                    "(най-често: паметта е свършила)",
                    f"the lab process was killed by signal {name} (most often: out of memory)")
    return Text(f"процесът на лабораторията е спрян със сигнал {name}",
                f"the lab process was stopped by signal {name}")


def _exit_reason(returncode: int) -> Text:
    if returncode < 0:
        return _signal_reason(-returncode)
    if returncode:
        return Text(f"процесът на лабораторията излезе с код {returncode} без резултат",
                    f"the lab process exited with code {returncode} without a result")
    return Text("процесът на лабораторията завърши без резултат",
                "the lab process ended without a result")


def _drain(stream: IO[str], sink: Callable[[str], None]) -> None:
    for line in stream:
        sink(line)


class LabRunner:
    """One run of one lab. Parameters are checked here, before any child starts."""

    def __init__(self, lab_id: str, params: Mapping[str, object] | None = None,
                 *, timeout_s: float | None = None, memory_limit_mb: int | None = None) -> None:
        self.lab_id = lab_id
        self.params = registry.validate(lab_id, params or {})
        self.timeout_s = timeout_s
        self.memory_limit_mb = memory_limit_mb  # address-space cap of the child (POSIX)
        self._cancel = threading.Event()
        self._started: float | None = None  # time.monotonic() when the child was started
        self._ended: float | None = None  # and when the run was over

    def elapsed(self) -> float:
        """Seconds the run has taken so far, fixed once it is over; 0 before it starts.

        The one clock of a run's duration: monotonic, so that a wall clock set back or
        forward while a lab runs does not change it, and read in this process, which sees
        the child start and end. A run's `duration_s` and its record are this value."""
        if self._started is None:
            return 0.0
        return (self._ended if self._ended is not None else time.monotonic()) - self._started

    def _limit_memory(self) -> None:
        """Runs in the child before it starts: beyond the cap, allocations raise MemoryError."""
        import resource

        assert self.memory_limit_mb is not None
        cap = self.memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "studyapp.labs", "run", self.lab_id,
                   "--params", json.dumps(self.params), "--parent", str(os.getpid())]
        if registry.is_registered(self.lab_id):
            command += ["--module", registry.module_path(self.lab_id)]
        return command

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        # The child imports what this process can (a lab registered from a test, say).
        env["PYTHONPATH"] = os.pathsep.join(path for path in sys.path if path)
        env["PYTHONIOENCODING"] = "utf-8"
        env["OMP_NUM_THREADS"] = str(self.params["threads"])
        return env

    def cancel(self) -> None:
        """Stop the run (thread-safe); `run` returns with status "cancelled" within a second."""
        self._cancel.set()

    def run(self, on_event: EventCallback | None = None) -> LabRun:
        """Start the child, pass each event to `on_event`, and return the finished run."""
        result = LabRun(self.lab_id, dict(self.params))
        self._started, self._ended = time.monotonic(), None
        child = subprocess.Popen(
            self.command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace", bufsize=1,
            env=self._environment(), start_new_session=True,
            preexec_fn=self._limit_memory if self.memory_limit_mb else None,
        )
        lines: queue.Queue[str | None] = queue.Queue()
        tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        assert child.stdin is not None and child.stdout is not None and child.stderr is not None

        def read_events() -> None:
            _drain(child.stdout, lines.put)  # type: ignore[arg-type]
            lines.put(None)

        readers = [
            threading.Thread(target=read_events, daemon=True),
            threading.Thread(target=_drain, args=(child.stderr, lambda s: tail.append(s.rstrip())),
                             daemon=True),
        ]
        for reader in readers:
            reader.start()
        try:
            self._follow(child, lines, result, on_event)
        finally:
            self._stop(child)
            child.stdin.close()
            for reader in readers:
                reader.join(timeout=1.0)
            self._ended = time.monotonic()
            result.duration_s = self.elapsed()
            result.stderr_tail = list(tail)
        if result.status == "running":
            result.fail(_exit_reason(child.returncode), "\n".join(tail))
        elif result.status == "failed" and not result.detail:
            result.detail = "\n".join(tail)
        return result

    def _follow(self, child: subprocess.Popen[str], lines: queue.Queue[str | None],
                result: LabRun, on_event: EventCallback | None) -> None:
        """Read events until the child ends, is cancelled, times out or sends garbage."""
        ended = False
        while True:
            if self._cancel.is_set():
                self._stop(child)
                result.status = "cancelled"
                result.error = Text("спряно от потребителя", "cancelled by the user")
                return
            if self.timeout_s is not None and self.elapsed() > self.timeout_s:
                self._stop(child)
                result.status = "timeout"
                result.error = Text(f"надвиши ограничението от {self.timeout_s:g} s",
                                    f"took longer than the {self.timeout_s:g} s limit")
                return
            if ended:
                if child.poll() is not None:
                    return
                time.sleep(POLL_S)
                continue
            try:
                line = lines.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if line is None:
                ended = True
            elif line.strip():
                try:
                    event = decode(line)
                except ProtocolError as exc:
                    self._stop(child)
                    result.fail(Text(f"лабораторията изпрати нещо, което не е събитие: {exc}",
                                     f"the lab sent something that is not an event: {exc}"))
                    return
                result.apply(event)
                if on_event is not None:
                    on_event(event)

    @staticmethod
    def _stop(child: subprocess.Popen[str]) -> None:
        """Terminate the child if it still runs; kill it if it does not go in time."""
        if child.poll() is not None:
            return
        child.terminate()
        try:
            child.wait(CANCEL_GRACE_S)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


class Interrupted(KeyboardInterrupt):
    """This process was told to stop (SIGTERM, SIGHUP) while it followed a lab."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """While this lasts, SIGTERM and SIGHUP raise `Interrupted` (main thread only), so a run
    followed there stops its child and is recorded; the former handlers come back after."""

    def stop(signum: int, _frame: object) -> None:
        raise Interrupted(signum)

    names = ("SIGTERM", "SIGHUP")
    stops = [getattr(signal, name) for name in names if hasattr(signal, name)]
    before = {signum: signal.signal(signum, stop) for signum in stops}
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def run_lab(lab_id: str, params: Mapping[str, object] | None = None, *,
            on_event: EventCallback | None = None, timeout_s: float | None = None,
            memory_limit_mb: int | None = None) -> LabRun:
    """Validate, run and return one lab run (see `LabRunner`)."""
    runner = LabRunner(lab_id, params, timeout_s=timeout_s, memory_limit_mb=memory_limit_mb)
    return runner.run(on_event)
