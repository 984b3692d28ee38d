"""Review cards built from the learner's own measured numbers, 1–3 per successful run.

Each card asks why this machine gave these numbers and answers with the numbers, the
principle behind them and the paragraph of the run's reading that speaks of them. Each lab's
lesson (`lessons/`) makes them; a run that could not measure cleanly offers none. Pure code,
no torch: the app offers them after a run and stores the ones the learner accepts.

    drafts = result_cards("quantize", run.rows, run.reading)   # [] when the rows say nothing
"""

from __future__ import annotations

from collections.abc import Sequence

from studyapp.labs.findings import Rows, measured_cleanly
from studyapp.labs.lesson import CardDraft, lesson_for
from studyapp.text import Text

MAX_CARDS = 3


def result_cards(lab_id: str, rows: Rows, reading: Sequence[Text]) -> list[CardDraft]:
    """Up to three cards from one successful run of `lab_id`; [] when its rows say nothing
    or it could not measure cleanly."""
    lesson = lesson_for(lab_id)
    if lesson is None or not measured_cleanly(rows):
        return []
    cards: list[CardDraft] = []
    for maker in lesson.cards:
        found = maker.find(rows)
        if found is not None:
            cards += maker.make(found, reading)
    return cards[:MAX_CARDS]
