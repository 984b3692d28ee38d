"""The app as a whole: settings and language, help, the command palette, errors as dialogs."""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3
from contextlib import closing
from pathlib import Path

import platformdirs
import pytest
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import WorkerFailed
from tui_support import FakeClock, build_app, drive, opened_service, running, screen_after

import studyapp.tui
from studyapp.errors import StudyappError
from studyapp.i18n import catalogue
from studyapp.services.values import Settings
from studyapp.tui.screens import MAIN_SCREENS, main_screen
from studyapp.tui.screens.base import AppModal, AppScreen
from studyapp.tui.screens.dashboard import DashboardScreen
from studyapp.tui.screens.error import ErrorDialog
from studyapp.tui.screens.help import HelpScreen
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.screens.settings import SettingsScreen
from studyapp.tui.screens.stats import StatsScreen
from studyapp.tui.widgets.answer_box import AnswerBox
from studyapp.tui.widgets.footer import KeyBar


def shown(screen: Screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


def footer_text(screen: Screen) -> str:
    return " ".join(description for _, description, _ in screen.query_one(KeyBar).entries())


@drive
async def test_settings_persist_and_language_switches_everywhere(tmp_path: Path) -> None:
    clock = FakeClock()
    app = build_app(tmp_path, clock)  # no --lang: the saved setting, bg by default
    async with running(app) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        dashboard = app.screen
        assert "За преговор сега" in shown(dashboard, "#dash-today-text")
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        await pilot.press("enter", "down", "enter")  # the language list: bg → en
        await pilot.press("tab", "backspace", "9", "9", "enter")  # a bad hour saves nothing
        assert "from 0 to 23" not in shown(app.screen, "#settings-message")  # still bg
        assert "от 0 до 23" in shown(app.screen, "#settings-message")
        assert open_settings(tmp_path, clock).rollover_hour == 4
        await pilot.press("backspace", "backspace", "6", "tab", "backspace", "backspace",
                          "2", "5", "ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        settings = app.screen
        assert shown(settings, "#settings-message") == "Saved."
        assert "save" in footer_text(settings)
        assert "Due now" in shown(dashboard, "#dash-today-text")
        assert "review" in footer_text(dashboard)
        assert (open_settings(tmp_path, clock).lang, open_settings(tmp_path, clock).rollover_hour,
                open_settings(tmp_path, clock).new_per_day) == ("en", 6, 25)
        await pilot.press("escape", "r")
        assert shown(app.screen, "#review-status").startswith("Review")

    app = build_app(tmp_path, clock)  # the next start speaks English
    async with running(app) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.language == "en"
        # six new cards, of which concept.latency.reverse waits for a day without its forward card
        assert "New cards today: 5" in shown(app.screen, "#dash-today-text")


def open_settings(root: Path, clock: FakeClock) -> Settings:
    with opened_service(root, clock) as service:
        return service.settings()


@drive
async def test_help_lists_every_binding_of_the_screen(tmp_path: Path) -> None:
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = [str(row.render()) for row in app.screen.query(".help-row")]
        for key, description in (("r", "review"), ("s", "study"), ("l", "labs"), ("t", "stats"),
                                 ("o", "settings"), ("?", "help"), ("tab", "next field")):
            assert any(row.split() == [key, *description.split()] for row in rows), description
        await pilot.press("question_mark")  # `?` closes help too
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("r", "question_mark")
        rows = [str(row.render()) for row in app.screen.query(".help-row")]
        text = "\n".join(rows)
        for part in ("space ⏎  reveal", "i  card info", "esc  back",
                     "0  grade 0: complete blackout, nothing recalled (not now)",
                     "5  grade 5: perfect response (not now)",
                     "u  undo (not now)"):
            assert part in text


def classes_with_own_bindings() -> list[type]:
    """Every screen, dialog and widget of the app that declares key bindings of its own."""
    found = []
    for info in pkgutil.walk_packages(studyapp.tui.__path__, "studyapp.tui."):
        module = importlib.import_module(info.name)
        found += [cls for cls in vars(module).values() if isinstance(cls, type)
                  and cls.__module__ == module.__name__ and "BINDINGS" in vars(cls)]
    return found


def test_the_bindings_are_found_in_the_code() -> None:
    assert {ReviewScreen, AppScreen, AppModal, AnswerBox} <= set(classes_with_own_bindings())


@pytest.mark.parametrize("cls", classes_with_own_bindings(), ids=lambda cls: cls.__name__)
def test_every_binding_has_a_description_in_both_languages(cls: type) -> None:
    for binding in cls.BINDINGS:
        assert isinstance(binding, Binding) and binding.id
        for lang in ("bg", "en"):
            texts = catalogue(lang)  # `tui.KEY`, or a key of another app catalogue, whole
            assert f"tui.{binding.description}" in texts or binding.description in texts, binding


@drive
async def test_command_palette_opens_screens(tmp_path: Path) -> None:
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        await pilot.press("ctrl+p", *"stats")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)
        assert set(MAIN_SCREENS) == {"review", "study", "labs", "stats", "settings"}
        assert type(main_screen("labs")).__name__ == "LabsScreen"


@drive
async def test_failing_worker_shows_a_dialog_and_the_app_goes_on(tmp_path: Path) -> None:
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        await app.workers.wait_for_complete()

        def broken() -> None:
            raise RuntimeError("the disk is on fire")

        app.service.dashboard = broken  # type: ignore[method-assign]
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        dashboard.reload()
        with pytest.raises(WorkerFailed):  # the waiting test sees it; the app does not
            await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ErrorDialog)
        assert "the disk is on fire" in shown(app.screen, "#error-message")
        await pilot.press("enter")
        assert app.screen is dashboard and app.is_running


@drive
async def test_database_error_while_grading_shows_a_dialog(tmp_path: Path) -> None:
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        review = await screen_after(pilot, ReviewScreen, "r", "space")
        card = review.item.card.id

        def locked(*_: object, **__: object) -> None:
            raise StudyappError("database error: database is locked")

        review.session.grade = locked  # type: ignore[method-assign]
        await pilot.press("4")
        assert isinstance(app.screen, ErrorDialog)
        assert shown(app.screen, "#error-message") == "database error: database is locked"
        await pilot.press("escape")
        assert app.screen is review and review.item.card.id == card


@drive
async def test_unreadable_database_shows_a_dialog_then_exits(tmp_path: Path) -> None:
    (tmp_path / "study.db").write_bytes(b"this is not a database" * 100)
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ErrorDialog)
        assert "study.db" in shown(app.screen, "#error-message")
        await pilot.press("enter")
        await pilot.pause()
    assert app.return_code == 1
    assert app.start_error is not None and "study.db" in app.start_error


@drive
async def test_language_change_reaches_a_review_in_progress(tmp_path: Path) -> None:
    app = build_app(tmp_path, FakeClock())
    async with running(app) as pilot:
        review = await screen_after(pilot, ReviewScreen, "r", "tab", *"half typed", "escape")
        assert shown(review, "#review-status").startswith("Преговор")
        app.open_screen("settings")
        await pilot.pause()
        await pilot.press("enter", "down", "enter", "ctrl+s", "escape")
        await pilot.pause()
        assert app.screen is review
        assert shown(review, "#review-status").startswith("Review")
        assert "space reveal" in " ".join(
            f"{key} {text}" for key, text, _ in review.query_one(KeyBar).entries()
        )
        await pilot.press("space")
        assert shown(review, "#typed-answer") == "half typed"


@drive
async def test_clicking_a_key_in_the_key_bar_presses_it(tmp_path: Path) -> None:
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        bar = app.screen.query_one(KeyBar)
        line = str(bar.render())
        await pilot.click(KeyBar, offset=(line.index(" t stats") + 1, 0))
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)


@drive
async def test_command_palette_runs_the_keys_of_the_screen_below(tmp_path: Path) -> None:
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        review = await screen_after(pilot, ReviewScreen, "r")
        await pilot.press("ctrl+p", *"reveal")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is review and review.revealed
        await pilot.press("ctrl+p", *"grade 5")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert review.session.can_undo() and not review.revealed


@drive
@pytest.mark.parametrize(("lang", "said"), [("en", "module.toml: TOML syntax error"),
                                            ("bg", "module.toml: синтактична грешка в TOML")])
async def test_broken_content_shows_a_dialog_in_the_learners_language_then_exits(
    tmp_path: Path, lang: str, said: str
) -> None:
    app = build_app(tmp_path, FakeClock(), lang=lang)
    (tmp_path / "content" / "mini" / "module.toml").write_text("[module\n", encoding="utf-8")
    async with running(app) as pilot:
        assert isinstance(app.screen, ErrorDialog)
        assert said in shown(app.screen, "#error-message")
        await pilot.press("enter")
        await pilot.pause()
    assert app.return_code == 1
    assert app.start_error is not None and said in app.start_error
    assert "\n" not in app.start_error


@drive
async def test_a_hand_edited_value_shows_a_dialog_naming_the_file_and_the_cell(
    tmp_path: Path
) -> None:
    clock = FakeClock()
    with opened_service(tmp_path, clock) as service:
        service.start_review().grade(4)  # concept.latency, the first card, now has a due day
    with closing(sqlite3.connect(tmp_path / "study.db")) as con, con:
        con.execute("UPDATE card_state SET due = 'notadate' WHERE card_id = 'concept.latency'")
    app = build_app(tmp_path, clock, lang="en")
    expected = (f"{tmp_path / 'study.db'}: table card_state, row concept.latency, column due: "
                "cannot read the stored value 'notadate'")
    async with running(app) as pilot:
        for key in ("", "r", "t"):  # the dashboard, then the review and the stats screens
            if key:
                await pilot.press(key)
                await app.workers.wait_for_complete()
                await pilot.pause()
            assert isinstance(app.screen, ErrorDialog), key
            assert shown(app.screen, "#error-message").startswith(expected)
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
        assert isinstance(app.screen, DashboardScreen) and app.is_running


@pytest.mark.parametrize(("field", "typed", "refusal"), [
    ("#rollover", "٥", "The hour must be a whole number from 0 to 23."),
    ("#rollover", "５", "The hour must be a whole number from 0 to 23."),
    ("#new-per-day", "２０", "New cards per day must be a whole number from 0 to 999."),
])
@drive
async def test_settings_take_only_ascii_digits(
    tmp_path: Path, field: str, typed: str, refusal: str
) -> None:
    clock = FakeClock()
    app = build_app(tmp_path, clock, lang="en")
    async with running(app) as pilot:
        settings = await screen_after(pilot, SettingsScreen, "o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        settings.query_one(field, Input).value = typed
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert shown(settings, "#settings-message") == refusal
    assert open_settings(tmp_path, clock) == Settings()


@drive
@pytest.mark.parametrize(("lang", "command", "said"), [
    ("en", "export the cards to anki", "are saved in"),
    ("bg", "изнеси картите към anki", "са записани в"),
])
async def test_the_palette_exports_the_cards_for_anki_into_the_documents_folder(
    tmp_path: Path, monkeypatch, lang: str, command: str, said: str
) -> None:
    pytest.importorskip("anki.collection")
    documents = tmp_path / "Documents"
    monkeypatch.setattr(platformdirs, "user_documents_dir", lambda: str(documents))
    app = build_app(tmp_path, FakeClock(), lang=lang)
    async with running(app) as pilot:
        await pilot.press("ctrl+p", *command)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        [package] = documents.glob("studyapp-*.apkg")
        assert package.read_bytes().startswith(b"PK")
        _, notice = app._notifications
        assert str(package) in notice.message and said in notice.message


@drive
@pytest.mark.parametrize(("button", "pattern"), [
    ("#export-anki", "studyapp-*.apkg"), ("#export-json", "studyapp-export-*.json"),
])
async def test_the_settings_screen_exports_into_the_documents_folder_it_names(
    tmp_path: Path, monkeypatch, button: str, pattern: str
) -> None:
    if button == "#export-anki":
        pytest.importorskip("anki.collection")
    documents = tmp_path / "Documents"
    monkeypatch.setattr(platformdirs, "user_documents_dir", lambda: str(documents))
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        settings = await screen_after(pilot, SettingsScreen, "o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert f"Export into {documents}:" in [str(line.render())
                                               for line in settings.query(".field-label")]
        await pilot.click(button)
        await app.workers.wait_for_complete()
        await pilot.pause()
        [written] = documents.glob(pattern)
        assert str(written) in list(app._notifications)[-1].message
