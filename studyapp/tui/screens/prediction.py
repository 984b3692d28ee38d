"""Predict first: the lab's multiple-choice question, answered before the run starts."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text as RichText
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import OptionList

from studyapp.labs.predictions import Prediction, Question
from studyapp.tui.screens.base import AppModal
from studyapp.tui.widgets.lab_views import lab_title
from studyapp.tui.widgets.plain import Plain

CSS_PATH = "../labs.tcss"


class PredictionDialog(AppModal):
    """Pick an answer (1–4, or arrows and enter); `escape` starts nothing."""

    CSS_PATH = CSS_PATH
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(str(number), f"choose({number - 1})", "labs_ui.bind.choose", show=False,
                  id=f"prediction.choose{number}") for number in range(1, 10)),
    ]

    def __init__(self, lab_id: str, question: Question,
                 then: Callable[[Prediction | None], None]) -> None:
        super().__init__()
        self.lab_id = lab_id
        self.question = question
        self.then = then

    def compose(self) -> ComposeResult:
        lang = self.study_app.language
        with Vertical(id="prediction-box", classes="dialog"):
            yield Plain(self.t("labs_ui.predict_title", lab=lab_title(self.lab_id, lang)),
                        classes="dialog-title")
            yield Plain(self.question.prompt.get(lang), id="prediction-question")
            yield OptionList(*(RichText(f"{number}  {choice.get(lang)}") for number, choice
                               in enumerate(self.question.choices, start=1)),
                             id="prediction-choices")
            yield Plain(self.t("labs_ui.predict_hint", last=len(self.question.choices)),
                        classes="hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_choose(event.option_index)

    def action_choose(self, choice: int) -> None:
        if not 0 <= choice < len(self.question.choices):
            self.app.bell()
            return
        self.dismiss()
        self.then(Prediction.of(self.question, choice))
