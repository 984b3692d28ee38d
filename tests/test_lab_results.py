"""The lab list's last run is the newest one made on this machine; history keeps them all."""

from __future__ import annotations

from pathlib import Path

import pytest
from lab_records import on_test_machine, record_quantize_run
from tui_support import FakeClock, opened_service

from studyapp.labs.lesson import CardDraft
from studyapp.services.lab_results import StudyLabs, new_drafts, outcome
from studyapp.text import Text


def test_the_last_run_is_the_newest_made_here_and_history_keeps_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_test_machine(monkeypatch)
    here = record_quantize_run(tmp_path, choice=3)
    elsewhere = record_quantize_run(tmp_path, minutes_later=5, cpu="Another CPU")
    with opened_service(tmp_path, FakeClock()) as service:
        labs = StudyLabs(service)
        quantize = next(lab for lab in labs.overview() if lab.entry.id == "quantize")
        assert quantize.last is not None and quantize.last.id == here
        assert [record.id for record in labs.history("quantize")] == [elsewhere, here]
        found = outcome(quantize.last)
        assert found.prediction is not None and found.measured is not None
        assert found.verdict is not None and found.verdict.en.startswith("Right:")
        latency = next(lab for lab in labs.overview() if lab.entry.id == "latency")
        assert latency.last is None


def test_cards_are_offered_once_and_accepted_ones_join_the_queue(tmp_path: Path) -> None:
    run_id = record_quantize_run(tmp_path)
    with opened_service(tmp_path, FakeClock()) as service:
        labs = StudyLabs(service)
        record = labs.get(run_id)
        offered = labs.offered_cards(record)
        assert len(offered) == 2  # speed-ups and size; the run has no fp16 rows
        ids = labs.accept_cards(record, offered[:1])
        assert ids == [f"result.{run_id}.1"]
        assert labs.offered_cards(record) == []
        assert service.queue()[0].card.front == offered[0].front
        assert service.card(ids[0]).lab == "quantize"


def test_a_later_run_does_not_offer_again_a_card_accepted_from_an_earlier_one(
    tmp_path: Path
) -> None:
    first = record_quantize_run(tmp_path)
    second = record_quantize_run(tmp_path, minutes_later=30)
    with opened_service(tmp_path, FakeClock()) as service:
        labs = StudyLabs(service)
        offered = labs.offered_cards(labs.get(first))
        labs.accept_cards(labs.get(first), offered[:1])
        assert labs.offered_cards(labs.get(second)) == offered[1:]


def test_near_duplicates_differ_only_in_numbers_case_and_spacing() -> None:
    accepted = [Text("INT8 е ×3.1 по-бърз при пакет 1", "int8 is ×3.1 faster at batch 1")]
    again = CardDraft(Text("int8 е ×2.9 по-бърз при  пакет 64", "Int8 is ×2.9 faster at batch 64"),
                      Text("", ""))
    other = CardDraft(Text("Колко по-малък е int8?", "How much smaller is int8?"), Text("", ""))
    assert new_drafts([again, other], accepted) == [other]
