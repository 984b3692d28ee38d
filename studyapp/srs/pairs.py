"""A card and its other direction (a concept and its reverse) are not shown on the same
study day: answering one would give the other away.

Pure: the caller passes today's queue in order and the cards already answered today.
"""

from __future__ import annotations

from collections.abc import Collection

from studyapp.deck.model import pair_id


class PairGate:
    """Admits the cards of today's queue, in queue order, whose other direction was neither
    answered today nor admitted earlier. A card answered today itself is always admitted:
    it is owed its re-drill.

    Stateful so that a caller can stop early: the queue takes only a day's worth of new
    cards, not all of them.
    """

    def __init__(self, answered_today: Collection[str]) -> None:
        self._answered = answered_today
        self._shown = {pair_id(card_id): card_id for card_id in answered_today}

    def admits(self, card_id: str) -> bool:
        if card_id in self._answered:
            return True
        return self._shown.setdefault(pair_id(card_id), card_id) == card_id

