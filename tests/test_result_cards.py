"""Cards from the learner's own numbers: built per lab from result rows, bilingual."""

from __future__ import annotations

from test_predictions import BATCHING, LATENCY, PRUNE, QUANTIZE

from studyapp.deck.model import Text
from studyapp.labs.result_cards import MAX_CARDS, result_cards

READING = [Text("Общо.", "General."),
           Text("mlp, пакет 1: int8 е ×1.04.", "mlp, batch 1: int8 is ×1.04.")]


def test_quantize_cards_quote_the_measured_speedups_and_the_matching_reading() -> None:
    cards = result_cards("quantize", QUANTIZE, READING)
    assert len(cards) == 1  # no size or fp16 rows in this run: no cards about them
    card = cards[0]
    assert "×1.04 at batch 1 but ×3.10 at batch 64" in card.front.en
    assert "×1.04 при пакет 1, но ×3.10 при пакет 64" in card.front.bg
    assert card.back.en.endswith("From the run's reading: mlp, batch 1: int8 is ×1.04.")
    assert card.back.bg.endswith("mlp, пакет 1: int8 е ×1.04.")


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
