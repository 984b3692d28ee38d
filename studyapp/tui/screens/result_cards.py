"""Cards from the learner's own numbers: choose which join the review queue.

A list of options with a mark drawn in each prompt (Textual's `SelectionList` draws its
check box per line, so long card fronts that wrap showed it on the wrong lines).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text as RichText
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList

from studyapp.controls import visible
from studyapp.services.lab_values import CardDraft
from studyapp.services.labs import RecordedRun
from studyapp.tui.screens.base import AppModal
from studyapp.tui.screens.prediction import CSS_PATH
from studyapp.tui.widgets.plain import Plain

MARKS = {True: "☑ ", False: "☐ "}


class ResultCardsDialog(AppModal):
    """Every card starts chosen; `space` or `enter` toggles one, `a` adds the chosen ones."""

    CSS_PATH = CSS_PATH
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_card", "lab.bind.toggle", id="result_cards.toggle"),
        Binding("a", "accept", "lab.bind.accept", id="result_cards.accept"),
    ]

    def __init__(self, record: RecordedRun, drafts: Sequence[CardDraft],
                 then: Callable[[list[str]], None]) -> None:
        super().__init__()
        self.record = record
        self.drafts = list(drafts)
        self.chosen = set(range(len(self.drafts)))
        self.then = then

    def compose(self) -> ComposeResult:
        with Vertical(id="result-cards-box", classes="dialog"):
            yield Plain(self.t("lab.cards_title"), classes="dialog-title")
            yield OptionList(*(self._prompt(index) for index in range(len(self.drafts))),
                             id="result-cards-list")
            with VerticalScroll(id="result-cards-answer"):
                yield Plain(self._answer(0), id="result-cards-back")
            yield Plain(self.t("lab.cards_hint"), classes="hint")

    def _prompt(self, index: int) -> RichText:
        front = self.drafts[index].front.get(self.study_app.language)
        return RichText(MARKS[index in self.chosen] + visible(front))

    def _answer(self, index: int) -> str:
        lang = self.study_app.language
        return self.t("lab.cards_answer", answer=self.drafts[index].back.get(lang))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """The answer of the card under the cursor, to judge it before adding it."""
        self.query_one("#result-cards-back", Plain).update(self._answer(event.option_index))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_toggle_card()

    def action_toggle_card(self) -> None:
        options = self.query_one(OptionList)
        index = options.highlighted
        if index is None:
            return
        self.chosen ^= {index}
        options.replace_option_prompt_at_index(index, self._prompt(index))

    def action_accept(self) -> None:
        chosen = [self.drafts[index] for index in sorted(self.chosen)]
        if not chosen:
            self.dismiss()
            return
        with self.study_app.reporting_errors():
            ids = self.study_app.study_labs().accept_cards(self.record, chosen)
            self.dismiss()
            self.then(ids)
