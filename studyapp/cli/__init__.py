"""The `studyapp` command line: the app, plus commands for scripts and tests.

Bad usage exits 2, bad data 1, each with one line on stderr. An unexpected exception is one
line too (`internal error: TYPE: MESSAGE`, exit 1); STUDYAPP_DEBUG=1 adds its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from importlib import import_module
from typing import NoReturn

from studyapp import __version__
from studyapp.cli.arguments import common_options
from studyapp.cli.context import language
from studyapp.cli.output import (
    StdoutError,
    error_line,
    silence_stdout,
    tolerant_streams,
    visible_stdout,
)
from studyapp.errors import StudyappError
from studyapp.i18n import tr

# Each module adds its subcommands with `register(subparsers, common)`.
COMMAND_MODULES = (
    "studyapp.cli.study", "studyapp.cli.authoring", "studyapp.cli.lab", "studyapp.cli.maintenance",
)


class Parser(argparse.ArgumentParser):
    """argparse's parser, whose usage errors are one line too (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        error_line(f"{message} (see: {self.prog} --help)")
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
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
    tolerant_streams()
    lang = getattr(args, "lang", None) or "bg"
    try:
        return _dispatch(args)
    except StudyappError as exc:
        error_line(exc.text(language(args)))
        return exc.exit_code
    except StdoutError as exc:
        silence_stdout()
        error_line(tr(lang, "cli.stdout_failed", reason=exc.reason))
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 1
    except Exception as exc:  # the last resort: one line, never a traceback
        return _unexpected(exc, lang)


def _dispatch(args: argparse.Namespace) -> int:
    handler = getattr(args, "handler", None)
    if handler is None:
        from studyapp.cli.context import run_app

        return run_app(args)
    with visible_stdout():
        return int(handler(args) or 0)


def _unexpected(exc: Exception, lang: str) -> int:
    """An exception no command expected, as one line (with its traceback if STUDYAPP_DEBUG=1)."""
    if os.environ.get("STUDYAPP_DEBUG") == "1":
        traceback.print_exception(exc)
    error_line(tr(lang, "cli.internal_error", kind=type(exc).__name__, detail=exc))
    return 1
