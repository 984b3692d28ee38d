"""Text boxes that give the keyboard back: `escape` leaves the box so screen keys work again.

Leaving goes to the nearest focusable container around the box (the screen's scroll area),
never to a neighbouring box, so that the next letter is a command and not an answer.
A box filled from the database (a saved answer) shows its control characters as escapes
(`studyapp.controls`): what the box shows is what an edit saves.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input, TextArea

from studyapp.controls import visible


def leave(box: Widget) -> None:
    """Move the focus out of `box` to its nearest focusable container, or to nothing."""
    container = next((node for node in box.ancestors
                      if isinstance(node, Widget) and node.focusable), None)
    box.screen.set_focus(container)


class AnswerBox(Input):
    """A one-line answer; while it has focus, digits and spaces are text, not commands."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "bind.leave_box", id="answer.leave"),
    ]

    def __init__(self, value: str = "", *, placeholder: str = "", id: str | None = None) -> None:
        # coming back to the box goes on typing where it was, not over a selection
        super().__init__(visible(value), placeholder=placeholder, id=id, select_on_focus=False)

    def action_leave(self) -> None:
        leave(self)


class NoteArea(TextArea):
    """A free-text answer of several lines; `tab` and `escape` leave it.

    Its cursor starts at the end of the saved text, so entering the box goes on writing.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "bind.leave_box", id="note.leave"),
    ]

    def __init__(self, text: str = "", *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(visible(text), name=name, id=id, classes=classes)

    def on_mount(self) -> None:
        self.move_cursor(self.document.end)

    def action_leave(self) -> None:
        leave(self)
