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

from studyapp.controls import first_control
from studyapp.deck.model import CARD_KINDS, REVIEWABLE_KINDS, Card, Module, PlanOffset
from studyapp.errors import StudyappError
from studyapp.text import LANGS, Text

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
    """A module file that cannot be shown: one line naming the file, the card and the field.

    `str()` is English, `text(lang)` any language; the messages live in
    `studyapp/locales/content.toml` under `key`. A file that is not TOML (a Markdown module
    being imported) is named by `line` and template `section` instead of card and field.
    """

    def __init__(
        self, path: Path, key: str, card_id: str | None = None, field: str | None = None,
        line: int | None = None, section: str | None = None, **values: object,
    ) -> None:
        self.path = path
        self.key = key
        self.card_id = card_id
        self.field = field
        self.line = line
        self.section = section
        self.values = values
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        # imported here: studyapp.i18n reads the deck's model, so the deck cannot import it first
        from studyapp.i18n import tr

        where = [str(self.path)]
        if self.line is not None:
            where.append(tr(lang, "content.where_line", line=self.line))
        if self.section is not None:
            where.append(tr(lang, "content.where_section", name=self.section))
        if self.card_id is not None:
            where.append(tr(lang, "content.where_card", id=self.card_id))
        if self.field is not None:
            where.append(tr(lang, "content.where_field", name=self.field))
        message = tr(lang, f"content.{self.key}", **self.values)
        # ids and keys come from the file and may hold line breaks: keep the message one line
        return "\\n".join(f"{': '.join(where)}: {message}".splitlines())

    def __str__(self) -> str:
        return str(self.args[0])


def load_modules(content_dir: Path, known_labs: Iterable[str]) -> list[Module]:
    """Every module folder under `content_dir`, sorted by folder name.

    Card ids must be unique across all modules, since the store keys card
    state by card id.
    """
    content_dir = Path(content_dir)
    if not content_dir.is_dir():
        raise ContentError(content_dir, "no_content_dir")
    files = sorted(content_dir.glob(f"*/{MODULE_FILE}"))
    if not files:
        raise ContentError(content_dir, "no_modules", pattern=f"*/{MODULE_FILE}")
    labs = frozenset(known_labs)
    modules: list[Module] = []
    seen: dict[str, Path] = {}
    for path in files:
        module = load_module(path, labs)
        for card in module.cards:
            if card.id in seen:
                raise ContentError(path, "duplicate_id_across", card.id, "id",
                                   other=seen[card.id])
            seen[card.id] = path
        modules.append(module)
    return modules


def load_module(path: Path, known_labs: Iterable[str]) -> Module:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(path, "toml_syntax", detail=exc) from None
    except RecursionError:  # tomllib reads nested arrays and tables recursively
        raise ContentError(path, "too_deep") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(path, "unreadable", detail=exc) from None
    return _parse_module(path, raw, frozenset(known_labs))


def _parse_module(path: Path, raw: dict[str, object], labs: frozenset[str]) -> Module:
    unknown = set(raw) - {"module", "cards"}
    if unknown:
        raise ContentError(path, "unknown_top_key", option=sorted(unknown)[0])
    head = raw.get("module")
    if not isinstance(head, dict):
        raise ContentError(path, "no_module_table")
    unknown = set(head) - _MODULE_KEYS
    if unknown:
        raise ContentError(path, "unknown_module_key", field=sorted(unknown)[0])
    module_id = head.get("id", path.parent.name)
    if not isinstance(module_id, str) or not CARD_ID.match(module_id):
        raise ContentError(path, "bad_module_id", field="id")
    source = head.get("source")
    if source is not None:
        _string(path, source, None, "source")
    cards_raw = raw.get("cards")
    if not isinstance(cards_raw, list) or not cards_raw:
        raise ContentError(path, "no_cards")
    cards: list[Card] = []
    ids: set[str] = set()
    for order, card_raw in enumerate(cards_raw):
        card = _parse_card(path, card_raw, order, labs)
        if card.id in ids:
            raise ContentError(path, "duplicate_id", card.id, "id")
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


def _parse_card(path: Path, raw: object, order: int, labs: frozenset[str]) -> Card:
    if not isinstance(raw, dict):
        raise ContentError(path, "card_not_table", number=order + 1)
    card_id = raw.get("id")
    if not isinstance(card_id, str) or not CARD_ID.match(card_id):
        shown = card_id if isinstance(card_id, str) else f"#{order + 1}"
        raise ContentError(path, "bad_card_id", shown, "id")
    kind = raw.get("kind")
    if kind not in CARD_KINDS:
        raise ContentError(path, "unknown_kind", card_id, "kind", kind=repr(kind),
                           kinds=", ".join(CARD_KINDS))
    allowed = _BASE_KEYS | _EXTRA_KEYS.get(kind, set())
    if kind in REVIEWABLE_KINDS:
        allowed |= _GRADED_KEYS
    for key in raw:
        if key not in allowed:
            raise ContentError(path, "unknown_card_key", card_id, key, kind=kind)
    for key in sorted(_REQUIRED[kind]):
        if key not in raw:
            raise ContentError(path, "required", card_id, key, kind=kind)

    lab = raw.get("lab")
    if lab is not None and (not isinstance(lab, str) or lab not in labs):
        raise ContentError(path, "unknown_lab", card_id, "lab", lab=repr(lab),
                           known=", ".join(sorted(labs)) or "—")
    step = raw.get("step")
    if step is not None and (isinstance(step, bool) or not isinstance(step, int) or step < 1):
        raise ContentError(path, "not_positive", card_id, "step")
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


def _code(path: Path, raw: object, card_id: str) -> Text:
    """Code is the same in both languages (a string) or differs in its comments (a table)."""
    if isinstance(raw, dict):
        return _text(path, raw, card_id, "code", strip="\n")
    if not isinstance(raw, str) or not raw.strip():
        raise ContentError(path, "empty_code", card_id, "code")
    code = _string(path, raw, card_id, "code").strip("\n")
    return Text(bg=code, en=code)


def _text(
    path: Path, raw: object, card_id: str | None, field: str, strip: str | None = None
) -> Text:
    """A table of languages; `strip` names the characters trimmed from each end (default
    all white space; code keeps its indentation)."""
    if not isinstance(raw, dict):
        raise ContentError(path, "not_languages", card_id, field,
                           example='{ bg = "…", en = "…" }')
    for lang in raw:
        if lang not in LANGS:
            raise ContentError(path, "unknown_language", card_id, field, language=repr(lang),
                               langs=", ".join(LANGS))
        _string(path, raw[lang], card_id, field, lang)
    bg = raw.get("bg", "").strip(strip)
    if not bg.strip():
        raise ContentError(path, "missing_bg", card_id, field)
    return Text(bg=bg, en=raw.get("en", "").strip(strip))


def _string(
    path: Path, raw: object, card_id: str | None, field: str, lang: str | None = None
) -> str:
    """`raw` if it is a string without control characters (line breaks and tabs allowed);
    `lang` names the language of a text's string."""
    prefix = "" if lang is None else "text_"
    if not isinstance(raw, str):
        raise ContentError(path, f"{prefix}not_string", card_id, field, language=lang)
    control = first_control(raw)
    if control is not None:
        raise ContentError(path, f"{prefix}control", card_id, field, control=control,
                           language=lang)
    return raw


def _offset(path: Path, raw: object, card_id: str) -> PlanOffset:
    if not isinstance(raw, dict) or not raw or set(raw) - _OFFSET_KEYS:
        raise ContentError(path, "bad_offset", card_id, "offset", example="{ days = 3 }")
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ContentError(path, "offset_not_whole", card_id, "offset", option=key)
    offset = PlanOffset(**raw)
    if offset == PlanOffset():
        raise ContentError(path, "offset_too_early", card_id, "offset")
    return offset
