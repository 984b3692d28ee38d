"""Review cards the learner accepted from their own lab runs.

Each one keeps a link to its run and is stored twice over: its text in `result_card`, its
SM-2 state in `card_state` (kind "result") like any content card, so the due queue, grading,
undo, history and stats treat it the same. Content sync leaves them alone: they are not in
any module.toml.

    with writing(engine) as session:
        cards = add_result_cards(session, module_id="inference-optimization", run_id=7,
                                 lab_id="quantize", texts=[(front, back)], at=now)
    with reading(engine) as session:
        result_cards(session)      # every accepted card, oldest first, as deck `Card`s
        result_source(session, "result.7.1")   # the run it came from: id, lab, start time
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from studyapp.deck.model import RESULT_KIND, Card
from studyapp.store.errors import StoreError
from studyapp.store.records import ResultSource
from studyapp.store.tables import CardStateRow, LabRunRow, ResultCardRow
from studyapp.text import Text

# Accepted result cards come before the content's new cards, oldest run first.
ORD_BASE = -(10**12)
ORD_PER_RUN = 1000


def result_card_id(run_id: int, number: int) -> str:
    return f"result.{run_id}.{number}"


def _dump(text: Text) -> str:
    return json.dumps(text.to_json(), ensure_ascii=False)


def _text(stored: str) -> Text:
    return Text.from_json(json.loads(stored))


def _card(row: ResultCardRow, order: int) -> Card:
    return Card(id=row.card_id, kind=RESULT_KIND, order=order, front=_text(row.front_json),
                back=_text(row.back_json), lab=row.lab_id)


def add_result_cards(
    session: Session, *, module_id: str, run_id: int, lab_id: str,
    texts: Sequence[tuple[Text, Text]], at: datetime,
) -> list[Card]:
    """Store (front, back) pairs as new cards of the run, numbered after its earlier ones."""
    if not texts:
        return []
    if session.get(LabRunRow, run_id) is None:
        raise StoreError("no_lab_run", run_id=run_id)
    taken = session.exec(
        select(func.count()).select_from(ResultCardRow).where(ResultCardRow.run_id == run_id)
    ).one()
    added: list[tuple[ResultCardRow, int]] = []
    for number, (front, back) in enumerate(texts, start=taken + 1):
        card_id = result_card_id(run_id, number)
        order = ORD_BASE + run_id * ORD_PER_RUN + number
        session.add(CardStateRow(card_id=card_id, module_id=module_id, kind=RESULT_KIND,
                                 ord=order, reviewable=True))
        added.append((ResultCardRow(card_id=card_id, run_id=run_id, lab_id=lab_id,
                                    module_id=module_id, front_json=_dump(front),
                                    back_json=_dump(back), created_at=at), order))
    session.flush()  # the card states first: the cards refer to them
    session.add_all(row for row, _ in added)
    session.flush()
    return [_card(row, order) for row, order in added]


def result_cards(session: Session) -> list[tuple[str, Card]]:
    """(module id, card) of every accepted result card, oldest first."""
    query = (select(ResultCardRow, CardStateRow.ord)
             .join(CardStateRow, col(CardStateRow.card_id) == col(ResultCardRow.card_id))
             .order_by(col(CardStateRow.ord)))
    return [(row.module_id, _card(row, order)) for row, order in session.exec(query)]


def result_cards_of_run(session: Session, run_id: int) -> list[str]:
    """The ids of the cards accepted from one run."""
    query = (select(ResultCardRow.card_id)
             .join(CardStateRow, col(CardStateRow.card_id) == col(ResultCardRow.card_id))
             .where(ResultCardRow.run_id == run_id).order_by(col(CardStateRow.ord)))
    return list(session.exec(query))


def result_source(session: Session, card_id: str) -> ResultSource | None:
    """The run a result card came from; None for any other card id."""
    query = (select(LabRunRow.id, LabRunRow.lab_id, LabRunRow.started_at)
             .join(ResultCardRow, col(ResultCardRow.run_id) == col(LabRunRow.id))
             .where(ResultCardRow.card_id == card_id))
    found = session.exec(query).first()
    if found is None:
        return None
    run_id, lab_id, started_at = found
    assert run_id is not None
    return ResultSource(run_id, lab_id, started_at)
