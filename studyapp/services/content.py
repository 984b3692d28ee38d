"""The learning content as the app and the command line get it: the modules, validated whole
against the app's labs, and the card types and kinds they show.

Light on purpose: the app loads the content at start-up, and the command line's parser
offers the card kinds.
"""

from __future__ import annotations

from pathlib import Path

from studyapp.deck import Card, ContentError, Module, load_modules
from studyapp.deck.model import CARD_KINDS, RESULT_KIND
from studyapp.labs.catalog import LAB_IDS

__all__ = ["CARD_KINDS", "RESULT_KIND", "Card", "ContentError", "Module", "load_content"]


def load_content(content_dir: Path) -> list[Module]:
    """Every module in `content_dir`, validated whole; ContentError on the first problem."""
    return load_modules(content_dir, LAB_IDS)
