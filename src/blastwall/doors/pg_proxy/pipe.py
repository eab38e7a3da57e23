"""One TCP socket of the proxy, served by the data plane (plane.py).

A `Pipe` hands every chunk it reads to `on_data` and writes with `send` at once, keeping only what
the kernel did not take; then it waits for the socket to be writable and tells its owner to stop
producing (`on_full`) until the backlog drains (`on_drained`). Its methods run with the owning
session's lock held: the plane takes it before an event, the asyncio side before writing.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable

from blastwall.doors.pg_proxy.plane import READ, WRITE, Plane

log = logging.getLogger("blastwall.pg_proxy")

READ_SIZE = 256 * 1024
HIGH_WATER = 256 * 1024  # unsent bytes before the producer is paused
LOW_WATER = 64 * 1024
CLOSE_WAIT_S = 5.0


class Pipe:
    __slots__ = ("plane", "sock", "fd", "lock", "on_data", "on_lost", "on_full", "on_drained", "buf", "reading",
                 "writing", "closed", "closing", "full")

    def __init__(self, plane: Plane, sock: socket.socket, lock: threading.Lock, on_data: Callable[[bytes], None],
                 on_lost: Callable[[], None], on_full: Callable[[], None], on_drained: Callable[[], None]) -> None:
        self.plane, self.sock, self.fd, self.lock = plane, sock, sock.fileno(), lock
        self.on_data, self.on_lost, self.on_full, self.on_drained = on_data, on_lost, on_full, on_drained
        self.buf = bytearray()
        self.reading = self.writing = self.closed = self.closing = self.full = False

    @staticmethod
    def prepare(sock: socket.socket) -> None:
        sock.setblocking(False)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def start(self) -> None:
        self.reading = True
        self.plane.register(self.fd, self, READ)

    def _mask(self) -> int:
        return (READ if self.reading else 0) | (WRITE if self.writing else 0)

    # --- events (the plane's thread) -----------------------------------------------------------

    def event(self, mask: int) -> None:
        with self.lock:
            if self.closed:
                return
            try:
                if mask & WRITE:
                    self._writable()
                    if self.closed or self.closing or not mask & ~WRITE:
                        return
                try:
                    data = self.sock.recv(READ_SIZE)
                except (BlockingIOError, InterruptedError):
                    return
                if data:
                    self.on_data(data)
                    return
            except OSError:
                pass
            except Exception:  # noqa: BLE001 - a bug closes this connection, never the proxy
                log.exception("pg-proxy: closing a connection after an internal error")
            self._lost()

    def _writable(self) -> None:
        try:
            sent = self.sock.send(self.buf)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._lost()
            return
        del self.buf[:sent]
        if self.buf:
            if self.full and len(self.buf) < LOW_WATER:
                self.full = False
                self.on_drained()
            return
        self.writing = False
        self.plane.modify(self.fd, self._mask())
        if self.closing:
            self._close_now()
        elif self.full:
            self.full = False
            self.on_drained()

    # --- the owner's side (lock held) ----------------------------------------------------------

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self.closed or self.closing:
            return
        if self.buf:
            self.buf += data
            self._check_full()
            return
        try:
            sent = self.sock.send(data)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            self._lost()
            return
        if sent < len(data):
            self.buf += memoryview(data)[sent:]
            self.writing = True
            self.plane.modify(self.fd, self._mask())
            self._check_full()

    def _check_full(self) -> None:
        if not self.full and len(self.buf) > HIGH_WATER:
            self.full = True
            self.on_full()

    def pause_reading(self) -> None:
        if self.reading:
            self.reading = False
            self.plane.modify(self.fd, self._mask())

    def resume_reading(self) -> None:
        if not self.reading and not self.closed and not self.closing:
            self.reading = True
            self.plane.modify(self.fd, self._mask())

    def close(self) -> None:
        """Close once what was written is sent (at once when nothing is pending)."""
        if self.closed or self.closing:
            return
        if self.buf:
            self.closing = True
            self.pause_reading()
            if self.plane.here:
                self.plane.later(CLOSE_WAIT_S, self._close_locked)  # a peer that never reads is not waited for
            else:
                self.plane.call(self.plane.later, CLOSE_WAIT_S, self._close_locked)
            return
        self._close_now()

    def _close_locked(self) -> None:
        with self.lock:
            self._close_now()

    def _close_now(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.closing = self.reading = self.writing = False
        self.buf = bytearray()
        self.plane.unregister(self.fd)
        with contextlib.suppress(OSError):
            self.sock.close()

    def _lost(self) -> None:
        self._close_now()
        self.on_lost()
