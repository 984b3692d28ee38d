"""Cards from the learner's own numbers: built per lab from result rows, bilingual."""

from __future__ import annotations

from real_rows import quotes_a_row_number
from test_predictions import BATCHING, LATENCY, PRUNE, QUANTIZE

from studyapp.deck.model import Text
from studyapp.labs.result_cards import MAX_CARDS, result_cards

READING = [Text("Общо.", "General."),
           Text("mlp, пакет 1: int8 е ×1.04.", "mlp, batch 1: int8 is ×1.04.")]


def test_quantize_cards_quote_the_measured_speedups_and_the_matching_reading() -> None:
    cards = result_cards("quantize", QUANTIZE, READING)
    assert len(cards) == 1  # no size or fp16 rows in this run: no cards about them
    card = cards[0]
    assert "×1.04 (×1.00–1.08) at batch 1 but ×3.10 (×2.90–3.30) at batch 64" in card.front.en
    assert "×1.04 (×1.00–1.08) при пакет 1, но ×3.10 (×2.90–3.30) при пакет 64" in card.front.bg
    assert card.back.en.endswith("From the run's reading: mlp, batch 1: int8 is ×1.04.")
    assert card.back.bg.endswith("mlp, пакет 1: int8 е ×1.04.")


def test_the_int8_file_card_quotes_the_size_share_and_the_points_as_written() -> None:
    sizes = [{**row, "size_ratio": 1.0 if row["precision"] == "fp32" else 0.277,
              "accuracy_change_pp": 0.0 if row["precision"] == "fp32" else -1.5}
             for row in QUANTIZE]
    cards = result_cards("quantize", sizes, [Text("файловете int8", "the int8 files are 0.28")])
    assert len(cards) == 2
    assert "0.28 of the fp32 one and accuracy moved by -1.5 points" in cards[1].front.en
    assert "0.28 от fp32, а точността се промени с -1.5 пункта" in cards[1].front.bg
    assert cards[1].back.en.endswith("From the run's reading: the int8 files are 0.28")


def test_fp16_on_the_cpu_is_not_read_from_the_gpu_rows_of_the_same_run() -> None:
    half = [{**row, "variant": "torch fp16", "precision": "fp16", "batch_size": batch,
             "speedup": speedup, "speedup_low": 0.95 * speedup, "speedup_high": 1.05 * speedup,
             "device": device}
            for row in QUANTIZE[:1] for batch, speedup, device in (
                (1, 0.9, "cpu"), (1, 1.8, "cuda"), (64, 0.56, "cpu"), (64, 7.5, "cuda"))]
    cards = result_cards("quantize", QUANTIZE + half, [])
    assert "fp16 on the CPU gave ×0.56 (×0.53–0.59) against fp32 at batch 64" in cards[-1].front.en


def test_a_number_counts_as_quoted_only_as_the_rows_hold_it() -> None:
    rows = [{"variant": "fp32", "latency_ms_median": 0.0952, "share": 0.561, "batch_size": 64}]
    assert quotes_a_row_number("median 0.095 ms", rows)
    assert quotes_a_row_number("56% of the time", rows)
    assert quotes_a_row_number("at batch 64", rows)
    assert not quotes_a_row_number("median 0.097 ms, ×7.10, fp32, p99", rows)


def test_each_lab_builds_one_to_three_bilingual_cards_from_its_rows() -> None:
    for lab, rows in (("latency", LATENCY), ("prune", PRUNE), ("batching", BATCHING)):
        cards = result_cards(lab, rows, [])
        assert 1 <= len(cards) <= MAX_CARDS, lab
        for card in cards:
            assert card.front.bg and card.front.en and card.back.bg and card.back.en
    assert "16 ms" in result_cards("latency", LATENCY, [])[0].front.en
    assert "98.0% to 63.0%" in result_cards("prune", PRUNE, [])[0].front.en


def test_no_cards_without_numbers_or_for_an_unknown_lab() -> None:
    assert result_cards("profile", [], READING) == []
    assert result_cards("probe", LATENCY, READING) == []


def test_a_run_that_could_not_measure_cleanly_offers_no_cards() -> None:
    disturbed = [{**row, "latency_ms_median": 1.0, "noisy": row["batch_size"] == 64}
                 for row in QUANTIZE]
    assert result_cards("quantize", disturbed, READING) == []
    clean = [{**row, "noisy": False} for row in disturbed]
    assert result_cards("quantize", clean, READING)


def test_the_batch_card_needs_speedups_whose_intervals_do_not_overlap() -> None:
    overlapping = [{**row, "speedup_high": 3.3, "speedup_low": 0.9} for row in QUANTIZE]
    assert result_cards("quantize", overlapping, READING) == []
