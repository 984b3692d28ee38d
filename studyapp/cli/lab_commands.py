"""What the `lab` commands do: run a lab with a progress bar, print its tables and reading,
list and show recorded runs. Their arguments are declared in `studyapp/cli/lab.py`; the texts
of tables and settings are the app's (`studyapp.services.lab_tables`), laid out here in lines."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TextIO

from studyapp.cli import context
from studyapp.errors import StudyappError, UsageError
from studyapp.i18n import counted, tr
from studyapp.services.lab_params import (
    COMMON_PARAMS,
    LabParamError,
    ParamSpec,
    check_lab,
    params_of,
    parse_text,
)
from studyapp.services.lab_tables import (
    cell_text,
    env_line,
    label_with_unit,
    layout,
    params_line,
    roofline_summary,
    run_status,
    value_text,
)
from studyapp.services.lab_values import Event, LabRun, Progress, Table, stopped_by_signals
from studyapp.services.labs import LabService, RecordedRun, lab_entries

BAR_WIDTH = 24
TRANSPOSE_MAX_ROWS = 6  # a table too wide for the terminal is turned on its side up to this


# --- formatting -------------------------------------------------------------------------------


def _layout(grid: list[list[str]]) -> list[str]:
    widths = [max(len(line[i]) for line in grid) for i in range(len(grid[0]))]
    lines = []
    for number, line in enumerate(grid):
        first = line[0].ljust(widths[0])
        rest = [text.rjust(width) for text, width in zip(line[1:], widths[1:], strict=True)]
        lines.append("  ".join([first, *rest]).rstrip())
        if number == 0:
            lines.append("  ".join("─" * width for width in widths))
    return lines


def render_table(table: Table, lang: str, width: int) -> list[str]:
    """The table under its title, laid out as the app lays it out: columns that hold no value
    are left out, those the same in every row are said once above it; a table too wide for
    `width` with few rows is shown on its side (one column per row)."""
    shown = layout(table, lang)
    columns = [column for column, _ in shown.headers]
    headers = [label_with_unit(column, lang) for column in columns]
    body = [[cell_text(row, column, lang) for column in columns] for row in table.rows]
    lines = _layout([headers, *body]) if body else []
    if body and max(map(len, lines)) > width and len(body) <= TRANSPOSE_MAX_ROWS:
        turned = [[headers[0], *(line[0] for line in body)]]
        turned += [[header, *(line[i] for line in body)] for i, header in enumerate(headers)
                   if i > 0]
        lines = _layout(turned)
    return [table.title.get(lang), *([shown.common] if shown.common else []), *lines]


def render_run(run: LabRun, lang: str, out: TextIO) -> None:
    width = shutil.get_terminal_size((100, 24)).columns
    for table in run.tables.values():
        print("\n".join(render_table(table, lang, width)), file=out)
        print(file=out)
    roofline = roofline_summary(run.roofline, lang)
    if roofline is not None:
        print(textwrap.fill(tr(lang, "cli.lab.roofline_line", roofline=roofline),
                            width=min(width, 100), subsequent_indent="  "), file=out)
        print(file=out)
    for header, texts in (("cli.lab.notes_header", run.notes),
                          ("cli.lab.reading_header", run.reading)):
        if texts:
            print(tr(lang, header), file=out)
            for text in texts:
                print(textwrap.fill(text.get(lang), width=min(width, 100), initial_indent="- ",
                                    subsequent_indent="  "), file=out)
            print(file=out)


class ProgressBar:
    """A one-line bar on a terminal; elsewhere, at most one plain line a second."""

    def __init__(self, stream: TextIO, lang: str) -> None:
        self._stream, self._lang = stream, lang
        self._tty = stream.isatty()
        self._last_line = 0.0
        self._drawn = False

    def __call__(self, event: Event) -> None:
        if not isinstance(event, Progress):
            return
        share = event.done / event.total if event.total > 0 else 0.0
        filled = round(BAR_WIDTH * min(max(share, 0.0), 1.0))
        line = (f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:4.0%} "
                f"{event.message.get(self._lang)}")
        if self._tty:
            columns = shutil.get_terminal_size().columns - 1
            self._stream.write("\r" + line[:columns].ljust(columns))
            self._drawn = True
        elif time.monotonic() - self._last_line >= 1.0 or event.done >= event.total:
            self._stream.write(line + "\n")
            self._last_line = time.monotonic()
        self._stream.flush()

    def close(self) -> None:
        if self._drawn:
            self._stream.write("\r" + " " * (shutil.get_terminal_size().columns - 1) + "\r")
            self._stream.flush()


# --- commands ---------------------------------------------------------------------------------


def _print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _help(spec: ParamSpec, lang: str) -> str:
    return spec.help if isinstance(spec.help, str) else spec.help.get(lang)


def _params_json(specs: dict[str, ParamSpec], lang: str) -> dict[str, object]:
    return {name: {"type": spec.kind.__name__, "default": spec.default,
                   "allowed": spec.allowed(lang), "help": _help(spec, lang)}
            for name, spec in specs.items()}


def run_list(args: argparse.Namespace) -> int:
    with context.study_service(args, read_only=True) as (_, lang):
        entries = lab_entries()
    if args.json:
        _print_json([{"id": entry.id, "step": entry.step, "title": entry.title.get(lang),
                      "description": entry.description.get(lang), "available": entry.available,
                      "params": _params_json(entry.params, lang)} for entry in entries])
        return 0
    print(tr(lang, "cli.lab.list_header"))
    for entry in entries:
        line = tr(lang, "cli.lab.list_entry", id=entry.id, step=entry.step,
                  title=entry.title.get(lang))
        print(line if entry.available else f"{line} {tr(lang, 'cli.lab.list_missing')}")
        print(textwrap.fill(entry.description.get(lang), width=96, initial_indent=" " * 10,
                            subsequent_indent=" " * 10))
        for name, spec in entry.params.items():
            print(" " * 10 + tr(lang, "cli.lab.param_line", name=name, default=spec.default,
                                allowed=spec.allowed(lang), help=_help(spec, lang)))
    print(tr(lang, "cli.lab.common_params", names=", ".join(
        f"{name} ({spec.allowed(lang)})" for name, spec in COMMON_PARAMS.items())))
    return 0


def _given_params(args: argparse.Namespace, lang: str) -> dict[str, object]:
    given: dict[str, object] = {}
    if args.quick:
        given["size"] = "quick"
    if args.device:
        given["device"] = args.device
    if args.threads is not None:
        given["threads"] = args.threads
    specs = params_of(args.name)
    for item in args.set:
        name, sep, text = item.partition("=")
        if not sep or not name:
            raise UsageError(tr(lang, "cli.lab.bad_setting", text=item))
        given[name] = parse_text(name, specs[name], text, args.name) if name in specs else text
    return given


def _status(lang: str, status: str) -> str:
    return run_status(status, lang)


@contextmanager
def _lab_errors(lang: str) -> Iterator[None]:
    """A lab or parameter the user asked for that does not exist: a usage error in `lang`."""
    try:
        yield
    except LabParamError as exc:
        raise UsageError(exc.text(lang)) from None


def run_run(args: argparse.Namespace) -> int:
    with context.study_service(args) as (studies, lang):
        service = LabService(studies.engine, context.clock)
        with _lab_errors(lang):
            runner = service.prepare(args.name, _given_params(args, lang),
                                     timeout_s=args.timeout)
        params = runner.params
        if not args.json:
            print(tr(lang, "cli.lab.run_started", lab=args.name,
                     size=value_text("size", params["size"], lang),
                     threads=counted(lang, "thread", params["threads"]),
                     device=value_text("device", params["device"], lang)), file=sys.stderr)
        bar = ProgressBar(sys.stderr, lang)
        try:
            with stopped_by_signals():
                recorded = service.run(runner, on_event=bar)
        except OSError as exc:  # the child process could not be started (recorded as failed)
            raise StudyappError(tr(lang, "cli.lab.cannot_start", lab=args.name,
                                   reason=exc.strerror or exc)) from None
        finally:
            bar.close()
    run, unsaved = recorded.run, recorded.save_error
    if args.json:
        _print_json(run.to_json(lang) | {"run_id": None if unsaved else recorded.id})
    else:
        render_run(run, lang, sys.stdout)
        if not unsaved:
            print(tr(lang, "cli.lab.run_footer", id=recorded.id, status=_status(lang, run.status),
                     seconds=run.duration_s))
    if unsaved:
        raise StudyappError(tr(lang, "cli.lab.not_saved", reason=unsaved.text(lang)))
    if run.status != "ok":
        reason = run.error.get(lang) if run.error else _status(lang, run.status)
        raise StudyappError(tr(lang, "cli.lab.failed", lab=args.name, reason=reason))
    return 0


def _history_lines(runs: Iterable[RecordedRun], lang: str) -> list[str]:
    header = tr(lang, "cli.lab.history_header", id=tr(lang, "cli.lab.history_col_id"),
                started=tr(lang, "cli.lab.history_col_started"),
                lab=tr(lang, "cli.lab.history_col_lab"),
                status=tr(lang, "cli.lab.history_col_status"),
                seconds=tr(lang, "cli.lab.history_col_seconds"))
    lines = [header]
    for item in runs:
        started = item.started_at.astimezone().strftime("%Y-%m-%d %H:%M")
        lines.append(tr(lang, "cli.lab.history_header", id=item.id, started=started,
                        lab=item.run.lab, status=_status(lang, item.run.status),
                        seconds=f"{item.run.duration_s:.1f}"))
    return lines


def _summary_json(item: RecordedRun, lang: str) -> dict[str, object]:
    run = item.run
    return {"id": item.id, "lab": run.lab, "status": run.status,
            "started_at": item.started_at.isoformat(), "duration_s": run.duration_s,
            "params": run.params, "error": run.error.get(lang) if run.error else None}


def run_history(args: argparse.Namespace) -> int:
    with context.study_service(args, read_only=True) as (studies, lang):
        if args.name is not None:
            with _lab_errors(lang):  # an unknown lab is an error, not an empty list
                check_lab(args.name)
        runs = LabService(studies.engine, context.clock).history(args.name, args.limit)
    if args.json:
        _print_json([_summary_json(item, lang) for item in runs])
    elif not runs:
        print(tr(lang, "cli.lab.history_empty"))
    else:
        print("\n".join(_history_lines(runs, lang)))
    return 0


def run_show(args: argparse.Namespace) -> int:
    with context.study_service(args, read_only=True) as (studies, lang):
        item = LabService(studies.engine, context.clock).get(args.run_id)
    run = item.run
    if args.json:
        _print_json(run.to_json(lang) | {"run_id": item.id,
                                         "started_at": item.started_at.isoformat(),
                                         "card_id": item.card_id})
        return 0
    started = item.started_at.astimezone().strftime("%Y-%m-%d %H:%M")
    print(tr(lang, "cli.lab.show_header", id=item.id, lab=run.lab, status=_status(lang, run.status),
             started=started, seconds=run.duration_s))
    print(tr(lang, "cli.lab.show_params", params=params_line(run.params, lang)))
    if run.env:
        print(tr(lang, "cli.lab.show_env", env=env_line(run.env, lang)))
    print()
    render_run(run, lang, sys.stdout)
    if run.error:
        print(tr(lang, "cli.lab.show_error", reason=run.error.get(lang)))
    return 0
