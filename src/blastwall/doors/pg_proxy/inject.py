"""Statements the proxy runs itself on a client's server session, and the answers it reads back.

The proxy never authenticates on its own: the only session it has on the server is the client's.
To look a table up or copy it before an approved DROP, it sends its own simple Query on that
session while the client waits, and reads the server's answer itself (`Collector`) instead of
forwarding it. It does so only between the client's requests (every earlier Query or Sync
answered), so no answer meant for the client is taken.
"""

from __future__ import annotations

import asyncio
from typing import NamedTuple

from blastwall.doors.pg_proxy import wire


class Result(NamedTuple):
    rows: list[list[bytes | None]]
    error: dict[str, str] | None
    status: int  # the transaction status of the ReadyForQuery that ended it

    @property
    def ok(self) -> bool:
        return self.error is None

    def message(self) -> str:
        if self.error is None:
            return ""
        return f"{self.error.get('M', 'error')} (SQLSTATE {self.error.get('C', '?')})"


class Collector:
    """Reads the server's answer to one injected Query: rows, the first error, the final status.
    Asynchronous messages (notifications, parameter changes) are handed back to be forwarded."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop  # `done` is resolved there; `feed` runs on the data plane's thread
        self.buf = bytearray()
        self.rows: list[list[bytes | None]] = []
        self.error: dict[str, str] | None = None
        self.finished = False
        self.done: asyncio.Future[Result] = loop.create_future()

    def feed(self, data: bytes) -> tuple[bytes, bytes]:
        """Consume `data`; returns (messages to forward to the client, bytes after the answer)."""
        self.buf += data
        buf, pos, forward = self.buf, 0, bytearray()
        while len(buf) - pos >= wire.HEADER:
            kind = buf[pos]
            (length,) = wire.u32(buf, pos + 1)
            if length < 4:
                raise wire.WireError("malformed message from the server")
            end = pos + 1 + length
            if end > len(buf):
                break
            msg = bytes(buf[pos:end])
            pos = end
            if kind == wire.DATA_ROW:
                self.rows.append(wire.data_row(msg))
            elif kind == wire.ERROR:
                if self.error is None:
                    self.error = wire.fields(msg)
            elif kind in (ord("A"), wire.PARAMETER):
                forward += msg
            elif kind == wire.READY:
                rest = bytes(buf[pos:])
                self.buf = bytearray()
                self._finish(Result(self.rows, self.error, msg[wire.HEADER]))
                return bytes(forward), rest
        del buf[:pos]
        return bytes(forward), b""

    def fail(self, exc: BaseException) -> None:
        self._finish(exc)

    def _finish(self, outcome: Result | BaseException) -> None:
        if self.finished:
            return
        self.finished = True
        self.loop.call_soon_threadsafe(self._settle, outcome)

    def _settle(self, outcome: Result | BaseException) -> None:
        if self.done.done():
            return
        if isinstance(outcome, BaseException):
            self.done.set_exception(outcome)
        else:
            self.done.set_result(outcome)


def text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("utf-8", "replace")
