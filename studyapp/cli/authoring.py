"""Commands for module authors: `import` a Markdown module, list its `cards` — their arguments.

What they do is in `studyapp/cli/authoring_commands.py`, loaded when one of them runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from studyapp.cli.lazy import lazy_handler
from studyapp.services.content import CARD_KINDS

IMPLEMENTATION = "studyapp.cli.authoring_commands"


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    importer = subparsers.add_parser(
        "import", parents=[common],
        help="make a module.toml draft from a module written in the Markdown template",
        description="Read a module written in the Markdown template (numbered ## sections) "
        "and write a module.toml draft with every prompt of the file. English texts, model "
        "answers and lab ids are left for the author and marked in the draft.",
    )
    importer.add_argument("file", type=Path, metavar="FILE.md", help="the Markdown module")
    importer.add_argument("-o", "--output", type=Path, metavar="OUT.toml",
                          help="write the draft here (default: standard output)")
    importer.add_argument("--force", action="store_true",
                          help="overwrite OUT.toml if it exists")
    importer.set_defaults(handler=lazy_handler(IMPLEMENTATION, "run_import"))

    cards = subparsers.add_parser(
        "cards", parents=[common],
        help="list the cards of the modules",
        description="List the cards of the loaded modules, in learning-path order.",
    )
    cards.add_argument("--kind", choices=CARD_KINDS, help="only cards of this kind")
    cards.add_argument("--search", metavar="TEXT",
                       help="only cards whose front or back contains TEXT (either language, "
                       "any case)")
    cards.add_argument("--json", action="store_true",
                       help="print a JSON list instead of a table")
    cards.set_defaults(handler=lazy_handler(IMPLEMENTATION, "run_cards"))
