"""The lab child process: `python -m studyapp.labs run NAME --params JSON [--module PATH]`.

Writes JSON-lines events (see `events.py`) to stdout and nothing else: before anything
is imported, the real stdout is kept for the events and file descriptor 1 is pointed at
stderr, so prints and warnings from torch, ONNX Runtime or the lab land on stderr. Ends
with a `result` event (exit 0) or an `error` event (exit 1). With `--parent PID` (the
runner's) it dies with that process: stdin must then be a pipe the parent holds open.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from studyapp.labs.envinfo import Fingerprint
    from studyapp.labs.params import ParamValue


def _take_stdout_for_events() -> TextIO:
    events = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1)
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    return events


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m studyapp.labs")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run one lab, writing JSON-lines events to stdout")
    run.add_argument("lab")
    run.add_argument("--params", default="{}", help="the lab's parameters as a JSON object")
    run.add_argument("--module", help="dotted module of a lab registered outside the app")
    run.add_argument("--parent", type=int, metavar="PID",
                     help="end when this process does (it holds stdin, a pipe, open)")
    return parser.parse_args(argv)


def _environment(params: dict[str, ParamValue]) -> Fingerprint:
    """The fingerprint sent with the result, at the run's threads and device (validated, or
    none where validation failed)."""
    from studyapp.labs.envinfo import fingerprint

    threads, device = params.get("threads"), params.get("device")
    return fingerprint(threads if isinstance(threads, int) else None,
                       device if isinstance(device, str) else None)


def _run(args: argparse.Namespace, events: TextIO) -> int:
    from studyapp.labs import registry
    from studyapp.labs.events import Emitter, Error

    params: dict[str, ParamValue] = {}  # validated against each parameter's spec
    emit = Emitter(events, env=lambda: _environment(params))
    try:
        if args.module:
            registry.register(args.lab, args.module)
        given = json.loads(args.params)
        if not isinstance(given, dict):
            raise ValueError("--params must be a JSON object")
        params.update(registry.validate(args.lab, given))
        registry.load(args.lab).run(params, emit)
        if not emit.finished:
            raise RuntimeError(f"lab {args.lab!r} ended without sending its result")
    except Exception as exc:  # every failure of the lab becomes its error event
        message = f"{type(exc).__name__}: {exc}".splitlines()[0]
        emit.emit(Error(message, traceback.format_exc()))
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    events = _take_stdout_for_events()
    args = _parse(sys.argv[1:] if argv is None else argv)
    if args.parent is not None:
        from studyapp.labs.lifeline import tie_to_parent

        tie_to_parent(args.parent)
    return _run(args, events)


if __name__ == "__main__":
    raise SystemExit(main())
