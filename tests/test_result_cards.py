"""Cards from the learner's own numbers: none from a run that could not measure cleanly
(each lab's cards are tested in its own `test_lesson_<lab>.py`)."""

from __future__ import annotations

from real_rows import quotes_a_row_number
from test_lesson_latency import LATENCY
from test_lesson_quantize import QUANTIZE, READING

from studyapp.labs.result_cards import result_cards


def test_a_number_counts_as_quoted_only_as_the_rows_hold_it() -> None:
    rows = [{"variant": "fp32", "latency_ms_median": 0.0952, "share": 0.561, "batch_size": 64}]
    assert quotes_a_row_number("median 0.095 ms", rows)
    assert quotes_a_row_number("56% of the time", rows)
    assert quotes_a_row_number("at batch 64", rows)
    assert not quotes_a_row_number("median 0.097 ms, ×7.10, fp32, p99", rows)


def test_no_cards_without_numbers_or_for_an_unknown_lab() -> None:
    assert result_cards("profile", [], READING) == []
    assert result_cards("probe", LATENCY, READING) == []


def test_a_run_that_could_not_measure_cleanly_offers_no_cards() -> None:
    disturbed = [{**row, "latency_ms_median": 1.0, "noisy": row["batch_size"] == 64}
                 for row in QUANTIZE]
    assert result_cards("quantize", disturbed, READING) == []
    clean = [{**row, "noisy": False} for row in disturbed]
    assert result_cards("quantize", clean, READING)


