"""Syntax-highlighted code of example cards."""

from __future__ import annotations

from typing import TYPE_CHECKING

from studyapp.controls import visible
from studyapp.services.content import Card
from studyapp.services.present import card_code

if TYPE_CHECKING:
    from rich.syntax import Syntax


def code_view(card: Card, lang: str) -> Syntax:
    """The card's code in `lang`, highlighted (rich loads its lexers only when a card has code);
    control characters are shown as escapes."""
    from rich.syntax import Syntax

    return Syntax(visible(card_code(card, lang)), card.code_lang, theme="ansi_dark", word_wrap=True,
                  background_color="default")
