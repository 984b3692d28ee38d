"""Every card of the shipped module is a good card, in both languages.

Each rule is a function that returns what breaks it; each is tried on a card made to break it,
so a rule that could never fail is caught too, and then on the shipped module:

- a graded answer is short enough to grade oneself against (one idea, at most 40 words);
- no two graded answers share a sentence (one fact is not scheduled twice under two names);
- every text of every card is in Bulgarian and in English;
- a reverse card's front does not contain its term;
- a card links only to a lab that exists (read from the file, apart from the loader's check);
- the English code of an example has English comments.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from studyapp.deck import load_modules
from studyapp.deck.model import REVIEWABLE_KINDS, Card, Module, pair_id
from studyapp.labs.catalog import LAB_IDS
from studyapp.text import Text

ROOT = Path(__file__).resolve().parents[1]
MODULE_FILE = ROOT / "content" / "inference-optimization" / "module.toml"

WORD_LIMIT = 40
WORD = re.compile(r"\S*\w\S*")  # a dash or an ellipsis on its own is not a word
SENTENCE_END = re.compile(r"(?<=[.?!;:])\s+(?=\S)")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
STEM = 4  # letters of a term word that give it away in any of its forms ("prun": pruning, prune)


@pytest.fixture(scope="module")
def module() -> Module:
    return load_modules(ROOT / "content", LAB_IDS)[0]


def card(card_id: str, kind: str = "recall", **texts: Any) -> Card:
    texts.setdefault("front", Text("Въпрос?", "Question?"))
    return Card(id=card_id, kind=kind, order=0, **texts)


def graded(cards: Iterable[Card]) -> Iterator[Card]:
    return (one for one in cards if one.kind in REVIEWABLE_KINDS and one.back is not None)


# --- the rules ----------------------------------------------------------------------------------


def over_the_word_limit(cards: Iterable[Card]) -> list[str]:
    """Graded answers longer than WORD_LIMIT words, as 'id/lang: n words'."""
    return [f"{one.id}/{lang}: {n} words"
            for one in graded(cards) for lang in ("bg", "en")
            if (n := len(WORD.findall(one.back.get(lang) if one.back else ""))) > WORD_LIMIT]


def _sentences(text: str) -> list[str]:
    parts = (" ".join(part.casefold().split()).rstrip(".?!;:") for part in SENTENCE_END.split(text))
    return [part for part in parts if len(WORD.findall(part)) >= 3]


def shared_sentences(cards: Iterable[Card]) -> list[str]:
    """Sentences (or clauses) of at least three words found in two graded answers."""
    seen: dict[tuple[str, str], str] = {}
    shared = []
    for one in graded(cards):
        assert one.back is not None
        for lang in ("bg", "en"):
            for sentence in set(_sentences(one.back.get(lang))):
                first = seen.setdefault((lang, sentence), one.id)
                if first != one.id:
                    shared.append(f"{first} and {one.id} ({lang}): {sentence}")
    return shared


def _texts(one: Card) -> Iterator[tuple[str, Text]]:
    for field in fields(one):
        value = getattr(one, field.name)
        if isinstance(value, Text):
            yield field.name, value


def missing_a_language(cards: Iterable[Card]) -> list[str]:
    """Texts without Bulgarian or without English, as 'id.field/lang'."""
    return [f"{one.id}.{name}/{lang}"
            for one in cards for name, text in _texts(one) for lang in ("bg", "en")
            if not getattr(text, lang).strip()]


def _term_stems(term: Text) -> set[str]:
    words = re.findall(r"\w+", f"{term.bg} {term.en}".casefold())
    return {word[:STEM] for word in words if len(word) > STEM}


def reverse_fronts_naming_their_term(cards: Iterable[Card]) -> list[str]:
    """Reverse cards whose front holds a word of the term they ask for."""
    found = []
    for one in cards:
        if not one.is_reverse or one.back is None:
            continue
        stems = _term_stems(one.back)
        for lang in ("bg", "en"):
            words = re.findall(r"\w+", one.front.get(lang).casefold())
            found += [f"{one.id}/{lang}: {word}" for word in words if word[:STEM] in stems]
    return found


def unknown_labs(raw_cards: Iterable[dict[str, Any]], known: Iterable[str]) -> list[str]:
    """Cards of a module file (as TOML tables) whose `lab` names no lab."""
    labs = set(known)
    return [f"{raw.get('id')}: {raw['lab']!r}" for raw in raw_cards
            if "lab" in raw and raw["lab"] not in labs]


def cyrillic_in_english_comments(cards: Iterable[Card]) -> list[str]:
    """Lines of English code whose comment is not English."""
    found = []
    for one in cards:
        if one.code is None:
            continue
        for line in one.code.en.splitlines():
            comment = line.partition("#")[2]
            if CYRILLIC.search(comment):
                found.append(f"{one.id}: {line.strip()}")
    return found


# --- each rule catches what it is for -------------------------------------------------------


def test_the_word_limit_catches_a_long_answer_in_either_language() -> None:
    long = " ".join(["дума"] * (WORD_LIMIT + 1))
    cards = [card("a", back=Text(long, "short")), card("b", back=Text("кратко", "word " * 40)),
             card("c", kind="reading", body=Text(long, long), front=Text("З", "T"))]
    assert over_the_word_limit(cards) == [f"a/bg: {WORD_LIMIT + 1} words"]


def test_a_sentence_in_two_answers_is_caught() -> None:
    cards = [card("a", back=Text("Теглата се четат веднъж. Друго.", "Weights are read once.")),
             card("b", back=Text("Нещо различно тук.", "Batching helps. Weights are  READ once!"))]
    assert shared_sentences(cards) == ["a and b (en): weights are read once"]


def test_a_text_without_english_is_caught() -> None:
    cards = [card("a", front=Text("Въпрос?", "Question?"), back=Text("Отговор", ""),
                  notes=Text("Бележка", " "))]
    assert missing_a_language(cards) == ["a.back/en", "a.notes/en"]


def test_a_reverse_front_with_its_term_is_caught() -> None:
    forward_term = Text("Pruning (Окъсяване)", "Pruning")
    cards = [card("concept.p.reverse", kind="concept", back=forward_term,
                  front=Text("премахване на параметри", "like you prune a tree")),
             card("concept.q.reverse", kind="concept", back=Text("Квантизация", "Quantization"),
                  front=Text("по-малко битове", "fewer bits"))]
    assert reverse_fronts_naming_their_term(cards) == ["concept.p.reverse/en: prune"]


def test_a_lab_that_does_not_exist_is_caught() -> None:
    raw = [{"id": "a", "lab": "latency"}, {"id": "b", "lab": "warp"}, {"id": "c"}]
    assert unknown_labs(raw, LAB_IDS) == ["b: 'warp'"]


def test_cyrillic_in_an_english_comment_is_caught() -> None:
    code = Text("x = 1  # едно", "x = 1  # едно\ny = 'две'  # two")
    assert cyrillic_in_english_comments([card("example.9", kind="example", code=code)]) == [
        "example.9: x = 1  # едно"]


# --- the shipped module keeps them all ------------------------------------------------------


def test_every_graded_answer_is_short_enough_to_grade_against(module: Module) -> None:
    assert over_the_word_limit(module.cards) == []


def test_no_two_graded_answers_share_a_sentence(module: Module) -> None:
    assert shared_sentences(module.cards) == []


def test_every_text_is_in_both_languages(module: Module) -> None:
    assert missing_a_language(module.cards) == []
    assert module.title.en and module.overview.en


def test_no_reverse_front_gives_its_term_away(module: Module) -> None:
    reverses = [one for one in module.cards if one.is_reverse]
    assert len(reverses) == 7
    assert reverse_fronts_naming_their_term(module.cards) == []


def test_every_lab_link_names_a_lab(module: Module) -> None:
    raw_cards = tomllib.loads(MODULE_FILE.read_text(encoding="utf-8"))["cards"]
    assert unknown_labs(raw_cards, LAB_IDS) == []
    assert {one.lab for one in module.cards if one.lab} == set(LAB_IDS)


def test_english_code_has_english_comments_and_bulgarian_keeps_the_seeds(module: Module) -> None:
    assert cyrillic_in_english_comments(module.cards) == []
    tflite = module.card("example.1").code
    assert tflite is not None
    assert CYRILLIC.search(tflite.bg)  # the seed's own comments
    assert [line for line in tflite.bg.splitlines() if "#" not in line] == [
        line for line in tflite.en.splitlines() if "#" not in line]  # only comments differ


def test_a_concept_cue_asks_for_a_comparison_only_where_the_seed_gives_one(
    module: Module,
) -> None:
    with_comparison = {one.id for one in module.of_kind("concept")
                       if one.cue is not None and "comparison" in one.cue.en}
    assert with_comparison == {"concept.inference", "concept.latency", "concept.throughput",
                               "concept.pruning"}


def test_each_example_asks_one_question_of_its_own(module: Module) -> None:
    cues = [one.cue for one in module.of_kind("example")]
    assert all(cue is not None and cue.en.count("?") + cue.en.count(".") == 1 for cue in cues)
    assert len({cue.en for cue in cues if cue}) == len(cues)


def test_a_reverse_card_shares_its_pair_id_with_its_forward_card(module: Module) -> None:
    for one in module.cards:
        if one.is_reverse:
            assert module.card(pair_id(one.id)).kind == "concept"
