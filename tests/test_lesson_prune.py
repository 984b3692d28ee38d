"""The prune lab's lesson, fed synthetic rows: its measured answer and its cards."""

from __future__ import annotations

from studyapp.labs.predictions import measured
from studyapp.labs.result_cards import result_cards

HERE = {"threads": 2, "device": "cpu", "status": "ok"}  # every real row says where it ran
PRUNE = [{"variant": f"L1 unstr {int(s * 100)}%", "sparsity": s, "accuracy": a,
          "fine_tuned": False, **HERE} for s, a in ((0.0, 0.98), (0.5, 0.975), (0.9, 0.63))]


def test_the_measured_answer_is_read_from_the_rows() -> None:
    answer = measured("prune", PRUNE)
    assert answer is not None
    assert answer.choice == 3
    assert '−35.0 points' in answer.text.en and answer.text.bg


def test_one_to_three_bilingual_cards_come_from_the_rows() -> None:
    cards = result_cards("prune", PRUNE, [])
    assert 1 <= len(cards) <= 3
    for card in cards:
        assert card.front.bg and card.front.en and card.back.bg and card.back.en
    assert "98.0% to 63.0%" in cards[0].front.en
