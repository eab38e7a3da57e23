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

Threads: the data plane (lanes.py) calls `data_received` and `server_data`; deciding runs on the
asyncio loop (`_resolve`, `wait_quiet`, `run`). Both hold `lock` while they touch the session.
With the compiled plane, a direction with nothing for the session to read is framed and
forwarded by the plane itself (`_go_fast`) until a message the session reads comes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import secrets
import socket
import threading
from collections import deque
from typing import TYPE_CHECKING, Any

from blastwall.doors.pg_proxy import wire
from blastwall.doors.pg_proxy.guard import DENIED, UNREADABLE, Guard, Refusal
from blastwall.doors.pg_proxy.inject import Collector
from blastwall.doors.pg_proxy.pipe import Pipe
from blastwall.doors.pg_proxy.replies import CLOSED, CONNECTING, RELAY, STARTUP, ServerSide, settle
from blastwall.doors.pg_proxy.tls import TlsError, TlsPipe, negotiate

if TYPE_CHECKING:
    from blastwall.doors.pg_proxy.server import Proxy

log = logging.getLogger("blastwall.pg_proxy")

BACKLOG = 1024 * 1024  # client bytes held while a statement is decided, before reading pauses
_ASYNC = object()
_Q, _P, _F, _B, _C, _S, _H, _X = (wire.QUERY, wire.PARSE, wire.FUNCTION_CALL, wire.BIND, wire.CLOSE, wire.SYNC,
                                  wire.FLUSH, wire.TERMINATE)
_EXTENDED = frozenset(b"BDEC")  # extended-protocol messages answered only after the next Sync
_HELD = frozenset((_Q, _P, _F))  # held whole and checked
_TRACKED = frozenset((_B, _C))  # held whole while an approved prepared statement is tracked
_u32 = wire.u32
MARKER = "blastwall_refused_"
# the messages the compiled plane hands to the session rather than forwarding them itself (a
# Query it forwards when the session's allow cache has it, and hands over otherwise)
_HOLD = bytes((_P, _F))
_HOLD_TRACKING = bytes((_P, _F) + tuple(_TRACKED))
_HOLD_SERVER = bytes((wire.PARAMETER,))


def unix_path(host: str, port: int) -> str | None:
    """The server's socket file when `host` is a Unix-socket directory (as libpq reads it)."""
    return f"{host.rstrip('/') or '/'}/.s.PGSQL.{port}" if host.startswith("/") else None


async def connect(host: str, port: int) -> socket.socket:
    """A connected non-blocking socket to host:port (each address in turn), or to the Unix socket
    of `port` in directory `host`."""
    loop = asyncio.get_running_loop()
    path = unix_path(host, port)
    if path is not None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            await loop.sock_connect(sock, path)
            return sock
        except BaseException:
            sock.close()
            raise
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    error: OSError = OSError(f"{host} has no address")
    for family, kind, proto, _, addr in infos:
        sock = socket.socket(family, kind, proto)
        try:
            Pipe.prepare(sock)
            await loop.sock_connect(sock, addr)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
        except BaseException:
            sock.close()
            raise
    raise error


class Session(ServerSide):
    def __init__(self, proxy: Proxy, sock: socket.socket) -> None:
        self.proxy = proxy
        self.guard: Guard = proxy.guard
        self.loop: asyncio.AbstractEventLoop = proxy.loop  # where deciding happens (the plane relays)
        self.lane = proxy.lane
        self.compiled = self.lane.compiled and proxy.tls is None  # a TLS upstream is relayed in Python (tls.py)
        self.lock = threading.Lock()  # held by whichever thread touches the state below
        self.ct: Any = self.lane.pipe(sock, self.lock, self.data_received, self.close, self._client_full,
                                      self._client_drained)
        self.ut: Any = None
        self.n = self.lane.counts()  # sent, ready, status, unsynced (replies.py)
        self.phase = STARTUP
        self.cbuf = bytearray()
        self.cneed = 0  # bytes a held message still needs before it is whole
        self.cskip = 0  # bytes of a streamed client message still to come
        self.sbuf = bytearray()
        self.sskip = 0
        self.busy = False
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
        self.task: concurrent.futures.Future[None] | None = None
        self.rejected = not proxy.admit(self)  # answered after TLS negotiation, as the server does
        self.ct.start()

    # --- client side ---------------------------------------------------------------------------

    def _client_full(self) -> None:  # the client reads slower than the server answers
        if self.ut is not None:
            self.ut.pause_reading()

    def _client_drained(self) -> None:
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
        """A chunk from the client."""
        if self.phase == CLOSED:
            return
        if self.phase == RELAY and not self.busy and not self.cbuf:
            self._pump(data)
        else:
            self.cbuf += data
            if self.phase == STARTUP:
                self._startup()
            elif self.phase == RELAY and not self.busy and len(self.cbuf) >= self.cneed:
                self._pump_backlog()
            elif len(self.cbuf) > max(BACKLOG, self.cneed):
                self.pause_client("backlog")
        if self.compiled:
            self._go_fast()

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
                self.close()
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
        self.task = asyncio.run_coroutine_threadsafe(self._connect(packet), self.loop)
        return None

    async def _connect(self, packet: bytes) -> None:
        cfg = self.proxy.config
        tls = None
        try:
            sock = await asyncio.wait_for(connect(cfg.upstream_host, cfg.upstream_port), cfg.connect_timeout)
            if self.proxy.tls is not None:
                try:
                    tls = await asyncio.wait_for(negotiate(sock, self.proxy.tls, cfg.upstream_host),
                                                 cfg.connect_timeout)
                except BaseException:
                    sock.close()
                    raise
        except TlsError as exc:
            with self.lock:
                self._fatal("08006", f"blastwall pg-proxy: no TLS to the server at {cfg.upstream_host}:"
                                     f"{cfg.upstream_port}: {exc}")
            return
        except (TimeoutError, OSError) as exc:
            why = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or type(exc).__name__)
            with self.lock:
                self._fatal("08006", f"blastwall pg-proxy cannot reach the server at {cfg.upstream_host}:"
                                     f"{cfg.upstream_port} ({why})")
            return
        with self.lock:
            if self.phase == CLOSED:
                sock.close()
                return
            full, drained = lambda: self.pause_client("server-slow"), lambda: self.resume_client("server-slow")
            if tls is not None:
                self.ut = TlsPipe(self.lane, sock, self.lock, tls, self.server_data, self.close, full, drained)
            else:
                self.ut = self.lane.pipe(sock, self.lock, self.server_data, self.close, full, drained)
                self.lane.link(self.ct, self.ut, self.n)
            self.ut.start()
            self.ut.write(packet)
            self.phase = RELAY
            self.task = None
            if self.cbuf:
                self._pump_backlog()
            if self.compiled:
                self._go_fast()

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
        rest = wire.forward(write, data, start, pos)
        if rest:
            self.cbuf += rest
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
        self.task = asyncio.run_coroutine_threadsafe(self._resolve(kind, msg, sql, name), self.loop)
        return _ASYNC

    async def _resolve(self, kind: int, msg: bytes, sql: bytes, name: bytes) -> None:
        """On the asyncio loop: decide one held message, forward it (or its refusal), go on pumping."""
        try:
            out = await self._verdict(kind, msg, sql, name)
            with self.lock:
                if self.phase == RELAY and self.ut is not None:
                    self.ut.write(out)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - fail closed: the statement is not forwarded
            log.exception("pg-proxy: deciding a statement failed")
            with self.lock:
                self._fatal("XX000", f"blastwall pg-proxy hit an internal error ({type(exc).__name__}); the "
                                     "statement was not run")
        finally:
            with self.lock:
                self.busy = False
                if self.phase == RELAY and self.cbuf and len(self.cbuf) >= self.cneed:
                    self._pump_backlog()
                if self.compiled:
                    self._go_fast()

    async def _verdict(self, kind: int, msg: bytes, sql: bytes, name: bytes) -> bytes:
        with self.lock:
            text = wire.decode(sql, self.encoding)
            if text is None:
                return self._refuse(kind, msg, Refusal(UNREADABLE, f"blastwall: the statement is not valid "
                                                                   f"{self.encoding} text; it was not run"))
            if b"\\" in sql and (not self.scs or self.scs_doubt):
                return self._refuse(kind, msg, Refusal(DENIED, "blastwall: standard_conforming_strings is off on "
                                                               "this connection, so backslashes in strings mean what "
                                                               "blastwall cannot check; SET "
                                                               "standard_conforming_strings = on"))
            if "standard_conforming_strings" in text.lower() and not self.scs_doubt:
                self.scs_doubt = True
                self._recache()
            ctx, cache = self.ctx, self.cache
        outcome = await self.guard.decide(ctx, text, cache, sql)
        problem = outcome.refusal
        if problem is None and outcome.approved:
            problem = await self.proxy.safety.protect(self, outcome, text)
        with self.lock:
            if problem is not None:
                return self._refuse(kind, msg, problem)
            if kind == _P and outcome.approved:
                self.once.add(name)
            if kind == _Q:
                self.sent += 1
            else:
                self.unsynced = True
            return msg

    def _refuse(self, kind: int, msg: bytes, refusal: Refusal) -> bytes:
        self.slow_server()  # the session must see the server's error for it
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

    def _go_fast(self) -> None:
        """Let the compiled plane frame and forward each direction the session need not read now
        (lock held). The client's comes back at the next Query, Parse or FunctionCall (and Bind or
        Close while an approved statement is tracked); the server's at a ParameterStatus, or when
        the session asks (`slow_server`)."""
        ct, ut = self.ct, self.ut
        if self.phase != RELAY or ct is None or ut is None:
            return
        # fast() answers False when data already read for this session waits for its lock: that data
        # is handed here with this framing (the skip stays here), and the handler asks again.
        if not self.busy and not self.cbuf and not ct.is_fast and \
                ct.fast(self.cskip, _HOLD_TRACKING if self.once or self.spent else _HOLD, self.cache.table):
            self.cskip = 0
        if self.collector is None and not self.markers and self.quiet is None and not self.sbuf and \
                not ut.is_fast and ut.fast(self.sskip, _HOLD_SERVER):
            self.sskip = 0

    def slow_server(self) -> None:
        """Read the server's messages here again (lock held): before a refusal, a quiet wait or
        the proxy's own statement."""
        if self.compiled and self.ut is not None:
            self.sskip += self.ut.slow()

    def _recache(self) -> None:
        risky = not self.scs or self.scs_doubt
        self.cache = self.guard.cache_for((self.ctx, self.encoding.upper(), risky))
        if self.compiled and self.ct is not None:
            self.ct.use_cache(self.cache.table)

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
        if self.quiet is not None:
            self.loop.call_soon_threadsafe(settle, self.quiet, ConnectionError("the connection closed"))
            self.quiet = None
        if self.collector is not None:
            self.collector.fail(ConnectionError("the connection closed"))
        if self.task is not None and not self.task.done() and not self._in_task():
            self.task.cancel()
        self.proxy.forget(self)

    def _in_task(self) -> bool:
        try:
            return asyncio.get_running_loop() is self.loop and asyncio.current_task() is not None
        except RuntimeError:
            return False

