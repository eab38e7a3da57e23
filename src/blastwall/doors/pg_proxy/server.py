"""The listener: accepts agent connections, runs a `Session` for each, forwards cancel requests.

    proxy = Proxy(ProxyConfig(upstream_host="db", upstream_port=5432), guard, safety)
    host, port = await proxy.start()
    await proxy.serve_until(stop_event)
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, NamedTuple

from blastwall.doors.pg_proxy.guard import Guard
from blastwall.doors.pg_proxy.session import Session

log = logging.getLogger("blastwall.pg_proxy")


class ProxyConfig(NamedTuple):
    upstream_host: str
    upstream_port: int = 5432
    listen_host: str = "127.0.0.1"
    listen_port: int = 6543
    max_connections: int = 100
    connect_timeout: float = 10.0


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
    def __init__(self, config: ProxyConfig, guard: Guard, safety: Any) -> None:
        self.config, self.guard, self.safety = config, guard, safety
        self.sessions: set[Session] = set()
        self.server: asyncio.AbstractServer | None = None
        self._cancels: set[asyncio.Task[None]] = set()

    async def start(self) -> tuple[str, int]:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(lambda: Session(self), self.config.listen_host,
                                               self.config.listen_port, backlog=1024)
        sock = self.server.sockets[0].getsockname()
        return str(sock[0]), int(sock[1])

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
        task = asyncio.ensure_future(self._cancel(packet))
        self._cancels.add(task)
        task.add_done_callback(self._cancels.discard)

    async def _cancel(self, packet: bytes) -> None:
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(self.config.upstream_host, self.config.upstream_port),
                self.config.connect_timeout)
            writer.write(packet)
            await writer.drain()
            writer.close()
            await writer.wait_closed()
        except (TimeoutError, OSError) as exc:
            log.warning("pg-proxy: could not forward a cancel request (%s)", type(exc).__name__)

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for session in list(self.sessions):
            session.close()
        if self.server is not None:
            await self.server.wait_closed()
        self.guard.close()


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
