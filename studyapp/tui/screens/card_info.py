"""One card's SM-2 state and its review history."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll

from studyapp.services.present import kind_name
from studyapp.services.values import CardInfo, ReviewEntry
from studyapp.tui.screens.base import AppModal
from studyapp.tui.texts import days_word, fmt_date, fmt_started, lab_title
from studyapp.tui.widgets.plain import Plain


def sm2_text(state: tuple[int, float, int]) -> str:
    repetitions, easiness, interval = state
    return f"n={repetitions} EF={easiness:.2f} I={interval}"


class CardInfoScreen(AppModal):
    def __init__(self, info: CardInfo) -> None:
        super().__init__()
        self.info = info

    def compose(self) -> ComposeResult:
        info, lang = self.info, self.study_app.language
        state = info.state
        with Vertical(id="info-box", classes="dialog"):
            yield Plain(self.t("info.title", id=info.card.id), classes="dialog-title")
            yield Plain(info.card.front.get(lang), id="info-front")
            if info.source is not None:
                yield Plain(self.t("info.source", lab=lab_title(info.source.lab_id, lang),
                                   id=info.source.run_id,
                                   started=fmt_started(info.source.started_at,
                                                       self.study_app.clock)),
                            id="info-source")
            yield Plain("\n".join((
                self.t("info.kind", kind=kind_name(info.card.kind, lang)),
                self.t("info.state", repetitions=state.repetitions,
                       easiness=f"{state.easiness:.2f}",
                       interval=days_word(lang, state.interval)),
                self.t("info.due", date=fmt_date(lang, state.due)),
                self.t("info.first_seen", date=fmt_date(
                    lang, state.first_seen.date() if state.first_seen else None)),
            )), id="info-state")
            yield Plain(self.t("info.history", n=len(info.history)), classes="panel-title")
            with VerticalScroll(id="info-history"):
                if not info.history:
                    yield Plain(self.t("info.no_history"), classes="hint")
                for entry in info.history:
                    yield Plain(self._entry(entry), classes="history-row")
            yield Plain(self.t("info.footer"), classes="hint")

    def _entry(self, entry: ReviewEntry) -> str:
        zone = self.study_app.clock().tzinfo
        when = entry.at.astimezone(zone).strftime(self.t("date.format") + " %H:%M")
        tag = f" {self.t('review.redrill')}" if entry.redrill else ""
        line = self.t("info.entry", at=when, grade=entry.grade, tag=tag,
                      before=sm2_text(entry.before), after=sm2_text(entry.after))
        if entry.answer:
            line += "\n    " + self.t("info.answer", answer=entry.answer)
        return line
