"""Checks that a lab's real result rows drive its prediction verdict and its result cards.

No tests here; each lab's test module calls `assert_rows_drive_verdict_and_cards` on its
real quick run, so a key the labs write and the readers expect cannot drift apart unseen.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from studyapp.labs.findings import measured_cleanly
from studyapp.labs.lesson import CardDraft
from studyapp.labs.predictions import measured
from studyapp.labs.result_cards import MAX_CARDS, result_cards
from studyapp.text import Text

# a number standing alone: not the 99 of "p99", the 32 of "fp32" or the 8 of "int8"
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")


def _row_values(rows: Sequence[Mapping[str, object]]) -> list[float]:
    values = [float(value) for row in rows for value in row.values()
              if isinstance(value, int | float) and not isinstance(value, bool)]
    return values + [100 * value for value in values]  # shares are shown as percentages


def quotes_a_row_number(text: str, rows: Sequence[Mapping[str, object]]) -> bool:
    """Whether `text` shows a number of `rows` as printed (rounded to the digits shown)."""
    values = _row_values(rows)
    for shown in NUMBER.findall(text):
        digits = len(shown.partition(".")[2])
        if any(round(value, digits) == float(shown) for value in values):
            return True
    return False


def assert_rows_drive_verdict_and_cards(lab: str, rows: Sequence[Mapping[str, object]],
                                        reading: Sequence[Text]) -> list[CardDraft]:
    """The measured answer and 1–3 bilingual cards that quote the rows; the cards. A run that
    could not measure cleanly (a busy test machine) must instead say so and offer nothing."""
    if not measured_cleanly(rows):
        assert measured(lab, rows) is None and result_cards(lab, rows, reading) == []
        assert any(text.en.startswith("Could not measure cleanly") for text in reading)
        return []
    answer = measured(lab, rows)
    assert answer is not None, f"{lab}: no measured answer from the real rows"
    assert answer.text.bg and answer.text.en
    cards = result_cards(lab, rows, reading)
    assert 1 <= len(cards) <= MAX_CARDS, f"{lab}: {len(cards)} cards"
    for card in cards:
        for text in (card.front.bg, card.front.en, card.back.bg, card.back.en):
            assert text.strip() and quotes_a_row_number(text, rows), text
    return cards
