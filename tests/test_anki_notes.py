"""How a card and its answers map onto Anki: buttons, revlog kinds and ids, the schedule,
the fields' HTML, the decks and the tags, fed with rows as the store reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from studyapp.deck.model import Card
from studyapp.services.anki_notes import (
    AGAIN,
    EASY,
    GOOD,
    HARD,
    LEARN,
    RELEARN,
    REVIEW,
    ExportedCard,
    build_notes,
    deck_name,
    fields,
    revlog,
    schedule,
    stable_id,
)
from studyapp.text import Text

DAY = date(2026, 3, 2)
AT = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def answer(grade: int, *, day: int = 0, redrill: bool = False, before: tuple[int, int] = (0, 0),
           after: tuple[int, int] = (1, 250), ms: int | None = 4000,
           at: datetime | None = None) -> dict[str, Any]:
    """A review_log row: `before`/`after` are (repetitions, interval)."""
    return {"grade": grade, "study_day": DAY + timedelta(days=day), "redrill": redrill,
            "at": at or AT + timedelta(days=day, minutes=len(str(grade))),
            "before_repetitions": before[0], "before_interval": before[1],
            "after_interval": after[0], "after_easiness_x100": after[1], "response_ms": ms}


def test_grades_map_to_anki_s_four_buttons() -> None:
    entries = revlog([answer(grade, at=AT + timedelta(seconds=grade)) for grade in range(6)],
                     set())
    assert [entry.button for entry in entries] == [AGAIN, AGAIN, AGAIN, HARD, GOOD, EASY]


def test_the_first_day_is_learning_a_later_re_drill_relearning_the_rest_reviews() -> None:
    rows = [answer(2), answer(4, redrill=True, at=AT + timedelta(minutes=5)),
            answer(5, day=1, before=(1, 1), after=(6, 250)),
            answer(1, day=7, before=(2, 6), after=(1, 210)),
            answer(4, day=7, redrill=True, at=AT + timedelta(days=7, minutes=9))]
    assert [entry.kind for entry in revlog(rows, set())] == [LEARN, LEARN, REVIEW, REVIEW,
                                                             RELEARN]


def test_revlog_ids_are_milliseconds_and_unique_across_cards() -> None:
    taken: set[int] = set()
    first = revlog([answer(5)], taken)
    second = revlog([answer(5)], taken)  # another card answered in the same millisecond
    stamp = int(AT.timestamp() * 1000) + 60_000
    assert [first[0].at_ms, second[0].at_ms] == [stamp, stamp + 1]


def test_a_revlog_entry_carries_intervals_ease_and_capped_time() -> None:
    (entry,) = revlog([answer(4, before=(1, 1), after=(6, 236), ms=95_000)], set())
    assert (entry.last_interval, entry.interval, entry.ease, entry.time_ms) == (1, 6, 2360,
                                                                                60_000)
    (unknown,) = revlog([answer(4, ms=None)], set())
    assert unknown.time_ms == 0


def test_schedule_maps_ef_interval_due_reps_and_lapses() -> None:
    state = {"due": DAY + timedelta(days=3), "interval": 6, "easiness_x100": 130}
    answers = [answer(5), answer(5, day=1, before=(1, 1)), answer(1, day=7, before=(2, 6)),
               answer(4, day=7, redrill=True), answer(2)]  # the last: a fail while learning
    plan = schedule(state, answers, DAY + timedelta(days=1))
    assert plan is not None
    assert (plan.ease, plan.interval, plan.due_in, plan.reps, plan.lapses) == (1300, 6, 2, 5, 1)
    overdue = schedule(state, answers, DAY + timedelta(days=10))
    assert overdue is not None and overdue.due_in == -7
    assert schedule({"due": None, "interval": 0, "easiness_x100": 250}, [], DAY) is None


def concept(**extra: Any) -> Card:
    values: dict[str, Any] = {"id": "concept.q", "kind": "concept", "order": 1,
                              "front": Text("a < b & c", "x < y"),
                              "back": Text("да", "yes"), **extra}
    return Card(**values)


def test_fields_are_escaped_html_with_code_as_pre_and_the_other_language_only_with_both(
) -> None:
    card = concept(code=Text("if a < b:\n    pass"), notes=Text("бележка", "note"))
    front, back, notes, kind, card_id, lab, front_other, back_other, notes_other = fields(
        card, ("bg", "en"))
    assert front.startswith("A &lt; b &amp; c<br><br>")
    assert front.endswith("<pre><code>if a &lt; b:\n    pass</code></pre>")
    assert (back, notes, kind, card_id, lab) == ("Да", "бележка", "понятие", "concept.q", "")
    assert front_other.startswith("X &lt; y") and (back_other, notes_other) == ("Yes", "note")
    assert fields(card, ("en",))[6:] == ("", "", "")


def test_a_card_goes_to_its_module_s_deck_and_its_step_s_sub_deck() -> None:
    steps = {2: "Quantize: and prune"}
    stepped = ExportedCard(concept(step=2), "m", "Inference::optimization", steps)
    assert deck_name(stepped, "en") == "Inference:optimization::2. Quantize: and prune"
    by_lab = ExportedCard(concept(lab="batching"), "m", "Module", {})
    assert deck_name(by_lab, "bg") == "Module::Стъпка 3"  # the batching lab's step
    assert deck_name(ExportedCard(concept(), "m", "Module", steps), "en") == "Module"


def test_notes_keep_their_guid_and_tags_and_new_cards_stay_new() -> None:
    cards = [ExportedCard(concept(step=2, lab="quantize"), "mod", "Module", {})]
    (note,) = build_notes(cards, ("en",), None, DAY)
    assert note.guid == build_notes(cards, ("bg",), None, DAY)[0].guid
    assert note.tags == ("studyapp", "studyapp::module::mod", "studyapp::kind::concept",
                         "studyapp::step::2", "studyapp::lab::quantize")
    assert (note.schedule, note.reviews) == (None, ())
    state = {"due": DAY, "interval": 1, "easiness_x100": 250}
    (scheduled,) = build_notes(cards, ("en",), {"concept.q": (state, [answer(4)])}, DAY)
    assert scheduled.schedule is not None and len(scheduled.reviews) == 1


def test_stable_ids_depend_on_the_name_alone() -> None:
    assert stable_id("notetype:studyapp") == stable_id("notetype:studyapp")
    assert stable_id("a") != stable_id("b")
    assert 0 < stable_id("field:Front", bits=62) < 2**62
