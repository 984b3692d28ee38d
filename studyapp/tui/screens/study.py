"""Study: the module in learning-path order, one section at a time, position remembered."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Static, TextArea

from studyapp.i18n import as_sentence
from studyapp.services.catalog import LAB_IDS, lab_info
from studyapp.services.content import Card, Module
from studyapp.services.present import cue
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.widgets.answer_box import NoteArea
from studyapp.tui.widgets.code import code_view
from studyapp.tui.widgets.footer import KeyBar
from studyapp.tui.widgets.plain import Plain


@dataclass(frozen=True)
class Section:
    kind: str  # "prior", "overview", "concepts", "step", "examples", "pitfalls", "quiz", "recap"
    step: Card | None = None  # the step card of a "step" section

    @property
    def id(self) -> str:
        """Saved as the study position: the kind, and the step number for a step."""
        return f"step.{self.step.step}" if self.step is not None else self.kind


def module_sections(module: Module) -> list[Section]:
    """The module's sections in the seed's learning-path order, empty ones left out."""
    sections = [Section("prior")] if module.of_kind("prior") else []
    sections.append(Section("overview"))
    if module.of_kind("concept"):
        sections.append(Section("concepts"))
    sections += [Section("step", card) for card in module.of_kind("step")]
    for kind, section in (("example", "examples"), ("pitfall", "pitfalls"), ("quiz", "quiz"),
                          ("recap", "recap")):
        if module.of_kind(kind):
            sections.append(Section(section))
    return sections


class StudyScreen(AppScreen):
    CSS_PATH = "../study.tcss"
    AUTO_FOCUS = "#study-body"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "move(1)", "bind.next", id="study.next"),
        Binding("p", "move(-1)", "bind.previous", id="study.previous"),
        Binding("l", "lab", "lab.bind.lab", id="study.lab"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.module = self.study_app.module
        self.sections = module_sections(self.module)
        self.index = 0
        self.prior: dict[str, str] = {}
        self.unsaved: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Plain("", id="study-title", classes="screen-title")
        yield VerticalScroll(id="study-body")
        yield KeyBar()

    def on_mount(self) -> None:
        with self.study_app.reporting_errors():
            self.service.mark_studied()
            self.prior = self.service.prior_answers()
            self.index = self._saved_index()
        self.call_after_refresh(self.show_section)

    def _saved_index(self) -> int:
        saved = self.service.study_position() or ""
        module_id, _, section_id = saved.partition(":")
        if module_id == self.module.id:
            for index, section in enumerate(self.sections):
                if section.id == section_id:
                    return index
        return 0

    async def show_section(self) -> None:
        section = self.sections[self.index]
        title = self.t(f"study.section.{section.kind}",
                       n=section.step.step if section.step is not None else "")
        self.query_one("#study-title", Plain).update(self.t(
            "study.title", module=self.module.title.get(self.lang), index=self.index + 1,
            total=len(self.sections), section=title,
        ))
        body = self.query_one("#study-body", VerticalScroll)
        async with body.batch():
            await body.remove_children()
            await body.mount_all(self.section_widgets())
        body.scroll_home(animate=False)
        self.refresh_bindings()

    async def language_changed(self) -> None:
        self.save_drafts()
        await super().language_changed()
        await self.show_section()

    # -- sections ------------------------------------------------------------

    def section_widgets(self) -> Iterator[Widget]:
        section = self.sections[self.index]
        if section.step is not None:
            yield from self._step(section.step)
            return
        yield from {
            "prior": self._prior,
            "overview": self._overview,
            "concepts": self._concepts,
            "examples": self._examples,
            "pitfalls": self._pitfalls,
            "quiz": self._quiz,
            "recap": self._recap,
        }[section.kind]()

    def _prior(self) -> Iterator[Widget]:
        yield Plain(self.t("study.prior_intro"), classes="hint")
        for number, card in enumerate(self.module.of_kind("prior"), start=1):
            yield Plain(card.front.get(self.lang), classes="item-title")
            yield NoteArea(self.prior.get(card.id, ""), id=f"prior-{number}",
                           classes="prior-answer", name=card.id)

    def _overview(self) -> Iterator[Widget]:
        yield Plain(self.module.overview.get(self.lang))

    def _concepts(self) -> Iterator[Widget]:
        for card in self.module.of_kind("concept"):
            if not card.is_reverse:
                yield self._term(card)

    def _term(self, card: Card) -> Widget:
        """A term or a pitfall: its name, its text, then any detail the card adds."""
        parts = [as_sentence(card.back.get(self.lang)) if card.back else "",
                 card.notes.get(self.lang) if card.notes else ""]
        return Vertical(
            Plain(card.front.get(self.lang), classes="item-title"),
            Plain("\n\n".join(part for part in parts if part), classes="item-body"),
            classes="item",
        )

    def _step(self, step: Card) -> Iterator[Widget]:
        yield Plain(step.front.get(self.lang), classes="item-title")
        if step.focus:
            yield Plain(self.t("study.focus", text=step.focus.get(self.lang)), classes="item-body")
        if step.task:
            yield Plain(self.t("study.task", text=step.task.get(self.lang)), classes="item-body")
        for reading in self.module.of_kind("reading"):
            if reading.step == step.step and reading.body is not None:
                yield Plain(reading.front.get(self.lang), classes="item-title")
                yield Plain(reading.body.get(self.lang), classes="item-body")
        recalls = [card for card in self.module.of_kind("recall") if card.step == step.step]
        if recalls:
            yield Plain(self.t("study.recall"), classes="item-title")
            for card in recalls:
                yield Plain(f"• {card.front.get(self.lang)}", classes="item-body")
        labs = self._step_labs(step)
        for card in labs:
            lab = lab_info(str(card.lab))
            yield Plain(self.t("study.lab", id=lab.id, title=lab.title.get(self.lang)),
                        classes="item-title")
            yield Plain(lab.description.get(self.lang), classes="item-body")
        if labs:
            hint = "lab.study_hint" if len(labs) == 1 else "lab.study_hint_choose"
            yield Plain(self.t(hint), classes="hint")

    def _examples(self) -> Iterator[Widget]:
        for card in self.module.of_kind("example"):
            yield Plain(card.front.get(self.lang), classes="item-title")
            yield Static(code_view(card, self.lang), classes="code")
            # the question review asks, its answer, then the detail review shows after it
            parts = [cue(card, self.lang) or "",
                     *(text.get(self.lang) for text in (card.back, card.notes) if text)]
            yield Plain("\n\n".join(part for part in parts if part), classes="item-body")

    def _pitfalls(self) -> Iterator[Widget]:
        for card in self.module.of_kind("pitfall"):
            yield self._term(card)

    def _quiz(self) -> Iterator[Widget]:
        yield Plain(self.t("study.quiz_intro"), classes="hint")
        for number, card in enumerate(self.module.of_kind("quiz"), start=1):
            yield Plain(f"{number}. {card.front.get(self.lang)}", classes="item-body")

    def _recap(self) -> Iterator[Widget]:
        recap = [f"• {card.front.get(self.lang)}" for card in self.module.of_kind("recap")]
        mine = []
        for card in self.module.of_kind("prior"):
            answer = self.prior.get(card.id, "").strip() or self.t("study.no_prior")
            mine.append(f"{card.front.get(self.lang)}\n  → {answer}")
        yield Horizontal(
            Vertical(Plain(self.t("study.recap_title"), classes="item-title"),
                     Plain("\n".join(recap), classes="item-body"), classes="recap-column"),
            Vertical(Plain(self.t("study.prior_title"), classes="item-title"),
                     Plain("\n\n".join(mine), classes="item-body"), classes="recap-column"),
            id="recap-columns",
        )
        yield Plain(self.t("study.to_review"), classes="hint")

    # -- prior-knowledge answers --------------------------------------------

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        card_id = event.text_area.name
        if card_id:
            self.prior[card_id] = event.text_area.text
            self.unsaved.add(card_id)

    def on_descendant_blur(self) -> None:
        self.save_drafts()

    def save_drafts(self) -> None:
        with self.study_app.reporting_errors():
            for card_id in sorted(self.unsaved):
                self.service.save_prior_answer(card_id, self.prior[card_id])
            self.unsaved.clear()

    # -- moving ----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "lab":
            return bool(self._section_labs())  # hidden where the page has no lab
        if action == "move":
            target = self.index + int(str(parameters[0]))
            # past the last page lies the review
            return True if 0 <= target <= len(self.sections) else None
        return True

    async def action_move(self, step: int) -> None:
        target = self.index + step
        if target == len(self.sections):
            self.save_drafts()
            self.dismiss()
            self.study_app.open_screen("review")
            return
        if not 0 <= target < len(self.sections):
            return
        self.save_drafts()
        self.index = target
        with self.study_app.reporting_errors():
            self.service.save_study_position(f"{self.module.id}:{self.sections[target].id}")
        await self.show_section()

    def _section_labs(self) -> list[Card]:
        """The cards of this section that launch a lab: a step's (`_step_labs`), or each
        example."""
        section = self.sections[self.index]
        if section.kind == "examples":
            return [card for card in self.module.of_kind("example") if card.lab]
        return self._step_labs(section.step) if section.step else []

    def _step_labs(self, step: Card) -> list[Card]:
        """The step's own card, then one card for each other lab of the same step that the
        step's cards link (step 3's language-model labs)."""
        found = {step.lab: step} if step.lab else {}
        for card in self.module.cards:
            if card.lab in LAB_IDS and card.step == step.step \
                    and lab_info(card.lab).step == step.step:
                found.setdefault(card.lab, card)
        return list(found.values())

    def action_lab(self) -> None:
        """Run the section's lab; in the examples, choose whose."""
        from studyapp.tui.screens.prediction import ChoiceDialog

        cards = self._section_labs()
        if len(cards) == 1:
            self.study_app.launch_lab(str(cards[0].lab), cards[0].id)
        elif cards:
            names = [f"{card.front.get(self.lang)} — {card.lab}" for card in cards]
            self.app.push_screen(ChoiceDialog(
                self.t("lab.title"), self.t("lab.choose_lab"), names,
                lambda index: self.study_app.launch_lab(str(cards[index].lab), cards[index].id)))

    def action_back(self) -> None:
        self.save_drafts()
        super().action_back()
