"""The listener: accepts agent connections, runs a `Session` for each, forwards cancel requests.

    proxy = Proxy(ProxyConfig(upstream_host="db", upstream_port=5432), guard, safety)
    host, port = await proxy.start()
    await proxy.serve_until(stop_event)
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any, NamedTuple

from blastwall.doors.pg_proxy import tls
from blastwall.doors.pg_proxy.guard import Guard
from blastwall.doors.pg_proxy.lanes import Lane
from blastwall.doors.pg_proxy.session import Session, unix_path

log = logging.getLogger("blastwall.pg_proxy")


class ProxyConfig(NamedTuple):
    upstream_host: str  # a host name or address, or a Unix-socket directory (starting with /)
    upstream_port: int = 5432
    listen_host: str = "127.0.0.1"
    listen_port: int = 6543
    max_connections: int = 100
    connect_timeout: float = 10.0
    plane: str = "auto"  # the data plane: auto (compiled when built), compiled, python (lanes.py)
    upstream_tls: str = "disable"  # disable, require, verify-ca, verify-full (tls.py)
    upstream_ca: str | None = None  # CA file for verify-ca / verify-full


def host_port(text: str, default_port: int) -> tuple[str, int]:
    """`host:port`, `host`, `[::1]:5432` -> (host, port). Raises ValueError."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, ""
    if not host:
        raise ValueError(f"{text!r} has no host")
    try:
        number = int(port) if port else default_port
    except ValueError:
        raise ValueError(f"{text!r}: the port must be a number") from None
    if not 0 <= number <= 65535:
        raise ValueError(f"{text!r}: the port must be between 0 and 65535")
    return host, number


class Proxy:
    """The listener and the data plane, and what every session shares. `start` runs on the
    asyncio loop that will decide statements."""

    def __init__(self, config: ProxyConfig, guard: Guard, safety: Any) -> None:
        self.config, self.guard, self.safety = config, guard, safety
        self.sessions: set[Session] = set()
        self.listener: socket.socket | None = None
        self.tls = tls.context(config.upstream_tls, config.upstream_ca)  # raises ValueError, OSError
        self.lane = Lane(config.plane)
        self.plane = self.lane.plane
        self.loop: Any = None  # the asyncio loop start() runs on: statements are decided there
        self._cancels: set[asyncio.Task[None]] = set()

    async def start(self) -> tuple[str, int]:
        self.loop = asyncio.get_running_loop()
        infos = await self.loop.getaddrinfo(self.config.listen_host, self.config.listen_port,
                                            type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, addr = infos[0]
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(addr)
            sock.listen(1024)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self.listener = sock
        self.plane.register(sock.fileno(), _Listener(self, sock), self.lane.READ)
        self.plane.start()
        name = sock.getsockname()
        return str(name[0]), int(name[1])

    def admit(self, session: Session) -> bool:
        if len(self.sessions) >= self.config.max_connections:
            return False
        self.sessions.add(session)
        return True

    def forget(self, session: Session) -> None:
        self.sessions.discard(session)

    def forward_cancel(self, packet: bytes) -> None:
        """Send a client's CancelRequest to the server as it is: the key data the client holds is the
        server's own (BackendKeyData is passed through), so the server finds the backend."""
        self.loop.call_soon_threadsafe(self._spawn_cancel, packet)

    def _spawn_cancel(self, packet: bytes) -> None:
        task = asyncio.ensure_future(self._cancel(packet))
        self._cancels.add(task)
        task.add_done_callback(self._cancels.discard)

    async def _cancel(self, packet: bytes) -> None:
        try:
            path = unix_path(self.config.upstream_host, self.config.upstream_port)
            opening = asyncio.open_unix_connection(path) if path is not None else \
                asyncio.open_connection(self.config.upstream_host, self.config.upstream_port)
            reader, writer = await asyncio.wait_for(opening, self.config.connect_timeout)
            if self.tls is not None:  # the cancel goes the way the session went
                writer.write(tls.SSL_REQUEST)
                if await asyncio.wait_for(reader.readexactly(1), self.config.connect_timeout) != b"S":
                    raise OSError("the server does not accept TLS connections")
                await asyncio.wait_for(writer.start_tls(self.tls, server_hostname=self.config.upstream_host
                                                        if self.tls.check_hostname else None),
                                       self.config.connect_timeout)
            writer.write(packet)
            await writer.drain()
            writer.close()
            await writer.wait_closed()
        except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
            log.warning("pg-proxy: could not forward a cancel request (%s)", type(exc).__name__)

    async def close(self) -> None:
        if self.listener is not None:
            self.plane.unregister(self.listener.fileno())
            self.listener.close()
            self.listener = None
        for session in list(self.sessions):
            with session.lock:
                session.close()
        await asyncio.sleep(0)
        self.plane.stop()
        self.guard.close()


class _Listener:
    def __init__(self, proxy: Proxy, sock: socket.socket) -> None:
        self.proxy, self.sock = proxy, sock

    def event(self, mask: int) -> None:
        for _ in range(64):
            try:
                conn, _ = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # out of file descriptors, ...: keep serving the others
                log.warning("pg-proxy: accept failed (%s)", exc)
                return
            Session(self.proxy, conn)


async def serve(config: ProxyConfig, guard: Guard, safety: Any, stop: asyncio.Event,
                ready: Any = None) -> None:
    """Run until `stop` is set; `ready(host, port)` is called once listening."""
    proxy = Proxy(config, guard, safety)
    host, port = await proxy.start()
    if ready is not None:
        ready(host, port)
    try:
        await stop.wait()
    finally:
        await proxy.close()
