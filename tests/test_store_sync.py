"""The content digest that lets an open skip the sync: equal digests must mean equal syncs,
so it changes with every column the sync writes, and with nothing else."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from studyapp.deck import Card, Module
from studyapp.store.sync import content_digest
from studyapp.text import Text


def module(module_id: str = "m", kinds: tuple[str, ...] = ("concept", "quiz")) -> Module:
    cards = tuple(Card(id=f"{module_id}.c{order}", kind=kind, order=order,  # type: ignore[arg-type]
                       front=Text(f"Въпрос {order}"), back=Text("Отговор"))
                  for order, kind in enumerate(kinds))
    return Module(id=module_id, path=Path(f"{module_id}/module.toml"), title=Text("Модул"),
                  overview=Text("Обзор"), cards=cards)


def with_card(base: Module, index: int, **changes: object) -> Module:
    cards = list(base.cards)
    cards[index] = replace(cards[index], **changes)  # type: ignore[arg-type]
    return replace(base, cards=tuple(cards))


BASE = [module("a"), module("b")]


@pytest.mark.parametrize("changed", [
    [with_card(BASE[0], 1, id="a.other"), BASE[1]],  # a card id
    [with_card(BASE[0], 1, kind="recap"), BASE[1]],  # a kind, reviewable no more
    [with_card(BASE[0], 1, kind="recall"), BASE[1]],  # a kind, still reviewable
    [with_card(BASE[0], 1, order=7), BASE[1]],  # a card's order
    [replace(BASE[0], id="c"), BASE[1]],  # a module id
    [BASE[1], BASE[0]],  # the modules' order
    [BASE[0]],  # a module gone
    [BASE[0], replace(BASE[1], cards=BASE[1].cards[:1])],  # a card gone
])
def test_the_digest_changes_with_every_column_the_sync_writes(changed: list[Module]) -> None:
    assert content_digest(changed) != content_digest(BASE)


def test_the_digest_keeps_to_the_columns_the_sync_writes() -> None:
    edited = with_card(BASE[0], 0, front=Text("Нов въпрос", "New question"), back=None)
    same = [replace(edited, title=Text("Друго"), path=Path("elsewhere.toml")), module("b")]
    assert content_digest(same) == content_digest(BASE)
