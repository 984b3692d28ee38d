"""The messages of the app's lab run: from its worker to the app, and from the app to the
screens (`studyapp.tui.labrun` sends them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from studyapp.services.lab_values import Progress
    from studyapp.services.labs import RecordedRun


class LabProgress(Message):
    """From the worker: how far the child has got (a newer one replaces one still queued)."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LabProgress)


class LabFinished(Message):
    """The run ended; `record` is None when recording it failed (the app shows that error)."""

    def __init__(self, record: RecordedRun | None) -> None:
        super().__init__()
        self.record = record


class LabChanged(Message, bubble=False):
    """To the screens: the app's lab started, moved on, is being cancelled or is over."""


class LabOver(Message, bubble=False):
    """To the screen that follows the run: how it ended, and the last step it reported."""

    def __init__(self, record: RecordedRun, reached: Progress | None) -> None:
        super().__init__()
        self.record = record
        self.reached = reached
