"""Turn a module written in the Markdown template into a `module.toml` draft.

The template has nine numbered `##` sections (1. Activate Prior Knowledge …
9. Spaced Review Plan). Every prompt of the file becomes a card with the id
the content mapping gives it and its Bulgarian text verbatim (Markdown `**`
removed). English texts, model answers and lab ids cannot come from the file:
the draft leaves them empty and marks each with a comment for the author.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from studyapp.deck.loader import CARD_ID, ContentError
from studyapp.i18n import as_sentence

SECTIONS: tuple[str, ...] = (
    "Activate Prior Knowledge",
    "Overview",
    "Key Concepts",
    "Step-by-step Learning Path",
    "Examples",
    "Common Pitfalls",
    "Short Retrieval Quiz",
    "Quick Recap",
    "Spaced Review Plan",
)

TIME_UNITS: dict[str, str] = {
    "ден": "days", "дни": "days", "дена": "days", "day": "days", "days": "days",
    "седмица": "weeks", "седмици": "weeks", "week": "weeks", "weeks": "weeks",
    "месец": "months", "месеца": "months", "месеци": "months",
    "month": "months", "months": "months",
}
# The section each card kind comes from.
KIND_SECTION: dict[str, int] = {
    "prior": 1, "concept": 3, "step": 4, "recall": 4, "example": 5,
    "pitfall": 6, "quiz": 7, "recap": 8, "plan": 9,
}
STEP_LABELS: dict[str, str] = {
    "фокус": "focus", "focus": "focus",
    "практическа задача": "task", "practical task": "task", "task": "task",
    "въпроси за припомняне": "recall", "recall questions": "recall",
}

_H1 = re.compile(r"^#\s+(.+?)\s*$")
_H2 = re.compile(r"^##(?!#)\s*(.*?)\s*$")
_H2_NUMBERED = re.compile(r"^(\d+)\.\s+(.+)$")
_BULLET = re.compile(r"^[-*+]\s+(.+)$")
_NUMBERED = re.compile(r"^(\d+)\.\s+(.+)$")
_BOLD_ITEM = re.compile(r"^\*\*(.+?)\*\*\s*[–—-]\s*(.+)$")
_SUB_BULLET = re.compile(r"^\s+[-*+]\s+([^:]+):\s*(.*)$")
_EXAMPLE = re.compile(r"^###\s+(?:Пример|Example)\s+(\d+)\s*[:.]\s*(.+?)\s*$", re.IGNORECASE)
_FENCE = re.compile(r"^\s*```\s*([\w+-]*)\s*$")
_TABLE_SEPARATOR = re.compile(r"^\|?[\s:|-]+\|?$")
_TIME = re.compile(r"^(\d+)\s+(\w+)$")
_QUESTION_END = re.compile(r"(?<=\?)\s+")
_NOT_ID = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class DraftCard:
    """One card of the draft: Bulgarian texts from the file, the rest for the author."""

    id: str
    kind: str
    front: str
    back: str | None = None  # "" = a model answer the author writes
    step: int | None = None
    focus: str | None = None
    task: str | None = None
    code: str | None = None
    code_lang: str | None = None
    offset: tuple[str, int] | None = None
    lab: str | None = None  # "required" or "optional": a lab id the author picks


@dataclass(frozen=True)
class Draft:
    id: str
    title: str
    overview: str
    source: str
    cards: tuple[DraftCard, ...]


@dataclass(frozen=True)
class DraftLabels:
    """The comments the draft carries, in the author's language.

    The lab notes are formatted with `{labs}`, the known lab ids.
    """

    header: tuple[str, ...]
    fill_translation: str
    fill_answer: str
    lab_required: str
    lab_optional: str


@dataclass
class _Section:
    number: int
    title: str
    line: int  # 1-based line of the heading
    body: list[tuple[int, str]] = field(default_factory=list)


class _Reader:
    """Parses one file; every error names the file and the line."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def error(
        self, line: int, key: str, section: _Section | None = None, **values: object
    ) -> ContentError:
        """The problem `import_<key>` of content.toml, at `line`, in `section` if given."""
        name = f"{section.number}. {section.title}" if section else None
        return ContentError(self.path, f"import_{key}", None, None, line, name, **values)

    # -- structure ------------------------------------------------------------------------

    def title(self) -> str:
        """The `# Title` line above the first section, else the file name."""
        for line in self.lines:
            if _H2.match(line):
                break
            match = _H1.match(line)
            if match:
                return _plain(match.group(1))
        return self.path.stem

    def sections(self) -> list[_Section]:
        found: list[_Section] = []
        fence_line = 0  # the line of the open ``` fence, 0 outside code
        for number, line in enumerate(self.lines, start=1):
            if _FENCE.match(line):
                fence_line = 0 if fence_line else number
            heading = None if fence_line else _H2.match(line)
            if heading:
                found.append(self._heading(number, heading.group(1), len(found)))
            elif found:
                found[-1].body.append((number, line))
        if fence_line:
            raise self.error(fence_line, "code_open", found[-1] if found else None)
        if len(found) < len(SECTIONS):
            expected = len(found) + 1
            raise self.error(
                len(self.lines) + 1, "missing_section",
                heading=f"## {expected}. {SECTIONS[expected - 1]}",
                found=len(found), total=len(SECTIONS),
            )
        return found

    def _heading(self, line: int, text: str, index: int) -> _Section:
        if index >= len(SECTIONS):
            raise self.error(line, "extra_section", found=text,
                             last=f"{len(SECTIONS)}. {SECTIONS[-1]}")
        expected = f"{index + 1}. {SECTIONS[index]}"
        match = _H2_NUMBERED.match(text)
        if (
            match is None
            or int(match.group(1)) != index + 1
            or _words(match.group(2)) != _words(SECTIONS[index])
        ):
            raise self.error(line, "wrong_section", expected=expected, found=text)
        return _Section(index + 1, SECTIONS[index], line)

    # -- section bodies -------------------------------------------------------------------

    def content(self, section: _Section) -> Iterator[tuple[int, str]]:
        """The non-blank lines of a section."""
        return ((n, line) for n, line in section.body if line.strip())

    def bullets(self, section: _Section) -> list[tuple[int, str]]:
        return [(number, _plain(bullet)) for number, bullet in self._raw_bullets(section)]

    def bold_items(self, section: _Section) -> list[tuple[int, str, str]]:
        """`- **Term** – text` bullets as (line, term, text)."""
        items = []
        for number, bullet in self._raw_bullets(section):
            match = _BOLD_ITEM.match(bullet)
            if match is None:
                raise self.error(number, "not_bold_item", section, found=bullet)
            items.append((number, _plain(match.group(1)), _plain(match.group(2))))
        return items

    def _raw_bullets(self, section: _Section) -> list[tuple[int, str]]:
        raw = []
        for number, line in self.content(section):
            match = _BULLET.match(line)
            if match is None:
                raise self.error(number, "not_bullet", section, found=line.strip())
            raw.append((number, match.group(1).strip()))
        if not raw:
            raise self.error(section.line, "no_bullets", section)
        return raw

    def numbered(self, section: _Section) -> list[tuple[int, int, str]]:
        """`N. text` items as (line, N, text), numbered 1, 2, 3, … in order."""
        items: list[tuple[int, int, str]] = []
        for number, line in self.content(section):
            match = _NUMBERED.match(line)
            if match is None:
                raise self.error(number, "not_numbered", section, number=len(items) + 1,
                                 found=line.strip())
            self._check_number(number, section, int(match.group(1)), len(items) + 1)
            items.append((number, len(items) + 1, _plain(match.group(2))))
        if not items:
            raise self.error(section.line, "no_numbered", section)
        return items

    def _check_number(self, line: int, section: _Section, found: int, expected: int) -> None:
        if found != expected:
            raise self.error(line, "wrong_number", section, expected=expected, found=found)

    def overview(self, section: _Section) -> str:
        paragraphs: list[list[str]] = [[]]
        for _, line in section.body:
            if line.strip():
                paragraphs[-1].append(_plain(line))
            elif paragraphs[-1]:
                paragraphs.append([])
        text = "\n\n".join("\n".join(p) for p in paragraphs if p)
        if not text:
            raise self.error(section.line, "no_text", section)
        return text

    def steps(self, section: _Section) -> list[DraftCard]:
        cards: list[DraftCard] = []
        blocks: list[tuple[int, int, str, dict[str, str]]] = []
        for number, line in self.content(section):
            title = _NUMBERED.match(line)
            sub = _SUB_BULLET.match(line)
            if title and not line[:1].isspace():
                self._check_number(number, section, int(title.group(1)), len(blocks) + 1)
                blocks.append((number, len(blocks) + 1, _plain(title.group(2)), {}))
            elif sub and blocks:
                label = sub.group(1).strip().replace("**", "").casefold()
                if label not in STEP_LABELS:
                    known = ", ".join(f"'{k.capitalize()}:'" for k in STEP_LABELS)
                    raise self.error(number, "unknown_step_line", section, label=label,
                                     known=known)
                blocks[-1][3][STEP_LABELS[label]] = _plain(sub.group(2))
            else:
                raise self.error(number, "not_step", section, number=len(blocks) + 1,
                                 found=line.strip())
        if not blocks:
            raise self.error(section.line, "no_steps", section)
        for at, step, name, fields in blocks:
            for key, label in (("focus", "Фокус"), ("task", "Практическа задача")):
                if not fields.get(key):
                    raise self.error(at, "step_without", section, step=step, label=label)
            cards.append(DraftCard(
                id=f"step.{step}", kind="step", front=name, step=step,
                focus=fields["focus"], task=fields["task"], lab="required",
            ))
            questions = _QUESTION_END.split(fields.get("recall", ""))
            cards.extend(
                DraftCard(id=f"step{step}.recall.{k}", kind="recall", front=question,
                          back="", step=step, lab="optional")
                for k, question in enumerate((q for q in questions if q), start=1)
            )
        return cards

    def examples(self, section: _Section) -> list[DraftCard]:
        cards: list[DraftCard] = []
        lines = iter(section.body)
        for number, line in lines:
            if not line.strip():
                continue
            heading = _EXAMPLE.match(line)
            if heading is None:
                raise self.error(number, "not_example", section, number=len(cards) + 1,
                                 found=line.strip())
            self._check_number(number, section, int(heading.group(1)), len(cards) + 1)
            code_lang, code = self._fenced_code(section, number, lines)
            cards.append(DraftCard(
                id=f"example.{len(cards) + 1}", kind="example", front=_plain(heading.group(2)),
                back="", code=code, code_lang=code_lang, lab="required",
            ))
        if not cards:
            raise self.error(section.line, "no_examples", section)
        return cards

    def _fenced_code(
        self, section: _Section, heading_line: int, lines: Iterator[tuple[int, str]]
    ) -> tuple[str | None, str]:
        opening = next(((n, line) for n, line in lines if line.strip()), None)
        fence = _FENCE.match(opening[1]) if opening else None
        if opening is None or fence is None:
            raise self.error(opening[0] if opening else heading_line, "no_code", section,
                             heading=heading_line)
        code: list[str] = []
        for _, line in lines:
            if not _FENCE.match(line):
                code.append(line)
            elif "".join(code).strip():
                return fence.group(1) or None, "\n".join(code)
            else:
                raise self.error(opening[0], "empty_code", section)
        raise self.error(opening[0], "code_open", section)

    def concept_id(self, line: int, term: str) -> str:
        """`concept.` + the English term before " (", lower-cased, spaces as "-"."""
        slug = term.split(" (")[0].lower().replace(" ", "-")
        if not CARD_ID.match(slug):
            raise self.error(line, "no_concept_id", term=term)
        return f"concept.{slug}"

    def plan(self, section: _Section) -> list[DraftCard]:
        rows = [(n, line.strip()) for n, line in self.content(section)]
        if len(rows) < 3 or not _TABLE_SEPARATOR.match(rows[1][1]) or "-" not in rows[1][1]:
            raise self.error(rows[0][0] if rows else section.line, "no_table", section)
        cards: list[DraftCard] = []
        for number, row in rows[2:]:
            cells = [cell.strip() for cell in row.strip("|").split("|")]
            if not row.startswith("|") or len(cells) != 2 or not all(cells):
                raise self.error(number, "not_plan_row", section, found=row)
            amount, unit = self._time(number, section, cells[0])
            card_id = f"plan.{amount}{unit[0]}"
            self.check_new_id(number, section, card_id, cards)
            cards.append(DraftCard(
                id=card_id, kind="plan", front=_plain(cells[1]), back="", offset=(unit, amount),
            ))
        return cards

    def check_new_id(
        self, line: int, section: _Section, card_id: str, cards: Iterable[DraftCard]
    ) -> None:
        if any(card.id == card_id for card in cards):
            raise self.error(line, "duplicate_id", section, id=card_id)

    def _time(self, line: int, section: _Section, text: str) -> tuple[int, str]:
        match = _TIME.match(" ".join(text.split()))
        unit = TIME_UNITS.get(match.group(2).casefold()) if match else None
        if match is None or unit is None or int(match.group(1)) < 1:
            raise self.error(line, "bad_time", section, time=text)
        return int(match.group(1)), unit


def parse_markdown(text: str, path: Path) -> Draft:
    """The draft module of a Markdown file in the template; ContentError if it is not."""
    reader = _Reader(path, text)
    sections = reader.sections()
    (prior, overview, concepts, steps, examples, pitfalls, quiz, recap, plan) = sections
    cards: list[DraftCard] = [
        DraftCard(id=f"prior.{n}", kind="prior", front=text)
        for n, (_, text) in enumerate(reader.bullets(prior), start=1)
    ]
    terms: list[DraftCard] = []
    for line, term, definition in reader.bold_items(concepts):
        card_id = reader.concept_id(line, term)
        reader.check_new_id(line, concepts, card_id, terms)
        terms.append(DraftCard(card_id, "concept", front=term, back=definition, lab="optional"))
    cards += terms
    cards += [
        DraftCard(f"{card.id}.reverse", "concept", front=as_sentence(card.back or ""),
                  back=card.front)
        for card in terms
    ]
    cards += reader.steps(steps)
    cards += reader.examples(examples)
    cards += [
        DraftCard(id=f"pitfall.{n}", kind="pitfall", front=name, back=explanation)
        for n, (_, name, explanation) in enumerate(reader.bold_items(pitfalls), start=1)
    ]
    cards += [
        DraftCard(id=f"quiz.{n}", kind="quiz", front=question, back="")
        for _, n, question in reader.numbered(quiz)
    ]
    cards += [
        DraftCard(id=f"recap.{n}", kind="recap", front=text)
        for n, (_, text) in enumerate(reader.bullets(recap), start=1)
    ]
    cards += reader.plan(plan)
    title = reader.title()
    return Draft(
        id=_slug(title) or _slug(path.stem) or "module",
        title=title.replace("_", " "),
        overview=reader.overview(overview),
        source=path.name,
        cards=tuple(cards),
    )


def read_markdown(path: Path) -> Draft:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(path, "unreadable", detail=exc) from None
    return parse_markdown(text, path)


# --- the draft as TOML ----------------------------------------------------------------------


def render_draft(draft: Draft, labels: DraftLabels, known_labs: Iterable[str]) -> str:
    """The draft as `module.toml` text; empty fields carry the `labels.fill` comment."""
    labs = ", ".join(sorted(known_labs))
    out = [f"# {line}" for line in labels.header]
    out += ["", "[module]", f"id = {_string(draft.id)}"]
    out += _text_lines("title", draft.title, labels)
    out += [f"source = {_string(draft.source)}"]
    out += _text_lines("overview", draft.overview, labels)
    previous_section = 0
    for card in draft.cards:
        section = KIND_SECTION[card.kind]
        if section != previous_section:
            out += ["", f"# {section}. {SECTIONS[section - 1]}"]
            previous_section = section
        out += ["", "[[cards]]", f"id = {_string(card.id)}", f"kind = {_string(card.kind)}"]
        if card.step is not None:
            out.append(f"step = {card.step}")
        if card.offset is not None:
            out.append(f"offset = {{ {card.offset[0]} = {card.offset[1]} }}")
        if card.lab is not None:
            note = labels.lab_required if card.lab == "required" else labels.lab_optional
            out.append(f'# lab = ""  # {note.format(labs=labs)}')
        if card.code_lang is not None:
            out.append(f"code_lang = {_string(card.code_lang)}")
        out += _text_lines("front", card.front, labels)
        for key in ("focus", "task"):
            value = getattr(card, key)
            if value is not None:
                out += _text_lines(key, value, labels)
        if card.code is not None:
            out.append(f"code = {_string(card.code, multiline=True)}")
        if card.back is not None:
            out += _text_lines("back", card.back, labels)
    return "\n".join(out) + "\n"


def _text_lines(key: str, bg: str, labels: DraftLabels) -> list[str]:
    """`key.bg` and `key.en` lines; an empty text carries a comment saying what to write."""
    bg_note = f"  # {labels.fill_answer}" if not bg else ""
    return [
        f"{key}.bg = {_string(bg, multiline=chr(10) in bg)}{bg_note}",
        f'{key}.en = ""  # {labels.fill_translation}',
    ]


def _string(text: str, multiline: bool = False) -> str:
    """A TOML string that reads back as exactly `text`."""
    if multiline:
        if "'''" not in text and not _CONTROL.search(text.replace("\n", "").replace("\t", "")):
            return f"'''\n{text}'''"
        return '"""\n' + _escape(text, keep_newlines=True) + '"""'
    return f'"{_escape(text, keep_newlines=False)}"'


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _escape(text: str, keep_newlines: bool) -> str:
    def one(char: str) -> str:
        if char == "\\":
            return "\\\\"
        if char == '"':
            return '\\"'
        if char == "\n" and keep_newlines:
            return "\n"
        if _CONTROL.match(char):
            return f"\\u{ord(char):04x}"
        return char

    return "".join(one(char) for char in text)


# --- small helpers --------------------------------------------------------------------------


def _plain(text: str) -> str:
    """Markdown `**` removed, surrounding whitespace stripped."""
    return text.replace("**", "").strip()


def _words(text: str) -> list[str]:
    return text.casefold().split()


def _slug(text: str) -> str:
    return _NOT_ID.sub("-", text.casefold()).strip("-")
