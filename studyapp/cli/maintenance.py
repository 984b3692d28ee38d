"""Data-safety commands: `restore` and `doctor` — their arguments.

What they do is in `studyapp/cli/maintenance_commands.py`, loaded when one of them runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from studyapp.cli.lazy import lazy_handler

IMPLEMENTATION = "studyapp.cli.maintenance_commands"


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    restore = subparsers.add_parser(
        "restore", parents=[common], help="put a JSON export back into a database",
        description="Read a file written by `studyapp export --json`, check it whole, and "
        "put its data into a new or empty database in one transaction. A database that "
        "holds study data is refused unless --force; then it is first copied beside itself.")
    restore.add_argument("file", type=Path, metavar="FILE", help="the JSON export")
    restore.add_argument("--force", action="store_true",
                         help="replace the data of a database that is not empty")
    restore.set_defaults(handler=lazy_handler(IMPLEMENTATION, "run_restore"))

    doctor = subparsers.add_parser(
        "doctor", parents=[common], help="check the database, the lab cache and the backups",
        description="Make the checks every open makes and SQLite's full integrity check on "
        "the database (reading only), tell lab runs running now from those a process that "
        "has ended left running, and list the lab model cache and the daily backup copies. "
        "Exits 1 when a problem is found.")
    doctor.add_argument("--fix", action="store_true",
                        help="close now, as interrupted, the lab runs a process that has "
                        "ended left running (the next start would)")
    doctor.set_defaults(handler=lazy_handler(IMPLEMENTATION, "run_doctor"))
