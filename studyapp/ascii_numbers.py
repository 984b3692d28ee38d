"""Numbers typed by a person, or read back from text they could have edited: ASCII only.

Python's int() and float() also read the digits of other scripts ("٤") and full-width ones
("４"), which a learner may not even see as different; here such text is refused instead.
"""

from __future__ import annotations


def ascii_int(text: str) -> int:
    """`text` as int() reads it, when it is all ASCII; ValueError otherwise."""
    return int(_ascii(text))


def ascii_float(text: str) -> float:
    """`text` as float() reads it, when it is all ASCII; ValueError otherwise."""
    return float(_ascii(text))


def _ascii(text: str) -> str:
    if not text.isascii():
        raise ValueError(f"not written in ASCII digits: {text!r}")
    return text
