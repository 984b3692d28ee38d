"""What every screen of the app shares: back, the translated footer, language and day changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from studyapp.session import StudyService
    from studyapp.tui.app import StudyApp


class AppScreen(Screen[None]):
    """A full screen: `escape` goes back, texts follow the app's language."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "bind.back", id="screen.back"),
    ]

    @property
    def study_app(self) -> StudyApp:
        return cast("StudyApp", self.app)

    @property
    def service(self) -> StudyService:
        return self.study_app.service

    @property
    def lang(self) -> str:
        return self.study_app.language

    def t(self, key: str, **values: object) -> str:
        return self.study_app.t(key, **values)

    def on_mount(self) -> None:
        self.watch(self.app, "language", self._language_changed, init=False)

    async def _language_changed(self) -> None:
        await self.language_changed()
        self.refresh_bindings()

    async def language_changed(self) -> None:
        """Show every text in the new language; state lives in attributes, so recompose."""
        await self.recompose()

    def load(self, name: str, work: Callable[[], Any]) -> None:
        """Run a service read in a thread; its result comes back to `loaded` on this screen.

        The worker only computes: widgets are changed by `loaded`, on the app's thread.
        A failure reaches the app's one `Worker.StateChanged` handler, which shows it.
        """
        self.run_worker(work, name=name, group=name, thread=True, exclusive=True,
                        exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.SUCCESS and event.worker.node is self:
            self.loaded(event.worker.name, event.worker.result)

    def loaded(self, name: str, result: Any) -> None:
        """A `load` finished: show its result."""

    def day_changed(self) -> None:
        """The study day rolled over: screens with due counts reload them."""

    def action_back(self) -> None:
        self.dismiss()


class AppModal(ModalScreen[None]):
    """A dialog over the current screen, closed with `escape`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "bind.close", id="dialog.close"),
    ]

    @property
    def study_app(self) -> StudyApp:
        return cast("StudyApp", self.app)

    def t(self, key: str, **values: object) -> str:
        return self.study_app.t(key, **values)

    def action_close(self) -> None:
        self.dismiss()
