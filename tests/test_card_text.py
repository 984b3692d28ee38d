"""Review tells the learner what a card asks and shows answers as sentences."""

from __future__ import annotations

from pathlib import Path

import pytest

from studyapp.deck import load_modules
from studyapp.i18n import as_sentence
from studyapp.labs.catalog import LAB_IDS
from studyapp.services.present import card_code, cue, review_back, review_front, review_notes

MODULE = load_modules(Path(__file__).resolve().parent.parent / "content", LAB_IDS)[0]


def test_a_lower_case_definition_reads_as_a_sentence() -> None:
    card = MODULE.card("concept.latency")
    assert card.back is not None and card.back.bg[0].islower()
    assert review_back(card, "bg")[0].isupper()
    assert review_back(card, "bg")[1:] == card.back.bg[1:]


def test_the_two_directions_of_a_concept_ask_different_questions() -> None:
    forward, reverse = MODULE.card("concept.latency"), MODULE.card("concept.latency.reverse")
    assert not forward.is_reverse and reverse.is_reverse
    for lang in ("bg", "en"):
        assert cue(forward, lang) != cue(reverse, lang)
        assert review_front(reverse, lang).endswith(cue(reverse, lang) or "<none>")


@pytest.mark.parametrize("card_id", ["quiz.1", "step1.recall.1"])
def test_a_question_needs_no_cue(card_id: str) -> None:
    card = MODULE.card(card_id)
    assert cue(card, "en") is None
    assert review_front(card, "en") == as_sentence(card.front.en)


@pytest.mark.parametrize("kind", ["concept", "example", "pitfall", "plan"])
def test_every_cued_kind_has_its_cue_in_both_languages(kind: str) -> None:
    card = MODULE.of_kind(kind)[0]
    bg, en = cue(card, "bg"), cue(card, "en")
    assert bg and en and bg != en


def test_a_cards_own_cue_replaces_its_kinds() -> None:
    """Only the concepts the seed compares to everyday life ask for the comparison."""
    with_comparison, without = MODULE.card("concept.latency"), MODULE.card("concept.batching")
    assert with_comparison.cue is not None
    assert cue(with_comparison, "en") == with_comparison.cue.en
    assert "comparison" in (cue(with_comparison, "en") or "")
    assert without.cue is None and cue(without, "en") == "What does this term mean?"


def test_notes_are_kept_apart_from_the_answer() -> None:
    card = MODULE.card("step1.recall.1")
    assert card.notes is not None
    assert review_notes(card, "en") == card.notes.en
    assert card.notes.en not in review_back(card, "en")
    assert review_notes(MODULE.card("quiz.1"), "bg") == ""


def test_code_comes_in_the_language_asked_for() -> None:
    example = MODULE.card("example.1")
    assert "# Load a pre-trained model" in card_code(example, "en")
    assert "# Зареждаме предварително обучен модел" in card_code(example, "bg")
    assert card_code(MODULE.card("quiz.1"), "en") == ""
