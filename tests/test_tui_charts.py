"""The text charts read without colour: numbers on the scale, a legend for the shades."""

from __future__ import annotations

from datetime import date, timedelta

from studyapp.tui.texts import days_word, fmt_date, when
from studyapp.tui.widgets.charts import (
    bar_chart_lines,
    heat_legend,
    heat_levels,
    heat_shade,
    heatmap_lines,
)

TODAY = date(2026, 11, 27)  # a Friday


def test_bar_chart_has_a_numeric_scale_bars_in_proportion_and_labels() -> None:
    lines = bar_chart_lines([0, 4, 8], height=2, labels=["a", "z"], step=2)
    assert lines == [
        "8 ┤    █",
        "0 ┤  █ █",
        "  └─────",
        "   a   z",
    ]


def test_bar_chart_of_nothing_shows_only_zero_and_squeezes_when_narrow() -> None:
    empty = bar_chart_lines([0, 0, 0], height=3)
    assert [line[0] for line in empty[:3]] == [" ", " ", "0"]
    assert "█" not in "".join(empty)
    narrow = bar_chart_lines([1] * 30, height=1, step=1)
    assert narrow[0] == "1 ┤" + "█" * 30


def test_small_counts_still_show_a_sliver() -> None:
    assert bar_chart_lines([1, 100], height=1)[0] == "100 ┤▁ █"


def test_heat_levels_split_the_peak_into_four_labelled_ranges() -> None:
    assert heat_levels(8) == [(1, 2), (3, 4), (5, 6), (7, 8)]
    assert heat_legend(8) == "·0 ░1–2 ▒3–4 ▓5–6 █7–8"
    assert heat_legend(1) == "·0 ░1"
    assert [heat_shade(count, 8) for count in (0, 1, 3, 6, 8)] == ["·", "░", "▒", "▓", "█"]


def test_heatmap_has_twelve_week_columns_weekday_rows_and_no_future_days() -> None:
    counts = {TODAY: 8, TODAY - timedelta(days=7): 1}
    lines = heatmap_lines(counts, TODAY, lambda day: "MTWTFSS"[day.weekday()])
    assert len(lines) == 7
    friday = lines[4]
    assert friday.startswith("F  ") and friday.split()[1:] == ["·"] * 10 + ["░", "█"]
    saturday = lines[5]
    assert len(saturday.split()) == 1 + 11  # this week's Saturday has not come yet


def test_relative_days_and_dates_in_both_languages() -> None:
    assert when("en", TODAY, TODAY + timedelta(days=6)) == "in 6 days"
    assert when("bg", TODAY, TODAY + timedelta(days=6)) == "след 6 дни"
    assert when("en", TODAY, TODAY + timedelta(days=1)) == "tomorrow"
    assert when("bg", TODAY, TODAY) == "отново днес"
    assert days_word("bg", 1) == "1 ден" and days_word("en", 1) == "1 day"
    assert fmt_date("bg", TODAY) == "27.11.2026" and fmt_date("en", TODAY) == "2026-11-27"
    assert fmt_date("en", None) == "—"
