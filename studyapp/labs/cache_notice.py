"""What a lab says when a cache entry it found cannot be used and is made again.

A cache file that reads back with wrong values (a missing accuracy, a roofline of zeros) is
never trusted: it is rebuilt, and the run says so, in its progress where the rebuild reports
progress (training), else as a line of the run's log (the child's stderr).
"""

from __future__ import annotations

import sys

from studyapp.text import Text


def invalid_cache(what: str) -> Text:
    return Text(f"кешът на {what} беше невалиден; създава се наново",
                f"cache for {what} was invalid; rebuilding")


def log_invalid_cache(what: str) -> None:
    """Say on the run's log that the cache entry `what` is rebuilt."""
    print(f"studyapp.labs: {invalid_cache(what).en}", file=sys.stderr, flush=True)
