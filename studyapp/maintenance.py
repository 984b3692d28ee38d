"""Keeping the learner's data safe: putting an export back (`studyapp restore`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from studyapp.session import StudyService
from studyapp.store.engine import writing
from studyapp.store.errors import StoreError
from studyapp.store.migrations import backup
from studyapp.store.restore import Tables, holds_study_data, read_export, restore_tables

__all__ = ["Restored", "read_export", "restore"]


@dataclass(frozen=True)
class Restored:
    rows: dict[str, int]  # table -> rows put back
    previous: Path | None  # the copy of the data a forced restore replaced


def restore(service: StudyService, tables: Tables, source: Path, *, force: bool) -> Restored:
    """Replace the service's data with `tables` (from `read_export(source)`), in one
    transaction. A database holding study data is refused unless `force`; then its data
    is first copied beside it. Open a new service to study the restored data."""
    previous = None
    with writing(service.engine) as session:
        if holds_study_data(session):
            if not force:
                raise StoreError("restore_not_empty", path=service.db_path)
            previous = backup(service.db_path, service.now())
        restore_tables(session, tables, source)
    return Restored({name: len(rows) for name, rows in tables.items()}, previous)

