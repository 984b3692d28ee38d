"""Review: show a card, optionally type an answer, reveal, grade 0–5, undo, and a summary.

The question has a pane of its own above the answers, so a long answer scrolls under it
and the question stays in view.
"""

from __future__ import annotations

from time import monotonic
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Static

from studyapp.services.content import Card
from studyapp.services.present import kind_name, review_back, review_front, review_notes
from studyapp.services.review import ReviewSession
from studyapp.services.values import Dashboard, GradeResult, QueueItem, SessionSummary
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.texts import GRADES, fmt_date, grade_meaning, next_step_text, when
from studyapp.tui.widgets.answer_box import AnswerBox
from studyapp.tui.widgets.code import code_view
from studyapp.tui.widgets.footer import KeyBar
from studyapp.tui.widgets.plain import Plain

PROGRESS_CELLS = 10
GRADING = Binding.Group("bind.grade")  # one entry on the key bar: 0–5 grade


def progress_bar(done: int, total: int) -> str:
    """`done` of `total` as a bar of PROGRESS_CELLS cells and the two counts."""
    filled = PROGRESS_CELLS * done // total if total else PROGRESS_CELLS
    return f"{'━' * filled}{'╌' * (PROGRESS_CELLS - filled)} {done}/{total}"


class ReviewScreen(AppScreen):
    CSS_PATH = "../review.tcss"
    AUTO_FOCUS = ""  # keys start as commands; `tab` enters the answer box
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space,enter", "reveal", "bind.reveal", id="review.reveal"),
        Binding("tab", "toggle_answer", "bind.answer", id="review.answer"),
        *(
            Binding(str(grade), f"grade({grade})", f"bind.grade{grade}", group=GRADING,
                    id=f"review.grade{grade}")
            for grade in GRADES
        ),
        Binding("u", "undo", "bind.undo", id="review.undo"),
        Binding("i", "info", "bind.info", id="review.info"),
        Binding("l", "lab", "lab.bind.lab", id="review.lab"),
        *(
            Binding(key, f"scroll_card('{name}')", f"bind.{name}", show=False, id=f"review.{name}")
            for key, name in (("up", "scroll_up"), ("down", "scroll_down"),
                              ("pageup", "page_up"), ("pagedown", "page_down"))
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.session: ReviewSession | None = None
        self.item: QueueItem | None = None
        self.revealed = False
        self.answer = ""
        self.shown_at = monotonic()
        self.last: tuple[Card, GradeResult] | None = None
        self.ahead: Dashboard | None = None  # what is next, read once the queue is empty
        self.undone = False  # the last thing done was an undo: the status line confirms it

    def compose(self) -> ComposeResult:
        yield Plain("", id="review-status", classes="screen-title")
        yield Plain("", id="review-last", classes="hint")
        with (VerticalScroll(id="review-question", can_focus=False),
              Vertical(id="review-card", classes="panel")):
            yield Plain("", id="card-front")
            yield Static("", id="card-code")
        with VerticalScroll(id="review-main", can_focus=False):
            yield AnswerBox(self.answer, placeholder=self.t("review.placeholder"), id="answer")
            with Horizontal(id="review-back"):
                with Vertical(classes="panel"):
                    yield Plain(self.t("review.your_answer"), classes="panel-title")
                    yield Plain("", id="typed-answer")
                with Vertical(classes="panel"):
                    yield Plain(self.t("review.model_answer"), classes="panel-title")
                    yield Plain("", id="model-answer")
            with Vertical(id="review-notes", classes="panel"):
                yield Plain(self.t("review.notes"), classes="panel-title")
                yield Plain("", id="notes-text")
        with Grid(id="grade-legend"):
            for grade in GRADES:
                yield Plain(f"{grade} {grade_meaning(self.lang, grade)}", classes="grade")
        with Vertical(id="review-summary", classes="panel"):
            yield Plain("", id="summary-title", classes="panel-title")
            yield Plain("", id="summary-text")
            yield Plain("", id="summary-next", classes="next-step")
        yield KeyBar()

    def on_mount(self) -> None:
        with self.study_app.reporting_errors():
            self.session = self.service.start_review()
            self.item = self.session.current()
        self.show()

    async def language_changed(self) -> None:
        await super().language_changed()
        self.show()

    def day_changed(self) -> None:
        if self.session is None:
            return
        with self.study_app.reporting_errors():
            if self.session.refresh_if_day_changed():
                self.show_item(self.session.current())

    # -- showing -----------------------------------------------------------

    def show_item(self, item: QueueItem | None) -> None:
        self.item = item
        self.revealed = False
        self.answer = ""
        self.query_one(AnswerBox).value = ""
        self.shown_at = monotonic()
        self.show()
        for pane in self.query(VerticalScroll):
            pane.scroll_home(animate=False)

    def show(self) -> None:
        """Fill every widget from the screen's state."""
        item = self.item
        self._show_parts(item, self.revealed)
        self.query_one("#review-status", Plain).update(self._status())
        self.query_one("#review-last", Plain).update(self._last_text())
        if item is None:
            self._show_summary()
        else:
            card = item.card
            self.query_one("#card-front", Plain).update(review_front(card, self.lang))
            self.query_one("#card-code", Static).update(
                code_view(card, self.lang) if card.code else ""
            )
            self.query_one("#typed-answer", Plain).update(
                self.answer or self.t("review.no_answer")
            )
            self.query_one("#model-answer", Plain).update(review_back(card, self.lang))
            self.query_one("#notes-text", Plain).update(review_notes(card, self.lang))
        self.refresh_bindings()

    def _show_parts(self, item: QueueItem | None, revealed: bool) -> None:
        """Show and hide parts one by one: a class on the screen would restyle every widget."""
        self.query_one("#review-question").display = item is not None
        self.query_one("#review-main").display = item is not None
        self.query_one("#review-summary").display = item is None
        self.query_one("#grade-legend").display = item is not None and revealed
        self.query_one("#review-back").display = revealed
        self.query_one("#review-notes").display = (
            revealed and item is not None and item.card.notes is not None
        )
        self.query_one(AnswerBox).display = not revealed
        self.query_one("#card-code").display = item is not None and item.card.code is not None

    def _status(self) -> str:
        title = self.t("review.title")
        if self.item is None or self.session is None:
            return title
        done, left = self.session.answered(), self.session.remaining()
        parts = [title, progress_bar(done, done + left), kind_name(self.item.card.kind, self.lang)]
        if self.item.redrill:
            parts.append(self.t("review.redrill"))
        elif self.item.is_new:
            parts.append(self.t("review.new"))
        if self.item.card.lab:
            parts.append(self.t("review.has_lab", lab=self.item.card.lab))
        return " · ".join(parts)

    def _last_text(self) -> str:
        if self.undone:
            return self.t("review.undone")
        if self.last is None:
            return ""
        _, result = self.last
        today = self.study_app.today or result.due
        key = "review.last_redrill" if result.redrill_queued else "review.last"
        return self.t(key, grade=result.grade, when=when(self.lang, today, result.due),
                      date=fmt_date(self.lang, result.due))

    def _show_summary(self) -> None:
        """The session's sum, titled for what happened, and what comes next."""
        if self.session is None:
            return
        summary = self.session.summary()
        nothing = summary.reviewed + summary.redrills == 0
        self.query_one("#summary-title", Plain).update(
            self.t("review.nothing_title" if nothing else "review.summary_title"))
        self.query_one("#summary-text", Plain).update(self._summary_text(summary))
        self.query_one("#summary-next", Plain).update(
            next_step_text(self.lang, self.ahead.next_step()) if self.ahead else "")
        if self.ahead is None:
            self.load("ahead", self.service.dashboard, self._show_ahead)

    def _show_ahead(self, ahead: Dashboard) -> None:
        if self.item is None:
            self.ahead = ahead
            self._show_summary()

    def _summary_text(self, summary: SessionSummary) -> str:
        next_due = fmt_date(self.lang, summary.next_due)
        if summary.reviewed == 0:
            return self.t("review.nothing_due", date=next_due)
        grades = "  ".join(f"{grade}×{summary.grades.get(grade, 0)}" for grade in GRADES)
        minutes, seconds = divmod(round(summary.seconds), 60)
        return "\n".join((
            self.t("review.summary_cards", cards=summary.cards, answers=summary.answers,
                   redrills=summary.redrills),
            self.t("review.summary_grades", grades=grades),
            self.t("review.summary_time", minutes=minutes, seconds=seconds),
            self.t("review.summary_next", date=next_due),
        ))

    # -- actions -----------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that wait for a step (reveal, then grade; undo) are off the key bar until
        then (None: help lists them as not now); `l` is hidden on a card that has no lab."""
        if action == "lab":
            return self.item is not None and self.item.card.lab is not None
        has_card = self.item is not None
        available = {
            "reveal": has_card and not self.revealed,
            "toggle_answer": has_card and not self.revealed,
            "grade": has_card and self.revealed,
            "undo": self.session is not None and self.session.can_undo(),
            "info": has_card or self.last is not None,
        }.get(action, True)
        return True if available else None

    def action_scroll_card(self, name: str) -> None:
        """Long questions, then (once revealed) long answers, scroll with the arrow and page
        keys."""
        pane = "#review-main" if self.revealed else "#review-question"
        getattr(self.query_one(pane, VerticalScroll), f"action_{name}")()

    def action_toggle_answer(self) -> None:
        box = self.query_one(AnswerBox)
        if box.has_focus:
            box.blur()
        else:
            box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.answer = event.value

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_reveal()

    def action_reveal(self) -> None:
        if self.item is None or self.revealed:
            return
        box = self.query_one(AnswerBox)
        self.answer = box.value.strip()
        box.blur()
        self.revealed = True
        self.show()
        back = self.query_one("#review-back")
        self.call_after_refresh(back.scroll_visible, animate=False, top=True)

    def action_grade(self, grade: int) -> None:
        if self.session is None or self.item is None or not self.revealed:
            return
        card = self.item.card
        elapsed_ms = round((monotonic() - self.shown_at) * 1000)
        with self.study_app.reporting_errors():
            result = self.session.grade(grade, self.answer or None, elapsed_ms)
            self.last = (card, result)
            self.ahead = None
            self.undone = False
            self.show_item(self.session.current())

    def action_undo(self) -> None:
        if self.session is None:
            return
        with self.study_app.reporting_errors():
            item = self.session.undo()
            self.last, self.undone = None, True
            self.ahead = None
            self.show_item(item)

    def action_lab(self) -> None:
        """Run the lab of the card on screen (predict first); the review waits here."""
        if self.item is not None and self.item.card.lab:
            self.study_app.launch_lab(self.item.card.lab, self.item.card.id)

    def action_info(self) -> None:
        from studyapp.tui.screens.card_info import CardInfoScreen

        card = self.item.card if self.item is not None else self.last[0] if self.last else None
        if card is not None:
            with self.study_app.reporting_errors():
                self.app.push_screen(CardInfoScreen(self.service.card_info(card.id)))
