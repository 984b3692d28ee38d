"""Writing a module: a `module.toml` draft from a module written in the Markdown template."""

from __future__ import annotations

from studyapp.deck.importer import Draft, DraftLabels, read_markdown, render_draft
from studyapp.labs.catalog import LAB_IDS

__all__ = ["Draft", "DraftLabels", "module_draft", "read_markdown"]


def module_draft(draft: Draft, labels: DraftLabels) -> str:
    """The draft as `module.toml` text, its lab notes naming the app's labs."""
    return render_draft(draft, labels, LAB_IDS)
