"""How a lab's tables and settings read in one language, the same for the app and the command
line: each cell's text, each column's header, which columns a table shows and which it says
once above itself, its legend, a run's parameter and environment lines, and the numbers of
two runs side by side. The app lays these texts out in widgets, the CLI in plain lines.

A run's texts come from the database, so cells and labels show their control characters as
escapes (`studyapp.controls`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TypeGuard

from studyapp.controls import visible
from studyapp.i18n import catalogue, counted, tr
from studyapp.labs.columns import SKIPPED, row_value
from studyapp.labs.events import Column, Scalar, Table
from studyapp.labs.roofline import Roofline

NAME_KEY = "variant"  # the column that names a row: first, where the table has one
EMPTY = "—"  # a cell without a value
MAX_CELL = 24  # a wider text wraps inside its cell
MIN_HEADER = 12  # a header may be this wide even over narrow values

Compared = tuple[str, str, str, str]  # a label, the value in the first and second run, the ratio


def number_text(value: object, lang: str) -> str:
    """Three significant digits for measurements, thousands grouped by a space; counts and
    names as they are; yes or no in `lang`."""
    if value is None:
        return EMPTY
    if isinstance(value, bool):
        return tr(lang, "common.yes" if value else "common.no")
    if isinstance(value, float):
        if value == 0 or abs(value) >= 1000:
            return f"{value:,.0f}".replace(",", " ")
        return f"{value:.3g}"
    return str(value)


def value_text(key: str, value: object, lang: str) -> str:
    """A parameter's or a table cell's value in `lang`: a word the catalogue names
    (`lab_tables.value.KEY.VALUE`: a size, a device, a status, a roofline bound) in its words,
    anything else as `number_text` shows it. A status "skipped: WHY" says WHY in its words too
    (a run recorded before its rows said their status in Bulgarian themselves)."""
    if isinstance(value, str):
        if key == "status" and value.startswith(SKIPPED):
            return tr(lang, "lab_tables.value.status.skipped",
                      why=value_text(key, value.removeprefix(SKIPPED), lang))
        return catalogue(lang).get(f"lab_tables.value.{key}.{value}", value)
    return number_text(value, lang)


def cell_text(row: Mapping[str, Scalar], column: Column, lang: str) -> str:
    """The row's value in `column`, in `lang`."""
    return visible(value_text(column.key, row_value(row, column.key, lang), lang))


def setting_label(key: str, lang: str) -> str:
    """A parameter's or an environment key's name in `lang`; an unknown key as it is."""
    return catalogue(lang).get(f"lab_tables.setting.{key}", key)


def column_label(column: Column, lang: str) -> str:
    """The column's label; where the catalogue names its key (`lab_tables.column.KEY`), that
    name, also over the runs recorded before it read so."""
    return visible(catalogue(lang).get(f"lab_tables.column.{column.key}", column.label.get(lang)))


def label_with_unit(column: Column, lang: str) -> str:
    """The column's label followed by its unit: "median, ms"."""
    label = column_label(column, lang)
    return f"{label}, {visible(column.unit)}" if column.unit else label


@dataclass(frozen=True)
class Header:
    """A shown column's header: its label (the short name where the full one is too long),
    its unit, and its width; `full` is the full label where the short name stands for it."""

    label: str
    unit: str
    width: int
    full: str | None = None


def filled_columns(table: Table, lang: str) -> list[Column]:
    """The columns that hold a value in some row, in the table's order."""
    return [column for column in table.columns
            if any(cell_text(row, column, lang) != EMPTY for row in table.rows)]


def split_columns(table: Table, lang: str) -> tuple[list[Column], list[Column]]:
    """(the columns shown in the table, name column first; those the same in every row).
    A column empty in every row is in neither."""
    shown: list[Column] = []
    same: list[Column] = []
    for column in filled_columns(table, lang):
        values = {cell_text(row, column, lang) for row in table.rows}
        if column.key != NAME_KEY and len(table.rows) > 1 and len(values) == 1:
            same.append(column)
        else:
            shown.append(column)
    shown.sort(key=lambda column: column.key != NAME_KEY)
    return shown, same


@dataclass(frozen=True)
class TableLayout:
    """How one table is shown in one language, worked out once: its shown columns with their
    headers (name column first), what every row shares, said once ("" when nothing is), and
    the full names of the headers that show a short one ("" when none does)."""

    table: Table
    headers: list[tuple[Column, Header]]
    common: str
    legend: str


def layout(table: Table, lang: str) -> TableLayout:
    shown, same = split_columns(table, lang)
    headers = [(column, _header(table, column, lang)) for column in shown]
    common = " · ".join(tr(lang, "lab_tables.table_common", label=label_with_unit(column, lang),
                           value=cell_text(table.rows[0], column, lang)) for column in same)
    legend = " · ".join(tr(lang, "lab_tables.table_legend", short=header.label, full=header.full)
                        for _, header in headers if header.full is not None)
    return TableLayout(table, headers, common, legend)


def _header(table: Table, column: Column, lang: str) -> Header:
    """A column's header: a label too long for its column's values shows its short name
    (`lab_tables.short.KEY`)."""
    width = min(MAX_CELL, max((len(cell_text(row, column, lang)) for row in table.rows),
                               default=1))
    label, full = column_label(column, lang), None
    short = catalogue(lang).get(f"lab_tables.short.{column.key}")
    if len(label) > max(width, MIN_HEADER) and short is not None:
        label, full = visible(short), label
    unit = visible(column.unit)
    return Header(label, unit, max(width, len(label), len(unit)), full)


def params_line(params: Mapping[str, object], lang: str) -> str:
    """A run's parameters, each named and valued in `lang`; the seed left out."""
    return " · ".join(tr(lang, "lab_tables.table_common", label=setting_label(key, lang),
                         value=value_text(key, value, lang))
                      for key, value in params.items() if key != "seed")


def env_line(env: Mapping[str, object], lang: str) -> str:
    """The environment fingerprint in one line: CPU, ISA, cores and threads, versions, GPU."""
    if not env:
        return tr(lang, "lab_tables.env_unknown")
    found = env.get("isa")
    isa = found if isinstance(found, Mapping) else {}
    flags = ", ".join(name for name in ("avx2", "avx512f", "avx512_vnni", "amx")
                      if isa.get(name)) or EMPTY
    return tr(lang, "lab_tables.env", cpu=env.get("cpu_model", "?"), flags=flags,
              cores=counted(lang, "core", env.get("cores", "?")),
              threads=counted(lang, "thread", env.get("threads", "?")),
              torch=env.get("torch", "?"), ort=env.get("onnxruntime", "?"),
              gpu=env.get("gpu") or tr(lang, "lab_tables.no_gpu"))


def roofline_summary(roofline: Mapping[str, object] | None, lang: str) -> str | None:
    """The ceilings a run's rows were placed on (its stored roofline), in `lang`; None for a
    run without one."""
    roof = Roofline.from_json(roofline)
    return None if roof is None else roof.summary().get(lang)


def ratio_text(first: Scalar, second: Scalar) -> str:
    """The second number over the first, "×1.23"; "" where there is no ratio to take."""
    if not (_is_number(first) and _is_number(second)) or not first:
        return ""
    return f"×{second / first:.3g}"


def _is_number(value: Scalar) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _row_name(row: Mapping[str, Scalar], lang: str) -> str:
    """The row's variant in `lang`, with its batch size when it has one."""
    name = str(row_value(row, NAME_KEY, lang) or "?")
    batch = row.get("batch_size")
    return f"{name} · {batch}" if batch is not None else name


def _measured_columns(table: Table) -> list[Column]:
    return [column for column in table.columns if column.unit and column.key != NAME_KEY]


def compared_numbers(first: Mapping[str, Table], second: Mapping[str, Table], indent: str,
                     lang: str) -> Iterator[Compared]:
    """The rows of two runs' tables matched by name: a line with the name, then each
    measured column that either run has a number in, labelled after `indent`."""
    for name, table in first.items():
        other = second.get(name)
        if other is None:
            continue
        matched = {_row_name(row, "en"): row for row in other.rows}
        for row in table.rows:
            twin = matched.get(_row_name(row, "en"))
            if twin is None:
                continue
            pairs = [(column, row.get(column.key), twin.get(column.key))
                     for column in _measured_columns(table)
                     if (row.get(column.key), twin.get(column.key)) != (None, None)]
            if pairs:
                yield _row_name(row, lang), "", "", ""
            for column, mine, theirs in pairs:
                yield (f"{indent}{label_with_unit(column, lang)}", number_text(mine, lang),
                       number_text(theirs, lang), ratio_text(mine, theirs))


def run_status(status: str, lang: str) -> str:
    """How a run ended ("ok", "failed", "cancelled", …) in the learner's words."""
    return tr(lang, f"common.status.{status}")
