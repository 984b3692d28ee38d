"""Static text taken literally: module texts may contain brackets that are not markup, and
texts from the database (answers, lab runs) may hold control characters, which are shown
as escapes (`\\u001b`) instead of reaching the terminal."""

from __future__ import annotations

from textual.visual import VisualType
from textual.widgets import Static

from studyapp.controls import visible


def _literal(content: VisualType) -> VisualType:
    return visible(content) if isinstance(content, str) else content


class Plain(Static):
    def __init__(
        self, content: VisualType = "", *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(_literal(content), markup=False, id=id, classes=classes)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        super().update(_literal(content), layout=layout)
