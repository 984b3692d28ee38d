"""A lab table reads the same in the app and on the command line: its numbers with three
significant digits, its words and statuses in the learner's language, and what every row
shares said once."""

from __future__ import annotations

import re

import pytest

from studyapp.labs.columns import columns, skipped
from studyapp.labs.events import Scalar, Table
from studyapp.services.lab_tables import (
    cell_text,
    layout,
    number_text,
    params_line,
    ratio_text,
)
from studyapp.text import Text

NO_BF16 = Text("няма bf16", "no bf16")
ROWS: tuple[dict[str, Scalar], ...] = (
    {"variant": "fp32", "threads": 2, "device": "cpu", "latency_ms_median": 12.345,
     "noisy": False, "status": "ok"},
    {"variant": "bf16", "variant_bg": "bf16 (бг)", "threads": 2, "device": "cpu",
     "noisy": True, **skipped(NO_BF16)},
    {"variant": "cuda", "threads": 2, "device": "cpu", "latency_ms_median": 1234.5,
     "noisy": True, "status": "skipped: no CUDA device"},  # recorded before status_bg
)
TABLE = Table("t", Text("Таблица", "Table"),
              columns("variant", "threads", "device", "latency_ms_median", "noisy", "status",
                      "model"), ROWS)


def cells(lang: str) -> list[list[str]]:
    shown = [column for column, _ in layout(TABLE, lang).headers]
    return [[cell_text(row, column, lang) for column in shown] for row in ROWS]


@pytest.mark.parametrize(("lang", "said"), [
    ("bg", [["fp32", "12.3", "не", "наред"],
            ["bf16 (бг)", "—", "да", "пропуснато: няма bf16"],
            ["cuda", "1 234", "да", "пропуснато: няма CUDA устройство"]]),
    ("en", [["fp32", "12.3", "no", "ok"],
            ["bf16", "—", "yes", "skipped: no bf16"],
            ["cuda", "1 234", "yes", "skipped: no CUDA device"]]),
])
def test_cells_say_numbers_yes_no_and_statuses_in_the_learner_s_language(
    lang: str, said: list[list[str]]
) -> None:
    assert cells(lang) == said


@pytest.mark.parametrize(("value", "said"), [
    (0.0, "0"), (0.01234, "0.0123"), (1.0, "1"), (12.345, "12.3"), (999.4, "999"),
    (1234.5, "1 234"), (-2500.0, "-2 500"), (1e-7, "1e-07"), (12345, "12345"), (None, "—"),
])
def test_a_number_has_three_significant_digits_and_thousands_grouped(value: Scalar,
                                                                     said: str) -> None:
    assert number_text(value, "en") == number_text(value, "bg") == said


@pytest.mark.parametrize(("lang", "said"), [
    ("bg", "нишки: 2 · устройство: процесор"),
    ("en", "threads: 2 · device: CPU"),
])
def test_what_every_row_shares_is_said_once_above_the_table(lang: str, said: str) -> None:
    shown = layout(TABLE, lang)
    assert shown.common == said
    # shared (threads, device) and empty (model) columns are not in the table
    assert [column.key for column, _ in shown.headers] == [
        "variant", "latency_ms_median", "noisy", "status"]


@pytest.mark.parametrize(("lang", "said"), [
    ("bg", "нишки: 2 · устройство: процесор"),
    ("en", "threads: 2 · device: CPU"),
])
def test_the_command_line_says_what_every_row_shares_once_above_the_table(
    lang: str, said: str
) -> None:
    from studyapp.cli.lab_commands import render_table

    title, common, header, _, *lines = render_table(TABLE, lang, 200)
    assert (title, common) == (TABLE.title.get(lang), said)
    assert len(re.split(r"\s{2,}", header)) == 4 and len(lines) == len(ROWS)


@pytest.mark.parametrize(("lang", "said"), [
    ("bg", "размер: бърз · устройство: видеокарта (CUDA) · нишки: 4"),
    ("en", "size: quick · device: GPU (CUDA) · threads: 4"),
])
def test_a_run_s_parameters_are_named_and_valued_in_the_learner_s_language(
    lang: str, said: str
) -> None:
    params = {"size": "quick", "device": "cuda", "threads": 4, "seed": 0}
    assert params_line(params, lang) == said


@pytest.mark.parametrize(("first", "second", "said"), [
    (2.0, 3.0, "×1.5"), (3, 1, "×0.333"), (0.0, 1.0, ""), (None, 1.0, ""), (True, 2, ""),
])
def test_a_ratio_is_taken_only_between_two_numbers(first: Scalar, second: Scalar,
                                                   said: str) -> None:
    assert ratio_text(first, second) == said
