"""The bilingual text every layer passes around: `Text` and the languages.

A text is Bulgarian first (the content's own language) with an English translation that
may be missing.

Pure: imports the standard library only.
"""

from __future__ import annotations

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
