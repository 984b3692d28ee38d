"""Content sync: bring the card-state table in line with the loaded modules.

Cards are matched by id. New ids are added as new cards; ids no longer in the
content are marked removed (they leave the queue, their log stays); an id
that comes back is restored with its history. Edited text needs nothing:
the history is keyed by id. Result cards (built from the learner's lab runs,
see `result_cards.py`) are in no module and stay as they are.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlmodel import Session, col

from studyapp.deck import Module
from studyapp.deck.model import RESULT_KIND, REVIEWABLE_KINDS
from studyapp.store.tables import CardStateRow

# Cards are ordered by module (in the given order), then by their place in it.
ORD_STRIDE = 1_000_000


@dataclass(frozen=True)
class SyncReport:
    added: int
    removed: int
    changed: int  # kind, order or module changed, or a removed id came back


def _synced_columns(modules: Sequence[Module]) -> Iterator[tuple[str, str, str, int, bool]]:
    """(card id, module id, kind, order, reviewable) of every card, as they are stored."""
    for index, module in enumerate(modules):
        for card in module.cards:
            yield card.id, module.id, card.kind, index * ORD_STRIDE + card.order, card.reviewable


def content_digest(modules: Sequence[Module]) -> str:
    """A digest of everything `sync_cards` writes for `modules`: equal digests, equal syncs.

    What it writes follows from each module's id, card ids, kinds and orders (its layout
    digest, kept with the module), the modules' order, the stride and the reviewable kinds.
    `marshal` format 2 has no back-references, so equal values give equal bytes.
    """
    parts = (ORD_STRIDE, sorted(REVIEWABLE_KINDS), [module.layout_digest for module in modules])
    return hashlib.blake2b(marshal.dumps(parts, 2)).hexdigest()


def sync_cards(session: Session, modules: Sequence[Module]) -> SyncReport:
    wanted: dict[str, dict[str, object]] = {
        card_id: {"module_id": module_id, "kind": kind, "ord": ord_,
                  "reviewable": reviewable, "removed": False}
        for card_id, module_id, kind, ord_, reviewable in _synced_columns(modules)
    }
    columns = (col(CardStateRow.card_id), col(CardStateRow.module_id), col(CardStateRow.kind),
               col(CardStateRow.ord), col(CardStateRow.reviewable), col(CardStateRow.removed))
    updates: list[dict[str, object]] = []
    removed = 0
    seen: set[str] = set()
    for card_id, module_id, kind, ord_, reviewable, is_removed in session.connection().execute(
        select(*columns)
    ):
        seen.add(card_id)
        target = wanted.get(card_id)
        if target is None:
            if not is_removed and kind != RESULT_KIND:
                updates.append({"card_id": card_id, "removed": True})
                removed += 1
        elif (module_id, kind, ord_, reviewable, is_removed) != (
            target["module_id"], target["kind"], target["ord"], target["reviewable"], False
        ):
            updates.append({"card_id": card_id, **target})
    added = [{"card_id": card_id, **row} for card_id, row in wanted.items() if card_id not in seen]
    if updates:
        session.execute(update(CardStateRow), updates)
    if added:
        session.execute(insert(CardStateRow), added)
    return SyncReport(added=len(added), removed=removed, changed=len(updates) - removed)
