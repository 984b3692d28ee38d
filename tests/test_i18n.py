"""Every catalogue speaks both languages, and every key the app asks for exists."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from studyapp.i18n import LOCALES, as_sentence, catalogue, counted, days, fmt_number, tr

CATALOGUES = sorted(LOCALES.glob("*.toml"))
TUI = Path(__file__).resolve().parents[1] / "studyapp" / "tui"
# t("key"), self.t("key"), t(lang, "key"); binding descriptions are checked from the
# bindings themselves (test_tui_app.py)
LITERAL_KEY = re.compile(r'\bt\((?:[a-z.]+,\s*)?"([a-z0-9_.]+)"')
PLACEHOLDER = re.compile(r"\{(\w+)")


def test_there_are_catalogues() -> None:
    assert any(path.name == "tui.toml" for path in CATALOGUES)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.name)
def test_bg_and_en_hold_the_same_keys_and_placeholders(path: Path) -> None:
    tables = tomllib.loads(path.read_text(encoding="utf-8"))
    assert set(tables) == {"bg", "en"}
    bg, en = tables["bg"], tables["en"]
    assert sorted(set(bg) ^ set(en)) == []
    for key in bg:
        assert isinstance(bg[key], str) and isinstance(en[key], str), key
        if not bg[key].strip() or not en[key].strip():  # a deliberately blank text
            assert bg[key] == en[key], key
        assert set(PLACEHOLDER.findall(bg[key])) == set(PLACEHOLDER.findall(en[key])), key


def test_keys_are_flat_strings_with_no_nested_tables() -> None:
    for lang in ("bg", "en"):
        assert all(isinstance(value, str) for value in catalogue(lang).values())


def test_every_literal_key_in_the_app_exists_in_both_languages() -> None:
    used: set[str] = set()
    for source in TUI.rglob("*.py"):
        for match in LITERAL_KEY.finditer(source.read_text(encoding="utf-8")):
            used.add(match.group(1))
    assert len(used) > 50
    for lang in ("bg", "en"):
        texts = catalogue(lang)
        # a key is `tui.KEY`, or given whole when it names another catalogue
        missing = sorted(key for key in used if f"tui.{key}" not in texts and key not in texts)
        assert missing == [], lang


def test_lookup_formats_values_and_unknown_keys_fail() -> None:
    assert tr("en", "units.day_many", n=6) == "6 days"
    assert tr("bg", "units.day_many", n=6) == "6 дни"
    with pytest.raises(KeyError):
        tr("en", "tui.no.such.key")


def test_keys_built_at_run_time_exist_in_both_languages() -> None:
    from studyapp.deck.model import CARD_KINDS, RESULT_KIND
    from studyapp.text import LANGS
    from studyapp.tui.texts import GRADES

    sections = ("prior", "overview", "concepts", "step", "examples", "pitfalls", "quiz", "recap")
    keys = [f"grade.{grade}" for grade in GRADES] + [f"bind.grade{grade}" for grade in GRADES]
    keys += [f"weekday.{day}" for day in range(7)] + [f"settings.lang_{lang}" for lang in LANGS]
    keys += [f"study.section.{section}" for section in sections]
    common_keys = [f"common.kind.{kind}" for kind in (*CARD_KINDS, RESULT_KIND)]
    for lang in LANGS:
        assert [key for key in keys if f"tui.{key}" not in catalogue(lang)] == [], lang
        assert [key for key in common_keys if key not in catalogue(lang)] == [], lang


@pytest.mark.parametrize(("lang", "count", "said"), [
    ("bg", 1, "1 ден"), ("bg", 2, "2 дни"), ("bg", 0, "0 дни"), ("bg", 21, "21 дни"),
    ("en", 1, "1 day"), ("en", 2, "2 days"), ("en", 0, "0 days"),
])
def test_a_count_of_days_takes_its_plural_form(lang: str, count: int, said: str) -> None:
    assert days(lang, count) == said


@pytest.mark.parametrize(("lang", "unit", "count", "said"), [
    ("bg", "thread", 1, "1 нишка"), ("bg", "thread", 2, "2 нишки"), ("bg", "core", 1, "1 ядро"),
    ("bg", "core", 8, "8 ядра"), ("en", "thread", 1, "1 thread"), ("en", "core", 2, "2 cores"),
    ("en", "thread", "?", "? threads"),
])
def test_threads_and_cores_take_their_plural_form(lang: str, unit: str, count: object,
                                                   said: str) -> None:
    assert counted(lang, unit, count) == said


@pytest.mark.parametrize(("lang", "value", "digits", "said"), [
    ("en", 1234, 0, "1,234"), ("bg", 1234, 0, "1 234"),
    ("en", 50100.0, 0, "50,100"), ("bg", 1234567.891, 2, "1 234 567,89"),
    ("bg", 0.5, 1, "0,5"), ("en", 0.5, 1, "0.5"), ("bg", 999, 0, "999"),
])
def test_numbers_are_written_as_each_language_writes_them(
    lang: str, value: float, digits: int, said: str
) -> None:
    assert fmt_number(lang, value, digits) == said


@pytest.mark.parametrize(("text", "said"), [
    ("модел с три слоя", "Модел с три слоя"), ("latency, measured", "Latency, measured"),
    ("fp16 halves the bytes", "fp16 halves the bytes"), ("int8: четири пъти", "int8: четири пъти"),
    ("torch.compile builds a graph", "torch.compile builds a graph"),
    ("ONNX Runtime calls MLAS", "ONNX Runtime calls MLAS"), ("модел, който", "Модел, който"),
    ("", ""),
])
def test_a_sentence_starts_with_a_capital_but_technical_tokens_keep_their_case(
    text: str, said: str
) -> None:
    assert as_sentence(text) == said
