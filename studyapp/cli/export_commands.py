"""What `studyapp export` does: a backup as tab-separated tables or JSON (`-o FILE` or
standard output), the cards as an Anki package (`--anki FILE`), or CSV files (`--csv DIR`).

Its arguments are declared in `studyapp/cli/study.py`."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from typing import TYPE_CHECKING

from studyapp.cli import context
from studyapp.cli.output import error_line
from studyapp.errors import StudyappError, UsageError
from studyapp.files import write_whole
from studyapp.i18n import tr
from studyapp.services.maintenance import ExportTables, export_json, undone_answers

if TYPE_CHECKING:
    from studyapp.services.values import StoreError


def run_export(args: argparse.Namespace) -> int:
    if args.anki is None and args.with_schedule:
        raise UsageError(tr(context.language(args), "cli.export_schedule_without_anki"))
    if (args.anki is not None or args.csv is not None) and args.json:
        raise UsageError(tr(context.language(args), "cli.export_json_with_file_kind"))
    if args.anki is not None:
        return _export_anki(args)
    if args.csv is not None:
        return _export_csv(args)
    return _export_backup(args)


def _export_anki(args: argparse.Namespace) -> int:
    with context.study_service(args, read_only=True) as (service, lang):
        langs = getattr(args, "card_langs", None) or (lang,)
        written = service.write_anki(args.anki, langs, lang, with_schedule=args.with_schedule,
                                     force=args.force)
    print(tr(lang, "cli.anki_done", path=written.path, notes=written.notes,
             scheduled=written.scheduled, reviews=written.reviews))
    return 0


def _export_csv(args: argparse.Namespace) -> int:
    with context.study_service(args, read_only=True) as (service, lang):
        paths = service.write_csv(args.csv, lang, force=args.force)
    print(tr(lang, "cli.csv_done", folder=args.csv, files=", ".join(path.name for path in paths)))
    return 0


def _export_backup(args: argparse.Namespace) -> int:
    """Export every readable row; each row the store cannot read (a hand edit) is named on
    stderr and left out, and the export then exits 1."""
    bad: list[StoreError] = []
    with context.study_service(args, read_only=True) as (service, lang):
        data = service.export_data(on_bad_row=bad.append)
    for error in bad:
        error_line(error.text(lang))
    text = export_json(data, context.clock()) if args.json else _export_tables(data)
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_whole(args.output, text, lang, force=args.force)
        print(tr(lang, "cli.export_done", cards=len(data["card_state"]),
                 reviews=len(data["review_log"]), runs=len(data["lab_run"]), path=args.output,
                 undone=undone_answers(data["review_log"])))
    if bad:
        raise StudyappError(tr(lang, "cli.export_rows_left_out", count=len(bad)))
    return 0


def _export_tables(data: ExportTables) -> str:
    """One tab-separated table per section, each after a `# name` line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    for name, rows in data.items():
        buffer.write(f"# {name}\n")
        if rows:
            writer.writerow(rows[0].keys())
            writer.writerows(["" if v is None else v for v in row.values()] for row in rows)
        buffer.write("\n")
    return buffer.getvalue()
