"""Store benchmark: today's queue, one answer, and stats on a large database.

Builds a database with 100,000 cards and 1,000,000 review-log rows spread
over a year (bulk insert), then measures through the study service:
  - opening it (the checks made at every open, and the service over the content),
    median over reopens: the first open, which syncs the content, is shown apart, and so
    is an open over content loaded anew (what a new process pays: the content's digest
    and indexes, which the modules keep for later opens),
  - building today's queue (`start_review`),
  - answering one card (state + log, committed), median over many,
  - `stats(365)`.
Targets on a 2-core machine: open <= 150 ms, queue <= 20 ms, answer <= 5 ms, stats <= 200 ms.

Run: .venv/bin/python benchmarks/bench_store.py [--cards N] [--reviews N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from studyapp.deck import Card, Module
from studyapp.services.study import StudyService
from studyapp.store.migrations import open_database
from studyapp.text import Text

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Sofia"))
TODAY = date(2026, 3, 2)
TARGETS_MS = {"open": 150.0, "queue": 20.0, "answer": 5.0, "stats": 200.0}


def synthetic_module(cards: int) -> Module:
    return Module(
        id="bench",
        path=Path("bench/module.toml"),
        title=Text("Бенчмарк", "Benchmark"),
        overview=Text("Синтетичен модул", "A synthetic module"),
        cards=tuple(
            Card(id=f"c{i:06d}", kind="quiz", order=i, front=Text(f"Въпрос {i}"),
                 back=Text(f"Отговор {i}"))
            for i in range(cards)
        ),
    )


def fill(path: Path, cards: int, reviews: int, seed: int = 7) -> None:
    """Bulk-insert card states and a year of review log in one transaction."""
    rng = random.Random(seed)
    answered = int(cards * 0.8)  # the rest are new
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = OFF")  # a throw-away bulk load
    con.execute("PRAGMA synchronous = OFF")
    con.execute("BEGIN")
    states = []
    for i in range(cards):
        if i < answered:
            due = TODAY + timedelta(days=rng.randint(-3, 365))
            first_day = TODAY - timedelta(days=rng.randint(1, 365))
            states.append((f"c{i:06d}", "bench", "quiz", i, 1, 0, rng.randint(1, 12),
                           rng.randrange(130, 300, 2), rng.randint(1, 400), due.isoformat(),
                           f"{first_day.isoformat()} 07:00:00.000000", first_day.isoformat()))
        else:
            states.append((f"c{i:06d}", "bench", "quiz", i, 1, 0, 0, 250, 0, None, None, None))
    con.executemany("INSERT INTO card_state VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", states)
    days = sorted(rng.randint(1, 365) for _ in range(reviews))  # the year before today
    seen: set[int] = set()
    log = []
    for n, back in enumerate(days):
        card = rng.randrange(answered)
        first = card not in seen
        seen.add(card)
        day = TODAY - timedelta(days=366 - back)
        at = f"{day.isoformat()} 07:{n % 60:02d}:00.000000"
        undone = at if rng.random() < 0.01 else None
        log.append((f"c{card:06d}", "bench", at, day.isoformat(), rng.randint(0, 5), None, 4000,
                    0, int(first), 1, 250, 1, day.isoformat(), 2, 260, 6,
                    (day + timedelta(days=6)).isoformat(), undone))
    con.executemany(
        "INSERT INTO review_log (card_id, session_id, at, study_day, grade, answer, response_ms,"
        " redrill, first_answer, before_repetitions, before_easiness_x100, before_interval,"
        " before_due, after_repetitions, after_easiness_x100, after_interval, after_due,"
        " undone_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", log)
    con.execute("COMMIT")
    con.execute("ANALYZE")
    con.execute("PRAGMA journal_mode = WAL")
    con.close()


def median_ms(action: Callable[[], object], repeats: int) -> tuple[float, float, float]:
    """(median wall, p90 wall, median CPU) in milliseconds after one warm-up call.

    CPU time is reported next to wall time because other work on a small
    machine stretches wall time; the target applies to the wall median.
    """
    action()
    walls, cpus = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        cpus.append((time.process_time() - start_cpu) * 1000)
        walls.append((time.perf_counter() - start) * 1000)
    walls.sort()
    return statistics.median(walls), walls[int(len(walls) * 0.9) - 1], statistics.median(cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the built database in DIR and reuse it on later runs "
                        "(each run measures on a fresh copy)")
    args = parser.parse_args()

    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        built = args.keep / f"bench-{args.cards}-{args.reviews}.db"
        if not built.exists():
            build(built, args.cards, args.reviews)
        return measure(built, args.keep / "run.db", args.cards)
    with tempfile.TemporaryDirectory(prefix="studyapp-bench-") as folder:
        built = Path(folder) / "bench.db"
        build(built, args.cards, args.reviews)
        return measure(built, Path(folder) / "run.db", args.cards)


def build(path: Path, cards: int, reviews: int) -> None:
    open_database(path, NOW).dispose()
    start = time.perf_counter()
    fill(path, cards, reviews)
    print(f"built {cards:,} cards and {reviews:,} log rows in "
          f"{time.perf_counter() - start:.1f} s ({path.stat().st_size / 1e6:.0f} MB)")


def measure(built: Path, path: Path, cards: int) -> int:
    """Measure on a copy of `built`, so that the answers given leave it as it was."""
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(built, path)
    module = synthetic_module(cards)
    start = time.perf_counter()
    StudyService.open(path, [module], lambda: NOW).close()
    print(f"first open (check + content sync of {cards:,} cards): "
          f"{(time.perf_counter() - start) * 1000:.0f} ms")
    fresh = synthetic_module(cards)
    start, start_cpu = time.perf_counter(), time.process_time()
    StudyService.open(path, [fresh], lambda: NOW).close()
    print(f"open over content loaded anew: {(time.perf_counter() - start) * 1000:.0f} ms "
          f"(CPU {(time.process_time() - start_cpu) * 1000:.0f} ms)")
    results = {"open": median_ms(lambda: StudyService.open(path, [module], lambda: NOW).close(), 5)}

    service = StudyService.open(path, [module], lambda: NOW)
    session = service.start_review()
    print(f"today's queue: {session.remaining()} cards")
    results["queue"] = median_ms(service.start_review, 30)

    answers = 300
    assert session.remaining() > answers + 1
    results["answer"] = median_ms(lambda: session.grade(5), answers)
    results["stats"] = median_ms(lambda: service.stats(365), 10)
    service.close()

    failed = False
    for name, (median, p90, cpu) in results.items():
        target = TARGETS_MS[name]
        verdict = "ok" if median <= target else "OVER TARGET"
        failed |= median > target
        print(f"{name:>7}: median {median:7.2f} ms  p90 {p90:7.2f} ms  CPU {cpu:7.2f} ms  "
              f"(target {target:.0f} ms) {verdict}")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average while measuring: {load} on {os.cpu_count()} cores")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
