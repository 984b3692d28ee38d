"""Builders shared by the TUI tests: a small module in both languages, a settable clock, the app.

No tests here; the TUI test modules import from it.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

from textual.pilot import Pilot
from textual.screen import Screen

from studyapp.deck import load_modules
from studyapp.labs.catalog import LAB_IDS
from studyapp.services.study import StudyService
from studyapp.text import Lang
from studyapp.tui.app import StudyApp, make_app
from studyapp.tui.screens.error import ErrorDialog

ScreenT = TypeVar("ScreenT", bound=Screen[Any])
ZONE = timezone(timedelta(hours=2))
START = datetime(2026, 11, 27, 10, 0, tzinfo=ZONE)

MODULE_TOML = '''
[module]
id = "mini"
title = { bg = "Мини модул", en = "Mini module" }
overview = { bg = "Кратък преглед на модула.", en = "A short overview of the module." }

[[cards]]
id = "prior.1"
kind = "prior"
front = { bg = "Какво е инференция?", en = "What is inference?" }

[[cards]]
id = "prior.2"
kind = "prior"
front = { bg = "Защо скоростта е важна?", en = "Why does speed matter?" }

[[cards]]
id = "concept.latency"
kind = "concept"
lab = "latency"
front = { bg = "Латентност", en = "Latency" }
back = { bg = "Времето до един резултат.", en = "The time to one result." }

[[cards]]
id = "concept.latency.reverse"
kind = "concept"
front = { bg = "Времето до един резултат.", en = "The time to one result." }
back = { bg = "Латентност", en = "Latency" }

[[cards]]
id = "step.1"
kind = "step"
step = 1
lab = "latency"
front = { bg = "Измерване на латентността", en = "Measuring latency" }
focus = { bg = "Студено и топло извикване.", en = "Cold and warm calls." }
task = { bg = "Измерете медианата.", en = "Measure the median." }

[[cards]]
id = "reading.spread"
kind = "reading"
step = 1
front = { bg = "Разсейване", en = "Spread" }
body = { bg = "Всяко извикване отнема различно време.", en = "Every call takes a different time." }

[[cards]]
id = "step1.recall.1"
kind = "recall"
step = 1
front = { bg = "Защо едно измерване не стига?", en = "Why is one reading not enough?" }
back = { bg = "Заради разсейването.", en = "Because of the spread." }
notes = { bg = "Мерете медианата и p99.", en = "Measure the median and p99." }

[[cards]]
id = "example.1"
kind = "example"
lab = "quantize"
front = { bg = "Динамична квантизация", en = "Dynamic quantization" }
code = """
import torch
model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
"""
back = { bg = "Теглата на Linear стават int8.", en = "Linear weights become int8." }

[[cards]]
id = "pitfall.1"
kind = "pitfall"
front = { bg = "Едно измерване", en = "One reading" }
back = { bg = "Шумът го прави безполезно.", en = "Noise makes it useless." }
notes = { bg = "Повторете го много пъти.", en = "Repeat it many times." }

[[cards]]
id = "quiz.1"
kind = "quiz"
front = { bg = "Какво е пакетиране?", en = "What is batching?" }
back = { bg = "Обработка на няколко входа наведнъж.", en = "Processing several inputs at once." }

[[cards]]
id = "recap.1"
kind = "recap"
front = { bg = "Измервай, после оптимизирай.", en = "Measure, then optimize." }

[[cards]]
id = "plan.1d"
kind = "plan"
offset = { days = 1 }
front = { bg = "Обяснете латентността.", en = "Explain latency." }
back = { bg = "Времето до резултат.", en = "The time to a result." }
'''

# The graded cards of the first session: concept.latency.reverse waits for a day on which
# its forward card is not shown.
FIRST_DAY = ("concept.latency", "step1.recall.1", "example.1", "pitfall.1", "quiz.1")


@dataclass
class FakeClock:
    """A clock the test moves by hand."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def write_content(root: Path) -> Path:
    folder = root / "content" / "mini"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "module.toml").write_text(MODULE_TOML, encoding="utf-8")
    return root / "content"


def build_app(root: Path, clock: FakeClock, lang: Lang | None = None) -> StudyApp:
    return make_app(db_path=root / "study.db", content_dir=write_content(root), lang=lang,
                    clock=clock)


@contextmanager
def opened_service(root: Path, clock: FakeClock) -> Iterator[StudyService]:
    """The same database the app uses, opened the way the app opens it; closed afterwards."""
    service = StudyService.open(root / "study.db", load_modules(write_content(root), LAB_IDS),
                                clock)
    try:
        yield service
    finally:
        service.close()


def seed_history(root: Path, days: int = 12) -> None:
    """Reviews on earlier days: every due card answered once a day, ending yesterday."""
    clock = FakeClock(START - timedelta(days=days))
    with opened_service(root, clock) as service:
        for day in range(days):
            clock.now = START - timedelta(days=days - day)
            session = service.start_review()
            for step, _ in enumerate(iter(session.current, None)):
                session.grade(5 if (step + day) % 3 else 3)


async def started(pilot: Pilot[Any]) -> None:
    """Wait until the database is open (or its error shown) and no background work is left."""
    app = pilot.app
    assert isinstance(app, StudyApp)
    for _ in range(1000):
        await pilot.pause()
        settled = not any(worker.is_running for worker in app.workers)
        if settled and (app.ready or isinstance(app.screen, ErrorDialog)):
            await pilot.pause()
            return
    raise AssertionError("the app did not finish starting")


@asynccontextmanager
async def running(app: StudyApp, size: tuple[int, int] = (80, 24)
                  ) -> AsyncIterator[Pilot[Any]]:
    """The app in a terminal of `size` (80×24 unless told), started (see `started`)."""
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        yield pilot


async def screen_after(pilot: Pilot[Any], kind: type[ScreenT], *keys: str) -> ScreenT:
    """Press `keys`, let the app settle, and return the screen they led to, a `kind`."""
    await pilot.press(*keys)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, kind), screen
    return screen


def drive(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test on its own event loop (the app's pilot needs one)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run
