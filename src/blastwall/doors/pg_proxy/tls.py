"""TLS between the proxy and the server (`--upstream-tls`).

The proxy asks for TLS as libpq does: an SSLRequest, the server's one-byte answer, then a TLS
handshake, before the client's start-up packet is sent on. Modes, as libpq's `sslmode`:

- `disable` (the default): plain TCP (or a Unix socket);
- `require`: TLS, the server's certificate not checked (protects against a passive listener);
- `verify-ca`: TLS, the certificate signed by a trusted CA (`--upstream-ca FILE`, else the
  system's and certifi's);
- `verify-full`: as verify-ca, and the certificate names the upstream host.

A session with a TLS upstream is relayed through an `ssl.SSLObject` in Python: the compiled data
plane moves the encrypted bytes but does not frame them, so such a connection costs what the
pure-Python plane costs.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import struct
from collections.abc import Callable
from typing import Any

from blastwall.doors.pg_proxy import wire

log = logging.getLogger("blastwall.pg_proxy")

MODES = ("disable", "require", "verify-ca", "verify-full")
SSL_REQUEST = struct.pack("!II", 8, wire.SSL_REQUEST)


class TlsError(Exception):
    """TLS to the server could not be set up (the message says why, for the client's FATAL)."""


def context(mode: str, cafile: str | None = None) -> ssl.SSLContext | None:
    """The client context for `mode`, or None for `disable`. Raises ValueError, OSError."""
    if mode not in MODES:
        raise ValueError(f"the upstream TLS mode is one of {', '.join(MODES)}, not {mode!r}")
    if mode == "disable":
        return None
    if mode == "require":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        ctx = ssl.create_default_context(cafile=cafile)
        if cafile is None:
            import certifi

            ctx.load_verify_locations(cafile=certifi.where())
        ctx.check_hostname = mode == "verify-full"
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


async def negotiate(sock: socket.socket, ctx: ssl.SSLContext, host: str) -> tuple[ssl.SSLObject, ssl.MemoryBIO,
                                                                                    ssl.MemoryBIO]:
    """SSLRequest and handshake on a connected non-blocking socket. Raises TlsError, OSError."""
    loop = asyncio.get_running_loop()
    await loop.sock_sendall(sock, SSL_REQUEST)
    answer = await loop.sock_recv(sock, 1)
    if answer == b"N":
        raise TlsError("the server does not accept TLS connections (--upstream-tls is on)")
    if answer != b"S":
        raise TlsError("the server answered the TLS request with something else than yes or no")
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname=host if ctx.check_hostname else None)
    while True:
        try:
            obj.do_handshake()
            break
        except ssl.SSLWantReadError:
            pending = outgoing.read()
            if pending:
                await loop.sock_sendall(sock, pending)
            data = await loop.sock_recv(sock, 65536)
            if not data:
                raise TlsError("the server closed the connection during the TLS handshake") from None
            incoming.write(data)
        except ssl.SSLCertVerificationError as exc:
            raise TlsError(f"the server's certificate is not trusted ({exc.verify_message})") from None
        except ssl.SSLError as exc:
            raise TlsError(f"the TLS handshake failed ({exc.reason or exc})") from None
    pending = outgoing.read()
    if pending:
        await loop.sock_sendall(sock, pending)
    return obj, incoming, outgoing


class TlsPipe:
    """The server's socket under TLS: a relaying pipe of the data plane carries the encrypted
    bytes, the session reads and writes plain ones. Methods run with the session's lock held."""

    is_fast = False

    def __init__(self, lane: Any, sock: socket.socket, lock: Any, tls: tuple[ssl.SSLObject, ssl.MemoryBIO,
                                                                             ssl.MemoryBIO],
                 on_data: Callable[[bytes], None], on_lost: Callable[[], None], on_full: Callable[[], None],
                 on_drained: Callable[[], None]) -> None:
        self.obj, self.incoming, self.outgoing = tls
        self.on_data, self.on_lost = on_data, on_lost
        self.raw = lane.pipe(sock, lock, self._received, on_lost, on_full, on_drained)

    def _received(self, data: bytes) -> None:
        self.incoming.write(data)
        plain: list[bytes] = []
        while True:
            try:
                chunk = self.obj.read(256 * 1024)
            except ssl.SSLWantReadError:
                break
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                chunk = b""
            except ssl.SSLError as exc:
                log.warning("pg-proxy: TLS error from the server (%s); closing the connection", exc.reason or exc)
                self.raw.close()
                self.on_lost()
                return
            if not chunk:  # the server ended TLS
                break
            plain.append(chunk)
        self._flush()
        if plain:
            self.on_data(b"".join(plain))

    def _flush(self) -> None:
        pending = self.outgoing.read()
        if pending:
            self.raw.write(pending)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        try:
            self.obj.write(data)
        except ssl.SSLError as exc:
            log.warning("pg-proxy: TLS error writing to the server (%s); closing the connection", exc.reason or exc)
            self.raw.close()
            self.on_lost()
            return
        self._flush()

    def start(self) -> None:
        self.raw.start()

    def pause_reading(self) -> None:
        self.raw.pause_reading()

    def resume_reading(self) -> None:
        self.raw.resume_reading()

    def close(self) -> None:
        self.raw.close()

    def slow(self) -> int:
        return 0
