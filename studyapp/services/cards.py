"""The cards a study knows: the modules' content, then the result cards kept in the database.

Each card id has its place in that list, its rank in the queue order. A module keeps its own
places, so the first module's are copied whole (no per-card work when the modules were
opened before).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import count

from studyapp.deck import Card, Module
from studyapp.services.values import UnknownCardError
from studyapp.store.errors import StoreError


class CardIndex:
    def __init__(self, modules: Sequence[Module]) -> None:
        self._modules = list(modules)
        self._cards: list[Card] = []
        self._rank: dict[str, int] = {}
        for module in self._modules:
            start = len(self._cards)
            self._rank.update(zip(module.positions, count(start)) if start else module.positions)
            self._cards.extend(module.cards)
        self._included_module: dict[str, str] = {}  # the module of each result card
        self.plan_ids = [card_id for module in self._modules for card_id in module.plan_ids]

    def include(self, cards: Sequence[tuple[str, Card]]) -> None:
        """Add (module id, card) pairs kept in the database, not the content: result cards."""
        for module_id, card in cards:
            rank = self._rank.setdefault(card.id, len(self._cards))
            if rank == len(self._cards):
                self._cards.append(card)
            else:
                self._cards[rank] = card
            self._included_module[card.id] = module_id

    @property
    def ranks(self) -> Mapping[str, int]:
        """Each known card id and its place in the queue order."""
        return self._rank

    def modules(self) -> list[Module]:
        return list(self._modules)

    def cards(self) -> list[Card]:
        return list(self._cards)

    def card(self, card_id: str) -> Card:
        card = self.known(card_id)
        if card is None:
            raise UnknownCardError(card_id)
        return card

    def known(self, card_id: str) -> Card | None:
        rank = self._rank.get(card_id)
        return None if rank is None else self._cards[rank]

    def is_reviewable(self, card_id: str) -> bool:
        card = self.known(card_id)
        return card is not None and card.reviewable

    def module_of(self, card_id: str) -> str:
        """The module of a known card: a result card's, or the content module holding it."""
        included = self._included_module.get(card_id)
        if included is not None:
            return included
        return next(module.id for module in self._modules if card_id in module.positions)

    def module_id(self, module_id: str | None) -> str:
        """`module_id` if a module has it, the first module's when None; else StoreError."""
        known = [module.id for module in self._modules]
        if module_id is None:
            if not known:
                raise StoreError("no_module")
            return known[0]
        if module_id not in known:
            raise StoreError("unknown_module", module_id=module_id)
        return module_id
