"""Bringing the database in line with the content when a study opens: the cards of the
modules, and the lab runs that an ended process left running."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine

from studyapp.deck import Card, Module
from studyapp.services.labs import close_orphaned_runs
from studyapp.store import lab_runs
from studyapp.store.engine import is_read_only, reading, writing
from studyapp.store.restore import MAINTENANCE_PREFIX
from studyapp.store.result_cards import result_cards
from studyapp.store.settings import save_settings, setting
from studyapp.store.sync import content_digest, sync_cards

_CONTENT_KEY = f"{MAINTENANCE_PREFIX}content_synced"  # the digest of the content last synced


def sync_content(engine: Engine, modules: Sequence[Module], now: datetime
                 ) -> list[tuple[str, Card]]:
    """Sync the cards with `modules` unless the last sync was of the same content, and close
    the lab runs whose process has ended; nothing when the engine is read-only. The result
    cards kept in the database."""
    digest = content_digest(modules)
    with reading(engine) as session:
        current = setting(session, _CONTENT_KEY) == digest
        if is_read_only(engine) or (current and not lab_runs.any_running(session)):
            return result_cards(session)
    with writing(engine) as session:
        if not current:
            sync_cards(session, modules)
            save_settings(session, {_CONTENT_KEY: digest})
        close_orphaned_runs(session, now)
        return result_cards(session)
