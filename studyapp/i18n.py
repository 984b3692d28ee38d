"""User-visible strings in Bulgarian and English.

Catalogues live in `studyapp/locales/*.toml`, one file per part of the app,
each with a `[bg]` and an `[en]` table of the same keys. A key is looked up
as `FILE.KEY` (e.g. `tr("en", "cli.due_header")`).
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from studyapp.deck.model import LANGS, Text

LOCALES = Path(__file__).resolve().parent / "locales"


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
