"""The learner's settings as the store keeps them, and the study day they make of an instant.

A saved value that no longer parses keeps its default, so a hand-edited database still opens.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

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
    settings = Settings()
    lang = next((known for known in LANGS if known == stored.get("lang")), None)
    if lang is not None:
        settings = _valid_or(settings, replace(settings, lang=lang))
    hour = _saved_int(stored, "rollover_hour")
    if hour is not None:
        settings = _valid_or(settings, replace(settings, rollover_hour=hour))
    limit = _saved_int(stored, "new_per_day")
    if limit is not None:
        settings = _valid_or(settings, replace(settings, new_per_day=limit))
    if stored.get("timezone"):
        settings = _valid_or(settings, replace(settings, timezone=stored["timezone"]))
    return settings


def _saved_int(stored: dict[str, str], key: str) -> int | None:
    try:
        return ascii_int(stored.get(key, ""))
    except ValueError:
        return None


def _valid_or(kept: Settings, changed: Settings) -> Settings:
    """`changed` if all its values are valid, else `kept`."""
    try:
        return changed.check()
    except ValueError:
        return kept
