"""Errors of the store and the study services, in the learner's language."""

from __future__ import annotations

from studyapp.errors import StudyappError
from studyapp.i18n import tr


class StoreError(StudyappError):
    """One line for the user: `str()` is English, `text(lang)` any language.

    The texts live in `studyapp/locales/store.toml` under `key`.
    """

    def __init__(self, key: str, **values: object) -> None:
        self.key = key
        self.values = values
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        """The message in `lang`, on one line even when a detail (SQLite's) spans several."""
        lines = tr(lang, f"store.{self.key}", **self.values).splitlines()
        return " / ".join(line.strip() for line in lines if line.strip())

    def __str__(self) -> str:
        return str(self.args[0])
