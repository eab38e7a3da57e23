"""Run native code in a forked child first, so that a crash in it (an abort inside rego-cpp)
ends the child, not the checker.

    died = crash_of(lambda: compile_it(), timeout_s=10)   # None: it returned (or raised)

Python exceptions in the child are not crashes: the parent repeats the work and meets them
itself. The child's standard output and error go to /dev/null (a hook's standard output is its
answer). Used once per distinct policy text, never per check: a fork costs milliseconds.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time
from collections.abc import Callable


def crash_of(work: Callable[[], object], *, timeout_s: float = 10.0) -> str | None:
    """None when `work()` returned or raised in a forked child; else how the child died."""
    if not hasattr(os, "fork"):
        return None  # nothing to isolate with; the work runs in-process as before
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: do the work, say so, never return into the caller's stack
        try:
            os.close(read_fd)
            import faulthandler

            faulthandler.disable()  # a crash here is expected to be possible; the parent reports it
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            with contextlib.suppress(BaseException):  # an exception is not a crash; the parent meets it again
                work()
            os.write(write_fd, b"k")
        finally:
            os._exit(0)
    os.close(write_fd)
    try:
        answered = _wait_readable(read_fd, timeout_s)
        said = os.read(read_fd, 1) if answered else b""
    finally:
        os.close(read_fd)
    if not answered:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if said == b"k":
        return None
    if not answered:
        return f"it did not finish within {timeout_s:g} s"
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"it crashed ({name})"
    return f"it exited with status {os.waitstatus_to_exitcode(status)}"


def _wait_readable(fd: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        try:
            ready, _, _ = select.select([fd], [], [], left)
        except InterruptedError:
            continue
        return bool(ready)
