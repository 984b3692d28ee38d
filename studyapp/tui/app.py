"""The Textual app: opens the study services and the dashboard; screens do the rest."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from studyapp.clock import Clock
from studyapp.deck import Lang, Module, load_modules
from studyapp.errors import StudyappError
from studyapp.labs.catalog import LAB_IDS
from studyapp.session import StudyService
from studyapp.tui.commands import StudyCommands
from studyapp.tui.texts import t

DAY_CHECK_SECONDS = 60.0


class StudyApp(App[int]):
    """One learner's study app over one database and a set of modules."""

    CSS_PATH: ClassVar[list[str | Path]] = ["app.tcss", "screens.tcss"]
    COMMANDS: ClassVar[set[Any]] = {StudyCommands}
    ENABLE_COMMAND_PALETTE = True
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (100, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "bind.help", id="app.help"),
    ]

    language: reactive[Lang] = reactive[Lang]("bg")

    def __init__(
        self,
        *,
        modules: Sequence[Module],
        db_path: Path,
        clock: Clock,
        lang: Lang | None = None,
    ) -> None:
        super().__init__()
        self.modules = list(modules)
        self.db_path = db_path
        self.clock = clock
        self._lang_override = lang
        self._service: StudyService | None = None
        self.today: date | None = None
        self._requesters: dict[Worker[Any], Screen[Any]] = {}

    @property
    def service(self) -> StudyService:
        if self._service is None:
            raise StudyappError(t(self.language, "error.no_database"))
        return self._service

    @property
    def module(self) -> Module:
        return self.modules[0]

    def t(self, key: str, **values: object) -> str:
        return t(self.language, key, **values)

    def on_mount(self) -> None:
        from studyapp.tui.screens.dashboard import DashboardScreen

        self.title = "studyapp"
        try:
            self._service = StudyService.open(self.db_path, self.modules, self.clock)
            self.language = self._lang_override or self._service.settings().lang
            self.today = self._service.today()
        except StudyappError as exc:
            self.show_error(str(exc), then=lambda: self.exit(return_code=1))
            return
        self.push_screen(DashboardScreen())
        self.set_interval(DAY_CHECK_SECONDS, self.check_day)

    def on_unmount(self) -> None:
        if self._service is not None:
            self._service.close()

    @contextmanager
    def reporting_errors(self) -> Iterator[None]:
        """Run a service call; a `StudyappError` becomes an error dialog."""
        try:
            yield
        except StudyappError as exc:
            self.show_error(str(exc))

    def show_error(self, message: str, then: Callable[[], object] | None = None) -> None:
        from studyapp.tui.screens.error import ErrorDialog

        self.push_screen(ErrorDialog(message), callback=(lambda _: then()) if then else None)

    def load(self, requester: Screen[Any], name: str, work: Callable[[], Any]) -> None:
        """Run `work` in a thread; its result is posted to `requester` as a `Loaded` message.

        The worker only computes; widgets change in the screen's handler, on the
        app's thread. A newer load of the same name replaces one still running.
        """
        worker = self.run_worker(work, name=name, group=name, thread=True, exclusive=True,
                                 exit_on_error=False)
        self._requesters[worker] = requester

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one handler of background jobs: results to their screen, failures to a dialog."""
        from studyapp.tui.screens.base import Loaded

        if event.state in (WorkerState.PENDING, WorkerState.RUNNING):
            return
        requester = self._requesters.pop(event.worker, None)
        if event.state is WorkerState.SUCCESS and requester is not None:
            requester.post_message(Loaded(event.worker.name, event.worker.result))
        elif event.state is WorkerState.ERROR:
            error = event.worker.error
            message = str(error) if isinstance(error, StudyappError) else (
                t(self.language, "error.worker", name=event.worker.name, error=repr(error))
            )
            self.show_error(message)

    def check_day(self) -> None:
        """Refresh every screen when the study day rolls over while the app is open."""
        with self.reporting_errors():
            today = self.service.today()
            if today == self.today:
                return
            self.today = today
            for screen in self.screen_stack:
                day_changed = getattr(screen, "day_changed", None)
                if day_changed is not None:
                    day_changed()

    def action_help(self) -> None:
        from studyapp.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def open_screen(self, name: str) -> None:
        """Open one of the main screens by name (the dashboard keys and the command palette)."""
        from studyapp.tui.screens import main_screen

        self.push_screen(main_screen(name), callback=lambda _: self.data_changed())

    def data_changed(self) -> None:
        """A main screen closed: screens below that show counts read them again."""
        for screen in self.screen_stack:
            refresh_data = getattr(screen, "refresh_data", None)
            if refresh_data is not None:
                refresh_data()


def make_app(
    *, db_path: Path, content_dir: Path, lang: Lang | None, clock: Clock
) -> StudyApp:
    """The app as users get it: modules validated whole, then the database opened on mount."""
    return StudyApp(
        modules=load_modules(content_dir, LAB_IDS), db_path=db_path, clock=clock, lang=lang
    )
