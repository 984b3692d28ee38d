"""The bilingual text every layer passes around: `Text`, the languages, and its JSON form.

A text is Bulgarian first (the content's own language) with an English translation that
may be missing. Stored and sent on as `{"bg": "…", "en": "…"}`:

    Text("Квантизация", "Quantization").to_json()    # {"bg": "Квантизация", "en": "Quantization"}
    Text.from_json({"bg": "Квантизация"})              # Text("Квантизация", "")

Pure: imports the standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Lang = Literal["bg", "en"]
LANGS: tuple[Lang, ...] = ("bg", "en")


@dataclass(frozen=True)
class Text:
    """A text in the module's languages; Bulgarian is always present."""

    bg: str
    en: str = ""

    def get(self, lang: str) -> str:
        """The text in `lang`, falling back to Bulgarian where no translation exists."""
        if lang == "en" and self.en:
            return self.en
        return self.bg

    def to_json(self) -> dict[str, str]:
        """The JSON-able form, `{"bg": …, "en": …}`."""
        return {"bg": self.bg, "en": self.en}

    @classmethod
    def from_json(cls, value: Mapping[str, object]) -> Text:
        """The text of a `{"bg": …, "en": …}` object read back from disk or a pipe. Stored
        data outlives the code that wrote it, so a language that is missing or null reads
        as ""."""
        return cls(str(value.get("bg") or ""), str(value.get("en") or ""))
