"""The cold first call as a learner meets it: a fresh Python process loads the cached trained
model and times its first call the way the module's example does.

A first call in the process that has just trained the model is not cold at all (its kernels,
thread pool and memory are already set up), so the latency lab measures it in fresh processes
instead. They start first thing, so that their seconds of importing torch overlap the lab's
own start-up; once the model is cached they load it, and once every one of them is ready they
call it one at a time, so that no first call shares the CPU with another process's start-up.
Each times its first call with `time.time()`, as the example does, and with `perf_counter`
around the same call, then its second call.

    python -m studyapp.labs.latency_cold '{"model": "mlp", "batch": 1, "seed": 0,
                                           "threads": 2, "device": "cpu"}'

imports torch, waits for "load" on stdin, loads the cached model, prints "ready", waits for "go",
and prints its timings as one JSON line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

LOAD, READY, GO = "load", "ready", "go"


class Setup(TypedDict):
    """What each fresh process times, sent to it as JSON."""

    model: str
    batch: int
    seed: int
    threads: int
    device: str


@dataclass(frozen=True)
class FirstCall:
    """What one fresh process measured, in seconds."""

    time_s: float  # time.time() around the first call, as the example does
    perf_counter_s: float  # perf_counter around the same call
    second_s: float  # perf_counter around the second call
    from_cache: bool  # the process loaded the trained weights rather than training them

    @property
    def printout(self) -> str:
        """What the module's example prints for this first call."""
        return f"Inference time: {self.time_s:.4f} seconds"


def _environment() -> dict[str, str]:
    """This environment, with the package importable from the child whatever its cwd."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(path for path in (root, env.get("PYTHONPATH")) if path)
    return env


def _line(child: subprocess.Popen[str]) -> str:
    """The child's next line; its stderr in the error when it ended instead."""
    assert child.stdout is not None
    line = child.stdout.readline()
    if not line:
        child.kill()
        _, err = child.communicate()
        tail = " | ".join(err.strip().splitlines()[-3:])
        raise RuntimeError(f"a fresh process for the cold call ended early: {tail}")
    return line.strip()


class FreshProcesses:
    """Fresh processes, started at once, that each time one first call of the model in
    `setup` (model, batch, seed, threads, device) when asked; killed on leaving the block."""

    def __init__(self, setup: Setup, count: int) -> None:
        self.children = [
            subprocess.Popen([sys.executable, "-m", __name__, json.dumps(setup)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=_environment())
            for _ in range(count)
        ]

    def __enter__(self) -> FreshProcesses:
        return self

    def __exit__(self, *_: object) -> None:
        for child in self.children:
            if child.poll() is None:
                child.kill()
                child.communicate()

    @staticmethod
    def _send(child: subprocess.Popen[str], word: str) -> None:
        assert child.stdin is not None
        child.stdin.write(f"{word}\n")
        child.stdin.flush()

    def first_calls(self) -> list[FirstCall]:
        """Once the model is cached: every process loads it, then each in turn times its
        first call while the others wait."""
        for child in self.children:
            self._send(child, LOAD)
        for child in self.children:
            if _line(child) != READY:
                raise RuntimeError("a fresh process for the cold call did not get ready")
        measured = []
        for child in self.children:
            self._send(child, GO)
            measured.append(FirstCall(**json.loads(_line(child))))
            child.communicate()
        return measured


def main(argv: list[str]) -> int:
    """One fresh process: import, load when told, say ready, then time the first and second
    call when told; a closed stdin (the lab went away) ends it."""
    setup = json.loads(argv[0])
    import torch

    from studyapp.labs import zoo
    from studyapp.labs.digits import sample_batch

    if sys.stdin.readline().strip() != LOAD:
        return 1
    torch.set_num_threads(int(setup["threads"]))
    device = str(setup["device"])
    trained = zoo.trained(str(setup["model"]))
    model = trained.model.to(device)
    input_tensor = torch.from_numpy(sample_batch(int(setup["batch"]), int(setup["seed"])))
    input_tensor = input_tensor.to(device)
    finish = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    print(READY, flush=True)
    if sys.stdin.readline().strip() != GO:
        return 1
    start_time = time.time()
    start_counter = time.perf_counter()
    with torch.no_grad():
        model(input_tensor)
    finish()
    end_counter = time.perf_counter()
    end_time = time.time()
    with torch.no_grad():
        started = time.perf_counter()
        model(input_tensor)
        finish()
        second = time.perf_counter() - started
    print(json.dumps({"time_s": end_time - start_time,
                      "perf_counter_s": end_counter - start_counter, "second_s": second,
                      "from_cache": trained.from_cache}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
