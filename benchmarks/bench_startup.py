"""App benchmark: start-up to the first painted dashboard, and grade key to the next card.

1. Start-up: from process start to the first paint of the dashboard, against a
   bare Textual app that shows one label, both started the same way (a fresh
   Python process, headless, the same terminal size) and alternated in the same
   run. Target: studyapp / bare <= 1.3. The time until the dashboard shows its
   numbers (the database layer imported and opened in the background) is
   reported beside it.
2. Grading: from a grade key to the next card painted, with 100,000 cards in
   the database (built by `bench_store.fill`). Target: median <= 50 ms.

Run: .venv/bin/python benchmarks/bench_startup.py [--runs N] [--cards N] [--reviews N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_store import NOW, fill, synthetic_module

from studyapp.store.migrations import open_database

ROOT = Path(__file__).resolve().parents[1]
STARTUP_RATIO_TARGET = 1.3
GRADE_TARGET_MS = 50.0
SIZE = (80, 24)

# Each child prints the wall-clock time of its first paint; the parent took the
# time just before starting it, so the difference includes interpreter start-up.
BARE_APP = f"""
import time
from textual.app import App
from textual.widgets import Label

class Bare(App):
    def compose(self):
        yield Label("ready")

    def on_mount(self):
        self.call_after_refresh(self.painted)

    def painted(self):
        print(time.time())
        self.exit()

Bare().run(headless=True, size={SIZE})
"""

# The path `studyapp` takes: the command line's parser, the content check, the app factory.
STUDYAPP = f"""
import sys, time
from studyapp.cli import build_parser
from studyapp.cli.context import build_app
from studyapp.tui.screens.dashboard import DashboardScreen

app = build_app(build_parser().parse_args(["--db", sys.argv[1], "--content", sys.argv[2]]))

def painted():
    print(time.time())
    app.exit()

def check():
    screen = app.screen
    with_numbers = sys.argv[3] == "numbers"
    if isinstance(screen, DashboardScreen) and (screen.data is not None or not with_numbers):
        timer.stop()
        app.call_after_refresh(painted)

timer = None

def watch():
    global timer
    timer = app.set_interval(0.001, check)

app.call_later(watch)
app.run(headless=True, size={SIZE})
"""


# Both apps start as on a user's machine, with Python's bytecode cache written and used
# (some environments switch it off, which makes every import compile its source again).
CHILD_ENV = {key: value for key, value in os.environ.items()
             if key != "PYTHONDONTWRITEBYTECODE"}


def time_to_paint(code: str, *args: str) -> float:
    start = time.time()
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         check=True, cwd=ROOT, timeout=120, env=CHILD_ENV)
    return float(out.stdout.split()[-1]) - start


def bench_startup(runs: int, folder: Path) -> float:
    """Ratio of the first painted dashboard to the bare app; also reports the numbers' paint."""
    args = (str(folder / "startup.db"), str(ROOT / "content"))
    time_to_paint(STUDYAPP, *args, "numbers")  # creates the database, warms file caches
    time_to_paint(BARE_APP)
    times: dict[str, list[float]] = {"bare": [], "frame": [], "numbers": []}
    for _ in range(runs):
        times["bare"].append(time_to_paint(BARE_APP))
        times["frame"].append(time_to_paint(STUDYAPP, *args, "frame"))
        times["numbers"].append(time_to_paint(STUDYAPP, *args, "numbers"))
    bare, frame, numbers = (statistics.median(times[key]) * 1000 for key in times)
    ratio = frame / bare
    verdict = "ok" if ratio <= STARTUP_RATIO_TARGET else "OVER TARGET"
    print(f"bare Textual app with one label, first paint: median {bare:.0f} ms")
    print(f"studyapp, first painted dashboard: median {frame:.0f} ms, ratio {ratio:.2f} "
          f"(target <= {STARTUP_RATIO_TARGET}) {verdict}")
    print(f"studyapp, dashboard painted with its numbers (database open, queries done): "
          f"median {numbers:.0f} ms, ratio {numbers / bare:.2f}")
    return ratio


async def grade_to_next_card(db: Path, cards: int, grades: int) -> list[float]:
    """Post the grade key the way the terminal driver does; stop at the next paint."""
    from textual import events

    from studyapp.tui.app import StudyApp
    from studyapp.tui.screens.review import ReviewScreen

    module = synthetic_module(cards)
    app = StudyApp(load_content=lambda: [module], db_path=db, clock=lambda: NOW, lang="en")
    times: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        while not app.ready:
            await pilot.pause(0.01)
        await app.workers.wait_for_complete()
        await pilot.press("r")
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.session is not None
        print(f"queue: {screen.session.remaining():,} cards")
        for _ in range(grades):
            await pilot.press("space")
            await pilot.pause()
            before = screen.item
            start = time.perf_counter()
            app.post_message(events.Key("5", "5"))
            while screen.item is before:
                await asyncio.sleep(0)
            painted = asyncio.Event()
            app.call_after_refresh(painted.set)
            await painted.wait()
            times.append((time.perf_counter() - start) * 1000)
    return times


def bench_grading(folder: Path, cards: int, reviews: int, grades: int) -> float:
    db = folder / "grading.db"
    open_database(db, NOW).dispose()
    start = time.perf_counter()
    fill(db, cards, reviews)
    print(f"built {cards:,} cards and {reviews:,} log rows in {time.perf_counter() - start:.1f} s")
    times = sorted(asyncio.run(grade_to_next_card(db, cards, grades)))
    median = statistics.median(times)
    p90 = times[int(len(times) * 0.9) - 1]
    verdict = "ok" if median <= GRADE_TARGET_MS else "OVER TARGET"
    print(f"grade key to next card painted ({cards:,} cards): median {median:.1f} ms, "
          f"p90 {p90:.1f} ms over {len(times)} grades (target <= {GRADE_TARGET_MS:.0f} ms) "
          f"{verdict}")
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="start-ups of each app")
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--grades", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="studyapp-bench-") as name:
        folder = Path(name)
        ratio = bench_startup(args.runs, folder)
        median = bench_grading(folder, args.cards, args.reviews, args.grades)
    return 0 if ratio <= STARTUP_RATIO_TARGET and median <= GRADE_TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
