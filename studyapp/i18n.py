"""User-visible strings in Bulgarian and English.

Catalogues live in `studyapp/locales/*.toml`, one file per part of the app,
each with a `[bg]` and an `[en]` table of the same keys. A key is looked up
as `FILE.KEY` (e.g. `tr("en", "cli.due_header")`).
"""

from __future__ import annotations

import string
import tomllib
from functools import cache
from pathlib import Path

from studyapp.text import LANGS, Text

LOCALES = Path(__file__).resolve().parent / "locales"
_PUNCTUATION = string.punctuation + "„“”«»—–…"


@cache
def _file(name: str) -> dict[str, dict[str, str]]:
    """One catalogue file, read the first time one of its keys is asked for."""
    path = LOCALES / f"{name}.toml"
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every string of one language, keyed `FILE.KEY`."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    merged: dict[str, str] = {}
    for path in sorted(LOCALES.glob("*.toml")):
        table = _file(path.stem).get(lang, {})
        merged.update({f"{path.stem}.{key}": value for key, value in table.items()})
    return merged


def tr(lang: str, key: str, **values: object) -> str:
    """The string `key` in `lang`, formatted with `values`."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    name, _, short = key.partition(".")
    table = _file(name)
    text = table.get(lang, {}).get(short) or table.get("bg", {}).get(short)
    if text is None:
        raise KeyError(f"no text for {key!r}")
    return text.format(**values) if values else text


def texts(key: str, **values: object) -> Text:
    """The string `key` in Bulgarian and English, for a text that is stored or sent on."""
    return Text(tr("bg", key, **values), tr("en", key, **values))


def counted(lang: str, unit: str, count: object) -> str:
    """'1 thread' / '2 threads' ('1 нишка' / '2 нишки'): a count with its unit's plural
    form (`units.UNIT_one`, `units.UNIT_many`); a count not known ("?") takes the plural."""
    return tr(lang, f"units.{unit}_{'one' if count == 1 else 'many'}", n=count)


def days(lang: str, count: int) -> str:
    """'1 day' / '5 days' ('1 ден' / '5 дни')."""
    return counted(lang, "day", count)


def fmt_number(lang: str, value: float, digits: int = 0) -> str:
    """`value` with `digits` decimals, written as `lang` writes numbers: "1,234.5" in
    English, "1 234,5" in Bulgarian (a space groups thousands, a comma is decimal)."""
    shown = f"{value:,.{digits}f}"
    if lang == "en":
        return shown
    return shown.replace(",", " ").replace(".", ",")


def as_sentence(text: str) -> str:
    """`text` starting with a capital letter, unless its first word is a technical token
    that keeps its case ("fp16", "int8", "torch.compile", "ONNX"): the rest is untouched."""
    word = text.split(maxsplit=1)[0].strip(_PUNCTUATION) if text.strip() else ""
    if not word.isalpha() or not word.islower():
        return text
    return text[:1].upper() + text[1:]
