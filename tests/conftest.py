"""Shared test fixtures: a clock that tests move by hand, and tiny study modules."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

SOFIA = ZoneInfo("Europe/Sofia")
STUDY_START = datetime(2026, 3, 2, 9, 0, tzinfo=SOFIA)


class StudyClock:
    """A fixed, aware "now" that a test advances explicitly."""

    def __init__(self, start: datetime = STUDY_START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def _toml_value(value: Any) -> str:
    if isinstance(value, dict):
        items = ", ".join(f"{key} = {_toml_value(item)}" for key, item in value.items())
        return "{ " + items + " }"
    return json.dumps(value, ensure_ascii=False)


def write_module_toml(
    folder: Path, cards: Iterable[dict[str, Any]], module_id: str = "tiny"
) -> Path:
    """Write `folder/module_id/module.toml` with `cards` (TOML tables as dicts); the content dir."""
    lines = [
        "[module]",
        f'id = "{module_id}"',
        'title = { bg = "Малък модул", en = "Tiny module" }',
        'overview = { bg = "Кратък преглед", en = "A short overview" }',
    ]
    for card in cards:
        lines.append("[[cards]]")
        lines.extend(f"{key} = {_toml_value(value)}" for key, value in card.items())
    path = folder / module_id / "module.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def tiny_cards(concepts: int = 12, plans: bool = True) -> list[dict[str, Any]]:
    """Two prior prompts, `concepts` concept cards, a recap and (unless not `plans`) two
    plan prompts, unlocked a day and a week after the first study day."""
    cards: list[dict[str, Any]] = [
        {"id": f"prior.{i}", "kind": "prior", "front": {"bg": f"Въпрос {i}", "en": f"Question {i}"}}
        for i in (1, 2)
    ]
    cards += [
        {"id": f"concept.c{i:02d}", "kind": "concept",
         "front": {"bg": f"Понятие {i}", "en": f"Concept {i}"},
         "back": {"bg": f"Определение {i}", "en": f"Definition {i}"}}
        for i in range(1, concepts + 1)
    ]
    cards.append({"id": "recap.1", "kind": "recap", "front": {"bg": "Обобщение", "en": "Recap"}})
    cards += [
        {"id": f"plan.{name}", "kind": "plan", "offset": offset,
         "front": {"bg": f"План {name}", "en": f"Plan {name}"},
         "back": {"bg": "Отговор", "en": "Answer"}}
        for name, offset in (("1d", {"days": 1}), ("1w", {"weeks": 1}))
        if plans
    ]
    return cards


@pytest.fixture
def study_clock() -> StudyClock:
    return StudyClock()


@pytest.fixture
def tiny_content(tmp_path: Path) -> Path:
    """A content folder with one small module (see `tiny_cards`)."""
    return write_module_toml(tmp_path / "content", tiny_cards())


# --- labs -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def labs_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterable[Path]:
    """One data folder for every lab test of the session, so each model trains once.

    Set in the environment, so the lab child processes use it too.
    """
    folder = tmp_path_factory.mktemp("labs-data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STUDYAPP_DATA_DIR", str(folder))
        yield folder


@pytest.fixture
def probe() -> Iterator[str]:
    """The runner's test lab `probe` (tests/labs_probe.py: fast, no torch), for one test."""
    from studyapp.labs import registry

    registry.register("probe", "labs_probe")
    yield "probe"
    registry.unregister("probe")


def is_cut_from(short: str, whole: str) -> bool:
    """Whether `short` is `whole` with some words left out: its words, in order, are words of
    `whole` (punctuation aside). A reverse card's front is its definition cut this way."""
    remaining = iter(re.findall(r"\w+", whole.casefold()))
    return all(word in remaining for word in re.findall(r"\w+", short.casefold()))
