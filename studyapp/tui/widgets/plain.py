"""Static text taken literally: module texts may contain brackets that are not markup."""

from __future__ import annotations

from textual.visual import VisualType
from textual.widgets import Static


class Plain(Static):
    def __init__(
        self, content: VisualType = "", *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(content, markup=False, id=id, classes=classes)
