"""What every command resolves from the common options."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from studyapp.deck import Module, load_modules
from studyapp.labs.catalog import LAB_IDS
from studyapp.paths import default_content_dir, default_db_path

if TYPE_CHECKING:
    from studyapp.tui.app import StudyApp


def db_path(args: argparse.Namespace) -> Path:
    return Path(args.db) if getattr(args, "db", None) else default_db_path()


def content_dir(args: argparse.Namespace) -> Path:
    return Path(args.content) if getattr(args, "content", None) else default_content_dir()


def modules(args: argparse.Namespace) -> list[Module]:
    """Every module, validated whole; raises ContentError on the first problem."""
    return load_modules(content_dir(args), LAB_IDS)


def build_app(args: argparse.Namespace) -> StudyApp:
    """The app as `studyapp` opens it; a broken module stops here, before the screen opens."""
    from studyapp.clock import system_clock
    from studyapp.tui.app import make_app

    modules(args)
    return make_app(
        db_path=db_path(args),
        content_dir=content_dir(args),
        lang=getattr(args, "lang", None),
        clock=system_clock,
    )


def run_app(args: argparse.Namespace) -> int:
    app = build_app(args)
    app.run()
    return app.return_code or 0
