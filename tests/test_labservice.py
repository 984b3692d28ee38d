"""The lab service: every run is recorded, whatever way it ends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import StudyClock

from studyapp.labs.events import Progress
from studyapp.labs.params import LabParamError
from studyapp.services.labs import LabService, lab_entries
from studyapp.store.migrations import open_database


@pytest.fixture
def service(tmp_path: Path, probe: str) -> Iterator[LabService]:
    clock = StudyClock()
    engine = open_database(tmp_path / "labs.db", clock())
    yield LabService(engine, clock)
    engine.dispose()


def test_a_run_is_recorded_with_its_card_prediction_and_results(service: LabService) -> None:
    recorded = service.run(service.prepare("probe", {"steps": 2}), card_id="step.1",
                           prediction={"guess_ms": 5})
    assert recorded.run.status == "ok"
    again = service.get(recorded.id)
    assert again.card_id == "step.1" and again.prediction == {"guess_ms": 5}
    assert again.run.rows == recorded.run.rows and again.run.reading == recorded.run.reading
    assert again.run.tables == recorded.run.tables and again.run.notes == recorded.run.notes
    assert again.run.env["threads"] == recorded.run.params["threads"]


def test_the_fresh_run_and_its_record_give_the_same_duration(service: LabService) -> None:
    recorded = service.run(service.prepare("probe", {"steps": 2}))  # the study clock stands still
    assert recorded.run.duration_s > 0
    assert service.get(recorded.id).run.duration_s == recorded.run.duration_s


def test_a_failed_run_keeps_its_reason(service: LabService) -> None:
    recorded = service.run(service.prepare("probe", {"mode": "raise"}))
    stored = service.get(recorded.id).run
    assert stored.status == "failed" and stored.error is not None
    assert stored.error.en == "ValueError: the probe failed on purpose"
    assert "Traceback" in stored.detail


def test_an_interrupt_records_a_cancelled_run_and_stops_the_child(service: LabService) -> None:
    runner = service.prepare("probe", {"mode": "sleep", "steps": 100})

    def interrupt(event) -> None:
        if isinstance(event, Progress):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        service.run(runner, on_event=interrupt)
    (latest,) = service.history("probe", limit=1)
    assert latest.run.status == "cancelled"


def test_history_is_newest_first_and_filtered_by_lab(service: LabService) -> None:
    first = service.run(service.prepare("probe"))
    second = service.run(service.prepare("probe", {"steps": 1}))
    assert [item.id for item in service.history("probe")] == [second.id, first.id]
    assert service.history("latency") == []


def test_bad_params_record_nothing(service: LabService) -> None:
    with pytest.raises(LabParamError):
        service.prepare("probe", {"steps": 0})
    assert service.history() == []


def test_lab_entries_follow_the_catalogue() -> None:
    entries = lab_entries()
    assert [entry.id for entry in entries][:2] == ["latency", "quantize"]
    latency = entries[0]
    assert latency.available and set(latency.params) == {"model", "batch", "readings"}
