"""The one exception family the command line and the app turn into a message."""

from __future__ import annotations

from typing import ClassVar

from studyapp.i18n import tr


class StudyappError(Exception):
    """A problem the user can act on; `str()` is one line, shown without a traceback.

    The command line exits with `exit_code`: 1 for bad data.
    """

    exit_code = 1

    def text(self, lang: str) -> str:
        """The message in `lang`; errors whose texts are translated override this."""
        del lang
        return str(self)


class CatalogueError(StudyappError):
    """An error that carries a catalogue key and its values only: its text is made when it is
    shown, in the language asked for (`str()` is English).

    Subclasses name their catalogue file: the text of `key` is `FILE.KEY`.
    """

    catalogue: ClassVar[str]

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    def text(self, lang: str) -> str:
        """The message in `lang`, on one line even when a value (SQLite's detail) spans several."""
        lines = tr(lang, f"{self.catalogue}.{self.key}", **self.values).splitlines()
        return " / ".join(line.strip() for line in lines if line.strip())

    def __str__(self) -> str:
        return self.text("en")


class UsageError(StudyappError):
    """The command was asked for something it does not accept (exit status 2, like argparse)."""

    exit_code = 2
