"""The Textual app: shows the dashboard, opens the study services; screens do the rest.

The database layer (SQLModel) takes longer to import than Textual itself, so the
dashboard is painted first; the content is loaded and the services are imported
and opened in a background thread, and the dashboard fills in when they are ready.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from studyapp.clock import Clock
from studyapp.errors import StudyappError
from studyapp.services.content import Module, load_content
from studyapp.text import Lang
from studyapp.tui.commands import StudyCommands
from studyapp.tui.labrun import LabRunHost
from studyapp.tui.texts import t

if TYPE_CHECKING:
    from studyapp.services.study import StudyService

DAY_CHECK_SECONDS = 60.0
T = TypeVar("T")

OPEN_WORKER = "open-database"
INTEGRITY_WORKER = "integrity-check"


class StudyApp(LabRunHost, App[int]):
    """One learner's study app over one database and a set of modules; it owns the lab run."""

    CSS_PATH = "app.tcss"  # each screen brings its own
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {StudyCommands}
    ENABLE_COMMAND_PALETTE = True
    # Textual types the breakpoints as an instance variable, so it is not a ClassVar here
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "bind.help", id="app.help"),
    ]

    language: reactive[Lang] = reactive[Lang]("bg")

    def __init__(
        self,
        *,
        load_content: Callable[[], Sequence[Module]],
        db_path: Path,
        clock: Clock,
        lang: Lang | None = None,
    ) -> None:
        super().__init__()
        self._load_content = load_content
        self.modules: list[Module] = []  # loaded with the database, in the background
        self.db_path = db_path
        self.clock = clock
        self._lang_override = lang
        self._service: StudyService | None = None
        self.today: date | None = None
        # Any: a screen of whatever result (Textual's Screen is invariant in it)
        self._requesters: dict[Worker[Callable[[], None]], Screen[Any]] = {}
        self.start_error: str | None = None  # why the app closed without opening its data

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

    @property
    def ready(self) -> bool:
        """Whether the study services are open."""
        return self._service is not None

    def on_mount(self) -> None:
        from studyapp.tui.screens.dashboard import DashboardScreen

        self.title = "studyapp"
        self.language = self._lang_override or self.language
        self.push_screen(DashboardScreen())
        # after the first paint, so that the import does not hold the screen back
        self.call_after_refresh(
            self.run_worker, self._open_service, name=OPEN_WORKER, thread=True,
            exit_on_error=False,
        )

    def _open_service(self) -> tuple[list[Module], StudyService, Lang, date]:
        """In a thread: load the content, import the services, check and sync the database.

        No widgets here: the result goes to `_service_opened` on the app's thread.
        """
        from studyapp.services.study import StudyService

        modules = list(self._load_content())
        service = StudyService.open(self.db_path, modules, self.clock)
        try:
            return modules, service, service.settings().lang, service.today()
        except BaseException:
            service.close()
            raise

    def _service_opened(
        self, modules: list[Module], service: StudyService, lang: Lang, today: date
    ) -> None:
        self.modules = modules
        self._service = service
        self.language = self._lang_override or lang
        self.today = today
        self.set_interval(DAY_CHECK_SECONDS, self.check_day)
        self.data_changed()
        self.run_worker(self._check_integrity, name=INTEGRITY_WORKER, thread=True,
                        exit_on_error=False)

    def _check_integrity(self) -> None:
        """In a thread: the database's full integrity check, at most once a day; a damaged
        file is named in a notification that points to `studyapp doctor`."""
        problems = self.service.check_integrity_if_due()
        if problems:
            message = self.t("integrity.problem", path=self.db_path, problem=problems[0])
            self.call_from_thread(self.notify, message, severity="error", timeout=30)

    def on_unmount(self) -> None:
        if self._service is not None:
            self._service.close()

    @contextmanager
    def reporting_errors(self) -> Iterator[None]:
        """Run a service call; a `StudyappError` becomes an error dialog."""
        try:
            yield
        except StudyappError as exc:
            self.show_error(exc.text(self.language))

    def show_error(self, message: str, then: Callable[[], None] | None = None) -> None:
        from studyapp.tui.screens.error import ErrorDialog

        self.push_screen(ErrorDialog(message), callback=(lambda _: then()) if then else None)

    def open_lab_history(self, lab_id: str) -> None:
        """The earlier runs of `lab_id`, opened from the lab list, a run or the palette: the
        app opens it, so that the run screen and the history need not import each other."""
        from studyapp.tui.screens.lab_history import LabHistoryScreen

        self.push_screen(LabHistoryScreen(lab_id))

    def load(self, requester: Screen[Any], name: str, work: Callable[[], T],  # see _requesters
             show: Callable[[T], None]) -> None:
        """Run `work` in a thread; `show` of its result is posted to `requester` as a
        `Loaded` message.

        The worker only computes; widgets change in `show`, on the app's thread. A newer
        load of the same name replaces one still running.
        """

        def shown() -> Callable[[], None]:
            return partial(show, work())

        worker = self.run_worker(shown, name=name, group=name, thread=True, exclusive=True,
                                 exit_on_error=False)
        self._requesters[worker] = requester

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one handler of background jobs: results to their screen, failures to a dialog."""
        from studyapp.tui.screens.base import Loaded

        if event.state in (WorkerState.PENDING, WorkerState.RUNNING):
            return
        if event.worker.name == OPEN_WORKER:
            self._open_finished(event.worker)
            return
        requester = self._requesters.pop(event.worker, None)
        show = event.worker.result
        if event.state is WorkerState.SUCCESS and requester is not None and show is not None:
            requester.post_message(Loaded(show))
        elif event.state is WorkerState.ERROR:
            self.show_error(self._failure(event.worker))

    def _failure(self, worker: Worker[Any]) -> str:  # Any: Worker is invariant in its result
        error = worker.error
        if isinstance(error, StudyappError):
            return error.text(self.language)
        return t(self.language, "error.worker", name=worker.name, error=repr(error))

    def _open_finished(self, worker: Worker[tuple[list[Module], StudyService, Lang, date]]) -> None:
        """Without a database there is nothing to study: say why, then close."""
        if worker.state is WorkerState.SUCCESS and worker.result is not None:
            self._service_opened(*worker.result)
        elif worker.state is WorkerState.ERROR:
            self.start_error = self._failure(worker)
            self.show_error(self.start_error, then=lambda: self.exit(return_code=1))

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

        self.push_screen(HelpScreen(self.screen))

    def action_help_quit(self) -> None:
        """Ctrl+C does not quit: say which key does, in the learner's language."""
        for active in self.active_bindings.values():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(self.t("quit.how", keys=self.get_key_display(active.binding)),
                            title=self.t("quit.title"))
                return

    def action_command_palette(self) -> None:
        """Textual's palette, with its prompt in the current language."""
        from textual.command import CommandPalette

        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(CommandPalette(placeholder=self.t("palette.placeholder"),
                                            id="--command-palette"))

    def open_screen(self, name: str) -> None:
        """Open one of the main screens by name (the dashboard keys and the command palette)."""
        from studyapp.tui.screens import main_screen

        if not self.ready:
            self.bell()
            return
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
    """The app as users get it: on mount, the modules are loaded (validated whole; a broken
    one is shown in a dialog and the app closes) and the database is opened."""
    return StudyApp(
        load_content=partial(load_content, content_dir), db_path=db_path, clock=clock,
        lang=lang,
    )
