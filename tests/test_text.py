"""A bilingual text survives its JSON form, and stored forms that lack a language still read."""

from __future__ import annotations

import json

import pytest

from studyapp.text import LANGS, Text


@pytest.mark.parametrize("text", [Text("Квантизация", "Quantization"), Text("Само български"),
                                  Text("", ""), Text("ред\nдруг ред „кавички“", "a\tb")])
def test_a_text_comes_back_from_its_json_form(text: Text) -> None:
    stored = json.dumps(text.to_json(), ensure_ascii=False)
    assert Text.from_json(json.loads(stored)) == text


def test_the_json_form_holds_every_language() -> None:
    assert Text("Кеш", "Cache").to_json() == {"bg": "Кеш", "en": "Cache"}
    assert tuple(Text("Кеш").to_json()) == LANGS


@pytest.mark.parametrize("stored", [{"bg": "Кеш"}, {"bg": "Кеш", "en": None},
                                    {"bg": "Кеш", "en": ""}])
def test_a_missing_translation_reads_as_empty(stored: dict[str, object]) -> None:
    text = Text.from_json(stored)
    assert text == Text("Кеш", "")
    assert text.get("en") == "Кеш"  # shown in Bulgarian where no translation exists


def test_a_form_without_any_language_reads_as_an_empty_text() -> None:
    assert Text.from_json({}) == Text("", "")
    assert Text.from_json({"en": "Cache"}) == Text("", "Cache")


def test_extra_keys_are_ignored() -> None:
    assert Text.from_json({"bg": "Кеш", "en": "Cache", "de": "Zwischenspeicher"}) == Text(
        "Кеш", "Cache")
