"""A lab row that could not run says why in the learner's language, in the app's tables and the
CLI's, and its Bulgarian twin (`status_bg`) is never a column of its own."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from textual.app import App, ComposeResult
from tui_support import drive

from studyapp.cli.lab_commands import render_table
from studyapp.labs.columns import columns, row_value, skipped
from studyapp.labs.events import Scalar, Table
from studyapp.services.lab_tables import layout
from studyapp.text import Text
from studyapp.tui.widgets.lab_table import LabTable

NO_BF16 = Text("този GPU няма bf16 (нужна е compute capability 8.0+)",
               "no bf16 on this GPU (needs compute capability 8.0+)")
ROWS: tuple[dict[str, Scalar], ...] = (
    {"variant": "torch fp32", "status": "ok"},
    {"variant": "torch bf16", "variant_bg": "torch bf16 (бг)", **skipped(NO_BF16)},
    {"variant": "cuda", "status": "skipped: no CUDA device"},  # recorded before status_bg
)
SHOWN = {
    "bg": [["torch fp32", "наред"],
           ["torch bf16 (бг)", f"пропуснато: {NO_BF16.bg}"],
           ["cuda", "пропуснато: няма CUDA устройство"]],
    "en": [["torch fp32", "ok"],
           ["torch bf16", f"skipped: {NO_BF16.en}"],
           ["cuda", "skipped: no CUDA device"]],
}


def table_of(rows: tuple[dict[str, Scalar], ...]) -> Table:
    return Table("t", Text("Таблица", "Table"), columns("variant", "status"), rows)


class OneTable(App[None]):
    def __init__(self, table: Table, lang: str) -> None:
        super().__init__()
        self.table, self.lang = table, lang

    def compose(self) -> ComposeResult:
        yield LabTable(layout(self.table, self.lang), self.lang)


async def cells(table: Table, lang: str) -> list[list[str]]:
    """The cells of `table` as the app's lab table shows them in `lang`, row by row."""
    app = OneTable(table, lang)
    async with app.run_test(size=(120, 24)):
        shown = app.query_one(LabTable)
        assert len(shown.columns) == len(table.columns)  # no `status_bg` column
        return [[cell.plain for cell in shown.get_row_at(index)]
                for index in range(shown.row_count)]


def test_a_skipped_row_keeps_its_english_status_and_says_why_in_bulgarian_beside_it() -> None:
    assert skipped(NO_BF16) == {"status": f"skipped: {NO_BF16.en}",
                                "status_bg": f"пропуснато: {NO_BF16.bg}"}


@pytest.mark.parametrize("key", ["status", "variant", "model"])
def test_a_row_value_is_read_in_bulgarian_from_its_bg_twin_for_any_key(key: str) -> None:
    row: dict[str, Scalar] = {key: "english", f"{key}_bg": "български"}
    assert (row_value(row, key, "bg"), row_value(row, key, "en")) == ("български", "english")
    assert row_value({key: "english"}, key, "bg") == "english"


@pytest.mark.parametrize("lang", ["bg", "en"])
@drive
async def test_the_app_s_table_says_each_skip_reason_in_the_learner_s_language(
    lang: str,
) -> None:
    assert await cells(table_of(ROWS), lang) == SHOWN[lang]


@pytest.mark.parametrize("lang", ["bg", "en"])
def test_the_cli_table_says_a_skip_reason_in_the_learner_s_language(lang: str) -> None:
    table = table_of(ROWS[1:2])
    header, _, line = render_table(table, lang, 200)[1:]
    assert header.split() == [column.label.get(lang) for column in table.columns]
    name, status = SHOWN[lang][1]
    assert line.startswith(name) and line.endswith(status)


def test_a_failed_torch_compile_keeps_torch_s_words_inside_translated_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import torch

    from studyapp.labs.onnx_compile import compiled_model

    def no_compiler(*_: Any, **__: Any) -> None:
        raise RuntimeError("no C++ compiler found. Install one")

    monkeypatch.setattr(torch, "compile", no_compiler)
    shapes = {1: np.zeros((1, 4), dtype=np.float32)}
    compiled, [row] = compiled_model(torch.nn.Linear(4, 2), shapes, name="mlp", threads=1,
                                     skip=None)
    assert compiled is None
    assert row["status"] == "skipped: failed: RuntimeError: no C++ compiler found"
    assert row["status_bg"] == "пропуснато: не успя: RuntimeError: no C++ compiler found"
    assert render_table(table_of((row,)), "bg", 200)[-1].endswith(row["status_bg"])
