"""Exports for other programs: an Anki package of the learner's cards (with their schedule,
if asked) and CSV files of the cards and the tables, for spreadsheets and pandas.

The rows come from the store's export (`store/export.py`), the files are written by
`studyapp.files` (whole or not at all, an existing file replaced only when forced).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from studyapp.deck.model import Card
from studyapp.errors import StudyappError
from studyapp.files import cannot_write, check_target, write_whole
from studyapp.i18n import tr
from studyapp.paths import documents_dir
from studyapp.services.anki_notes import AnkiNote, ExportedCard, build_notes
from studyapp.services.anki_package import package_bytes
from studyapp.services.cards import CardIndex
from studyapp.services.queue import StudyQueue
from studyapp.store.cells import Cell, Cells
from studyapp.store.engine import reading
from studyapp.store.export import export_json, export_tables, exported_columns, read_tables
from studyapp.store.tables import CardStateRow, ReviewLogRow
from studyapp.text import LANGS

CSV_TABLES = ("card_state", "review_log", "lab_run", "result_card")
CARD_COLUMNS = ("card_id", "module_id", "kind", "step", "lab", "front_bg", "front_en", "back_bg",
                "back_en", "notes_bg", "notes_en")


@dataclass(frozen=True)
class AnkiExport:
    """What an Anki export wrote."""

    path: Path
    notes: int
    scheduled: int  # notes whose card carries a schedule
    reviews: int  # revlog entries


class Exports:
    def __init__(self, engine: Engine, cards: CardIndex, queue: StudyQueue) -> None:
        self._engine = engine
        self._cards = cards
        self._queue = queue

    # -- Anki --------------------------------------------------------------

    def anki_notes(self, langs: Sequence[str], *, with_schedule: bool) -> list[AnkiNote]:
        """Every reviewable card (the modules' and the learner's result cards) as a note, in
        the queue's order; with `with_schedule`, each answered card's schedule and answers."""
        cards = [self._exported(card, langs[0]) for card in self._cards.cards() if card.reviewable]
        scheduled = self._scheduled() if with_schedule else None
        return build_notes(cards, langs, scheduled, self._queue.today())

    def write_anki(self, path: Path, langs: Sequence[str], lang: str, *, with_schedule: bool,
                   force: bool) -> AnkiExport:
        """Write the .apkg of `anki_notes` to `path` (see `studyapp.files`). StudyappError
        when the file is refused, there is no card to export or the `anki` package is
        missing; nothing is written then."""
        check_target(path, lang, force=force)
        notes = self.anki_notes(langs, with_schedule=with_schedule)
        if not notes:
            raise StudyappError(tr(lang, "cli.anki_nothing"))
        write_whole(path, package_bytes(notes, lang, with_schedule=with_schedule), lang,
                    force=force)
        return AnkiExport(path, len(notes), sum(note.schedule is not None for note in notes),
                          sum(len(note.reviews) for note in notes))

    def export_anki_file(self, lang: str) -> AnkiExport:
        """The app's Anki export: the cards in `lang`, with their schedule, to a new file in
        the user's documents folder."""
        path = self._new_file("studyapp", "apkg", lang)
        return self.write_anki(path, (lang,), lang, with_schedule=True, force=True)

    def export_json_file(self, lang: str) -> Path:
        """The app's data export: what `studyapp export --json` writes, to a new file in the
        user's documents folder; its path. StudyappError when it cannot be written (nothing
        is then), StoreError for a row the store cannot read."""
        with reading(self._engine) as session:
            tables = export_tables(session)
        path = self._new_file("studyapp-export", "json", lang)
        write_whole(path, export_json(tables, self._queue.now()), lang, force=True)
        return path

    def _new_file(self, stem: str, suffix: str, lang: str) -> Path:
        """A file in the user's documents folder (made if missing) named by the time; a file
        of the same second holds the same data, so it may be replaced."""
        folder = documents_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise cannot_write(lang, folder, exc) from None
        return folder / f"{stem}-{self._queue.now():%Y%m%d-%H%M%S}.{suffix}"

    def _exported(self, card: Card, lang: str) -> ExportedCard:
        module_id = self._cards.module_of(card.id)
        module = next((module for module in self._cards.modules() if module.id == module_id),
                      None)
        if module is None:
            return ExportedCard(card, module_id, module_id, {})
        steps = {step.step: step.front.get(lang) for step in module.of_kind("step")
                 if step.step is not None}
        return ExportedCard(card, module_id, module.title.get(lang), steps)

    def _scheduled(self) -> dict[str, tuple[Cells, list[Cells]]]:
        """Card id -> its state row and its answers that stand, oldest first."""
        with reading(self._engine) as session:
            tables = read_tables(session, (CardStateRow, ReviewLogRow))
        answers: dict[str, list[Cells]] = defaultdict(list)
        for row in tables["review_log"]:
            if row["undone_at"] is None:
                answers[row["card_id"]].append(row)
        return {row["card_id"]: (row, answers[row["card_id"]]) for row in tables["card_state"]
                if not row["removed"]}

    # -- CSV ---------------------------------------------------------------

    def write_csv(self, folder: Path, lang: str, *, force: bool) -> list[Path]:
        """Write cards.csv and one file per table into `folder` (made if missing; its parent
        must exist); their paths. An existing file is replaced only with `force`; without
        it, one is enough to refuse them all before any is written. Other files in the
        folder are left alone."""
        with reading(self._engine) as session:
            tables = export_tables(session)
        columns = exported_columns()
        files = {"cards.csv": csv_text(CARD_COLUMNS, [card_row(card, self._cards.module_of(card.id))
                                                      for card in self._cards.cards()])}
        files.update({f"{name}.csv": csv_text(columns[name], tables[name])
                      for name in CSV_TABLES})
        try:
            folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise cannot_write(lang, folder, exc) from None
        for name in files:
            check_target(folder / name, lang, force=force)
        for name, text in files.items():
            write_whole(folder / name, text, lang, force=force)
        return [folder / name for name in files]


def card_row(card: Card, module_id: str) -> dict[str, Cell]:
    """A card as a row of cards.csv: its place, then each text in both languages."""
    row: dict[str, Cell] = {"card_id": card.id, "module_id": module_id, "kind": card.kind,
                           "step": card.step, "lab": card.lab}
    for part in ("front", "back", "notes"):
        text = getattr(card, part)
        for lang in LANGS:
            row[f"{part}_{lang}"] = getattr(text, lang) if text is not None else None
    return row


def csv_text(columns: Sequence[str], rows: Sequence[Mapping[str, object]]) -> str:
    """A header row, then the rows (RFC 4180: commas, CRLF line ends, quotes where needed);
    an empty cell for None."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(["" if row[name] is None else row[name] for name in columns] for row in rows)
    return buffer.getvalue()
