"""Load and validate `module.toml` files.

A module is loaded whole or not at all: the first problem raises one
`ContentError` that names the file, the card id and the field. Texts may hold line breaks
and tabs but no other control character: an escape sequence in a card would reach the
learner's terminal.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from studyapp.controls import first_control
from studyapp.deck.model import (
    CARD_KINDS,
    LANGS,
    REVIEWABLE_KINDS,
    Card,
    Module,
    PlanOffset,
    Text,
)
from studyapp.errors import StudyappError

MODULE_FILE = "module.toml"
CARD_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*\Z")

_BASE_KEYS = {"id", "kind", "front", "back", "lab"}
_REQUIRED: dict[str, set[str]] = {
    "prior": {"front"},
    "concept": {"front", "back"},
    "step": {"front", "focus", "task", "lab", "step"},
    "reading": {"front", "body", "step"},
    "recall": {"front", "back", "step"},
    "example": {"front", "back", "code", "lab"},
    "pitfall": {"front", "back"},
    "quiz": {"front", "back"},
    "recap": {"front"},
    "plan": {"front", "back", "offset"},
}
_EXTRA_KEYS: dict[str, set[str]] = {
    "step": {"step", "focus", "task"},
    "reading": {"step", "body"},
    "recall": {"step"},
    "example": {"code", "code_lang"},
    "plan": {"offset"},
}
# Graded cards may say what they ask (`cue`) and carry detail shown after the answer (`notes`).
_GRADED_KEYS = {"cue", "notes"}
_MODULE_KEYS = {"id", "title", "overview", "source"}
_OFFSET_KEYS = {"days", "weeks", "months"}


class ContentError(StudyappError):
    """A module file that cannot be shown; the message is one line."""

    def __init__(
        self, path: Path, message: str, card_id: str | None = None, field: str | None = None
    ) -> None:
        self.path = path
        self.card_id = card_id
        self.field = field
        where = [str(path)]
        if card_id is not None:
            where.append(f"card '{card_id}'")
        if field is not None:
            where.append(f"field '{field}'")
        # ids and keys come from the file and may hold line breaks: keep the message one line
        super().__init__("\\n".join(f"{': '.join(where)}: {message}".splitlines()))


def load_modules(content_dir: Path, known_labs: Iterable[str]) -> list[Module]:
    """Every module folder under `content_dir`, sorted by folder name.

    Card ids must be unique across all modules, since the store keys card
    state by card id.
    """
    content_dir = Path(content_dir)
    if not content_dir.is_dir():
        raise ContentError(content_dir, "content folder not found")
    files = sorted(content_dir.glob(f"*/{MODULE_FILE}"))
    if not files:
        raise ContentError(content_dir, f"no */{MODULE_FILE} found")
    labs = frozenset(known_labs)
    modules: list[Module] = []
    seen: dict[str, Path] = {}
    for path in files:
        module = load_module(path, labs)
        for card in module.cards:
            if card.id in seen:
                raise ContentError(path, f"duplicate id (also in {seen[card.id]})", card.id, "id")
            seen[card.id] = path
        modules.append(module)
    return modules


def load_module(path: Path, known_labs: Iterable[str]) -> Module:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(path, f"TOML syntax error: {exc}") from None
    except RecursionError:  # tomllib reads nested arrays and tables recursively
        raise ContentError(path, "TOML nested too deeply to read") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(path, f"cannot read file: {exc}") from None
    return _parse_module(path, raw, frozenset(known_labs))


def _parse_module(path: Path, raw: dict[str, Any], labs: frozenset[str]) -> Module:
    unknown = set(raw) - {"module", "cards"}
    if unknown:
        raise ContentError(path, f"unknown top-level key '{sorted(unknown)[0]}'")
    head = raw.get("module")
    if not isinstance(head, dict):
        raise ContentError(path, "missing [module] table")
    unknown = set(head) - _MODULE_KEYS
    if unknown:
        raise ContentError(path, "unknown key in [module]", field=sorted(unknown)[0])
    module_id = head.get("id", path.parent.name)
    if not isinstance(module_id, str) or not CARD_ID.match(module_id):
        raise ContentError(path, "module id must be lower-case letters, digits, '.', '-', '_'",
                           field="id")
    source = head.get("source")
    if source is not None:
        _string(path, source, None, "source")
    cards_raw = raw.get("cards")
    if not isinstance(cards_raw, list) or not cards_raw:
        raise ContentError(path, "no [[cards]] found")
    cards: list[Card] = []
    ids: set[str] = set()
    for order, card_raw in enumerate(cards_raw):
        card = _parse_card(path, card_raw, order, labs)
        if card.id in ids:
            raise ContentError(path, "duplicate id", card.id, "id")
        ids.add(card.id)
        cards.append(card)
    return Module(
        id=module_id,
        path=path,
        title=_text(path, head.get("title"), None, "title"),
        overview=_text(path, head.get("overview"), None, "overview"),
        cards=tuple(cards),
        source=source,
    )


def _parse_card(path: Path, raw: Any, order: int, labs: frozenset[str]) -> Card:
    if not isinstance(raw, dict):
        raise ContentError(path, f"card #{order + 1} is not a table")
    card_id = raw.get("id")
    if not isinstance(card_id, str) or not CARD_ID.match(card_id):
        shown = card_id if isinstance(card_id, str) else f"#{order + 1}"
        raise ContentError(
            path, "id must be lower-case letters, digits, '.', '-', '_'", shown, "id"
        )
    kind = raw.get("kind")
    if kind not in CARD_KINDS:
        raise ContentError(path, f"unknown kind {kind!r} (one of {', '.join(CARD_KINDS)})",
                           card_id, "kind")
    allowed = _BASE_KEYS | _EXTRA_KEYS.get(kind, set())
    if kind in REVIEWABLE_KINDS:
        allowed |= _GRADED_KEYS
    for key in raw:
        if key not in allowed:
            raise ContentError(path, f"unknown key for a {kind} card", card_id, key)
    for key in sorted(_REQUIRED[kind]):
        if key not in raw:
            raise ContentError(path, f"required for a {kind} card", card_id, key)

    lab = raw.get("lab")
    if lab is not None and (not isinstance(lab, str) or lab not in labs):
        known = ", ".join(sorted(labs)) or "none"
        raise ContentError(path, f"unknown lab id {lab!r} (known: {known})", card_id, "lab")
    step = raw.get("step")
    if step is not None and (isinstance(step, bool) or not isinstance(step, int) or step < 1):
        raise ContentError(path, "must be a positive whole number", card_id, "step")
    code_lang = _string(path, raw.get("code_lang", "python"), card_id, "code_lang")

    def optional_text(key: str) -> Text | None:
        return _text(path, raw[key], card_id, key) if key in raw else None

    return Card(
        id=card_id,
        kind=kind,
        order=order,
        front=_text(path, raw["front"], card_id, "front"),
        back=optional_text("back"),
        lab=lab,
        step=step,
        focus=optional_text("focus"),
        task=optional_text("task"),
        code=_code(path, raw["code"], card_id) if "code" in raw else None,
        code_lang=code_lang,
        offset=_offset(path, raw["offset"], card_id) if "offset" in raw else None,
        cue=optional_text("cue"),
        notes=optional_text("notes"),
        body=optional_text("body"),
    )


def _code(path: Path, raw: Any, card_id: str) -> Text:
    """Code is the same in both languages (a string) or differs in its comments (a table)."""
    if isinstance(raw, dict):
        return _text(path, raw, card_id, "code", strip="\n")
    if not isinstance(raw, str) or not raw.strip():
        raise ContentError(path, "must be non-empty text", card_id, "code")
    code = _string(path, raw, card_id, "code").strip("\n")
    return Text(bg=code, en=code)


def _text(
    path: Path, raw: Any, card_id: str | None, field: str, strip: str | None = None
) -> Text:
    """A table of languages; `strip` names the characters trimmed from each end (default
    all white space; code keeps its indentation)."""
    if not isinstance(raw, dict):
        raise ContentError(path, "must be a table of languages, e.g. { bg = \"…\", en = \"…\" }",
                           card_id, field)
    for lang in raw:
        if lang not in LANGS:
            raise ContentError(path, f"unknown language {lang!r} (one of {', '.join(LANGS)})",
                               card_id, field)
        _string(path, raw[lang], card_id, field, f"'{lang}' text")
    bg = raw.get("bg", "").strip(strip)
    if not bg.strip():
        raise ContentError(path, "missing 'bg' text", card_id, field)
    return Text(bg=bg, en=raw.get("en", "").strip(strip))


def _string(path: Path, raw: Any, card_id: str | None, field: str, what: str = "") -> str:
    """`raw` if it is a string without control characters (line breaks and tabs allowed)."""
    subject = f"{what} " if what else ""
    if not isinstance(raw, str):
        raise ContentError(path, f"{subject}must be a string", card_id, field)
    control = first_control(raw)
    if control is not None:
        raise ContentError(path, f"{subject}holds the control character {control} "
                           "(only line breaks and tabs are allowed)", card_id, field)
    return raw


def _offset(path: Path, raw: Any, card_id: str) -> PlanOffset:
    if not isinstance(raw, dict) or not raw or set(raw) - _OFFSET_KEYS:
        raise ContentError(path, "must be a table of days, weeks and/or months, e.g. { days = 3 }",
                           card_id, "offset")
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ContentError(path, f"'{key}' must be a whole number >= 0", card_id, "offset")
    offset = PlanOffset(**raw)
    if offset == PlanOffset():
        raise ContentError(path, "must be later than the first study day", card_id, "offset")
    return offset
