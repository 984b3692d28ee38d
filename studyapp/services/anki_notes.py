"""The learner's cards as Anki notes: their fields, deck, tags and SM-2 schedule, as plain
values that `anki_package.py` hands to Anki's own library.

Ids are derived from ours, so a second export updates the notes an earlier one added: a
note's guid from its card id, the note type's id (and its fields' and template's) from
their names. A schedule maps SM-2 onto Anki's (which descends from it): ease = EF × 1000,
the interval in days, the due day as days from today, the answers and the lapses. Each
answer that stands (undone ones are left out, re-drills kept) is one revlog entry.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from studyapp.deck.model import Card
from studyapp.i18n import tr
from studyapp.services.catalog import lab_info
from studyapp.services.present import card_code, kind_name, review_back, review_front, review_notes
from studyapp.srs.sm2 import PASSING_GRADE
from studyapp.store.cells import Cells

NOTETYPE_NAME = "studyapp"
TEMPLATE_NAME = "studyapp card"
# Front, Back and Notes are in the first chosen language; the *Other fields in the second
FIELDS = ("Front", "Back", "Notes", "Kind", "CardId", "Lab", "FrontOther", "BackOther",
          "NotesOther")
FRONT_TEMPLATE = """<div class="front">{{Front}}</div>
{{#FrontOther}}<div class="other">{{FrontOther}}</div>{{/FrontOther}}
<div class="kind">{{Kind}}</div>"""
BACK_TEMPLATE = """{{FrontSide}}
<hr id="answer">
<div class="back">{{Back}}</div>
{{#BackOther}}<div class="other">{{BackOther}}</div>{{/BackOther}}
{{#Notes}}<div class="notes">{{Notes}}</div>{{/Notes}}
{{#NotesOther}}<div class="notes other">{{NotesOther}}</div>{{/NotesOther}}"""
CSS = """.card { font-family: sans-serif; font-size: 20px; text-align: left; line-height: 1.4; }
.other { color: #666; margin-top: .6em; }
.kind { color: #888; font-size: 14px; margin-top: 1em; }
.notes { font-size: 16px; margin-top: 1em; }
pre { background: rgba(128, 128, 128, .12); padding: .5em; white-space: pre-wrap; }"""

# Anki's answer buttons: 1 again, 2 hard, 3 good, 4 easy
AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
BUTTONS = {0: AGAIN, 1: AGAIN, 2: AGAIN, 3: HARD, 4: GOOD, 5: EASY}
# revlog types: an answer while learning, a review, an answer while relearning
LEARN, REVIEW, RELEARN = 0, 1, 2
MAX_ANSWER_MS = 60_000  # Anki's own cap on an answer's time


def stable_id(name: str, bits: int = 52) -> int:
    """A positive id derived from `name` alone, below 2**bits (Anki's ids fit JavaScript's
    safe integers)."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % ((1 << bits) - 1) + 1


NOTETYPE_ID = stable_id(f"notetype:{NOTETYPE_NAME}")


def note_guid(card_id: str) -> str:
    """The note's guid: the same card id gives the same guid in every export."""
    return f"studyapp:{card_id}"


@dataclass(frozen=True)
class AnkiSchedule:
    """A reviewed card's state in Anki's terms."""

    interval: int  # days
    ease: int  # Anki's factor, in permille
    due_in: int  # days from today; negative when overdue
    reps: int
    lapses: int


@dataclass(frozen=True)
class AnkiReview:
    """One revlog entry."""

    at_ms: int  # its id: the answer's time in ms since the epoch, unique in the export
    button: int
    interval: int  # days, after the answer
    last_interval: int  # days, before it
    ease: int  # permille, after the answer
    time_ms: int
    kind: int  # LEARN, REVIEW or RELEARN


@dataclass(frozen=True)
class AnkiNote:
    card_id: str
    guid: str
    deck: str
    fields: tuple[str, ...]  # in the order of FIELDS
    tags: tuple[str, ...]
    schedule: AnkiSchedule | None  # None: a new card
    reviews: tuple[AnkiReview, ...]


@dataclass(frozen=True)
class ExportedCard:
    """A card to export, with its module's title and the titles of the module's steps."""

    card: Card
    module_id: str
    module_title: str
    step_titles: Mapping[int, str]


def html_text(text: str) -> str:
    """Plain text as an Anki field: escaped, its line breaks kept."""
    return html.escape(text).replace("\n", "<br>")


def html_code(code: str) -> str:
    return f"<pre><code>{html.escape(code)}</code></pre>" if code else ""


def card_step(card: Card) -> int | None:
    """The learning-path step of a card: its own, else its lab's."""
    if card.step is not None:
        return card.step
    return lab_info(card.lab).step if card.lab else None


def deck_name(exported: ExportedCard, lang: str) -> str:
    """`Module::2. Step title`: one deck per module, a sub-deck per learning-path step."""
    title = _deck_part(exported.module_title)
    step = card_step(exported.card)
    if step is None:
        return title
    step_title = exported.step_titles.get(step)
    label = f"{step}. {step_title}" if step_title else tr(lang, "cli.anki_step", step=step)
    return f"{title}::{_deck_part(label)}"


def _deck_part(name: str) -> str:
    """A deck name's part: `::` would start a sub-deck."""
    return " ".join(name.replace("::", ":").split())


def tags(exported: ExportedCard) -> tuple[str, ...]:
    card = exported.card
    found = ["studyapp", f"studyapp::module::{exported.module_id}", f"studyapp::kind::{card.kind}"]
    step = card_step(card)
    if step is not None:
        found.append(f"studyapp::step::{step}")
    if card.lab:
        found.append(f"studyapp::lab::{card.lab}")
    return tuple(found)


def fields(card: Card, langs: Sequence[str]) -> tuple[str, ...]:
    """The note's fields (FIELDS), in the first language of `langs`, with the second, if
    any, in the *Other fields."""
    first, other = langs[0], langs[1] if len(langs) > 1 else None

    def texts(lang: str | None) -> tuple[str, str, str]:
        if lang is None:
            return "", "", ""
        return (html_text(review_front(card, lang)) + html_code(card_code(card, lang)),
                html_text(review_back(card, lang)), html_text(review_notes(card, lang)))

    front, back, notes = texts(first)
    front_other, back_other, notes_other = texts(other)
    return (front, back, notes, html.escape(kind_name(card.kind, first)), html.escape(card.id),
            html.escape(card.lab or ""), front_other, back_other, notes_other)


def schedule(state: Cells, answers: Sequence[Cells],
             today: date) -> AnkiSchedule | None:
    """A card's schedule from its `card_state` row and its standing `review_log` rows;
    None for a card never answered (it stays new)."""
    due: date | None = state["due"]
    if due is None:
        return None
    lapses = sum(1 for row in answers if not row["redrill"] and row["grade"] < PASSING_GRADE
                 and row["before_repetitions"] > 0)
    return AnkiSchedule(interval=max(1, state["interval"]), ease=state["easiness_x100"] * 10,
                        due_in=(due - today).days, reps=len(answers), lapses=lapses)


def revlog(answers: Sequence[Cells], taken: set[int]) -> tuple[AnkiReview, ...]:
    """A card's standing `review_log` rows, oldest first, as revlog entries. An answer of
    the card's first day is a learning step; a re-drill of a later day a relearning step;
    any other answer a review. `taken` holds the ids already used, and gets these."""
    entries = []
    first_day = answers[0]["study_day"] if answers else None
    for row in answers:
        kind = LEARN if row["study_day"] == first_day else RELEARN if row["redrill"] else REVIEW
        at_ms = int(row["at"].timestamp() * 1000)
        while at_ms in taken:
            at_ms += 1
        taken.add(at_ms)
        entries.append(AnkiReview(
            at_ms=at_ms, button=BUTTONS[row["grade"]], interval=row["after_interval"],
            last_interval=row["before_interval"], ease=row["after_easiness_x100"] * 10,
            time_ms=min(row["response_ms"] or 0, MAX_ANSWER_MS), kind=kind))
    return tuple(entries)


def build_notes(cards: Iterable[ExportedCard], langs: Sequence[str],
                scheduled: Mapping[str, tuple[Cells, list[Cells]]] | None,
                today: date) -> list[AnkiNote]:
    """The notes of `cards`, in order. `scheduled` maps a card id to its `card_state` row
    and its standing `review_log` rows, oldest first; without it every card is new."""
    taken: set[int] = set()
    notes = []
    for exported in cards:
        card = exported.card
        state, answers = (scheduled or {}).get(card.id, (None, []))
        plan = schedule(state, answers, today) if state is not None else None
        notes.append(AnkiNote(
            card_id=card.id, guid=note_guid(card.id), deck=deck_name(exported, langs[0]),
            fields=fields(card, langs), tags=tags(exported), schedule=plan,
            reviews=revlog(answers, taken) if plan is not None else ()))
    return notes
