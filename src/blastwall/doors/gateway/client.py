"""A small HTTP/1.1 client for the upstream side: h11 over asyncio streams, kept-alive
connections per host, bodies streamed both ways, hard timeouts.

The gateway sits in front of every API call an agent makes, so its own cost matters. A
general-purpose async client spends about a millisecond a request on loopback in connection
pool bookkeeping; this one does only what the gateway needs: one request at a time per
connection, no redirects, no proxies from the environment, no cookies, TLS with the system's
(or certifi's) CA bundle and hostname checking.

    pool = Pool(connect_timeout=10, timeout=300)
    resp = await pool.request("GET", "https://api.github.com/user", headers, body=None)
    resp.status, resp.headers                  # [(name, value), ...]
    async for chunk in resp.chunks(): ...      # the connection returns to the pool at the end
    await resp.aclose()                        # always; closes it when the body was not read
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import h11

READ_SIZE = 64 * 1024
MAX_IDLE_PER_HOST = 16
RETRY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Content = bytes | AsyncIterator[bytes] | None


class ClientError(Exception):
    """The upstream could not be reached or broke the protocol; `timeout` says which."""

    def __init__(self, message: str, *, timeout: bool = False, connecting: bool = False) -> None:
        super().__init__(message)
        self.timeout = timeout
        self.connecting = connecting  # True: nothing was sent


def _tls_context() -> ssl.SSLContext:
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - certifi comes with httpx
        return ssl.create_default_context()


class _Conn:
    def __init__(self, key: tuple[str, str, int], reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.key, self.reader, self.writer = key, reader, writer
        self.h11 = h11.Connection(h11.CLIENT)

    def usable(self) -> bool:
        return not self.reader.at_eof() and not self.writer.is_closing() and self.h11.our_state is h11.IDLE

    def close(self) -> None:
        self.writer.close()


class Response:
    def __init__(self, pool: Pool, conn: _Conn, status: int, headers: list[tuple[str, str]]) -> None:
        self._pool, self._conn = pool, conn
        self.status, self.headers = status, headers
        self._done = False

    def header(self, name: str, default: str = "") -> str:
        low = name.lower()
        return next((v for k, v in self.headers if k == low), default)

    async def chunks(self) -> AsyncIterator[bytes]:
        conn = self._conn
        while not self._done:
            event = await self._pool._next_event(conn)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                self._done = True
                self._pool._release(conn)
            elif isinstance(event, h11.ConnectionClosed):
                raise ClientError("the upstream closed the connection mid-answer")

    async def aclose(self) -> None:
        if not self._done:
            self._done = True
            self._conn.close()


class Pool:
    def __init__(self, *, connect_timeout: float, timeout: float) -> None:
        self.connect_timeout, self.timeout = connect_timeout, timeout
        self._idle: dict[tuple[str, str, int], list[_Conn]] = {}
        self._tls: ssl.SSLContext | None = None

    async def request(self, method: str, url: str, headers: list[tuple[str, str]], body: Content = None) -> Response:
        parts = urlsplit(url)
        scheme, host = parts.scheme, parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        authority = host if port == (443 if scheme == "https" else 80) else f"{host}:{port}"
        if ":" in host and not authority.startswith("["):
            authority = f"[{host}]" if port in (80, 443) else f"[{host}]:{port}"
        sent = [(b"host", authority.encode("idna" if not host.isascii() else "ascii"))]
        sent += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        if isinstance(body, bytes) and not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in headers):
            if body or method not in ("GET", "HEAD", "DELETE", "OPTIONS"):
                sent.append((b"content-length", str(len(body)).encode()))
        key = (scheme, host, port)
        conn = self._take(key)
        fresh = conn is None
        if conn is None:
            conn = await self._connect(key)
        try:
            await self._send(conn, method, target, sent, body)
            event = await self._next_event(conn)
        except ClientError:
            conn.close()
            if fresh or method not in RETRY_METHODS:
                raise  # never send a write twice: the upstream may have run it
            conn = await self._connect(key)  # a kept-alive connection the upstream had closed: once more
            try:
                await self._send(conn, method, target, sent, body)
                event = await self._next_event(conn)
            except ClientError:
                conn.close()
                raise
        while isinstance(event, h11.InformationalResponse):
            event = await self._next_event(conn)
        if not isinstance(event, h11.Response):
            conn.close()
            raise ClientError("the upstream did not answer with an HTTP response")
        out = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in event.headers]
        return Response(self, conn, event.status_code, out)

    async def _connect(self, key: tuple[str, str, int]) -> _Conn:
        scheme, host, port = key
        tls: Any = None
        if scheme == "https":
            self._tls = self._tls or _tls_context()
            tls = self._tls
        try:
            async with asyncio.timeout(self.connect_timeout):
                reader, writer = await asyncio.open_connection(host, port, ssl=tls,
                                                               server_hostname=host if tls else None,
                                                               limit=READ_SIZE * 4)
        except TimeoutError as exc:
            raise ClientError(f"connecting took longer than {self.connect_timeout:g} s", timeout=True,
                              connecting=True) from exc
        except (OSError, ssl.SSLError) as exc:
            raise ClientError(f"cannot connect ({type(exc).__name__})", connecting=True) from exc
        return _Conn(key, reader, writer)

    async def _send(self, conn: _Conn, method: str, target: str, headers: list[tuple[bytes, bytes]],
                    body: Content) -> None:
        try:
            head = conn.h11.send(h11.Request(method=method, target=target.encode("ascii", "strict"), headers=headers))
            if isinstance(body, bytes) or body is None:
                data = body or b""
                tail = (conn.h11.send(h11.Data(data=data)) or b"") if data else b""
                conn.writer.write((head or b"") + tail + (conn.h11.send(h11.EndOfMessage()) or b""))
                await self._drain(conn)
                return
            conn.writer.write(head or b"")
            async for chunk in body:
                if chunk:
                    conn.writer.write(conn.h11.send(h11.Data(data=chunk)) or b"")
                    await self._drain(conn)
            conn.writer.write(conn.h11.send(h11.EndOfMessage()) or b"")
            await self._drain(conn)
        except (h11.LocalProtocolError, UnicodeEncodeError) as exc:
            raise ValueError(f"the request cannot be sent as HTTP/1.1 ({exc})") from exc

    async def _drain(self, conn: _Conn) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                await conn.writer.drain()
        except TimeoutError as exc:
            raise ClientError("the upstream stopped reading the request", timeout=True) from exc
        except OSError as exc:
            raise ClientError(f"the connection broke while sending ({type(exc).__name__})") from exc

    async def _next_event(self, conn: _Conn) -> Any:
        while True:
            try:
                event = conn.h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise ClientError(f"the upstream broke HTTP/1.1 ({exc})") from exc
            if event is not h11.NEED_DATA:
                return event
            try:
                async with asyncio.timeout(self.timeout):
                    data = await conn.reader.read(READ_SIZE)
            except TimeoutError as exc:
                raise ClientError(f"no answer within {self.timeout:g} s", timeout=True) from exc
            except (OSError, ssl.SSLError) as exc:
                raise ClientError(f"the connection broke ({type(exc).__name__})") from exc
            if not data and conn.h11.their_state is h11.SEND_RESPONSE and conn.h11.our_state is not h11.DONE:
                raise ClientError("the upstream closed the connection")
            try:
                conn.h11.receive_data(data)
            except h11.RemoteProtocolError as exc:
                raise ClientError(f"the upstream broke HTTP/1.1 ({exc})") from exc

    def _take(self, key: tuple[str, str, int]) -> _Conn | None:
        idle = self._idle.get(key)
        while idle:
            conn = idle.pop()
            if conn.usable():
                return conn
            conn.close()
        return None

    def _release(self, conn: _Conn) -> None:
        if conn.h11.our_state is h11.DONE and conn.h11.their_state is h11.DONE:
            try:
                conn.h11.start_next_cycle()
            except h11.LocalProtocolError:
                conn.close()
                return
            idle = self._idle.setdefault(conn.key, [])
            if len(idle) < MAX_IDLE_PER_HOST:
                idle.append(conn)
                return
        conn.close()

    async def aclose(self) -> None:
        for conns in self._idle.values():
            for conn in conns:
                conn.close()
        self._idle.clear()
