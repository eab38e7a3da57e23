"""What the server sends back through the proxy, and the proxy's own statements on a session.

`ServerSide` is the server-facing half of `Session` (session.py): it streams the server's
messages to the client, reading only ReadyForQuery (transaction status, and whether everything
sent so far is answered), ParameterStatus (client encoding, standard_conforming_strings) and,
while a refusal is in flight, ErrorResponse (to put blastwall's error in place of the server's).
`run` sends a statement of the proxy's own (inject.py) between the client's requests.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

from blastwall.doors.pg_proxy import wire
from blastwall.doors.pg_proxy.guard import Refusal
from blastwall.doors.pg_proxy.inject import Collector, Result

log = logging.getLogger("blastwall.pg_proxy")

STARTUP, CONNECTING, RELAY, CLOSED = range(4)  # the phases of a session
_Z, _E, _PS = wire.READY, wire.ERROR, wire.PARAMETER
_u32 = wire.u32


class _Count:
    """One of the counts both directions of a connection share (`self.n`, lanes.py), read and
    written as an int attribute of the session."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: type | None = None) -> int:
        return int(getattr(obj.n, self.name))

    def __set__(self, obj: Any, value: int) -> None:
        setattr(obj.n, self.name, int(value))


class ServerSide:
    """The server-facing state and handlers of a session (its attributes are set by `Session`)."""

    phase: int
    compiled: bool
    loop: asyncio.AbstractEventLoop
    lock: Any
    ct: Any
    ut: Any
    sbuf: bytearray
    sskip: int
    n: Any  # the counts both directions share (lanes.py)
    markers: deque[tuple[bytes, int, Refusal]]
    collector: Collector | None
    quiet: asyncio.Future[None] | None
    encoding: str
    scs: bool

    sent = _Count()  # Query/Sync/FunctionCall forwarded (each gets one ReadyForQuery)
    ready = _Count()  # ReadyForQuery received
    status = _Count()  # the last transaction status byte
    unsynced = _Count()  # extended-protocol messages forwarded since the last Sync (0 or 1)

    def close(self) -> None:  # pragma: no cover - Session's
        raise NotImplementedError

    def slow_server(self) -> None:  # pragma: no cover - Session's
        raise NotImplementedError

    def _go_fast(self) -> None:  # pragma: no cover - Session's
        raise NotImplementedError

    def _recache(self) -> None:  # pragma: no cover - Session's
        raise NotImplementedError

    def server_data(self, data: bytes) -> None:
        """A chunk from the server."""
        if self.phase == CLOSED:
            return
        self._server_data(data)
        if self.compiled:
            self._go_fast()

    def _server_data(self, data: bytes) -> None:
        col = self.collector
        if col is not None:
            if self.sskip:  # the rest of a message that was streaming when the proxy's own query began
                take = min(self.sskip, len(data))
                self.ct.write(data[:take])
                self.sskip -= take
                data = data[take:]
                if not data:
                    return
            if self.sbuf:
                data = bytes(self.sbuf) + data
                self.sbuf.clear()
            try:
                forward, data = col.feed(data)
            except wire.WireError as exc:
                col.fail(exc)
                self.close()
                return
            if col.finished:
                self.collector = None
            if forward:
                self.ct.write(forward)
            if not data:
                return
        if self.sbuf:
            data = bytes(self.sbuf) + data
            self.sbuf.clear()
        n = len(data)
        pos = start = 0
        write = self.ct.write
        if self.sskip:
            if self.sskip >= n:
                self.sskip -= n
                write(data)
                return
            pos, self.sskip = self.sskip, 0
        markers = self.markers
        while n - pos >= 5:
            kind = data[pos]
            (length,) = _u32(data, pos + 1)
            end = pos + 1 + length
            if length < 4:
                log.warning("pg-proxy: malformed message from the server; closing the connection")
                self.close()
                return
            if kind == _Z:
                if end > n:
                    break
                self.status = data[pos + 5]
                self.ready += 1
                while markers and markers[0][1] <= self.ready:
                    markers.popleft()
                if self.quiet is not None and self.ready >= self.sent:
                    self.loop.call_soon_threadsafe(settle, self.quiet, None)
                    self.quiet = None
            elif kind == _E and markers:
                if end > n:
                    break
                msg = data[pos:end]
                for i, (nonce, _, refusal) in enumerate(markers):
                    if nonce in msg:
                        if pos > start:
                            write(data[start:pos])
                        write(wire.error_response(refusal.code, refusal.message, hint=refusal.hint))
                        start = end
                        del markers[i]
                        break
            elif kind == _PS:
                if end > n:
                    break
                self._parameter(data[pos:end])
            elif end > n:
                self.sskip = end - n
                pos = n
                break
            pos = end
        rest = wire.forward(write, data, start, pos)
        if rest:
            self.sbuf += rest

    def _parameter(self, msg: bytes) -> None:
        name, value = wire.parameter(msg)
        if name == "client_encoding":
            self.encoding = value
            self._recache()
        elif name == "standard_conforming_strings":
            self.scs = value.lower() == "on"
            self._recache()

    # --- the proxy's own statements (inject.py) ------------------------------------------------

    async def wait_quiet(self) -> None:
        """Until the server has answered every Query and Sync forwarded so far (on the asyncio loop)."""
        while True:
            with self.lock:
                if self.phase != RELAY:
                    raise ConnectionError("the connection closed")
                self.slow_server()  # so that the session sees the ReadyForQuery it waits for
                if self.ready >= self.sent:
                    return
                waiter = self.quiet = self.loop.create_future()
            await waiter

    async def run(self, sql: str) -> Result:
        """Run `sql` (one simple Query) on this session and read its answer; the client sees nothing."""
        await self.wait_quiet()
        with self.lock:
            if self.phase != RELAY or self.ut is None:
                raise ConnectionError("the connection closed")
            self.slow_server()
            col = self.collector = Collector(self.loop)
            self.ut.write(wire.query(sql, wire.codec_of(self.encoding) or "utf-8"))
        try:
            result = await col.done
        finally:
            with self.lock:
                if self.collector is col:
                    self.collector = None
        with self.lock:
            self.status = result.status
        return result


def settle(fut: asyncio.Future[None], outcome: BaseException | None) -> None:
    if fut.done():
        return
    if outcome is None:
        fut.set_result(None)
    else:
        fut.set_exception(outcome)
