"""What every screen of the app shares: back, the key bar, language and day changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, TypeVar, cast

from textual import events, on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import ModalScreen, Screen

if TYPE_CHECKING:
    from studyapp.services.study import StudyService
    from studyapp.tui.app import StudyApp


T = TypeVar("T")


class Loaded(Message):
    """A background read finished: `show` puts its result on the screen that asked for it."""

    def __init__(self, show: Callable[[], None]) -> None:
        super().__init__()
        self.show = show


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

    @on(events.Mount)
    def _follow_language(self) -> None:
        """Every screen follows the app's language; Textual calls this besides (not instead
        of) a screen's own `on_mount`."""
        self.watch(self.app, "language", self._language_changed, init=False)

    async def _language_changed(self) -> None:
        await self.language_changed()
        self.refresh_bindings()

    async def language_changed(self) -> None:
        """Show every text in the new language; state lives in attributes, so recompose."""
        await self.recompose()

    async def recompose(self) -> None:
        """Compose again; the focused widget is gone with the old ones, so the keys go where
        they went when the screen opened (its `AUTO_FOCUS`), e.g. to a scroll area."""
        await super().recompose()
        self._update_auto_focus()

    def load(self, name: str, work: Callable[[], T], show: Callable[[T], None]) -> None:
        """Run a service read in a background thread; `show` gets its result on the app's
        thread."""
        self.study_app.load(self, name, work, show)

    def on_loaded(self, message: Loaded) -> None:
        message.show()

    def day_changed(self) -> None:
        """The study day rolled over: screens with due counts reload them."""

    def refresh_data(self) -> None:
        """Another screen may have changed the data: screens that show counts reload them."""

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
