"""An Anki package (.apkg) of notes, written by Anki's own library.

A real Anki collection is made in a temporary folder: our note type (with the ids
`anki_notes` derives), one deck per module and step, the notes with their guids, each
reviewed card's state and its revlog; then Anki's exporter packs it. The `anki` package is
an optional extra (`pip install 'studyapp[anki]'`), imported only here, when an export runs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, cast

from studyapp.errors import StudyappError
from studyapp.i18n import tr
from studyapp.services.anki_notes import (
    BACK_TEMPLATE,
    CSS,
    FIELDS,
    FRONT_TEMPLATE,
    NOTETYPE_ID,
    NOTETYPE_NAME,
    TEMPLATE_NAME,
    AnkiNote,
    stable_id,
)

if TYPE_CHECKING:
    from anki.collection import Collection
    from anki.dbproxy import DBProxy
    from anki.decks import DeckId
    from anki.models import NotetypeDict, NotetypeId


def package_bytes(notes: list[AnkiNote], lang: str, *, with_schedule: bool) -> bytes:
    """The .apkg file of `notes`; StudyappError (one line in `lang`) when the `anki`
    package is not installed."""
    try:
        from anki.collection import Collection, ExportAnkiPackageOptions
    except ImportError:
        raise StudyappError(tr(lang, "cli.anki_missing")) from None
    with tempfile.TemporaryDirectory(prefix="studyapp-anki-") as folder:
        collection = Collection(str(Path(folder) / "collection.anki2"))
        try:
            notetype = _add_notetype(collection)
            for note in notes:
                _add_note(collection, notetype, note)
            out = Path(folder) / "deck.apkg"
            collection.export_anki_package(
                out_path=str(out), limit=None,
                options=ExportAnkiPackageOptions(with_scheduling=with_schedule,
                                                 with_deck_configs=False, with_media=False,
                                                 legacy=False))
        finally:
            collection.close()
        return out.read_bytes()


def _database(collection: Collection) -> DBProxy:
    """The collection's database: open until the collection is closed."""
    return cast("DBProxy", collection.db)


def _add_notetype(collection: Collection) -> NotetypeDict:
    """Our note type, under the id derived from its name, its fields and template under ids
    derived from theirs: Anki matches a notetype on import by its id and its fields', so
    each export finds the one an earlier export added."""
    models = collection.models
    notetype = models.new(NOTETYPE_NAME)
    for name in FIELDS:
        field = models.new_field(name)
        field["id"] = stable_id(f"field:{name}", bits=62)
        models.add_field(notetype, field)
    template = models.new_template(TEMPLATE_NAME)
    template.update(qfmt=FRONT_TEMPLATE, afmt=BACK_TEMPLATE, id=stable_id("template", bits=62))
    models.add_template(notetype, template)
    notetype["css"] = CSS
    notetype["sortf"] = FIELDS.index("Front")
    added = models.add_dict(notetype).id
    # Anki gives a new note type a fresh id and no call to choose it; the collection is ours
    # and new, so the id is set in its tables before any note uses it
    for table, column in (("notetypes", "id"), ("fields", "ntid"), ("templates", "ntid")):
        _database(collection).execute(f"update {table} set {column} = ? where {column} = ?",
                              NOTETYPE_ID, added)
    models._clear_cache()
    return cast("NotetypeDict", models.get(cast("NotetypeId", NOTETYPE_ID)))  # just written


def _add_note(collection: Collection, notetype: NotetypeDict, note: AnkiNote) -> None:
    from anki.consts import CARD_TYPE_REV, QUEUE_TYPE_REV

    added = collection.new_note(notetype)
    added.guid = note.guid
    for name, value in zip(FIELDS, note.fields, strict=True):
        added[name] = value
    added.tags = list(note.tags)
    # decks.id() makes a deck that is missing: it returns None only when told not to
    collection.add_note(added, cast("DeckId", collection.decks.id(note.deck)))
    if note.schedule is None:
        return
    card = added.cards()[0]
    plan = note.schedule
    card.type, card.queue = CARD_TYPE_REV, QUEUE_TYPE_REV
    card.ivl, card.factor, card.reps, card.lapses = plan.interval, plan.ease, plan.reps, plan.lapses
    card.due = collection.sched.today + plan.due_in
    collection.update_card(card)
    for review in note.reviews:
        _database(collection).execute(
            "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
            "values (?, ?, -1, ?, ?, ?, ?, ?, ?)",
            review.at_ms, card.id, review.button, review.interval, review.last_interval,
            review.ease, review.time_ms, review.kind)
