"""The command line's streams: text from files and the database printed safely, one-line
errors, and output that cannot fail on a language or a full disk with a traceback."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from typing import TextIO

from studyapp.controls import visible


class StdoutError(Exception):
    """Standard output cannot be written (a full disk, a device error); `reason` says why."""

    def __init__(self, error: OSError) -> None:
        self.reason = error.strerror or str(error)
        super().__init__(self.reason)


class VisibleWriter:
    """A text stream that shows control characters as escapes (see `studyapp.controls`) and
    raises `StdoutError` when it cannot be written (a closed pipe stays BrokenPipeError)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        with _writing():
            return self._stream.write(visible(text))

    def flush(self) -> None:
        with _writing():
            self._stream.flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


@contextmanager
def _writing() -> Iterator[None]:
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise StdoutError(exc) from None


@contextmanager
def visible_stdout() -> Iterator[None]:
    """Standard output, for the duration, shows every control character as an escape; it is
    flushed at the end, so that a full disk is reported here and not at the exit."""
    with redirect_stdout(VisibleWriter(sys.stdout)):
        yield
        sys.stdout.flush()


def error_line(message: str) -> None:
    """`studyapp: error: MESSAGE` on stderr: one line, its control characters made visible."""
    lines = (line.strip() for line in visible(message).splitlines())
    print(f"studyapp: error: {' / '.join(line for line in lines if line)}", file=sys.stderr)


def tolerant_streams() -> None:
    """Standard streams that cannot fail on text: output in an encoding without Cyrillic
    (PYTHONIOENCODING=ascii, LC_ALL=C) gets `\\u0437`-style escapes, and input that is not
    in the expected encoding reads as U+FFFD instead of raising."""
    for stream, errors in ((sys.stdout, "backslashreplace"), (sys.stderr, "backslashreplace"),
                           (sys.stdin, "replace")):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors=errors)


def silence_stdout() -> None:
    """Point standard output at os.devnull, so that the exit does not fail a second time on
    text still waiting to be written to a stream that failed."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
