"""A measurement that is stopped mid-row still tells the truth: the stalled round is found and
measured again, and the ratio stays what the work is.

The work is two sleeps, 5 ms and 10 ms: their ratio is 2 on any machine, busy or not. The
measuring process is stopped (SIGSTOP) for 300 ms while it times them, as a busy machine or
a suspended terminal would do to a lab.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from studyapp.labs import envinfo

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="needs POSIX signals")

CHILD = """
import json, sys, time
import torch  # loaded before the clock starts: the harness times under torch's settings
from studyapp.labs import harness
plan = harness.Plan(rounds=120, block_s=0.0001, warmup=10, warmup_s=0.0)  # ~2 s of rounds
def first_round_done(done, planned):
    if done == 1:
        print("rounds", flush=True)
found = harness.interleaved({"short": lambda: time.sleep(0.005),
                             "long": lambda: time.sleep(0.010)}, threads=1, plan=plan,
                            on_round=first_round_done)
ratio = found.speedup("long", "short")
print(json.dumps({"stalls": found["short"].stalls, "clean": found.clean,
                  "others": found["short"].others_cores or 0.0,
                  "ratio": [ratio.value, ratio.low, ratio.high],
                  "worst_round_ms": max(found["long"].rounds_ms)}), flush=True)
"""


@pytest.mark.serial  # a stop timed to land inside a round: other tests' load would move it
def test_a_process_stopped_mid_row_redoes_the_round_and_keeps_the_true_ratio() -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "rounds"  # cold calls and warm-ups are over
    os.kill(child.pid, signal.SIGSTOP)
    time.sleep(0.3)
    os.kill(child.pid, signal.SIGCONT)
    out, _ = child.communicate(timeout=60)
    found = json.loads(out)
    assert found["stalls"] >= 1, found
    assert found["clean"] or found["others"] >= envinfo.OTHERS_CONTEND, found  # a busy machine
    value, low, high = found["ratio"]
    assert 1.8 <= low <= value <= high <= 2.2, found
    assert found["worst_round_ms"] < 100, found  # the 300 ms round was thrown away
