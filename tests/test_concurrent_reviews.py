"""Two review sessions at once: a card moves at most one SM-2 step per study day.

A session's queue is built when it starts, so two sessions opened together both hold the
same cards. The second answer to a card already moved today is logged as a re-drill.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import NamedTuple

import pytest
from conftest import StudyClock, tiny_cards, write_module_toml

from studyapp.deck import load_modules
from studyapp.labs.catalog import LAB_IDS
from studyapp.services.review import ReviewSession
from studyapp.services.study import StudyService
from studyapp.services.values import Settings
from studyapp.store.records import CardState

ROOT = Path(__file__).resolve().parent.parent
CARDS = 12


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return write_module_toml(tmp_path / "content", tiny_cards(concepts=CARDS, plans=False))


@pytest.fixture
def pair(tmp_path: Path, content: Path, study_clock: StudyClock):
    """Two services on one database file, as two open windows of the app would be."""
    modules = load_modules(content, LAB_IDS)
    first = StudyService.open(tmp_path / "study.db", modules, study_clock)
    first.save_settings(Settings(new_per_day=CARDS))
    second = StudyService.open(tmp_path / "study.db", modules, study_clock)
    yield first, second
    first.close()
    second.close()


class MovedElsewhere(NamedTuple):
    """Two sessions started together; the first one has just graded concept.c01 with 5."""

    service: StudyService  # the second session's service
    review: ReviewSession  # the second session, still holding concept.c01
    moved: CardState  # concept.c01 after the first session's answer


@pytest.fixture
def moved_elsewhere(pair) -> MovedElsewhere:
    first, second = pair
    one, two = first.start_review(), second.start_review()
    assert one.upcoming() == two.upcoming()
    one.grade(5)
    return MovedElsewhere(second, two, first.card_state("concept.c01"))


def log_rows(db: Path) -> list[tuple[str, int, int]]:
    """(card id, grade, redrill) of every standing answer, in order."""
    with closing(sqlite3.connect(db)) as con:
        return con.execute("SELECT card_id, grade, redrill FROM review_log "
                           "WHERE undone_at IS NULL ORDER BY id").fetchall()


def steps_per_card_and_day(db: Path) -> set[int]:
    """How many standing answers moved each answered card's state, per study day."""
    with closing(sqlite3.connect(db)) as con:
        return {count for (count,) in con.execute(
            "SELECT count(*) FROM review_log WHERE undone_at IS NULL AND NOT redrill "
            "GROUP BY card_id, study_day")}


def test_the_second_session_to_answer_a_card_logs_a_redrill(
    moved_elsewhere: MovedElsewhere, tmp_path: Path
) -> None:
    second, two, moved = moved_elsewhere
    result = two.grade(4)
    assert not result.redrill_queued
    assert (result.interval_days, result.due) == (moved.interval, moved.due)
    assert second.card_state("concept.c01") == moved  # no second step: still 1 day
    assert log_rows(tmp_path / "study.db") == [("concept.c01", 5, 0), ("concept.c01", 4, 1)]
    history = second.card_info("concept.c01").history
    assert history[1].redrill and history[1].before == history[1].after
    summary = two.summary()
    assert (summary.reviewed, summary.redrills) == (0, 1)


def test_interleaved_sessions_give_each_card_one_step_and_log_every_answer(
    pair, tmp_path: Path
) -> None:
    first, second = pair
    sessions = [first.start_review(), second.start_review()]
    given = 0
    while any(session.current() is not None for session in sessions):
        for session in sessions:
            if session.current() is not None:
                session.grade(5)
                given += 1
    assert given == 2 * CARDS
    rows = log_rows(tmp_path / "study.db")
    assert len(rows) == given  # not one answer lost
    assert steps_per_card_and_day(tmp_path / "study.db") == {1}
    assert {(s.repetitions, s.interval) for s in
            (first.card_state(f"concept.c{i:02d}") for i in range(1, CARDS + 1))} == {(1, 1)}
    assert sum(session.summary().reviewed for session in sessions) == CARDS


def test_a_converted_low_grade_comes_back_as_a_redrill_and_leaves_the_state(
    moved_elsewhere: MovedElsewhere,
) -> None:
    second, two, moved = moved_elsewhere
    assert two.grade(1).redrill_queued
    assert two.upcoming()[-1] == "concept.c01"
    assert second.card_state("concept.c01") == moved


def test_undo_of_a_converted_answer_marks_it_undone_and_asks_again(
    moved_elsewhere: MovedElsewhere, tmp_path: Path
) -> None:
    second, two, moved = moved_elsewhere
    two.grade(3)
    item = two.undo()
    assert item is not None and item.card.id == "concept.c01"
    assert two.remaining() == CARDS and second.card_state("concept.c01") == moved
    assert log_rows(tmp_path / "study.db") == [("concept.c01", 5, 0)]
    two.grade(4)  # asked again: still a re-drill, the card moved today already
    assert second.card_state("concept.c01") == moved
    assert log_rows(tmp_path / "study.db")[-1] == ("concept.c01", 4, 1)


def test_an_undone_answer_elsewhere_leaves_the_step_to_the_next_one(
    pair, tmp_path: Path
) -> None:
    first, second = pair
    one, two = first.start_review(), second.start_review()
    one.grade(5)
    one.undo()
    two.grade(4)
    assert second.card_state("concept.c01").repetitions == 1
    assert log_rows(tmp_path / "study.db") == [("concept.c01", 4, 0)]
    assert two.summary().reviewed == 1


def test_two_plain_reviews_answering_at_once_step_each_card_once(
    tmp_path: Path, content: Path
) -> None:
    db = tmp_path / "shared.db"
    service = StudyService.open(db, load_modules(content, LAB_IDS), StudyClock())
    service.save_settings(Settings(new_per_day=CARDS))
    service.close()
    command = [sys.executable, "-m", "studyapp", "--db", str(db), "--content", str(content),
               "--lang", "en", "review", "--plain"]
    procs = [subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT)
             for _ in range(2)]
    for proc in procs:  # both have built their queue of every card before either answers
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith(f"Cards for today: {CARDS}.")
    grades = "\n5\n" * CARDS + "q\n"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(grades)
        proc.stdin.flush()
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    rows = log_rows(db)
    assert len(rows) == 2 * CARDS  # every answer of both is logged
    assert sum(redrill for _, _, redrill in rows) == CARDS
    assert steps_per_card_and_day(db) == {1}
    with closing(sqlite3.connect(db)) as con:
        states = con.execute("SELECT DISTINCT repetitions, interval FROM card_state "
                             "WHERE kind = 'concept'").fetchall()
    assert states == [(1, 1)]
