"""The provider adapter contract and the one way probes reach the network.

An adapter (one module per provider, e.g. `railway.py`) exposes:

    refs(finding, action) -> list[ResourceRef] | None
        the provider resources a finding acts on (None: the finding names none);
    probe(ref, config, probe_context) -> ProbeAnswer
        where the provider says the resource lives, asked with read-only queries only.

Rules every adapter keeps (and `post_json` enforces):
- the token comes from the environment variable the inventory names, never from the action;
- it is sent only to the configured endpoint, which must be the provider's own host or a
  loopback address, over HTTPS unless loopback; no redirects are followed, no proxy is used;
- a probe has a hard deadline; failure, timeout or missing configuration is an answer with
  `error` set (the target is unverified), never an exception and never a pass;
- error texts are fixed phrases: nothing from a response header or the token reaches a reason.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from blastwall import rx
from blastwall.preflight.inventory import Inventory, ProviderConfig

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
MAX_RESPONSE = 4 * 1024 * 1024
_TOKEN = rx.compile(r"[\x21-\x7e]+")


class ResourceRef(NamedTuple):
    """One provider resource an action acts on."""

    provider: str  # "railway"
    kind: str  # "volume" | "service" | "environment" | "project" | "volume instance"
    id: str = ""  # id (or, for the CLI, a name); "" when the action does not say which
    name: str = ""  # a name the action gives instead of an id (`railway environment delete staging`)
    environment_id: str = ""  # the action limits its effect to this environment
    project_id: str = ""

    @property
    def label(self) -> str:
        ident = self.id or self.name
        return f"{self.kind} {ident}" if ident else f"the {self.kind}"


class ProbeAnswer(NamedTuple):
    """What the provider said about one resource."""

    ref: ResourceRef
    environments: tuple[str, ...] = ()  # environment names the provider reports, in its order
    services: tuple[str, ...] = ()  # services that mount or run it
    detail: str = ""  # a fact to show: "mounted by service postgres in production and staging"
    error: str = ""  # why it could not be verified: "Railway did not answer within 2 s"
    source: str = ""  # who said so: "Railway", "the command"


class ProbeError(Exception):
    """A probe failed; the message is a fixed, safe phrase."""


class Budget:
    """The preflight's time budget: every probe gets at most what is left."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()


class ProbeContext(NamedTuple):
    inventory: Inventory
    budget: Budget
    cache: dict[Any, Any]  # answers already fetched during this check (one query per project)


_CHECK_ANSWERS: list[tuple[object, dict[Any, Any]]] = []


def answers_for(action: object) -> dict[Any, Any]:
    """The probe answers already fetched while checking `action`, so the preflight and the
    blast radius ask a provider once per check. One slot, keyed by the action object itself
    (a new check replaces it); read once, so concurrent checks never share answers."""
    slot = _CHECK_ANSWERS[0] if _CHECK_ANSWERS else None
    if slot is None or slot[0] is not action:
        slot = (action, {})
        _CHECK_ANSWERS[:] = [slot]
    return slot[1]


def token(cfg: ProviderConfig) -> str:
    """The token the inventory lets blastwall use, or ProbeError. Never read from the action."""
    value = os.environ.get(cfg.token_env, "").strip()
    if not value:
        raise ProbeError(f"no token in ${cfg.token_env} for read-only probes")
    if not 8 <= len(value) <= 4096 or not _TOKEN.fullmatch(value):
        raise ProbeError(f"${cfg.token_env} does not hold a usable token")
    return value


def check_endpoint(endpoint: str, official_hosts: frozenset[str]) -> None:
    """Refuse an endpoint a token must not go to (a project file could name any URL)."""
    try:
        parts = urlsplit(endpoint)
        hostname = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ProbeError("the configured endpoint is not a valid URL") from exc
    if hostname in LOOPBACK:
        return
    if parts.scheme != "https" or hostname not in official_hosts:
        raise ProbeError(f"the configured endpoint is not {' or '.join(sorted(official_hosts))} over HTTPS")


def post_json(endpoint: str, headers: dict[str, str], body: bytes, timeout: float, provider: str) -> Any:
    """POST `body` to `endpoint` and decode the JSON answer, within `timeout` seconds overall."""
    if timeout <= 0:
        raise ProbeError("blastwall's preflight ran out of its time budget")
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = _post(endpoint, headers, body, timeout, provider)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=run, name=f"blastwall-probe-{provider}", daemon=True)
    worker.start()
    worker.join(timeout + 0.05)
    if worker.is_alive() or "error" in box and isinstance(box["error"], TimeoutError):
        raise ProbeError(f"{provider} did not answer within {timeout:g} s")
    if "error" in box:
        exc = box["error"]
        raise exc if isinstance(exc, ProbeError) else ProbeError(_network_phrase(exc, provider))
    return box.get("value")


def _post(endpoint: str, headers: dict[str, str], body: bytes, timeout: float, provider: str) -> Any:
    import http.client
    import json

    parts = urlsplit(endpoint)
    deadline = time.monotonic() + timeout
    conn_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_class(parts.hostname or "", parts.port, timeout=timeout)
    try:
        conn.connect()
        sock = conn.sock
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        if resp.status != 200:
            raise ProbeError(f"{provider} answered HTTP {resp.status}")
        data = bytearray()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            if sock is not None:
                sock.settimeout(left)
            chunk = resp.read1(65536)
            if not chunk:
                break
            data += chunk
            if len(data) > MAX_RESPONSE:
                raise ProbeError(f"{provider}'s answer was larger than blastwall reads")
        try:
            return json.loads(bytes(data))
        except ValueError as exc:
            raise ProbeError(f"{provider} did not answer with JSON") from exc
    finally:
        conn.close()


def _network_phrase(exc: BaseException, provider: str) -> str:
    import socket
    import ssl

    if isinstance(exc, (TimeoutError, socket.timeout)):
        return f"{provider} did not answer in time"
    if isinstance(exc, ConnectionRefusedError):
        return f"{provider} refused the connection"
    if isinstance(exc, socket.gaierror):
        return f"{provider}'s host name did not resolve"
    if isinstance(exc, ssl.SSLError):
        return f"the TLS connection to {provider} failed"
    return f"{provider} could not be reached ({type(exc).__name__})"


def join(items: tuple[str, ...] | list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


Prober = Callable[[ResourceRef, ProviderConfig, ProbeContext], ProbeAnswer]
