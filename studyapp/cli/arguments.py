"""Types of the commands' number arguments: ASCII digits only (see `studyapp.ascii_numbers`),
and a usage error (exit 2) naming the value otherwise."""

from __future__ import annotations

import argparse
import math

from studyapp.ascii_numbers import ascii_float, ascii_int


def whole(text: str) -> int:
    """A whole number."""
    try:
        return ascii_int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def positive(text: str) -> int:
    """A whole number of 1 or more."""
    value = whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {text!r}")
    return value


def seconds(text: str) -> float:
    """A time limit: a finite number of seconds above zero."""
    try:
        value = ascii_float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0: {text!r}")
    return value
