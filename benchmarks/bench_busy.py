"""Does a lab tell the truth on a busy machine? Each lab is run three times at one size:

- quiet: nothing else running;
- hog: another process keeps one core busy for the whole run;
- stops: the lab's own process is stopped for 0.3 s every 1.5 s (SIGSTOP/SIGCONT), as a
  suspended terminal or a starved VM would do.

Every ratio a run measures between variants timed in the same rounds (`speedup`, `gain`,
`share_of_best`, … with `_low` and `_high`) is compared with what two quiet runs measured
(the span of their two intervals: this machine's speed moves by tens of percent within
minutes, and a ratio moves with it). A busy run passes when each of its intervals overlaps
that span (no stated ratio outside what quiet runs measure), or when it says it could not
measure cleanly and so offers no review cards. Absolute times and shares of a roofline probed
at another moment are not ratios of the same rounds, and are left out. Cards are counted for
each run.

Run: .venv/bin/python benchmarks/bench_busy.py [--labs a,b] [--size quick|default]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from studyapp.labs.envinfo import load_average
from studyapp.labs.events import Result, decode
from studyapp.labs.findings import measured_cleanly
from studyapp.labs.result_cards import result_cards

STOP_EVERY_S, STOP_FOR_S = 1.5, 0.3
IDENTITY = ("section", "model", "variant", "device", "batch_size", "threads", "opt_level")
PAIRED = ("speedup", "gain", "share_of_best", "share_of_probe")  # ratios within the rounds
HOG = "while True: pass"


@contextmanager
def hog() -> Iterator[None]:
    """Another program keeping one core busy."""
    busy = subprocess.Popen([sys.executable, "-c", HOG])
    try:
        yield
    finally:
        busy.kill()
        busy.wait()


def pulse(pid: int, done: threading.Event) -> None:
    """Stop the process `pid` for STOP_FOR_S every STOP_EVERY_S until `done`."""
    while not done.wait(STOP_EVERY_S):
        try:
            os.kill(pid, signal.SIGSTOP)
            time.sleep(STOP_FOR_S)
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            return


def run(lab: str, size: str, stops: bool) -> Result:
    child = subprocess.Popen(
        [sys.executable, "-m", "studyapp.labs", "run", lab, "--params",
         json.dumps({"size": size})], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True)
    done = threading.Event()
    pulser = threading.Thread(target=pulse, args=(child.pid, done), daemon=True)
    if stops:
        pulser.start()
    out, _ = child.communicate(timeout=900)
    done.set()
    result = decode(out.splitlines()[-1])
    if not isinstance(result, Result):
        raise SystemExit(f"{lab}: the run failed: {out.splitlines()[-1][:200]}")
    return result


def intervals(rows: tuple[dict[str, Any], ...]) -> dict[tuple[Any, ...], tuple[float, float]]:
    """Every stated interval of the run, by row identity and key."""
    found = {}
    for row in rows:
        for key, low in row.items():
            high = row.get(key.removesuffix("_low") + "_high")
            if key.endswith("_low") and isinstance(low, float) and isinstance(high, float) \
                    and key.removesuffix("_low").startswith(PAIRED):
                found[(*(row.get(name) for name in IDENTITY), key)] = (low, high)
    return found


def span(*runs: Result) -> dict[tuple[Any, ...], tuple[float, float]]:
    """Each interval key's span over `runs`: the lowest low and the highest high."""
    found: dict[tuple[Any, ...], tuple[float, float]] = {}
    for run_ in runs:
        for key, (low, high) in intervals(run_.rows).items():
            old = found.get(key, (low, high))
            found[key] = (min(old[0], low), max(old[1], high))
    return found


def compare(lab: str, quiet: tuple[Result, Result], busy: Result, label: str) -> bool:
    base, seen = span(*quiet), intervals(busy.rows)
    apart = [key for key, (low, high) in seen.items()
             if key in base and (high < base[key][0] or low > base[key][1])]
    clean = measured_cleanly(busy.rows)
    cards = len(result_cards(lab, busy.rows, busy.reading))
    ok = not apart or (not clean and cards == 0)
    print(f"   {lab:<9} {label:<6} intervals {len(seen):>3}, outside quiet {len(apart):>3}, "
          f"clean {'yes' if clean else 'no':<3} cards {cards}  {'ok' if ok else 'UNTRUE'}")
    for key in apart[:5]:
        print(f"      {key[:-1]} {key[-1]}: busy {seen[key]} vs quiet {base[key]}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labs", default="latency,quantize,prune,batching,onnx,profile")
    parser.add_argument("--size", default="quick", choices=("quick", "default"))
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-busy-") as folder:
        os.environ["STUDYAPP_DATA_DIR"] = folder
        for lab in args.labs.split(","):
            run(lab, args.size, stops=False)  # trains and caches what the lab needs
            print(f"{lab}: load average {load_average()}")
            quiet = (run(lab, args.size, stops=False), run(lab, args.size, stops=False))
            compare(lab, (quiet[0], quiet[0]), quiet[1], "quiet")  # how far quiet runs drift
            with hog():
                ok = compare(lab, quiet, run(lab, args.size, stops=False), "hog") and ok
            ok = compare(lab, quiet, run(lab, args.size, stops=True), "stops") and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
