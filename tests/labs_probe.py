"""A lab for the runner's tests, registered with `registry.register("probe", "labs_probe")`.

Its `mode` picks a behaviour: finish, raise, die from a signal, sleep, chatter on
stdout/stderr and warn, allocate without end, end without a result, or hang: say nothing
more after the first step for ten minutes (so only its parent's death can end it early).
"""

from __future__ import annotations

import os
import signal
import sys
import time
import warnings

from studyapp.labs.events import Emitter
from studyapp.labs.params import ParamSpec

PARAMS = {
    "mode": ParamSpec(str, "ok", choices=("ok", "raise", "signal", "sleep", "chatter",
                                          "no_result", "memory", "hang")),
    "steps": ParamSpec(int, 3, min=1, max=1000),
}


def run(params: dict[str, object], emit: Emitter) -> None:
    mode, steps = params["mode"], int(params["steps"])  # type: ignore[call-overload]
    for step in range(1, steps + 1):
        emit.progress(step, steps, f"step {step}")
        if mode == "sleep":
            time.sleep(0.2)
        if mode == "hang":
            time.sleep(600)
    if mode == "raise":
        raise ValueError("the probe failed on purpose")
    if mode == "signal":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "chatter":
        print("plain print to stdout")
        sys.stdout.write("raw write to stdout\n")
        os.write(1, b"write to file descriptor 1\n")
        warnings.warn("a deprecation on purpose", FutureWarning, stacklevel=1)
        print("to stderr", file=sys.stderr)
    if mode == "memory":
        hog = []
        while True:
            hog.append(bytearray(256 * 1024 * 1024))
    if mode == "no_result":
        return
    emit.note("бележка", "a note")
    emit.table("probe", "probe", ["variant", "threads", "device"],
               [{"variant": "a", "threads": params["threads"], "device": params["device"]}])
    emit.result([{"variant": "a", "threads": params["threads"], "device": params["device"],
                  "steps": steps}],
                [{"bg": f"{steps} стъпки", "en": f"{steps} steps"}])
