"""The batching lab's lesson, fed synthetic rows: its measured answer and its cards."""

from __future__ import annotations

from studyapp.labs.predictions import measured
from studyapp.labs.result_cards import result_cards

HERE = {"threads": 2, "device": "cpu", "status": "ok"}  # every real row says where it ran
BATCHING = [{"variant": "cpu 2T", "batch_size": b, "throughput_per_s": t,
             "latency_ms_per_item": 1000 / t, **HERE} for b, t in ((1, 100.0), (64, 2500.0))]


def test_the_measured_answer_is_read_from_the_rows() -> None:
    answer = measured("batching", BATCHING)
    assert answer is not None
    assert answer.choice == 3
    assert '×25' in answer.text.en and answer.text.bg


def test_one_to_three_bilingual_cards_come_from_the_rows() -> None:
    cards = result_cards("batching", BATCHING, [])
    assert 1 <= len(cards) <= 3
    for card in cards:
        assert card.front.bg and card.front.en and card.back.bg and card.back.en
