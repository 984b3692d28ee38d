"""What the data-safety commands do: `restore` and `doctor`.

Their arguments are declared in `studyapp/cli/maintenance.py`."""

from __future__ import annotations

import argparse

from studyapp import maintenance
from studyapp.cli import context
from studyapp.i18n import tr


def run_restore(args: argparse.Namespace) -> int:
    # the file is checked whole before the database is opened (or created)
    with context.store_errors(getattr(args, "lang", None) or "bg"):
        tables = maintenance.read_export(args.file)
    with context.study_service(args) as (service, lang):
        restored = maintenance.restore(service, tables, args.file, force=args.force)
    if restored.previous is not None:
        print(tr(lang, "cli.restore_previous", path=restored.previous))
    print(tr(lang, "cli.restore_done", path=args.file, cards=restored.rows["card_state"],
             reviews=restored.rows["review_log"], runs=restored.rows["lab_run"]))
    return 0


def run_doctor(args: argparse.Namespace) -> int:
    lang = getattr(args, "lang", None) or "bg"
    findings = maintenance.diagnose(context.db_path(args))
    for finding in findings:
        print(finding.text(lang))
    return 1 if any(finding.problem for finding in findings) else 0
