"""Walks every main screen in Bulgarian and fails on an English word outside code, ids and
units: every text the learner reads is in the learner's language."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rich.text import Text as RichText
from textual.pilot import Pilot
from textual.widgets import Static
from tui_support import FakeClock, build_app, drive, running

from studyapp.labs.catalog import LAB_IDS
from studyapp.tui.widgets.footer import KeyBar
from studyapp.tui.widgets.plain import Plain

# Names of keys, units, measures and ids that stay as they are in Bulgarian text.
TECHNICAL = {"tab", "esc", "enter", "space", "ctrl", "shift", "super", "int8", "fp32",
             "linear", "onnx", "cpu", "gpu", "studyapp", *LAB_IDS}
WORD = re.compile(r"[A-Za-z]{3,}")
CODE = re.compile(r"\w+(?:\.\w+)+(?:\(\))?")  # a dotted name in a sentence: time.time()


def english_words(pilot: Pilot[Any]) -> set[str]:
    """ASCII words of three letters or more in the screen's texts, code left out."""
    screen = pilot.app.screen
    texts = [str(widget.render()) for widget in screen.query(Plain) if widget.display]
    texts += [str(widget.render()) for widget in screen.query(Static)
              if isinstance(widget.render(), (str, RichText)) and widget.display]
    bar = screen.query(KeyBar)
    texts += [" ".join(f"{key} {name}" for key, name, _ in bar.first().entries())] if bar else []
    return {word for text in texts for word in WORD.findall(CODE.sub(" ", text))
            if word.lower() not in TECHNICAL}


@drive
async def test_every_screen_speaks_bulgarian(tmp_path: Path) -> None:
    app = build_app(tmp_path, FakeClock(), lang="bg")
    found: dict[str, set[str]] = {}
    async with running(app) as pilot:
        walk = (("dashboard", ()), ("help", ("question_mark",)), ("study", ("escape", "s")),
                ("step", ("n", "n", "n")), ("review", ("escape", "r")),
                ("answer", ("space",)), ("stats", ("escape", "t")),
                ("settings", ("escape", "o")), ("labs", ("escape", "l")),
                ("palette", ("escape", "ctrl+p")))
        for name, keys in walk:
            await pilot.press(*keys)
            for _ in range(5):
                await pilot.pause()
            words = english_words(pilot)
            if words:
                found[name] = words
    assert found == {}
