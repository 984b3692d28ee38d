"""What every command resolves from the common options."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from studyapp.clock import Clock, system_clock
from studyapp.errors import StudyappError, UsageError
from studyapp.i18n import tr
from studyapp.paths import default_content_dir, default_db_path

if TYPE_CHECKING:
    from studyapp.services.content import Module
    from studyapp.services.study import StudyService
    from studyapp.tui.app import StudyApp


# The commands read "now" from here; tests put a fixed clock in its place.
clock: Clock = system_clock


def db_path(args: argparse.Namespace) -> Path:
    return Path(args.db) if getattr(args, "db", None) else default_db_path()


def content_dir(args: argparse.Namespace) -> Path:
    return Path(args.content) if getattr(args, "content", None) else default_content_dir()


def language(args: argparse.Namespace) -> str:
    """--lang, else the language saved in the database (read without writing, and only
    where the database exists), else bg: for commands that need no database."""
    from studyapp.services.maintenance import saved_language

    return getattr(args, "lang", None) or saved_language(db_path(args))


def modules(args: argparse.Namespace) -> list[Module]:
    """Every module, validated whole; raises ContentError on the first problem."""
    from studyapp.services.content import load_content

    return load_content(content_dir(args))


def build_app(args: argparse.Namespace) -> StudyApp:
    """The app as `studyapp` opens it.

    The content and the database are checked by the app itself, after its first paint: a
    broken module or database is shown in a dialog, and the app then closes with status 1.
    """
    from studyapp.tui.app import make_app

    return make_app(
        db_path=db_path(args),
        content_dir=content_dir(args),
        lang=getattr(args, "lang", None),
        clock=clock,
    )


def run_app(args: argparse.Namespace) -> int:
    """Run the app; a start that failed also leaves its one line on stderr, for scripts.

    The app reads keys from stdin and draws on a terminal: without one (a pipe, a file,
    /dev/null) it would spin and write escape codes, so it refuses to start.
    """
    if not all(stream.isatty() for stream in (sys.stdin, sys.stdout, sys.stderr)):
        raise UsageError(tr(getattr(args, "lang", None) or "bg", "cli.no_terminal"))
    app = build_app(args)
    app.run()
    if app.start_error is not None:
        print(f"studyapp: error: {app.start_error}", file=sys.stderr)
    return app.return_code or 0


@contextmanager
def study_service(
    args: argparse.Namespace, read_only: bool = False
) -> Iterator[tuple[StudyService, str]]:
    """The study service and the language: --lang, else the saved one, else bg.

    A command that only reads passes `read_only`: it then works on a database it
    may not write. Errors of the store come out as one line in that language.
    """
    from studyapp.services.study import StudyService

    lang = getattr(args, "lang", None) or "bg"
    with store_errors(lang):
        service = StudyService.open(db_path(args), modules(args), clock,
                                    read_only=read_only)
    try:
        with store_errors(lang):
            lang = getattr(args, "lang", None) or service.settings().lang
        if service.backup_problem is not None:
            print(f"studyapp: warning: {service.backup_problem.text(lang)}", file=sys.stderr)
        with store_errors(lang):
            yield service, lang
    finally:
        service.close()


@contextmanager
def store_errors(lang: str) -> Iterator[None]:
    """An error of the store comes out as one line in `lang`."""
    from studyapp.services.values import StoreError

    try:
        yield
    except StoreError as exc:
        raise StudyappError(exc.text(lang)) from None
