"""One client connection through the proxy, and its session on the server.

Bytes are relayed as they arrive. The proxy finds message boundaries (type byte, int32 length)
and reads only what it must:

- client -> server: Query, Parse and FunctionCall messages are held whole and checked (a cached
  allowed statement is forwarded at once); everything else (Bind, Execute, Sync, CopyData,
  passwords and SASL messages during authentication...) streams through untouched. While a
  statement is being decided, what the client sends after it waits (ordering is preserved).
- server -> client: ReadyForQuery (transaction status, and to know when the server has answered
  everything), ParameterStatus (client encoding, standard_conforming_strings) and, while a
  refusal is in flight, ErrorResponse; everything else streams through.

A refused statement never reaches the server: the proxy sends in its place a statement that
fails at once (`blastwall_refused_<nonce>`, a syntax error), and rewrites the server's error into
blastwall's. The server thus does exactly what it does for any failing statement: a transaction
block becomes failed (so it cannot commit half done), the extended protocol skips to the next
Sync, the ReadyForQuery that follows carries the true transaction status, and pipelined
messages keep their order.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from typing import TYPE_CHECKING, Any

from blastwall.doors.pg_proxy import wire
from blastwall.doors.pg_proxy.guard import DENIED, UNREADABLE, Guard, Refusal
from blastwall.doors.pg_proxy.inject import Collector, Result

if TYPE_CHECKING:
    from blastwall.doors.pg_proxy.server import Proxy

log = logging.getLogger("blastwall.pg_proxy")

STARTUP, CONNECTING, RELAY, CLOSED = range(4)
BACKLOG = 1024 * 1024  # client bytes held while a statement is decided, before reading pauses
_ASYNC = object()
_Q, _P, _F, _B, _C, _S, _H, _X = (wire.QUERY, wire.PARSE, wire.FUNCTION_CALL, wire.BIND, wire.CLOSE, wire.SYNC,
                                  wire.FLUSH, wire.TERMINATE)
_EXTENDED = frozenset(b"BDEC")  # extended-protocol messages answered only after the next Sync
_HELD = frozenset((_Q, _P, _F))  # held whole and checked
_TRACKED = frozenset((_B, _C))  # held whole while an approved prepared statement is tracked
_Z, _E, _PS = wire.READY, wire.ERROR, wire.PARAMETER
_u32 = wire.u32
MARKER = "blastwall_refused_"


class _Upstream(asyncio.Protocol):
    def __init__(self, session: Session) -> None:
        self.session = session

    def data_received(self, data: bytes) -> None:
        self.session.server_data(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.session.close()

    def pause_writing(self) -> None:
        self.session.pause_client("server-slow")

    def resume_writing(self) -> None:
        self.session.resume_client("server-slow")


class Session(asyncio.Protocol):
    def __init__(self, proxy: Proxy) -> None:
        self.proxy = proxy
        self.guard: Guard = proxy.guard
        self.ct: Any = None
        self.ut: Any = None
        self.phase = STARTUP
        self.cbuf = bytearray()
        self.cneed = 0  # bytes a held message still needs before it is whole
        self.cskip = 0  # bytes of a streamed client message still to come
        self.sbuf = bytearray()
        self.sskip = 0
        self.busy = False
        self.status = ord("I")
        self.sent = 1  # Query/Sync/FunctionCall forwarded, counting the start-up (each gets one ReadyForQuery)
        self.ready = 0  # ReadyForQuery received
        self.unsynced = False  # extended-protocol messages forwarded since the last Sync
        self.markers: deque[tuple[bytes, int, Refusal]] = deque()
        self.collector: Collector | None = None
        self.quiet: asyncio.Future[None] | None = None
        self.encoding = "UTF8"
        self.scs = True
        self.scs_doubt = False
        self.once: set[bytes] = set()  # approved prepared statements not bound yet
        self.spent: set[bytes] = set()  # approved prepared statements bound once
        self.params: dict[str, str] = {}
        self.ctx: Any = None
        self.cache: Any = None
        self.paused: set[str] = set()
        self.task: asyncio.Task[None] | None = None
        self.rejected = False

    # --- client side ---------------------------------------------------------------------------

    def connection_made(self, transport: Any) -> None:
        self.ct = transport
        self.rejected = not self.proxy.admit(self)  # answered after TLS negotiation, as the server does

    def connection_lost(self, exc: Exception | None) -> None:
        self.close()

    def pause_writing(self) -> None:
        if self.ut is not None:
            self.ut.pause_reading()

    def resume_writing(self) -> None:
        if self.ut is not None and self.phase == RELAY:
            self.ut.resume_reading()

    def pause_client(self, why: str) -> None:
        if not self.paused and self.ct is not None:
            self.ct.pause_reading()
        self.paused.add(why)

    def resume_client(self, why: str) -> None:
        if why in self.paused:
            self.paused.discard(why)
            if not self.paused and self.ct is not None and self.phase != CLOSED:
                self.ct.resume_reading()

    def data_received(self, data: bytes) -> None:
        if self.phase == CLOSED:
            return
        if self.phase == RELAY and not self.busy and not self.cbuf:
            self._pump(data)
            return
        self.cbuf += data
        if self.phase == STARTUP:
            self._startup()
        elif self.phase == RELAY and not self.busy and len(self.cbuf) >= self.cneed:
            self._pump_backlog()
        elif len(self.cbuf) > max(BACKLOG, self.cneed):
            self.pause_client("backlog")

    def _pump_backlog(self) -> None:
        data = bytes(self.cbuf)
        self.cbuf.clear()
        self.cneed = 0
        self.resume_client("backlog")
        self._pump(data)

    def _startup(self) -> None:
        buf = self.cbuf
        while self.phase == STARTUP and len(buf) >= 4:
            (length,) = _u32(buf, 0)
            if length < 8 or length > wire.MAX_STARTUP:
                return self._fatal("08P01", "blastwall pg-proxy: invalid startup packet length")
            if len(buf) < length:
                return None
            (code,) = _u32(buf, 4)
            packet = bytes(buf[:length])
            del buf[:length]
            if code in (wire.SSL_REQUEST, wire.GSSENC_REQUEST):
                self.ct.write(b"N")  # no TLS between the agent and the proxy (docs/pg-proxy.md)
            elif code == wire.CANCEL_REQUEST:
                if length <= wire.MAX_CANCEL:
                    self.proxy.forward_cancel(packet)
                self.phase = CLOSED
                self.ct.close()
            elif code >> 16 == 3:
                self._begin(packet)
            else:
                return self._fatal("0A000", f"blastwall pg-proxy: unsupported frontend protocol {code >> 16}."
                                            f"{code & 0xFFFF}: only protocol 3 is carried")
        return None

    def _begin(self, packet: bytes) -> None:
        if self.rejected:
            return self._fatal("53300", "blastwall pg-proxy: sorry, too many clients already "
                                        f"(--max-connections {self.proxy.config.max_connections})")
        try:
            self.params = wire.startup_params(packet[8:])
        except wire.WireError as exc:
            return self._fatal("08P01", f"blastwall pg-proxy: {exc}")
        if self.params.get("replication", "false").lower() not in ("false", "off", "no", "0"):
            return self._fatal("0A000", "blastwall pg-proxy does not carry replication connections; connect to "
                                        "the server directly for replication")
        user = self.params.get("user", "")
        if not user:
            return self._fatal("28000", "blastwall pg-proxy: no PostgreSQL user name specified in startup packet")
        database = self.params.get("database") or user
        cfg = self.proxy.config
        self.ctx = self.guard.context(user=user, database=database, host=cfg.upstream_host, port=cfg.upstream_port)
        self._recache()
        self.phase = CONNECTING
        self.task = asyncio.ensure_future(self._connect(packet))
        return None

    async def _connect(self, packet: bytes) -> None:
        cfg = self.proxy.config
        loop = asyncio.get_running_loop()
        try:
            self.ut, _ = await asyncio.wait_for(
                loop.create_connection(lambda: _Upstream(self), cfg.upstream_host, cfg.upstream_port),
                cfg.connect_timeout)
        except (TimeoutError, OSError) as exc:
            why = "timed out" if isinstance(exc, asyncio.TimeoutError) else (exc.strerror or type(exc).__name__)
            self._fatal("08006", f"blastwall pg-proxy cannot reach the server at {cfg.upstream_host}:"
                                 f"{cfg.upstream_port} ({why})")
            return
        if self.phase == CLOSED:
            self.ut.close()
            return
        self.ut.write(packet)
        self.phase = RELAY
        self.task = None
        if self.cbuf:
            self._pump_backlog()

    def _pump(self, data: bytes) -> None:
        """Forward whole and partial messages of `data`, stopping at a statement to decide."""
        n = len(data)
        pos = start = 0
        write = self.ut.write
        if self.cskip:
            if self.cskip >= n:
                self.cskip -= n
                write(data)
                return
            pos, self.cskip = self.cskip, 0
        track = bool(self.once or self.spent)
        while n - pos >= 5:
            kind = data[pos]
            (length,) = _u32(data, pos + 1)
            end = pos + 1 + length
            if length < 4:
                return self._fatal("08P01", f"blastwall pg-proxy: malformed message (type {kind}, length {length})")
            if kind in _HELD or (track and kind in _TRACKED):
                if length > wire.MAX_CHECKED:
                    return self._fatal("54000", f"blastwall pg-proxy: a {chr(kind)!r} message of {length} bytes is "
                                                f"larger than blastwall reads ({wire.MAX_CHECKED} bytes)")
                if end > n:
                    self.cneed = end - pos
                    break
                try:
                    out = self._message(kind, data[pos:end])
                except wire.WireError as exc:
                    return self._fatal(exc.code, f"blastwall pg-proxy: {exc}")
                if out is None:
                    pos = end
                    continue
                if pos > start:
                    write(data[start:pos])
                if out is _ASYNC:
                    self.cbuf += data[end:]
                    return None
                write(out)  # type: ignore[arg-type]
                pos = start = end
                track = bool(self.once or self.spent)
                continue
            if kind == _S:
                self.sent += 1
                self.unsynced = False
            elif kind in _EXTENDED:
                self.unsynced = True
            if end > n:
                self.cskip = end - n
                pos = n
                break
            pos = end
        if start == 0 and pos == n:
            write(data)
        elif pos > start:
            write(data[start:pos])
        if pos < n:
            self.cbuf += data[pos:]
        return None

    def _message(self, kind: int, msg: bytes) -> bytes | object | None:
        """None: forward `msg`; bytes: forward these instead; _ASYNC: a decision is under way."""
        if kind == _Q:
            sql = wire.query_text(msg)
            if self.guard.cached(self.cache, sql):
                self.sent += 1
                return None
            return self._decide(kind, msg, sql, b"")
        if kind == _P:
            name, sql = wire.parse_msg(msg)
            self.once.discard(name)
            self.spent.discard(name)
            if self.guard.cached(self.cache, sql):
                self.unsynced = True
                return None
            return self._decide(kind, msg, sql, name)
        if kind == _F:
            return self._refuse(kind, msg, Refusal(DENIED, "blastwall: the FunctionCall protocol message is refused "
                                                           "(blastwall cannot see which function it runs); call the "
                                                           "function in SQL instead"))
        self.unsynced = True
        if kind == _B:
            _, stmt, _ = wire.bind_names(msg)
            if stmt in self.spent:
                return self._refuse(kind, msg, Refusal(DENIED, "blastwall: this prepared statement was approved for one "
                                                               "run, which it had; prepare it again to ask again"))
            if stmt in self.once:
                self.once.discard(stmt)
                self.spent.add(stmt)
            return None
        which, name = wire.close_target(msg)
        if which == ord("S"):
            self.once.discard(name)
            self.spent.discard(name)
        return None

    def _decide(self, kind: int, msg: bytes, sql: bytes, name: bytes) -> object:
        self.busy = True
        self.task = asyncio.ensure_future(self._resolve(kind, msg, sql, name))
        return _ASYNC

    async def _resolve(self, kind: int, msg: bytes, sql: bytes, name: bytes) -> None:
        try:
            out = await self._verdict(kind, msg, sql, name)
            if self.phase != RELAY:
                return
            self.ut.write(out)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - fail closed: the statement is not forwarded
            log.exception("pg-proxy: deciding a statement failed")
            self._fatal("XX000", f"blastwall pg-proxy hit an internal error ({type(exc).__name__}); the statement "
                                 "was not run")
            return
        finally:
            self.busy = False
        if self.phase == RELAY and self.cbuf and len(self.cbuf) >= self.cneed:
            self._pump_backlog()

    async def _verdict(self, kind: int, msg: bytes, sql: bytes, name: bytes) -> bytes:
        text = wire.decode(sql, self.encoding)
        if text is None:
            return self._refuse(kind, msg, Refusal(UNREADABLE, f"blastwall: the statement is not valid "
                                                               f"{self.encoding} text; it was not run"))
        if b"\\" in sql and (not self.scs or self.scs_doubt):
            return self._refuse(kind, msg, Refusal(DENIED, "blastwall: standard_conforming_strings is off on this "
                                                           "connection, so backslashes in strings mean what blastwall "
                                                           "cannot check; SET standard_conforming_strings = on"))
        if "standard_conforming_strings" in text.lower() and not self.scs_doubt:
            self.scs_doubt = True
            self._recache()
        outcome = await self.guard.decide(self.ctx, text, self.cache, sql)
        if outcome.refusal is not None:
            return self._refuse(kind, msg, outcome.refusal)
        if outcome.approved:
            problem = await self.proxy.safety.protect(self, outcome, text)
            if problem is not None:
                return self._refuse(kind, msg, problem)
            if kind == _P:
                self.once.add(name)
        if kind == _Q:
            self.sent += 1
        else:
            self.unsynced = True
        return msg

    def _refuse(self, kind: int, msg: bytes, refusal: Refusal) -> bytes:
        nonce = secrets.token_hex(8)
        marker = MARKER + nonce
        if kind == _P:
            out, seq = wire.parse_with(msg, marker), self.sent + 1
            self.unsynced = True
        elif kind == _B:
            out, seq = wire.bind_with(msg, marker), self.sent + 1
            self.unsynced = True
        else:
            self.sent += 1
            out, seq = wire.query(marker), self.sent
        self.markers.append((nonce.encode(), seq, refusal))
        log.info("pg-proxy: refused a statement (%s): %s", refusal.code, refusal.message)
        return out

    def _recache(self) -> None:
        risky = not self.scs or self.scs_doubt
        self.cache = self.guard.cache_for((self.ctx, self.encoding.upper(), risky))

    # --- server side ---------------------------------------------------------------------------

    def server_data(self, data: bytes) -> None:
        if self.phase == CLOSED:
            return
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
            if col.done.done():
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
                if self.quiet is not None and self.ready >= self.sent and not self.quiet.done():
                    self.quiet.set_result(None)
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
        if start == 0 and pos == n:
            write(data)
        elif pos > start:
            write(data[start:pos])
        if pos < n:
            self.sbuf += data[pos:]

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
        """Until the server has answered every Query and Sync forwarded so far."""
        while self.ready < self.sent:
            if self.phase != RELAY:
                raise ConnectionError("the connection closed")
            self.quiet = asyncio.get_running_loop().create_future()
            await self.quiet
        self.quiet = None

    async def run(self, sql: str) -> Result:
        """Run `sql` (one simple Query) on this session and read its answer; the client sees nothing."""
        await self.wait_quiet()
        if self.phase != RELAY:
            raise ConnectionError("the connection closed")
        col = self.collector = Collector()
        self.ut.write(wire.query(sql, wire.codec_of(self.encoding) or "utf-8"))
        try:
            result = await col.done
        finally:
            if self.collector is col:
                self.collector = None
        self.status = result.status
        return result

    # --- ending --------------------------------------------------------------------------------

    def _fatal(self, code: str, message: str) -> None:
        if self.ct is not None and self.phase != CLOSED:
            self.ct.write(wire.error_response(code, message, severity="FATAL"))
        self.close()

    def close(self) -> None:
        if self.phase == CLOSED and self.ct is None:
            return
        self.phase = CLOSED
        for t in (self.ct, self.ut):
            if t is not None:
                t.close()
        self.ct = self.ut = None
        if self.quiet is not None and not self.quiet.done():
            self.quiet.set_exception(ConnectionError("the connection closed"))
        if self.collector is not None:
            self.collector.fail(ConnectionError("the connection closed"))
        if self.task is not None and not self.task.done() and self.task is not asyncio.current_task():
            self.task.cancel()
        self.proxy.forget(self)
