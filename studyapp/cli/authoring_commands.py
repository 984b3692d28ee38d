"""What the authoring commands do: `import` a Markdown module, list its `cards`.

Their arguments are declared in `studyapp/cli/authoring.py`."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from studyapp.cli.context import language, modules
from studyapp.files import write_whole
from studyapp.i18n import as_sentence, tr
from studyapp.services.authoring import DraftLabels, module_draft, read_markdown
from studyapp.services.content import Card
from studyapp.services.present import kind_name
from studyapp.text import Text

ELLIPSIS = "…"


# --- import ---------------------------------------------------------------------------------


def draft_labels(lang: str, source: str) -> DraftLabels:
    return DraftLabels(
        header=tuple(tr(lang, "authoring.draft_header", source=source).strip().splitlines()),
        fill_translation=tr(lang, "authoring.fill_translation"),
        fill_answer=tr(lang, "authoring.fill_answer"),
        lab_required=tr(lang, "authoring.lab_required"),
        lab_optional=tr(lang, "authoring.lab_optional"),
    )


def run_import(args: argparse.Namespace) -> int:
    lang = language(args)
    draft = read_markdown(args.file)
    text = module_draft(draft, draft_labels(lang, draft.source))
    out: Path | None = args.output
    if out is None:
        sys.stdout.write(text)
        return 0
    write_whole(out, text, lang, force=args.force)
    print(tr(lang, "authoring.import_written", path=out, cards=len(draft.cards)))
    return 0


# --- cards ----------------------------------------------------------------------------------


def matches(card: Card, kind: str | None, search: str | None) -> bool:
    if kind is not None and card.kind != kind:
        return False
    if not search:
        return True
    needle = search.casefold()
    texts = [text for text in (card.front, card.back, card.cue, card.notes, card.body) if text]
    return any(needle in value.casefold() for text in texts for value in (text.bg, text.en))


def _text_json(text: Text | None) -> dict[str, str] | None:
    """A card's text in its JSON form; null where the card has no such text."""
    return None if text is None else text.to_json()


def card_json(card: Card) -> dict[str, object]:
    """A card's words: what it asks (`cue` where it says more than the front), what is graded
    (`back`), the detail shown after the answer (`notes`), a reading's text (`body`)."""
    return {
        "id": card.id,
        "kind": card.kind,
        "step": card.step,
        "front": _text_json(card.front),
        "cue": _text_json(card.cue),
        "back": _text_json(card.back),
        "notes": _text_json(card.notes),
        "body": _text_json(card.body),
        "lab": card.lab,
    }


def run_cards(args: argparse.Namespace) -> int:
    lang = language(args)
    every = [card for module in modules(args) for card in module.cards]
    shown = [card for card in every if matches(card, args.kind, args.search)]
    if args.json:
        print(json.dumps([card_json(card) for card in shown], ensure_ascii=False, indent=2))
        return 0
    if not shown:
        print(tr(lang, "authoring.cards_none"))
        return 0
    width = shutil.get_terminal_size((100, 24)).columns
    for line in card_table(shown, lang, width):
        print(line)
    print(tr(lang, "authoring.cards_count", shown=len(shown), total=len(every)))
    return 0


def card_table(cards: list[Card], lang: str, width: int) -> list[str]:
    """Rows of id, kind, lab and front, the front cut to fit `width` columns."""
    header = [tr(lang, f"authoring.cards_{key}") for key in ("id", "kind", "lab", "front")]
    rows = [[card.id, kind_name(card.kind, lang), card.lab or "-",
             as_sentence(" ".join(card.front.get(lang).split()))] for card in cards]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    room = max(width - sum(widths) - 2 * len(widths), 10)
    lines = []
    for row in [header, *rows]:
        front = row[3] if len(row[3]) <= room else row[3][: room - 1] + ELLIPSIS
        cells = [cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)]
        lines.append("  ".join([*cells, front]).rstrip())
    return lines
