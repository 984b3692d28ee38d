"""The `studyapp` command line: the app, plus commands for scripts and tests.

Bad usage exits 2 (argparse); bad data exits 1 with one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module
from pathlib import Path

from studyapp import __version__
from studyapp.errors import StudyappError

# Each module adds its subcommands with `register(subparsers, common)`.
COMMAND_MODULES = (
    "studyapp.cli.study", "studyapp.cli.authoring", "studyapp.cli.lab", "studyapp.cli.maintenance",
)


def common_options(with_defaults: bool) -> argparse.ArgumentParser:
    """Options accepted before and after the subcommand name.

    On subcommands they default to SUPPRESS so that a value given before the
    subcommand is not overwritten by the subcommand's default.
    """
    parser = argparse.ArgumentParser(add_help=False)
    default = {} if with_defaults else {"default": argparse.SUPPRESS}
    parser.add_argument("--db", type=Path, metavar="PATH",
                        help="database file (default: $STUDYAPP_DB or the user data folder)",
                        **default)
    parser.add_argument("--content", type=Path, metavar="DIR",
                        help="folder of modules (default: the shipped content/)", **default)
    parser.add_argument("--lang", choices=("bg", "en"),
                        help="language of the texts (default: the saved setting, else bg)",
                        **default)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="studyapp",
        description="Study inference optimization with spaced repetition and live labs. "
        "Without a command, opens the app.",
        parents=[common_options(with_defaults=True)],
    )
    parser.add_argument("--version", action="version", version=f"studyapp {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = common_options(with_defaults=False)
    for name in COMMAND_MODULES:
        import_module(name).register(subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    try:
        if handler is None:
            from studyapp.cli.context import run_app

            return run_app(args)
        return int(handler(args) or 0)
    except StudyappError as exc:
        print(f"studyapp: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 1
