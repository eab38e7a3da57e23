"""Forked checkers for a long batch: the parent hands out chunks of lines, writes the answers in order.

    n = run(chunks, out, check=lambda chunk: "...answer lines...", failed=..., workers=2)

Each checker is a plain `os.fork()` of the warm parent (everything loaded is shared), with a task
pipe and a result pipe. A task is a pickled chunk of `(line number, line)` pairs behind a 4-byte
big-endian length; a result is the chunk's answer text (UTF-8) framed the same way. The parent
keeps at most DEPTH chunks queued per checker, so a checker never waits for work and a slow chunk
holds back at most a few others; it never blocks on a pipe (its ends are non-blocking, driven by
one selector), so neither side can wait on the other forever.

A checker that dies (a crash inside a parser) costs nothing but its chunks: the one it was
checking is checked again alone by a fresh checker, and answered `failed(chunk, reason)` when
that one dies too; the chunks queued behind it go back to the queue. When the parent goes away,
its checkers read the end of their task pipe and exit; on Linux a checker is also killed with its
parent, so one stuck on a line does not outlive a daemon worker killed at its deadline.

With `inline=True` the calling process is one of the checkers: it checks a chunk itself whenever
no forked checker needs serving (the daemon's long-lived worker, whose pages are its own already;
a caller whose own death would lose lines must not use it). A dead checker's chunk is never
checked again inline.

With a `Pool` (the daemon's long-lived worker, batch after batch) the checkers outlive the run:
one that ends the run idle waits in the pool for the next run, which sends it that run's
`context` first (a task frame of its own) and the pool's `begin(context)` gives the checker its
`check` for the run's chunks (the daemon's: take the caller's environment and folder, load the
policy). A checker forked once keeps what it loaded and indexed for every later run, where a fresh
fork copies each page it touches and meets each program and provider for the first time again.
One that died while it waited (it was killed) is found when the next run takes it and replaced;
one found dead later costs only its chunk, as in any run. A pooled checker retires after
`MAX_RUNS` runs, so nothing it keeps grows without bound, and dies with the process that forked it.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import selectors
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterator
from typing import IO, Any

from blastwall.daemon.workers import frame, read_frame, write_all  # the daemon's length-prefixed pipe frames

Chunk = list[tuple[int, str]]

DEPTH = 2  # chunks queued per checker: one being checked, one waiting in its pipe
MAX_RUNS = 200  # runs a pooled checker serves before a fresh fork replaces it
_HEAD = 4
_CONTEXT, _CHUNK = b"C", b"T"  # the first byte of a task frame: a run's context, or a chunk to check


class _Checker:
    """The parent's handle on one forked checker."""

    def __init__(self, pid: int, task_w: int, result_r: int) -> None:
        self.pid, self.task_w, self.result_r = pid, task_w, result_r
        self.outbox = bytearray()  # framed tasks not yet written to its pipe
        self.inbox = bytearray()  # what it sent that is not a whole frame yet
        self.queued: deque[int] = deque()  # the chunks it holds, in the order it checks them
        self.solo = False  # it checks one chunk again alone, after a checker died on it
        self.runs = 0  # runs it served (a pooled checker)


class Pool:
    """Checkers kept alive from one `run` to the next, in the process that forked them.
    `begin(context)`, called in a checker at the start of each run, returns its chunk check for
    that run; `context` must pickle."""

    def __init__(self, begin: Callable[[Any], Callable[[Chunk], str]]) -> None:
        self.begin = begin
        self.idle: list[_Checker] = []
        self.owner = os.getpid()  # the process whose children `idle` are

    def _mine(self) -> None:
        """In a process forked from the owner the idle checkers are not its children: forget them."""
        if os.getpid() != self.owner:
            self.idle.clear()
            self.owner = os.getpid()

    def take(self) -> _Checker | None:
        """An idle checker that is still alive (a dead one is reaped and closed), or None."""
        self._mine()
        while self.idle:
            c = self.idle.pop()
            try:
                gone = os.waitpid(c.pid, os.WNOHANG)[0] != 0
            except ChildProcessError:
                gone = True
            if not gone:
                return c
            _close_fds(c)
        return None

    def keep(self, c: _Checker) -> bool:
        """Keep `c` for the next run when it is idle and has runs left; False: the caller ends it."""
        self._mine()
        if c.queued or c.outbox or c.inbox or c.runs >= MAX_RUNS:
            return False
        self.idle.append(c)
        return True

    def pipes(self) -> list[int]:
        self._mine()
        return [fd for c in self.idle for fd in (c.task_w, c.result_r)]


def _serve(task_r: int, result_w: int, check: Callable[[Chunk], str] | None,
           begin: Callable[[Any], Callable[[Chunk], str]] | None) -> None:
    """A checker's life: check each chunk it is given until its task pipe ends; a context frame
    (a pooled checker, at each run's start) sets the check for the chunks after it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while True:
        body = read_frame(task_r)
        if body is None:
            return
        if body[:1] == _CONTEXT and begin is not None:
            check = begin(pickle.loads(body[1:]))
            continue
        if check is None:  # a chunk before any context: the parent sees the pipe end
            raise RuntimeError("a chunk before its run's context")
        write_all(result_w, frame(check(pickle.loads(body[1:])).encode("utf-8", "surrogatepass")))


def _parent_death_signal() -> Callable[[], None]:
    """What a checker calls first (Linux): be killed when the process that forked it dies, so a
    daemon worker killed at its deadline leaves no checker behind on a line that never ends.
    Elsewhere (or without ctypes) a no-op: a checker still exits at its task pipe's end."""
    if not sys.platform.startswith("linux"):
        return lambda: None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):
        return lambda: None
    parent = os.getpid()

    def arm() -> None:
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # it died before the line above ran
            os._exit(1)

    return arm


def _fork(check: Callable[[Chunk], str] | None, begin: Callable[[Any], Callable[[Chunk], str]] | None,
          keep_closed: list[int], setup: Callable[[], None], arm: Callable[[], None]) -> _Checker:
    task_r, task_w = os.pipe()
    result_r, result_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the checker (its coverage is not collected)
        code = 0
        try:
            arm()
            os.close(task_w)
            os.close(result_r)
            for fd in keep_closed:  # the other checkers' pipes: their ends must reach EOF without us
                with contextlib.suppress(OSError):
                    os.close(fd)
            setup()
            _serve(task_r, result_w, check, begin)
        except BaseException:  # noqa: BLE001 - the parent sees the pipe end and answers the chunk
            code = 1
        finally:
            os._exit(code)
    os.close(task_r)
    os.close(result_w)
    os.set_blocking(task_w, False)
    os.set_blocking(result_r, False)
    return _Checker(pid, task_w, result_r)


def run(chunks: Iterator[Chunk], out: IO[str], *, check: Callable[[Chunk], str],
        failed: Callable[[Chunk, str], str], workers: int, setup: Callable[[], None] = lambda: None,
        inline: bool = False, pool: Pool | None = None, context: Any = None) -> int:
    """Check every chunk in `workers` checkers; write the answers to `out` in input order.
    Returns the number of lines answered. `inline`: this process is one of the `workers` (it
    checks a chunk whenever the others have theirs), for a caller whose own death loses nothing
    (the daemon's worker, whose client checks the piece again when it gets no answer); the
    chunks of a dead checker are always checked again in a forked one. `pool`: take checkers from
    it and give the idle ones back at the end; each is sent `context` first, and checks this run's
    chunks with `pool.begin(context)` (`check` is then only this process's own, with `inline`)."""
    forks = max(0, workers - 1) if inline else workers
    arm = _parent_death_signal()
    sel = selectors.DefaultSelector()
    checkers: list[_Checker] = []
    held: dict[int, Chunk] = {}  # chunks handed out or waiting to be, by their position
    done: dict[int, str] = {}  # answers not yet written (an earlier chunk is still being checked)
    retry: deque[int] = deque()  # chunks whose checker died while checking them: checked again alone
    again: deque[int] = deque()  # chunks queued behind such a chunk: handed out again as usual
    tried: set[int] = set()
    next_out = 0  # the position of the next answer to write
    taken = 0  # chunks taken from `chunks` so far
    exhausted = False
    lines = 0

    def pipes() -> list[int]:
        return [fd for c in checkers for fd in (c.task_w, c.result_r)] + (pool.pipes() if pool else [])

    def start() -> _Checker:
        c = pool.take() if pool is not None else None
        if c is None:
            c = _fork(None if pool else check, pool.begin if pool else None, pipes(), setup, arm)
        checkers.append(c)
        sel.register(c.result_r, selectors.EVENT_READ, c)
        if pool is not None:
            c.runs += 1
            c.outbox += frame(_CONTEXT + pickle.dumps(context, protocol=pickle.HIGHEST_PROTOCOL))
            flush(c)
        return c

    def give(c: _Checker, position: int) -> None:
        c.queued.append(position)
        c.outbox += frame(_CHUNK + pickle.dumps(held[position], protocol=pickle.HIGHEST_PROTOCOL))
        flush(c)

    def flush(c: _Checker) -> None:
        if c.outbox:
            try:
                c.outbox = c.outbox[os.write(c.task_w, c.outbox):]
            except BlockingIOError:
                pass  # its pipe is full: the selector says when there is room
            except OSError:  # it is gone: its result pipe ends too, and that is handled there
                c.outbox.clear()
        _watch_writes(sel, c, bool(c.outbox))

    def bury(c: _Checker) -> None:
        _close(sel, c)
        checkers.remove(c)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(c.pid, 0)
        if not c.queued:
            return
        first, rest = c.queued[0], list(c.queued)[1:]
        if first in tried:
            done[first] = failed(held[first], "the checker died on it twice")
        else:
            tried.add(first)
            retry.append(first)
        again.extendleft(reversed(rest))

    def feed() -> None:
        """Hand out chunks while a checker has room: a chunk checked again goes alone."""
        nonlocal taken, exhausted
        while retry:
            idle = next((c for c in checkers if not c.queued), None)
            if idle is None:
                if len(checkers) >= forks + 1:
                    break
                idle = start()
            idle.solo = True
            give(idle, retry.popleft())
        while len(checkers) < forks and (again or not exhausted):
            start()
        for c in checkers:
            while not c.solo and len(c.queued) < DEPTH:
                if again:
                    give(c, again.popleft())
                    continue
                if exhausted:
                    break
                chunk = next(chunks, None)
                if chunk is None:
                    exhausted = True
                    break
                held[taken] = chunk
                give(c, taken)
                taken += 1

    def take() -> int | None:
        """The next chunk for this process to check itself, if any is waiting."""
        nonlocal taken, exhausted
        if again:
            return again.popleft()
        if exhausted:
            return None
        chunk = next(chunks, None)
        if chunk is None:
            exhausted = True
            return None
        held[taken] = chunk
        taken += 1
        return taken - 1

    try:
        feed()
        while next_out < taken or not exhausted:
            if next_out in done:
                out.write(done.pop(next_out))
                lines += len(held.pop(next_out))
                next_out += 1
                continue
            ready = sel.select(0 if inline else None)
            if inline and not ready:
                mine = take()
                if mine is not None:
                    done[mine] = check(held[mine])
                    continue
                if not checkers:
                    feed()  # a chunk to check again waits for a fresh checker
                    continue
                ready = sel.select()
            for key, _ in ready:
                c = key.data
                if key.fd == c.task_w:
                    flush(c)
                    continue
                try:
                    got = os.read(c.result_r, 1 << 20)
                except BlockingIOError:
                    continue
                except OSError:
                    got = b""
                if not got:
                    bury(c)
                    continue
                c.inbox += got
                while len(c.inbox) >= _HEAD:
                    size = int.from_bytes(c.inbox[:_HEAD], "big")
                    if len(c.inbox) < _HEAD + size:
                        break
                    position = c.queued.popleft()
                    done[position] = bytes(c.inbox[_HEAD:_HEAD + size]).decode("utf-8", "surrogatepass")
                    del c.inbox[:_HEAD + size]
                    if c.solo and not c.queued:
                        c.solo = False
            feed()
        return lines
    finally:
        kept = [c for c in checkers if exhausted and pool is not None and pool.keep(c)]
        checkers = [c for c in checkers if c not in kept]
        for c in kept:
            _unwatch(sel, c)
        for c in list(checkers):
            _close(sel, c)
        for c in checkers:
            if exhausted and not c.queued:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.kill(c.pid, signal.SIGKILL)  # a batch that stopped early: nothing of it runs on
        for c in checkers:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(c.pid, 0)
        sel.close()


def _watch_writes(sel: selectors.BaseSelector, c: _Checker, pending: bool) -> None:
    """Watch the checker's task pipe for room exactly while tasks wait to be written to it."""
    watched = c.task_w in sel.get_map()
    if pending and not watched:
        sel.register(c.task_w, selectors.EVENT_WRITE, c)
    elif not pending and watched:
        sel.unregister(c.task_w)


def _unwatch(sel: selectors.BaseSelector, c: _Checker) -> None:
    for fd in (c.task_w, c.result_r):
        with contextlib.suppress(KeyError, ValueError):
            sel.unregister(fd)


def _close(sel: selectors.BaseSelector, c: _Checker) -> None:
    _unwatch(sel, c)
    _close_fds(c)


def _close_fds(c: _Checker) -> None:
    for fd in (c.task_w, c.result_r):
        with contextlib.suppress(OSError):
            os.close(fd)
    c.task_w = c.result_r = -1
