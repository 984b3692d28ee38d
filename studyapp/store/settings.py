"""The saved settings: one text value per key, the learner's and the app's own.

What a value means is the services' business; here they are stored and read back as text.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session, select

from studyapp.store.tables import SettingRow

_ALL = select(SettingRow.key, SettingRow.value)


def saved_settings(session: Session) -> dict[str, str]:
    """Every saved key and its value (on the session's connection: it is read often)."""
    return {key: value for key, value in session.connection().execute(_ALL)}


def setting(session: Session, key: str) -> str | None:
    row = session.get(SettingRow, key)
    return row.value if row is not None else None


def save_settings(session: Session, values: Mapping[str, str]) -> None:
    for key, value in values.items():
        session.merge(SettingRow(key=key, value=value))
