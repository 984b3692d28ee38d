"""Handlers that load their module only when their command runs.

Building the parser must stay light: `studyapp` with no command opens the app, and the
app's start-up should not pay for the code of commands it does not run.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from importlib import import_module

Handler = Callable[[argparse.Namespace], int]


def lazy_handler(module: str, name: str) -> Handler:
    """`module.name`, imported at the first call."""

    def handler(args: argparse.Namespace) -> int:
        function: Handler = getattr(import_module(module), name)
        return function(args)

    handler.__qualname__ = f"{module}.{name}"
    return handler
