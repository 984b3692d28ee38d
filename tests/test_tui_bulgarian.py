"""Walks every main screen in Bulgarian and fails on an English word outside code, ids and
units: every text the learner reads is in the learner's language."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from lab_records import app_over_a_recorded_run
from rich.text import Text as RichText
from textual.pilot import Pilot
from textual.widgets import OptionList, Static
from tui_support import drive, running

from studyapp.labs.catalog import LAB_IDS
from studyapp.tui.widgets.footer import KeyBar
from studyapp.tui.widgets.plain import Plain

# Names of keys, units, measures, ids, libraries and methods that stay as they are in
# Bulgarian text; a language is named in its own words; "Test" is the recorded run's CPU.
TECHNICAL = {"tab", "esc", "enter", "space", "ctrl", "shift", "super", "int8", "fp32",
             "linear", "onnx", "cpu", "gpu", "studyapp", *LAB_IDS,
             "torch", "pytorch", "runtime", "eager", "roofline", "pruning", "minmax",
             "entropy", "percentile", "csr", "qdq", "qoperator", "mlp", "vnni", "json",
             "english", "test", "prefill", "anki", "apkg"}
WORD = re.compile(r"\b[A-Za-z]{3,}\b")  # a word with digits is a name: int8, avx2
# a dotted name in a sentence (time.time()), or a path (/home/you/Documents)
CODE = re.compile(r"\w+(?:\.\w+)+(?:\(\))?|(?<!\w)/[\w./-]+")


def english_words(pilot: Pilot[Any]) -> set[str]:
    """ASCII words of three letters or more in the screen's texts and lists, code left
    out."""
    screen = pilot.app.screen
    texts = [str(widget.render()) for widget in screen.query(Plain) if widget.display]
    texts += [str(widget.render()) for widget in screen.query(Static)
              if isinstance(widget.render(), (str, RichText)) and widget.display]
    texts += [str(options.get_option_at_index(index).prompt) for options in
              screen.query(OptionList) for index in range(options.option_count)]
    bar = screen.query(KeyBar)
    texts += [" ".join(f"{key} {name}" for key, name, _ in bar.first().entries())] if bar else []
    return {word for text in texts for word in WORD.findall(CODE.sub(" ", text))
            if word.lower() not in TECHNICAL}


@drive
async def test_every_screen_speaks_bulgarian(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    app = app_over_a_recorded_run(tmp_path, "bg", monkeypatch)
    found: dict[str, set[str]] = {}
    async with running(app) as pilot:
        walk = (("dashboard", ()), ("help", ("question_mark",)), ("study", ("escape", "s")),
                ("step", ("n", "n", "n")), ("review", ("escape", "r")),
                ("answer", ("space",)), ("stats", ("escape", "t")),
                ("settings", ("escape", "o")), ("labs", ("escape", "l")),
                ("lab result", ("down", "o")), ("palette", ("escape", "ctrl+p")))
        for name, keys in walk:
            await pilot.press(*keys)
            for _ in range(5):
                await pilot.pause()
            words = english_words(pilot)
            if words:
                found[name] = words
    assert found == {}, found
