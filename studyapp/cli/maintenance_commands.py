"""What the data-safety commands do: `restore` and `doctor`.

Their arguments are declared in `studyapp/cli/maintenance.py`."""

from __future__ import annotations

import argparse

from studyapp.cli import context
from studyapp.i18n import tr
from studyapp.services import maintenance


def run_restore(args: argparse.Namespace) -> int:
    # the file is checked whole before the database is opened (or created)
    with context.store_errors(getattr(args, "lang", None) or "bg"):
        tables = maintenance.read_export(args.file)
    with context.study_service(args) as (service, lang):
        restored = maintenance.restore(service, tables, args.file, force=args.force)
    if restored.previous is not None:
        print(tr(lang, "cli.restore_previous", path=restored.previous))
    print(tr(lang, "cli.restore_done", path=args.file, cards=restored.rows["card_state"],
             reviews=restored.rows["review_log"], runs=restored.rows["lab_run"],
             undone=maintenance.undone_answers(tables["review_log"])))
    return 0


def run_doctor(args: argparse.Namespace) -> int:
    path = context.db_path(args)
    lang = context.language(args)
    with context.store_errors(lang):
        findings = maintenance.diagnose(path, context.clock(), fix=args.fix)
    for line in report(findings, lang):
        print(line)
    return 1 if any(finding.problem for finding in findings) else 0


def report(findings: list[maintenance.Finding], lang: str) -> list[str]:
    """A line a finding, its topic in a column, then the verdict."""
    problems = sum(finding.problem for finding in findings)
    verdict = (tr(lang, "cli.doctor_verdict_problems", count=problems) if problems
               else tr(lang, "cli.doctor_verdict_sound"))
    marker = tr(lang, "cli.doctor_problem")
    rows = [(tr(lang, f"cli.doctor_topic_{finding.topic}"),
             (marker if finding.problem else "") + finding.text(lang)) for finding in findings]
    rows.append((tr(lang, "cli.doctor_topic_verdict"), verdict))
    width = max(len(topic) for topic, _ in rows)
    return [f"{topic:<{width}}  {text}" for topic, text in rows]
