"""The learner's settings as the store keeps them, and the study day they make of an instant.

A saved value that no longer parses keeps its default, so a hand-edited database still opens.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from studyapp.ascii_numbers import ascii_int
from studyapp.services.values import Settings
from studyapp.srs.calendar import study_day
from studyapp.store.settings import save_settings, saved_settings
from studyapp.text import LANGS


def read_settings(session: Session) -> Settings:
    return settings_from(saved_settings(session))


def write_settings(session: Session, settings: Settings) -> None:
    """Save checked `settings` (ValueError naming the first bad value)."""
    settings.check()
    save_settings(session, {
        "lang": settings.lang,
        "rollover_hour": str(settings.rollover_hour),
        "new_per_day": str(settings.new_per_day),
        "timezone": settings.timezone or "",
    })


def day_of(settings: Settings, at: datetime) -> date:
    return study_day(at, settings.rollover_hour, settings.zone())


def settings_from(stored: dict[str, str]) -> Settings:
    """Saved settings over the defaults; a value that no longer parses keeps its default."""
    default = Settings()
    candidates: dict[str, Any] = {}
    if stored.get("lang") in LANGS:
        candidates["lang"] = stored["lang"]
    for key in ("rollover_hour", "new_per_day"):
        with suppress(ValueError):
            candidates[key] = ascii_int(stored.get(key, ""))
    if stored.get("timezone"):
        candidates["timezone"] = stored["timezone"]
    settings = default
    for key, value in candidates.items():
        try:
            settings = replace(settings, **{key: value}).check()
        except ValueError:
            continue
    return settings
