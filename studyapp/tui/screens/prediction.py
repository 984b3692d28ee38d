"""Choosing before a lab runs: the lab's prediction question, or which lab of a section."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text as RichText
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import OptionList

from studyapp.services.lab_results import Prediction, Question
from studyapp.tui.screens.base import AppModal
from studyapp.tui.texts import lab_title
from studyapp.tui.widgets.plain import Plain

CSS_PATH = "../labs.tcss"


class ChoiceDialog(AppModal):
    """Pick one of a few answers (1–9, or arrows and enter); `escape` picks nothing."""

    CSS_PATH = CSS_PATH
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(str(number), f"choose({number - 1})", "lab.bind.choose", show=False,
                  id=f"choice.choose{number}") for number in range(1, 10)),
    ]

    def __init__(self, title: str, prompt: str, choices: Sequence[str],
                 then: Callable[[int], None]) -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.choices = list(choices)
        self.then = then

    def compose(self) -> ComposeResult:
        with Vertical(id="choice-box", classes="dialog"):
            yield Plain(self.title_text, classes="dialog-title")
            yield Plain(self.prompt, id="choice-prompt")
            yield OptionList(*(RichText(f"{number}  {choice}") for number, choice
                               in enumerate(self.choices, start=1)), id="choice-list")
            yield Plain(self.t("lab.choice_hint", last=len(self.choices)), classes="hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_choose(event.option_index)

    def action_choose(self, choice: int) -> None:
        if not 0 <= choice < len(self.choices):
            self.app.bell()
            return
        self.dismiss()
        self.then(choice)


class PredictionDialog(ChoiceDialog):
    """Predict first: the lab's question; the answer is saved with the run."""

    def __init__(self, lab_id: str, question: Question, lang: str, title: str,
                 then: Callable[[Prediction], None]) -> None:
        super().__init__(f"{title} · {lab_title(lab_id, lang)}", question.prompt.get(lang),
                         [choice.get(lang) for choice in question.choices],
                         lambda choice: then(Prediction.of(question, choice)))
