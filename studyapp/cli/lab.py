"""Lab commands: `lab list`, `lab run NAME`, `lab history [NAME]`, `lab show RUN_ID`.

`lab run` shows a progress bar on stderr while the lab's child process works, then its
tables, notes and reading in the chosen language (or one JSON object with --json), and
records the run. A run that fails exits 1 with the reason; Ctrl+C cancels it (exit 130).
"""

from __future__ import annotations

import argparse

from studyapp.cli.arguments import seconds, whole
from studyapp.cli.lazy import lazy_handler

# The commands' code (tables, progress bar, the labs API) loads only when one of them runs.
IMPLEMENTATION = "studyapp.cli.lab_commands"


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    lab = subparsers.add_parser(
        "lab", parents=[common], help="run a lab on this machine, or look at earlier runs",
        description="Labs measure inference optimizations on this machine: latency, "
        "quantization, pruning, batching, ONNX Runtime and profiling.")
    commands = lab.add_subparsers(dest="lab_command", metavar="COMMAND", required=True)

    listing = commands.add_parser("list", parents=[common], help="the labs and their parameters")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=lazy_handler(IMPLEMENTATION, "run_list"))

    run = commands.add_parser(
        "run", parents=[common], help="run one lab and record it",
        description="Run one lab in a separate process: a progress bar on stderr, then the "
        "measured tables and their reading. The run is saved (see `lab history`).")
    run.add_argument("name", help="lab id (see `studyapp lab list`)")
    run.add_argument("--quick", action="store_true", help="the small size (a few seconds)")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.add_argument("--device", choices=("cpu", "cuda"), help="torch device (default cpu)")
    run.add_argument("--threads", type=whole, metavar="N", help="thread count (default: all cores)")
    run.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                     help="a lab parameter, e.g. --set model=cnn (repeatable)")
    run.add_argument("--timeout", type=seconds, default=600.0, metavar="SECONDS",
                     help="stop the lab after this long (default 600)")
    run.set_defaults(handler=lazy_handler(IMPLEMENTATION, "run_run"))

    history = commands.add_parser("history", parents=[common], help="earlier runs, newest first")
    history.add_argument("name", nargs="?", help="only runs of this lab")
    history.add_argument("--limit", type=whole, default=20, metavar="N",
                         help="at most N runs (default 20)")
    history.add_argument("--json", action="store_true", help="print JSON")
    history.set_defaults(handler=lazy_handler(IMPLEMENTATION, "run_history"))

    show = commands.add_parser("show", parents=[common], help="one recorded run in full")
    show.add_argument("run_id", type=whole, metavar="RUN_ID")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=lazy_handler(IMPLEMENTATION, "run_show"))

