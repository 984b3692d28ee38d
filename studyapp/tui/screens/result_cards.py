"""Cards from the learner's own numbers: choose which join the review queue."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text as RichText
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import SelectionList

from studyapp.controls import visible
from studyapp.labs.lesson import CardDraft
from studyapp.labservice import RecordedRun
from studyapp.tui.screens.base import AppModal
from studyapp.tui.screens.prediction import CSS_PATH
from studyapp.tui.widgets.plain import Plain


class ResultCardsDialog(AppModal):
    """Every card starts chosen; `space` toggles one, `a` adds the chosen ones."""

    CSS_PATH = CSS_PATH
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "accept", "labs_ui.bind.accept", id="result_cards.accept"),
    ]

    def __init__(self, record: RecordedRun, drafts: Sequence[CardDraft],
                 then: Callable[[list[str]], None]) -> None:
        super().__init__()
        self.record = record
        self.drafts = list(drafts)
        self.then = then

    def compose(self) -> ComposeResult:
        lang = self.study_app.language
        with Vertical(id="result-cards-box", classes="dialog"):
            yield Plain(self.t("labs_ui.cards_title"), classes="dialog-title")
            yield SelectionList[int](
                *((RichText(visible(draft.front.get(lang))), index, True)
                  for index, draft in enumerate(self.drafts)),
                id="result-cards-list")
            with VerticalScroll(id="result-cards-answer"):
                yield Plain(self._answer(0), id="result-cards-back")
            yield Plain(self.t("labs_ui.cards_hint"), classes="hint")

    def _answer(self, index: int) -> str:
        lang = self.study_app.language
        return self.t("labs_ui.cards_answer", answer=self.drafts[index].back.get(lang))

    def on_selection_list_selection_highlighted(
        self, event: SelectionList.SelectionHighlighted[int]
    ) -> None:
        """The answer of the card under the cursor, to judge it before adding it."""
        self.query_one("#result-cards-back", Plain).update(self._answer(event.selection_index))

    def action_accept(self) -> None:
        chosen = [self.drafts[index] for index in sorted(
            self.query_one(SelectionList).selected)]
        if not chosen:
            self.dismiss()
            return
        with self.study_app.reporting_errors():
            ids = self.study_app.lab_session().accept_cards(self.record, chosen)
            self.dismiss()
            self.then(ids)
