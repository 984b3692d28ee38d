"""How a card reads to the learner in review: its front with a cue, its answer as a sentence.

The module keeps the seed's own words (a concept's definition starts in lower case, a
reverse card's front is a bare definition); review adds the question that tells the learner
what is asked, and starts every answer with a capital letter. Notes are shown after the
answer and are not part of what is graded.
"""

from __future__ import annotations

from studyapp.deck.model import Card
from studyapp.i18n import as_sentence, tr


def kind_name(kind: str, lang: str) -> str:
    """A card kind ("concept", "quiz", "result", ...) in the learner's words."""
    return tr(lang, f"common.kind.{kind}")


def cue(card: Card, lang: str) -> str | None:
    """The question a review asks of `card`, where its front alone does not say it.

    The card's own cue wins; otherwise its kind's, if its kind has one.
    """
    if card.cue is not None:
        return card.cue.get(lang)
    if card.kind == "concept":
        key = "cue_term" if card.is_reverse else "cue_definition"
    elif card.kind in ("example", "pitfall", "plan"):
        key = f"cue_{card.kind}"
    else:
        return None
    return tr(lang, f"cards.{key}")


def review_front(card: Card, lang: str) -> str:
    """The front as review shows it: the card's text, then its cue on a line of its own."""
    question = cue(card, lang)
    front = as_sentence(card.front.get(lang))
    return f"{front}\n\n{question}" if question else front


def review_back(card: Card, lang: str) -> str:
    return as_sentence(card.back.get(lang)) if card.back else ""


def review_notes(card: Card, lang: str) -> str:
    """Detail shown once the answer is revealed; empty when the card has none."""
    return card.notes.get(lang) if card.notes else ""


def card_code(card: Card, lang: str) -> str:
    """The card's code in `lang` (comments translated where the module translates them)."""
    return card.code.get(lang) if card.code else ""
