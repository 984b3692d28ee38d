"""A lab's tables fit the screen: no line wider than it, the row names fixed, the rest scrolls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from lab_records import real_runs, record_real_run
from textual.pilot import Pilot
from tui_support import FakeClock, build_app, drive, running

from studyapp.labs.catalog import LAB_IDS
from studyapp.labs.events import Table, from_dict
from studyapp.services.lab_tables import (
    MAX_CELL,
    MIN_HEADER,
    NAME_KEY,
    layout,
    value_text,
)
from studyapp.tui.screens.lab_result import LabResultScreen
from studyapp.tui.widgets.lab_table import LabPage, LabTable


@asynccontextmanager
async def result_shown(root: Path, lab: str, lang: str
                       ) -> AsyncIterator[tuple[Pilot[Any], LabResultScreen]]:
    """The app in `lang` showing the result of `lab`'s recorded real run."""
    run_id = record_real_run(root, lab)
    app = build_app(root, FakeClock(), lang)  # type: ignore[arg-type]
    async with running(app) as pilot:
        screen = LabResultScreen(app.study_labs().get(run_id))
        await app.push_screen(screen)
        await pilot.pause()
        yield pilot, screen


def test_every_lab_has_a_recorded_run() -> None:
    assert set(real_runs()) == LAB_IDS


@pytest.mark.parametrize("lang", ["bg", "en"])
@pytest.mark.parametrize("lab", sorted(LAB_IDS))
@drive
async def test_no_table_line_is_wider_than_the_screen(tmp_path: Path, lab: str,
                                                       lang: str) -> None:
    async with result_shown(tmp_path, lab, lang) as (pilot, screen):
        page = screen.query_one(LabPage)
        assert page.virtual_size.width <= page.size.width  # the page does not scroll sideways
        tables = list(screen.query(LabTable))
        assert len(tables) == len(real_runs()[lab]["tables"])
        for table in tables:
            assert table.region.right <= pilot.app.size.width
            assert table.fixed_columns == 1  # the row names stay when the columns scroll


@drive
async def test_left_and_right_scroll_the_columns_and_keep_the_row_names(tmp_path: Path) -> None:
    async with result_shown(tmp_path, "quantize", "bg") as (pilot, screen):
        table = screen.query(LabTable).first()
        assert table.virtual_size.width > table.size.width  # 20 columns: more than fit
        first_line = table.render_line(table.header_height).text
        await pilot.press("right", "right")
        assert table.scroll_x > 0
        moved = table.render_line(table.header_height).text
        assert moved != first_line
        name = first_line.split()[0]
        assert moved.split()[0] == name


@drive
async def test_columns_that_are_the_same_in_every_row_are_said_once(tmp_path: Path) -> None:
    async with result_shown(tmp_path, "quantize", "en") as (_, screen):
        common = str(screen.query(".hint").filter(".lab-common").first().render())
        assert "threads: 2" in common and "device: CPU" in common
        table = screen.query(LabTable).first()
        labels = [column.label.plain for column in table.columns.values()]
        assert not any(label.startswith("threads") for label in labels)
        assert labels[0].startswith("variant")
        assert "median\nms" in labels


@pytest.mark.parametrize("lang", ["bg", "en"])
@pytest.mark.parametrize("lab", ["quantize", "batching"])
@drive
async def test_a_header_is_at_most_two_lines_with_long_labels_in_a_legend(
    tmp_path: Path, lab: str, lang: str
) -> None:
    async with result_shown(tmp_path, lab, lang) as (_, screen):
        tables = list(screen.query(LabTable))
        for table in tables:
            lines = [column.label.plain.split("\n") for column in table.columns.values()]
            assert max(map(len, lines)) == table.header_height <= 2
            assert all(len(label) <= column.content_width
                       for (label, *_), column in zip(lines, table.columns.values(), strict=True))
        legends = [str(legend.render()) for legend in screen.query(".lab-legend")]
        assert legends == [shown.legend for shown in (layout(table.table, lang)
                                                      for table in tables) if shown.legend]
        assert legends  # both labs have labels too long for their columns


def _real_tables() -> list[Table]:
    return [from_dict(table) for run in real_runs().values() for table in run["tables"]]


@pytest.mark.parametrize("lang", ["bg", "en"])
def test_every_long_label_of_a_real_table_has_a_short_name_in_the_legend(lang: str) -> None:
    too_wide = []
    for table in _real_tables():
        shown = layout(table, lang)
        legend = shown.legend
        for column, header in shown.headers:
            values = max(len(value_text(column.key, row.get(column.key), lang))
                         for row in table.rows)
            if column.key != NAME_KEY and len(header.label) > max(min(values, MAX_CELL),
                                                                   MIN_HEADER):
                too_wide.append((table.name, column.key, header.label))
            if header.full is not None:
                assert f"{header.label} = {header.full}" in legend
    assert too_wide == []


@pytest.mark.parametrize(("lang", "shown"), [
    ("bg", ["налично в тази версия", "пропуснато: няма CUDA устройство", "пропуснато: x"]),
    ("en", ["in this build", "skipped: no CUDA device", "skipped: x"]),
])
def test_row_statuses_a_lab_writes_are_shown_in_the_learner_s_language(
    lang: str, shown: list[str]
) -> None:
    said = ["in this build", "skipped: no CUDA device", "skipped: x"]
    assert [value_text("status", status, lang) for status in said] == shown
