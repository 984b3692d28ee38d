"""A card and its other direction (a concept and its reverse) are not shown on the same
study day: answering one would give the other away.

Pure: the caller passes today's queue in order and the cards already answered today.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from studyapp.deck.model import pair_id


def held_back(queue: Iterable[str], answered_today: Collection[str]) -> set[str]:
    """The card ids in `queue` that wait for another day.

    A card waits when its other direction was answered today or comes earlier in the
    queue. A card answered today itself never waits: it is owed its re-drill.
    """
    shown = {pair_id(card_id): card_id for card_id in answered_today}
    waiting: set[str] = set()
    for card_id in queue:
        if card_id in answered_today:
            continue
        first = shown.setdefault(pair_id(card_id), card_id)
        if first != card_id:
            waiting.add(card_id)
    return waiting
