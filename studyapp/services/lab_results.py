"""What a lab run gives the learner: the lab list with last results, the question to predict
before it and the prediction beside what was measured, and result cards for the review queue.

The app's screens use `StudyLabs`, the lab service (`studyapp.services.labs`) bound to a
study, whose accepted result cards join that study's queue. No torch here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from studyapp.labs.envinfo import cpu_info
from studyapp.labs.lesson import CardDraft
from studyapp.labs.lesson import Question as Question
from studyapp.labs.predictions import Measured, measured, verdict
from studyapp.labs.predictions import Prediction as Prediction
from studyapp.labs.predictions import question_for as question_for
from studyapp.labs.result_cards import result_cards
from studyapp.services.labs import LabEntry, LabService, RecordedRun, lab_entries
from studyapp.services.study import StudyService
from studyapp.store.engine import reading, writing
from studyapp.store.result_cards import add_result_cards, result_cards_of_run
from studyapp.store.result_cards import result_cards as accepted_result_cards
from studyapp.text import Text

RECENT_RUNS = 50  # how far back the lab list looks for a run made on this machine
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def front_key(text: str) -> str:
    """A card's front as compared for near-duplicates: case, spacing and the numbers of
    the run left out ("×3.1 faster" and "×2.9 faster" say the same thing)."""
    return " ".join(NUMBER.sub("#", text.casefold()).split())


def new_drafts(drafts: Sequence[CardDraft], accepted: Sequence[Text]) -> list[CardDraft]:
    """The drafts whose front, in either language, is not one of `accepted` near enough."""
    taken = {front_key(text) for front in accepted for text in (front.bg, front.en)}
    return [draft for draft in drafts
            if not {front_key(draft.front.bg), front_key(draft.front.en)} & taken]


@dataclass(frozen=True)
class LabOverview:
    entry: LabEntry
    last: RecordedRun | None  # the newest recorded run of the lab, on this machine


def this_machine() -> tuple[object, object]:
    """What tells machines apart in a run's environment: the CPU model and its cores."""
    info = cpu_info()
    return info["cpu_model"], info["cores"]


def made_here(record: RecordedRun, machine: tuple[object, object]) -> bool:
    """Whether the run was made on `machine`; a run that ended before reporting its
    environment counts as made here (a database is moved between machines seldom)."""
    env = record.run.env
    return not env or (env.get("cpu_model"), env.get("cores")) == machine


@dataclass(frozen=True)
class Outcome:
    """The prediction set beside what was measured."""

    prediction: Prediction | None
    measured: Measured | None
    verdict: Text | None  # None unless both are there


def outcome(record: RecordedRun) -> Outcome:
    prediction = Prediction.from_json(record.prediction)
    answer = measured(record.run.lab, record.run.rows) if record.run.status == "ok" else None
    said = verdict(prediction, answer) if prediction and answer else None
    return Outcome(prediction, answer, said)


class StudyLabs(LabService):
    """The lab service over a study's database, the runs' result cards joining its queue."""

    def __init__(self, study: StudyService) -> None:
        super().__init__(study.engine, study.now)
        self._study = study

    def overview(self) -> list[LabOverview]:
        """Every lab in catalogue order with its last run on this machine."""
        machine = this_machine()
        return [LabOverview(entry, next((record for record in
                                         self.history(entry.id, RECENT_RUNS)
                                         if made_here(record, machine)), None))
                for entry in lab_entries()]

    def offered_cards(self, record: RecordedRun) -> list[CardDraft]:
        """Cards from a successful run's numbers, none once some were accepted from it, and
        none that repeats a card already accepted from another run of the lab."""
        if record.run.status != "ok" or self.accepted_cards(record.id):
            return []
        with reading(self._engine) as session:
            accepted = [card.front for _, card in accepted_result_cards(session)
                        if card.lab == record.run.lab]
        return new_drafts(result_cards(record.run.lab, record.run.rows, record.run.reading),
                          accepted)

    def accepted_cards(self, run_id: int) -> list[str]:
        with reading(self._engine) as session:
            return result_cards_of_run(session, run_id)

    def accept_cards(self, record: RecordedRun, drafts: Sequence[CardDraft]) -> list[str]:
        """Store the chosen cards; they join the review queue as new cards. Their ids."""
        module_id = self._module_of(record.run.lab)
        with writing(self._engine) as session:
            cards = add_result_cards(session, module_id=module_id, run_id=record.id,
                                     lab_id=record.run.lab, at=self._study.now(),
                                     texts=[(draft.front, draft.back) for draft in drafts])
        self._study.include_cards([(module_id, card) for card in cards])
        return [card.id for card in cards]

    def _module_of(self, lab_id: str) -> str:
        """The module whose cards launch the lab (the first module when none does)."""
        modules = self._study.modules()
        for module in modules:
            if any(card.lab == lab_id for card in module.cards):
                return module.id
        return modules[0].id
