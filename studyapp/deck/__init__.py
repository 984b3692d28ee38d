"""Content: modules and cards, their TOML loader and the Markdown importer.

Pure: imports the standard library and the shared words (`text`, `errors`, `controls`) only.
"""

from studyapp.deck.loader import ContentError, load_module, load_modules
from studyapp.deck.model import Card, Module, PlanOffset

__all__ = [
    "Card",
    "ContentError",
    "Module",
    "PlanOffset",
    "load_module",
    "load_modules",
]
