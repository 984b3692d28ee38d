"""A lab child ends with the process that follows it, and that process can be told apart
from a later one that happens to reuse its pid.

Child side: `tie_to_parent(parent_pid)` ends the child, and everything it started, once its
parent is gone, however the parent died (SIGKILL included). A thread waits on stdin, a pipe
only the parent holds open: the kernel closes it when the parent exits, on any platform and
whichever parent thread started the child. On Linux the kernel also sends SIGKILL at once
(PR_SET_PDEATHSIG), which works even while the child holds the GIL in a long native call.

Parent side: `owner()` names this process (pid, start time, boot) for a run's record, and
`is_gone(owner)` whether it has ended, so that a run it left "running" can be closed.
No torch here: the app imports this.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_GONE_EXIT = 128 + signal.SIGKILL  # what the child reports where it cannot kill itself
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def _end_group() -> None:
    """Kill this process and what it started (it leads its own process group)."""
    if hasattr(os, "killpg") and os.getpgrp() == os.getpid():
        os.killpg(os.getpid(), signal.SIGKILL)
    os._exit(PARENT_GONE_EXIT)


def _wait_for_eof(fd: int) -> None:
    while os.read(fd, 4096):
        pass  # the parent writes nothing; anything read is ignored
    _end_group()


def tie_to_parent(parent_pid: int) -> None:
    """End this child as soon as `parent_pid` is gone (stdin must be a pipe it holds)."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the tie was made
        _end_group()
    threading.Thread(target=_wait_for_eof, args=(sys.stdin.fileno(),), daemon=True,
                     name="lifeline").start()


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name; None where there is none."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return text[text.rfind(")") + 2:].split()


def _boot() -> str | None:
    try:
        return _BOOT_ID.read_text(encoding="ascii").strip()
    except OSError:
        return None


def owner() -> dict[str, int | str | None]:
    """This process: its pid, its start time since boot (Linux) and the boot's id (Linux)."""
    fields = _stat(os.getpid())
    return {"pid": os.getpid(), "started": fields[19] if fields else None, "boot": _boot()}


def _running(pid: int) -> bool:
    if os.name != "posix":
        return True  # no safe check here (os.kill would end it): never call it gone
    try:
        os.kill(pid, 0)  # signal 0 checks that the process exists, and sends nothing
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def is_gone(owner: object) -> bool:
    """Whether the process `owner()` named has ended: it is not running, is a zombie, or its
    pid now belongs to a process started at another time or before another boot. An owner
    that is not one (a row written before owners were kept) counts as gone."""
    if not isinstance(owner, Mapping) or not isinstance(owner.get("pid"), int):
        return True
    if owner.get("boot") != _boot():
        return True
    pid = owner["pid"]
    if not _running(pid):
        return True
    fields = _stat(pid)
    if fields is None:
        return owner.get("started") is not None  # no /proc: the pid alone has to do
    return fields[0] == "Z" or fields[19] != owner.get("started")
