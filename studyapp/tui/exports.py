"""The app's two exports, offered by the command palette and the settings screen: the
learner's data (what `studyapp export --json` writes) and the cards with their schedule as an
Anki package. Both are written in the background into the user's documents folder; the
learner is told where when the export starts and which file it wrote when it ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from studyapp.tui.app import StudyApp

T = TypeVar("T")


def export_data(app: StudyApp) -> None:
    """Write the learner's data as `studyapp export --json` does."""
    _export(app, "export-json", app.service.export_file,
            lambda path: app.t("palette.exported", path=path))


def export_anki(app: StudyApp) -> None:
    """Write the cards, with their schedule, as an Anki package."""
    _export(app, "export-anki", app.service.export_anki_file,
            lambda written: app.t("palette.anki_exported", path=written.path,
                                  notes=written.notes))


def _export(app: StudyApp, name: str, write: Callable[[str], T],
            said: Callable[[T], str]) -> None:
    lang, folder = app.language, app.service.export_folder()
    app.notify(app.t("export.working", folder=folder), markup=False)
    app.load(app.screen, name, lambda: write(lang),
             lambda result: app.notify(said(result), markup=False))

