"""The data plane: one thread that moves every byte of every connection.

Relaying is a read and a write per message each way; through asyncio's loop each costs a few
microseconds of Python before the system call, which is most of what the proxy costs a busy
database. This thread polls the sockets itself (epoll where there is one) and calls straight
into the session that owns the socket, holding that session's lock.

Everything that waits (the engine's verdict, the approvals gate, snapshots, connecting to the
server) stays on the asyncio loop of the proxy's main thread. The two meet in `Session`: its
lock is held by whichever thread touches its state, the plane wakes the loop with
`call_soon_threadsafe`, and the loop hands work to the plane with `Plane.call`.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import os
import select
import selectors
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger("blastwall.pg_proxy")

READ = select.EPOLLIN | select.EPOLLRDHUP if hasattr(select, "epoll") else 1
WRITE = select.EPOLLOUT if hasattr(select, "epoll") else 4
_ERRORS = (select.EPOLLHUP | select.EPOLLERR) if hasattr(select, "epoll") else 0


class Handler(Protocol):
    def event(self, mask: int) -> None: ...


class Plane:
    def __init__(self) -> None:
        self._epoll = select.epoll() if hasattr(select, "epoll") else None
        self._selector = None if self._epoll is not None else selectors.DefaultSelector()
        self.handlers: dict[int, Handler] = {}
        self._calls: deque[tuple[Callable[..., Any], tuple[Any, ...]]] = deque()
        self._timers: list[tuple[float, int, Callable[[], Any]]] = []
        self._seq = itertools.count()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._stopping = self._closed = False
        self.ident = 0
        self._thread = threading.Thread(target=self._run, name="blastwall-pg-proxy-io", daemon=True)
        self.register(self._wake_r, _Waker(self._wake_r), READ)

    # --- registration (any thread) -------------------------------------------------------------

    def register(self, fd: int, handler: Handler, mask: int) -> None:
        self.handlers[fd] = handler
        if self._epoll is not None:
            self._epoll.register(fd, mask | _ERRORS)
        else:
            assert self._selector is not None
            self._selector.register(fd, self._events(mask), handler)

    def modify(self, fd: int, mask: int) -> None:
        try:
            if self._epoll is not None:
                self._epoll.modify(fd, mask | _ERRORS)
            else:  # no epoll: re-register with what is wanted now
                assert self._selector is not None
                with contextlib.suppress(KeyError):
                    self._selector.unregister(fd)
                if mask:
                    self._selector.register(fd, self._events(mask), self.handlers.get(fd))
        except (OSError, KeyError, ValueError):
            pass

    def unregister(self, fd: int) -> None:
        self.handlers.pop(fd, None)
        try:
            if self._epoll is not None:
                self._epoll.unregister(fd)
            else:
                assert self._selector is not None
                self._selector.unregister(fd)
        except (OSError, KeyError, ValueError):
            pass

    @staticmethod
    def _events(mask: int) -> int:
        return (selectors.EVENT_READ if mask & READ else 0) | (selectors.EVENT_WRITE if mask & WRITE else 0)

    def call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run `fn(*args)` on the plane's thread, soon."""
        self._calls.append((fn, args))
        if not self._closed:
            with contextlib.suppress(OSError):
                os.write(self._wake_w, b"\0")

    def later(self, delay: float, fn: Callable[[], Any]) -> None:
        """Run `fn()` on the plane's thread after `delay` seconds (only from the plane's thread)."""
        heapq.heappush(self._timers, (time.monotonic() + delay, next(self._seq), fn))

    @property
    def here(self) -> bool:
        return threading.get_ident() == self.ident

    # --- the loop --------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        self.call(lambda: None)
        if self._thread.is_alive() and not self.here:
            self._thread.join(10)
        self._closed = True
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self._epoll is not None:
            self._epoll.close()

    def _run(self) -> None:
        self.ident = threading.get_ident()
        handlers = self.handlers
        calls = self._calls
        while not self._stopping:
            timeout = 1.0
            if self._timers:
                timeout = max(0.0, min(timeout, self._timers[0][0] - time.monotonic()))
            try:
                if self._epoll is not None:
                    events = self._epoll.poll(timeout)
                else:
                    assert self._selector is not None
                    events = [(key.fd, (READ if ev & selectors.EVENT_READ else 0) |
                               (WRITE if ev & selectors.EVENT_WRITE else 0))
                              for key, ev in self._selector.select(timeout)]
            except InterruptedError:
                continue
            for fd, mask in events:
                handler = handlers.get(fd)
                if handler is not None:
                    try:
                        handler.event(mask)
                    except Exception:  # noqa: BLE001 - one connection's bug never stops the others
                        log.exception("pg-proxy: a connection failed")
            while calls:
                fn, args = calls.popleft()
                try:
                    fn(*args)
                except Exception:  # noqa: BLE001
                    log.exception("pg-proxy: a scheduled call failed")
            now = time.monotonic()
            while self._timers and self._timers[0][0] <= now:
                _, _, fn = heapq.heappop(self._timers)
                try:
                    fn()
                except Exception:  # noqa: BLE001
                    log.exception("pg-proxy: a timer failed")


class _Waker:
    def __init__(self, fd: int) -> None:
        self.fd = fd

    def event(self, mask: int) -> None:
        with contextlib.suppress(OSError):
            while os.read(self.fd, 4096):
                pass

