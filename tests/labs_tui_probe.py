"""A lab for the app's tests: `STUDYAPP_TUI_PROBE` picks whether it sleeps or fails.

The app starts labs with their default parameters, so the behaviour comes from the
environment, which the lab child inherits.
"""

from __future__ import annotations

import os
import sys
import time

from studyapp.labs.events import Emitter
from studyapp.labs.params import ParamSpec

MODE_VARIABLE = "STUDYAPP_TUI_PROBE"
PARAMS: dict[str, ParamSpec] = {}


def run(params: dict[str, object], emit: Emitter) -> None:
    mode = os.environ.get(MODE_VARIABLE, "sleep")
    print("probe: warming up", file=sys.stderr)
    if mode == "raise":
        emit.progress(1, 2, "about to fail")
        raise RuntimeError("the probe failed on purpose")
    for step in range(1, 601):
        emit.progress(step, 600, f"step {step}")
        time.sleep(0.05)
    emit.result([], [])
