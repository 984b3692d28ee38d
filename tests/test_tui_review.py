"""Review in the app, driven by its keys and checked against the database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.widgets import Input
from tui_support import (
    FIRST_DAY,
    FakeClock,
    build_app,
    drive,
    opened_service,
    running,
    screen_after,
)

from studyapp.labs.catalog import lab_info
from studyapp.store import lab_runs
from studyapp.store.engine import writing
from studyapp.store.result_cards import add_result_cards
from studyapp.text import Text
from studyapp.tui.screens.card_info import CardInfoScreen
from studyapp.tui.screens.dashboard import DashboardScreen
from studyapp.tui.screens.review import ReviewScreen


def text_of(screen: ReviewScreen, selector: str) -> str:
    return str(screen.query_one(selector).render())


@drive
async def test_whole_session_grades_redrills_undoes_and_sums_up(tmp_path: Path) -> None:
    clock = FakeClock()
    app = build_app(tmp_path, clock, lang="en")
    async with running(app) as pilot:
        screen = await screen_after(pilot, ReviewScreen, "r")
        first = screen.item.card.id
        await pilot.press("4")  # grading before the answer is shown does nothing
        assert screen.item.card.id == first and not screen.session.can_undo()

        await pilot.press("space", "5")
        assert "comes back tomorrow" in text_of(screen, "#review-last")
        second = screen.item.card.id
        await pilot.press("space", "2")  # below 4: the card comes back in this session
        assert "later in this session" in text_of(screen, "#review-last")

        await pilot.press("u")  # undo the 2: the second card is current again, state restored
        assert screen.item.card.id == second and not screen.item.redrill
        await pilot.press("u")  # and the 5 before it
        assert screen.item.card.id == first
        assert not screen.session.can_undo()

        await pilot.press("space", "5", "space", "2")
        seen = [first, second]
        while screen.item is not None:
            if not screen.item.redrill:
                seen.append(screen.item.card.id)
            await pilot.press("space", "4")
        assert sorted(seen) == sorted(FIRST_DAY)
        summary = text_of(screen, "#summary-text")
        assert f"Cards: {len(FIRST_DAY)} · answers: {len(FIRST_DAY) + 1} (re-drills: 1)" in summary
        assert "Grades (each card's first answer): 0×0  1×0  2×1  3×0  4×3  5×1" in summary
        assert "Next review: 2026-11-28" in summary

    with opened_service(tmp_path, clock) as service:
        history = service.card_info(second).history
        assert [(entry.grade, entry.redrill) for entry in history] == [(2, False), (4, True)]
        assert [entry.grade for entry in service.card_info(first).history] == [5]
        assert service.card_info(first).state.interval == 1
        assert service.stats().total_reviews == len(FIRST_DAY) + 1
        assert service.dashboard().due_reviews == 0


@drive
async def test_answer_box_keeps_digits_and_spaces_and_enter_reveals(tmp_path: Path) -> None:
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        screen = await screen_after(pilot, ReviewScreen, "r")
        box = screen.query_one(Input)
        assert not box.has_focus  # keys start as commands
        await pilot.press("tab", "4", "space", "m", "s", "u")
        assert box.has_focus and box.value == "4 msu"
        assert not screen.revealed and not screen.session.can_undo()

        await pilot.press("escape")  # leaves the box, stays on the screen
        assert not box.has_focus and app.screen is screen
        await pilot.press("tab", "x", "tab")  # tab goes in and out too
        assert not box.has_focus and box.value == "4 msux"
        await pilot.press("tab", "backspace", "enter")  # back in the box; enter reveals
        assert screen.revealed
        assert text_of(screen, "#typed-answer") == "4 msu"
        card = screen.item.card.id
        await pilot.press("5")
    with opened_service(tmp_path, FakeClock()) as service:
        assert service.card_info(card).history[0].answer == "4 msu"


@drive
async def test_card_info_of_a_result_card_names_its_lab_run(tmp_path: Path) -> None:
    clock = FakeClock()
    with opened_service(tmp_path, clock) as service:
        run_id = lab_runs.start_run(service.engine, "quantize", {}, clock.now - timedelta(days=1))
        lab_runs.finish_run(service.engine, run_id, "ok", clock.now, results={"rows": []})
        with writing(service.engine) as session:
            add_result_cards(session, module_id="mini", run_id=run_id, lab_id="quantize",
                             texts=[(Text("Защо ×3?", "Why ×3?"), Text("VNNI.", "VNNI."))],
                             at=clock.now)
    app = build_app(tmp_path, clock, lang="en")
    async with running(app) as pilot:
        review = await screen_after(pilot, ReviewScreen, "r")
        assert review.item.card.kind == "result"  # accepted result cards come first
        info = await screen_after(pilot, CardInfoScreen, "i")
        source = str(info.query_one("#info-source").render())
        title = lab_info("quantize").title.en
        assert source == f"From a lab: {title} · run #{run_id} · 2026-11-26 10:00"
        assert review.item.card.id in str(info.query_one(".dialog-title").render())


@drive
async def test_card_info_shows_state_and_history(tmp_path: Path) -> None:
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        await pilot.press("r", "space", "3", "u", "i")
        assert isinstance(app.screen, CardInfoScreen)
        assert app.screen.info.history == []  # the undone answer is gone
        screen = await screen_after(pilot, ReviewScreen, "escape", "space", "3")
        while not screen.item.redrill:
            await pilot.press("space", "4")
        info = await screen_after(pilot, CardInfoScreen, "i")
        assert [entry.grade for entry in info.info.history] == [3]
        assert "repetitions 1" in str(info.query_one("#info-state").render())
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, DashboardScreen)


@drive
async def test_new_study_day_refreshes_dashboard_and_queue(tmp_path: Path) -> None:
    clock = FakeClock()
    app = build_app(tmp_path, clock, lang="en")
    async with running(app) as pilot:
        screen = await screen_after(pilot, ReviewScreen, "r")
        while screen.item is not None:
            await pilot.press("space", "5")
        clock.advance(days=1)
        app.check_day()
        await pilot.pause()
        assert screen.item is not None  # yesterday's cards are due again
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        assert dashboard.data.today.isoformat() == "2026-11-28"
        assert dashboard.data.due_reviews == len(FIRST_DAY) + 1  # with plan.1d, unlocked
        assert dashboard.data.new_available == 0  # the reverse card: its forward one is due

        clock.advance(days=1)  # the dashboard itself follows the day too
        app.check_day()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert dashboard.data.today.isoformat() == "2026-11-29"
        assert "2026-11-29" in str(dashboard.query_one("#dash-title").render())


@drive
async def test_notes_show_after_the_answer_and_only_for_cards_that_have_them(
    tmp_path: Path,
) -> None:
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        screen = await screen_after(pilot, ReviewScreen, "r")
        notes = screen.query_one("#review-notes")
        while screen.item.card.id != "step1.recall.1":  # cards without notes come first
            await pilot.press("space")
            assert not notes.display
            await pilot.press("5")
        assert not notes.display  # not yet revealed
        await pilot.press("space")
        assert notes.display
        assert text_of(screen, "#notes-text") == "Measure the median and p99."
        assert "Measure the median" not in text_of(screen, "#model-answer")


@drive
async def test_control_characters_from_the_database_do_not_reach_the_screen_raw(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    with opened_service(tmp_path, clock) as service:
        run_id = lab_runs.start_run(service.engine, "quantize", {}, clock.now)
        lab_runs.finish_run(service.engine, run_id, "ok", clock.now, results={"rows": []})
        with writing(service.engine) as session:
            add_result_cards(session, module_id="mini", run_id=run_id, lab_id="quantize",
                             texts=[(Text("Б", "Why\x1b[2J\x1b]0;pwned\x07?"),
                                     Text("В", "Because\x9b2J."))], at=clock.now)
    app = build_app(tmp_path, clock, lang="en")
    async with running(app) as pilot:
        review = await screen_after(pilot, ReviewScreen, "r")
        await pilot.press("space")
        front, back = text_of(review, "#card-front"), text_of(review, "#model-answer")
        assert front.startswith("Why\\u001b[2J\\u001b]0;pwned\\u0007?")
        assert back == "Because\\u009b2J."
        lines = review.query_one("#card-front").render_lines(review.query_one("#card-front")
                                                             .size.region)
        assert not any("\x1b" in segment.text for line in lines for segment in line)
