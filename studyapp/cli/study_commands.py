"""What the study commands do: `due`, `stats` and `review --plain`.

Their arguments are declared in `studyapp/cli/study.py`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import TYPE_CHECKING, TextIO

from studyapp.cli import context
from studyapp.i18n import as_sentence, days, tr
from studyapp.services.content import CARD_KINDS, RESULT_KIND
from studyapp.services.present import card_code, kind_name, review_back, review_front, review_notes

if TYPE_CHECKING:
    from studyapp.services.review import ReviewSession
    from studyapp.services.study import StudyService
    from studyapp.services.values import GradeResult, QueueItem


GRADES = range(6)
# Grades are typed as the ASCII digits 0-5 only: int() would also take "٤" or "４".
GRADE_KEYS = {str(grade): grade for grade in GRADES}
BAR_WIDTH = 30


# -- due ----------------------------------------------------------------------


def run_due(args: argparse.Namespace) -> int:
    with context.study_service(args, read_only=True) as (service, lang):
        board = service.dashboard()
        items = service.queue()
        next_due = service.next_due()
    if args.json:
        _print_json({
            "today": board.today.isoformat(),
            "due_reviews": board.due_reviews,
            "redrills": board.redrills,
            "new": board.new_available,
            "next_due": _iso(next_due),
            "cards": [_item_json(item, lang) for item in items],
        })
        return 0
    print(tr(lang, "cli.due_header", day=board.today.isoformat(), reviews=board.due_reviews,
             redrills=board.redrills, new=board.new_available))
    if not items:
        print(tr(lang, "cli.due_nothing"))
    for item in items:
        if item.redrill:
            when = tr(lang, "cli.due_redrill_mark")
        elif item.state.due is None:
            when = tr(lang, "cli.due_new_mark")
        else:
            when = item.state.due.isoformat()
        print(f"  {item.card.id:<24} {kind_name(item.card.kind, lang):<12} {when:<10}  "
              f"{as_sentence(_one_line(item.card.front.get(lang)))}")
    if next_due is not None:
        print(tr(lang, "cli.due_next", day=next_due.isoformat()))
    return 0


def _item_json(item: QueueItem, lang: str) -> dict[str, object]:
    return {
        "id": item.card.id,
        "kind": item.card.kind,
        "front": item.card.front.get(lang),
        "due": _iso(item.state.due),
        "new": item.is_new,
        "redrill": item.redrill,
        "repetitions": item.state.repetitions,
        "easiness": item.state.easiness,
        "interval": item.state.interval,
    }


# -- stats --------------------------------------------------------------------


def run_stats(args: argparse.Namespace) -> int:
    with context.study_service(args, read_only=True) as (service, lang):
        stats = service.stats(days=args.days)
    if args.json:
        _print_json({
            "today": stats.today.isoformat(),
            "total_reviews": stats.total_reviews,
            "reviews_per_day": [[day.isoformat(), n] for day, n in stats.reviews_per_day],
            "first_review_retention": stats.first_review_retention,
            "streak": stats.streak,
            "easiness_histogram": [[ef, n] for ef, n in stats.easiness_histogram],
            "counts_by_kind": stats.counts_by_kind,
            "forecast": [[day.isoformat(), n] for day, n in stats.forecast],
        })
        return 0
    print(tr(lang, "cli.stats_header", day=stats.today.isoformat()))
    print(tr(lang, "cli.stats_total", count=stats.total_reviews))
    if stats.first_review_retention is None:
        print(tr(lang, "cli.stats_retention_none"))
    else:
        print(tr(lang, "cli.stats_retention", percent=f"{stats.first_review_retention:.0%}"))
    print(tr(lang, "cli.stats_streak", days=stats.streak))
    print(tr(lang, "cli.stats_per_day", days=args.days))
    _print_bars([(day.isoformat(), n) for day, n in stats.reviews_per_day])
    if stats.easiness_histogram:
        print(tr(lang, "cli.stats_easiness"))
        _print_bars([(f"{ef:.2f}", n) for ef, n in stats.easiness_histogram])
    if stats.counts_by_kind:
        print(tr(lang, "cli.stats_by_kind"))
        _print_bars([(kind_name(kind, lang), stats.counts_by_kind[kind])
                     for kind in (*CARD_KINDS, RESULT_KIND) if kind in stats.counts_by_kind])
    print(tr(lang, "cli.stats_forecast", days=len(stats.forecast)))
    _print_bars([(day.isoformat(), n) for day, n in stats.forecast])
    return 0


def _print_bars(rows: list[tuple[str, int]]) -> None:
    top = max((n for _, n in rows), default=0)
    for label, n in rows:
        bar = "█" * (round(n / top * BAR_WIDTH) if top else 0)
        print(f"  {label:>10}  {n:>5}  {bar}")


# -- review -------------------------------------------------------------------


class _Quit(Exception):
    """The learner typed q, or the input ended."""


class PlainReview:
    """The line-based review loop; reads `source`, writes `out`."""

    def __init__(self, service: StudyService, lang: str, source: TextIO, out: TextIO) -> None:
        self.service = service
        self.lang = lang
        self.source = source
        self.out = out
        self.session: ReviewSession = service.start_review()

    def say(self, text: str = "", end: str = "\n") -> None:
        self.out.write(text + end)
        self.out.flush()

    def ask(self, prompt: str) -> str:
        self.say(prompt, end="")
        line = self.source.readline()
        if not line:
            self.say()
            raise _Quit
        text = line.rstrip("\r\n")
        if text.strip().lower() == "q":
            raise _Quit
        return text

    def run(self) -> int:
        t = self.tr
        self.say(t("review_start", count=self.session.remaining()))
        self.say(t("review_legend"))
        for grade in GRADES:
            self.say(f"  {grade} — {self.app_tr(f'grade.{grade}')}")
        try:
            while True:
                if self.session.refresh_if_day_changed():
                    self.say(t("review_new_day"))
                item = self.session.current()
                if item is None:
                    self.say(t("review_done"))
                    break
                self.review(item)
        except _Quit:
            pass
        summary = self.session.summary()
        self.say(t("review_summary", cards=summary.cards, answers=summary.answers,
                   redrills=summary.redrills,
                   seconds=round(summary.seconds)))
        if summary.next_due is not None:
            self.say(t("due_next", day=summary.next_due.isoformat()))
        return 0

    def review(self, item: QueueItem) -> None:
        """Show one card and take its grade (or an undo)."""
        t = self.tr
        done = self.session.answered()
        tag = t("review_redrill_tag") if item.redrill else ""
        self.say()
        self.say(t("review_card", position=done + 1, total=done + self.session.remaining(),
                   kind=kind_name(item.card.kind, self.lang), redrill=tag))
        self.say(review_front(item.card, self.lang))
        if item.card.code:
            self.say(card_code(item.card, self.lang))
        shown = context.clock()
        typed = self.ask(t("review_front_prompt", your_answer=self.app_tr("review.your_answer")))
        if typed.strip().lower() == "u":
            self.undo()
            return
        if item.card.back is not None:
            self.say(self.app_tr("review.model_answer") + ":")
            self.say(review_back(item.card, self.lang))
        notes = review_notes(item.card, self.lang)
        if notes:
            self.say(self.app_tr("review.notes") + ":")
            self.say(notes)
        while True:
            key = self.ask(t("review_grade_prompt")).strip().lower()
            if key == "u":
                self.undo()
                return
            if key in GRADE_KEYS:
                elapsed = (context.clock() - shown).total_seconds()
                result = self.session.grade(GRADE_KEYS[key], answer=typed.strip() or None,
                                            response_ms=max(0, round(elapsed * 1000)))
                self.report(result)
                return
            self.say(t("review_bad_key"))

    def report(self, result: GradeResult) -> None:
        if result.redrill_queued:
            self.say(self.tr("review_again"))
        else:
            self.say(self.tr("review_next", days=days(self.lang, result.interval_days),
                             day=result.due.isoformat()))

    def undo(self) -> None:
        if self.session.can_undo():
            self.session.undo()
            self.say(self.app_tr("review.undone"))
        else:
            self.say(self.tr("review_nothing_to_undo"))

    def tr(self, key: str, **values: object) -> str:
        return tr(self.lang, f"cli.{key}", **values)

    def app_tr(self, key: str) -> str:
        """The app's own words for what both reviews show: grade names, the answer labels,
        undo; one vocabulary, whichever way the learner reviews."""
        return tr(self.lang, f"tui.{key}")


def run_review(args: argparse.Namespace) -> int:
    with context.study_service(args) as (service, lang):
        return PlainReview(service, lang, sys.stdin, sys.stdout).run()


# -- helpers ------------------------------------------------------------------


def _print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _one_line(text: str) -> str:
    return " ".join(text.split())
