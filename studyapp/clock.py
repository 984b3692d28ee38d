"""The only place that reads the wall clock; everything else is given `now`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, timezone-aware, in the machine's local zone."""
    return datetime.now().astimezone()
