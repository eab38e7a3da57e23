"""The daemon's warm workers: processes forked from the warm parent that check call after call.

A worker runs a throwaway check first (so the pages a check writes are its own copies already),
says `R`, then takes jobs one at a time from its job pipe. For each it takes the caller's
environment and folder, runs the check (or a system-mode op) and sends its answer on its result
pipe; it never keeps anything of one call for the next but what the process caches by file
stamp anyway (rule tables, the policy's compiled form, the secrets list).

The parent is the watchdog: a worker that passes a call's deadline is killed and the call is
answered "blocked"; one that dies mid-call (a crash in a C extension) costs only that call, also
answered "blocked"; one that has served `MAX_CALLS` calls is retired and replaced, so nothing
grows without bound. When no worker is free the parent forks a one-shot worker for the call.

Frames on the result pipe: a 4-byte big-endian length and a body: `R` (ready), `E<seconds>`
(the check waits for a human: extend its deadline), `A<json>` (the answer), `X` (the check
failed: blocked).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from blastwall.daemon import wire

MAX_CALLS = 1000


def frame(body: bytes) -> bytes:
    return wire.pack(body)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def read_frame(fd: int) -> bytes | None:
    """One frame from a blocking pipe; None at end of file."""
    head = _read_exact(fd, 4)
    if head is None:
        return None
    size = int.from_bytes(head, "big")
    body = _read_exact(fd, size)
    return body


def _read_exact(fd: int, n: int) -> bytes | None:
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


class Worker:
    """The parent's handle on one warm worker."""

    def __init__(self, pid: int, job_w: int, result_r: int) -> None:
        self.pid, self.job_w, self.result_r = pid, job_w, result_r
        self.ready = False
        self.job: Any = None  # the server's Job it is checking, if any
        self.calls = 0
        self.buf = bytearray()

    def frames(self, chunk: bytes) -> list[bytes]:
        """Complete frames from what the worker sent so far."""
        self.buf += chunk
        out = []
        while len(self.buf) >= 4:
            size = int.from_bytes(self.buf[:4], "big")
            if len(self.buf) < 4 + size:
                break
            out.append(bytes(self.buf[4:4 + size]))
            del self.buf[:4 + size]
        return out


def close_in_forks(*fds: int) -> None:
    """Close `fds` in any process this one forks (a batch's checkers): a worker's pipes must
    reach end of file when the worker itself is gone, whatever its children do. Once: the
    numbers may be reused in the child afterwards."""
    pending = list(fds)

    def close() -> None:
        while pending:
            try:
                os.close(pending.pop())
            except OSError:
                pass

    os.register_at_fork(after_in_child=close)


def serve_jobs(job_r: int, result_w: int, make_task: Callable[[dict[str, Any], int], Callable[[], dict[str, Any]]],
               prime: Callable[[], None]) -> None:
    """The worker's life: prime, say ready, then run each job it is given until the pipe closes."""
    try:
        prime()
    except Exception:  # noqa: BLE001 - an unprimed worker is only slower
        pass
    write_all(result_w, frame(b"R"))
    close_in_forks(job_r, result_w)
    home = os.getcwd() if os.path.isdir(".") else "/"
    while True:
        data = read_frame(job_r)
        if data is None:
            os._exit(0)
        try:
            job = wire.decode(data)
            task = make_task(job, result_w)
            env = job["env"]
            if env != os.environ:  # most calls come with the environment of the call before
                os.environ.clear()
                os.environ.update(env)
            cwd = job.get("cwd")
            try:
                os.chdir(cwd if isinstance(cwd, str) else home)
            except OSError:
                os.chdir(home)
            answer = task()
            body = b"A" + json.dumps(answer, ensure_ascii=True).encode("ascii")
        except BaseException:  # noqa: BLE001 - the parent answers "blocked"
            body = b"X"
        write_all(result_w, frame(body))
