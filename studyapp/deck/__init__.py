"""Content: modules and cards, their TOML loader and the Markdown importer.

Pure: imports the standard library only.
"""

from studyapp.deck.loader import ContentError, load_module, load_modules
from studyapp.deck.model import LANGS, Card, Lang, Module, PlanOffset, Text

__all__ = [
    "LANGS",
    "Card",
    "ContentError",
    "Lang",
    "Module",
    "PlanOffset",
    "Text",
    "load_module",
    "load_modules",
]
