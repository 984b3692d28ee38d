"""Study commands: `due`, `stats`, `review --plain` and `export` — their arguments.

What they do is in `studyapp/cli/study_commands.py` (`export`: `export_commands.py`), loaded
when one of them runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from studyapp.cli.arguments import common_options, positive
from studyapp.cli.lazy import lazy_handler

IMPLEMENTATION = "studyapp.cli.study_commands"
EXPORT_IMPLEMENTATION = "studyapp.cli.export_commands"


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    due = subparsers.add_parser(
        "due", parents=[common], help="what is due today",
        description="Show today's review queue: counts and the cards, in order.")
    due.add_argument("--json", action="store_true", help="print JSON")
    due.set_defaults(handler=lazy_handler(IMPLEMENTATION, "run_due"))

    stats = subparsers.add_parser(
        "stats", parents=[common], help="reviews per day, retention, streak, forecast",
        description="Show answers per day, retention of first answers, the streak, the "
        "easiness distribution and a 30-day forecast.")
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.add_argument("--days", type=positive, default=30, metavar="N",
                       help="days of history to show (default 30)")
    stats.set_defaults(handler=lazy_handler(IMPLEMENTATION, "run_stats"))

    review = subparsers.add_parser(
        "review", parents=[common], help="review today's cards line by line",
        description="A line-based review that works through a pipe: the front is shown, "
        "Enter reveals the model answer, a digit 0-5 grades, u undoes, q quits.")
    review.add_argument("--plain", action="store_true", required=True,
                        help="line-based review (the full screen review is in the app)")
    review.set_defaults(handler=lazy_handler(IMPLEMENTATION, "run_review"))

    export = subparsers.add_parser(
        "export", parents=[common_options(with_defaults=False, card_languages=True)],
        help="your data for backup, your cards for Anki, the tables as CSV",
        description="Write every card state, the review log, lab runs, prior answers and "
        "settings: tab-separated tables, or one JSON document with --json. With --anki, "
        "the reviewable cards as an Anki package (.apkg), with --with-schedule each card's "
        "schedule and answers too; with --csv, the cards and the tables as CSV files.")
    export.add_argument("--json", action="store_true", help="write JSON")
    written = export.add_mutually_exclusive_group()
    written.add_argument("-o", "--output", type=Path, metavar="FILE",
                         help="write to FILE instead of standard output")
    written.add_argument("--anki", type=Path, metavar="FILE",
                         help="write the cards as an Anki package to FILE (needs the anki "
                         "extra: pip install 'studyapp[anki]')")
    written.add_argument("--csv", type=Path, metavar="DIR",
                         help="write cards.csv, card_state.csv, review_log.csv, lab_run.csv "
                         "and result_card.csv into DIR (made if missing)")
    export.add_argument("--with-schedule", action="store_true",
                        help="with --anki: carry each answered card's schedule and answers")
    export.add_argument("--force", action="store_true",
                        help="overwrite the file(s) if they exist")
    export.set_defaults(handler=lazy_handler(EXPORT_IMPLEMENTATION, "run_export"))
