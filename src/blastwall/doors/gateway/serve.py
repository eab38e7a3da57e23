"""Start the gateway: read the trusted configuration, unlock the credentials, serve.

    prepared = prepare(config_path)          # GatewayError with a message for a human
    serve(prepared)                          # blocks (uvicorn)
    with Background(prepared) as gw:          # tests and benchmarks: in a thread
        gw.url                               # http://127.0.0.1:PORT
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from typing import Any, NamedTuple

from blastwall.doors.gateway.config import GatewayConfig, load_config
from blastwall.doors.owner_socket import owner_only
from blastwall.policy.engine import PolicyError


class GatewayError(Exception):
    """The gateway cannot start; the message says what a human should fix."""


class Prepared(NamedTuple):
    cfg: GatewayConfig
    policy: Any
    tokens: dict[str, str]


def prepare(path: str | None = None, *, credentials: Any = None, agents: tuple[Any, ...] = (),
            listen: str | None = None) -> Prepared:
    """Configuration, compiled policy and the credentials every route needs. `credentials` is a
    credential backend (default: `blastwall.credentials.open_store()`); `agents` are added to the
    configured ones (`blastwall run` gives its agent a token that lives as long as the session),
    and `listen` replaces `[gateway] listen`."""
    import dataclasses

    from blastwall.credentials import CredentialError, open_store
    from blastwall.policy.engine import compile_layers, default_document

    try:
        cfg, doc = load_config(path)
        policy = compile_layers([(cfg.source, doc), ("defaults", default_document())])
    except PolicyError as exc:
        raise GatewayError(str(exc)) from exc
    if agents or listen:
        cfg = dataclasses.replace(cfg, agents={**cfg.agents, **{a.name: a for a in agents}},
                                  listen=listen or cfg.listen)
    if not cfg.agents:
        raise GatewayError(f"{cfg.source} [gateway.agents] names no agent; `blastwall gateway token add NAME` "
                           "creates one")
    tokens: dict[str, str] = {}
    try:
        store = credentials if credentials is not None else open_store()
        for route in cfg.routes.values():
            if route.credential in tokens:
                continue
            value = store.get(route.credential)
            if not value:
                raise GatewayError(f"route {route.name} needs credential {route.credential!r}, which "
                                   f"{store.where()} does not hold; `blastwall credentials add "
                                   f"{route.credential}` stores it")
            tokens[route.credential] = value
    except CredentialError as exc:
        raise GatewayError(str(exc)) from exc
    for route in cfg.routes.values():  # pre-flight's read-only probes use the same credential
        if route.probe_env and not os.environ.get(route.probe_env):
            os.environ[route.probe_env] = tokens[route.credential]
    return Prepared(cfg, policy, tokens)


def bind(cfg: GatewayConfig, listen: str | None = None) -> socket.socket:
    """The listening socket: TCP, or a unix socket created 0600 (only this user may connect)."""
    target = listen or cfg.listen
    if target.startswith("unix:"):
        path = target[len("unix:"):]
        with contextlib.suppress(FileNotFoundError):
            if not os.path.isdir(path):
                os.unlink(path)
        os.makedirs(os.path.dirname(path) or ".", mode=0o700, exist_ok=True)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with owner_only():
            sock.bind(path)
        return sock
    host, _, port = target.rpartition(":")
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and without
    # it a streamed answer (headers, then body) meets Nagle and delayed ACKs: +40 ms a request.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, int(port)))
    return sock


def _server(prepared: Prepared, log_level: str) -> Any:
    import uvicorn

    from blastwall.doors.gateway.app import build_app

    app = build_app(prepared.cfg, prepared.policy, prepared.tokens)
    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="on", server_header=False,
                            date_header=False,
                            timeout_keep_alive=30)
    return uvicorn.Server(config)


def serve(prepared: Prepared, *, listen: str | None = None, log_level: str = "info") -> None:
    import logging

    logging.basicConfig(format="blastwall gateway: %(message)s", level=getattr(logging, log_level.upper(), 20))
    sock = bind(prepared.cfg, listen)
    server = _server(prepared, "warning")
    server.run(sockets=[sock])


class Background:
    """The gateway serving in a thread on an ephemeral loopback port (tests, benchmarks)."""

    def __init__(self, prepared: Prepared, listen: str = "127.0.0.1:0") -> None:
        self.prepared = prepared
        self.listen = listen
        self.sock: socket.socket | None = None
        self.server: Any = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self.sock is not None
        host, port = self.sock.getsockname()[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Background:
        self.sock = bind(self.prepared.cfg, self.listen)
        self.server = _server(self.prepared, "warning")
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise GatewayError("the gateway did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)
        if self.sock is not None:
            self.sock.close()
