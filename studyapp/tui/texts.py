"""The app's strings: the `tui` catalogue, dates and relative days in the current language."""

from __future__ import annotations

from datetime import date

from studyapp.i18n import tr

GRADES: tuple[int, ...] = (0, 1, 2, 3, 4, 5)


def t(lang: str, key: str, **values: object) -> str:
    """The string `tui.KEY` in `lang`."""
    return tr(lang, f"tui.{key}", **values)


def fmt_date(lang: str, day: date | None) -> str:
    if day is None:
        return t(lang, "date.none")
    return day.strftime(t(lang, "date.format"))


def weekday_short(lang: str, day: date) -> str:
    return t(lang, f"weekday.{day.weekday()}")


def days_word(lang: str, count: int) -> str:
    """'1 day' / '5 days' in `lang`."""
    return t(lang, "days.one" if count == 1 else "days.many", n=count)


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


def binding_text(lang: str, description: str) -> str:
    """Binding descriptions are catalogue keys `bind.NAME`; other text is shown as it is."""
    return t(lang, description) if description.startswith("bind.") else description
