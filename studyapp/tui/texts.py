"""The app's strings: the `tui` catalogue, dates and relative days in the current language."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from studyapp.clock import Clock
from studyapp.i18n import days as days_word
from studyapp.i18n import tr
from studyapp.services.catalog import LAB_IDS, lab_info

if TYPE_CHECKING:
    from studyapp.services.values import NextStep

GRADES: tuple[int, ...] = (0, 1, 2, 3, 4, 5)


# Catalogues the app shares with the command line, whose keys are given whole
# ("lab_tables.yes", "common.kind.review").
OTHER_CATALOGUES: tuple[str, ...] = ("lab_tables.", "common.")


def t(lang: str, key: str, **values: object) -> str:
    """The string `tui.KEY` in `lang`, or KEY itself when it names another app catalogue."""
    return tr(lang, key if key.startswith(OTHER_CATALOGUES) else f"tui.{key}", **values)


def lab_title(lab_id: str, lang: str) -> str:
    """The catalogue title, or the id of a lab that is not in the catalogue."""
    return lab_info(lab_id).title.get(lang) if lab_id in LAB_IDS else lab_id


def fmt_started(at: datetime, clock: Clock) -> str:
    """A stored (aware UTC) instant in the clock's time zone, to the minute."""
    return at.astimezone(clock().tzinfo).strftime("%Y-%m-%d %H:%M")


def fmt_date(lang: str, day: date | None) -> str:
    if day is None:
        return t(lang, "date.none")
    return day.strftime(t(lang, "date.format"))


def weekday_short(lang: str, day: date) -> str:
    return t(lang, f"weekday.{day.weekday()}")


def when(lang: str, today: date, due: date) -> str:
    """When a card comes back, relative to today: 'later today', 'tomorrow', 'in 6 days'."""
    delta = (due - today).days
    if delta <= 0:
        return t(lang, "when.today")
    if delta == 1:
        return t(lang, "when.tomorrow")
    return t(lang, "when.in_days", days=days_word(lang, delta))


def grade_meaning(lang: str, grade: int) -> str:
    """The SM-2 meaning of a grade, short enough for the grade legend."""
    return t(lang, f"grade.{grade}")


# Textual's own bindings, named by their action, in our catalogue. Text boxes' editing
# keys (cursor moves, deletes) are left out of help: they work as in any text field.
FRAMEWORK_ACTIONS: dict[str, str] = {
    "app.focus_next": "bind.focus_next",
    "app.focus_previous": "bind.focus_previous",
    "screen.copy_text": "bind.copy",
    "command_palette": "bind.palette",
    "quit": "bind.quit",
    "scroll_up": "bind.scroll_up",
    "scroll_down": "bind.scroll_down",
    "scroll_left": "bind.scroll_left",
    "scroll_right": "bind.scroll_right",
    "scroll_home": "bind.scroll_home",
    "scroll_end": "bind.scroll_end",
    "page_up": "bind.page_up",
    "page_down": "bind.page_down",
    "page_left": "bind.page_left",
    "page_right": "bind.page_right",
    "dismiss": "bind.dismiss_menu",  # a select's open list
}


def binding_key(description: str, action: str) -> str | None:
    """The catalogue key that describes a binding, or None for an editing key of a text box.

    Our descriptions are catalogue keys `bind.NAME` (`lab.bind.NAME` on lab screens);
    Textual's are found by action.
    """
    if description.startswith(("bind.", "lab.bind.")):
        return description
    return FRAMEWORK_ACTIONS.get(action)


def binding_text(lang: str, description: str, action: str = "") -> str:
    key = binding_key(description, action)
    return t(lang, key) if key else description


def next_step_text(lang: str, step: NextStep) -> str:
    """The learner's next step as a line that names its key: "Cards to review: 12 — press r"."""
    return t(lang, f"dash.step.{step.kind}", n=step.count, date=fmt_date(lang, step.day))
