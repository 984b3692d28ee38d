"""The latency lab's lesson, fed synthetic rows: its measured answer and its cards."""

from __future__ import annotations

from studyapp.labs.predictions import measured
from studyapp.labs.result_cards import result_cards

HERE = {"threads": 2, "device": "cpu", "status": "ok"}  # every real row says where it ran
LATENCY = [{"variant": "harness, perf_counter", "latency_ms_cold": 16.0,
            "latency_ms_median": 0.064, "latency_ms_p99": 12.6, **HERE}]


def test_the_measured_answer_is_read_from_the_rows() -> None:
    answer = measured("latency", LATENCY)
    assert answer is not None
    assert answer.choice == 3
    assert '×250' in answer.text.en and answer.text.bg


def test_one_to_three_bilingual_cards_come_from_the_rows() -> None:
    cards = result_cards("latency", LATENCY, [])
    assert 1 <= len(cards) <= 3
    for card in cards:
        assert card.front.bg and card.front.en and card.back.bg and card.back.en
    assert "16 ms" in cards[0].front.en
