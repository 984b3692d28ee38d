"""Control characters in text from a file or the database: found, and made visible.

A terminal obeys an escape sequence wherever it comes from, so text that came from a module
file, the database or the learner's own typing must not reach it raw: every C0 and C1
control (and DEL) except a line break and a tab is shown as an escape (`\\u001b`), which
reads the same in Python and in JSON, so JSON text stays valid and means the same.
"""

from __future__ import annotations

import re

# C0 without tab and line feed, DEL, and C1.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def first_control(text: str) -> str | None:
    """The first control character of `text` as an escape (`\\u001b`), or None if it has none."""
    found = CONTROL.search(text)
    return _escape(found) if found else None


def visible(text: str) -> str:
    """`text` with each control character replaced by its escape; line breaks and tabs kept."""
    return CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"
