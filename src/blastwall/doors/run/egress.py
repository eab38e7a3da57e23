"""The egress proxy of `blastwall run`: the only way out of the sandbox's network namespace.

    rules = HostRules.build(["api.anthropic.com", "pypi.org", "example.com:8443"], ports=(443,),
                            providers={"backboard.railway.app": "railway"})
    proxy = EgressProxy("/tmp/bw-run-x/egress.sock", rules, on_refusal=audit).start()

It listens on a unix socket outside the sandbox; inside, `HTTPS_PROXY`/`HTTP_PROXY` point at a
loopback port that forwards to it (`doors/sandbox/forward.py`). It speaks HTTP/1.1 proxy
requests: `CONNECT host:port` (HTTPS, relayed as bytes it cannot read) and absolute-form plain
HTTP (`GET http://host/path`, sent on with `Connection: close`). A host passes when it is on the
session's allow-list (the agent's model API, package registries, the profile's hosts) on an
allowed port. A provider API that the credential gateway serves is refused with the gateway
address to use instead, even when a profile lists it. A name on the allow-list that resolves
to a loopback, private or link-local address is refused (an allow-listed name must not become
a way into this machine or its network); write the address itself to allow one. Everything
refused gets a 403 with the reason and is reported through `on_refusal` (the audit log).
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import socketserver
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from blastwall.analyze import globs
from blastwall.doors.owner_socket import owner_server

MAX_HEAD = 64 * 1024
BUFFER = 65536
CONNECT_TIMEOUT_S = 10.0
LOCAL_NAMES = frozenset({"localhost", "ip6-localhost"})
_HOST = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*")


@dataclass(frozen=True)
class HostRules:
    entries: tuple[tuple[str, str], ...]  # (host glob, port: "443" | "*" | "" for the default ports)
    ports: tuple[int, ...]
    providers: tuple[tuple[str, str], ...] = ()  # (host glob, gateway route)
    gateway_url: str = ""

    @classmethod
    def build(cls, hosts: Iterable[str], *, ports: Iterable[int], providers: dict[str, str] | None = None,
              gateway_url: str = "") -> HostRules:
        entries = []
        for raw in hosts:
            text = raw.strip().lower().rstrip(".")
            if text.startswith("["):  # [v6]:port
                host, _, rest = text[1:].partition("]")
                port = rest.lstrip(":")
            elif text.count(":") == 1:
                host, _, port = text.partition(":")
            else:
                host, port = text, ""
            if host:
                entries.append((host, port))
        return cls(tuple(dict.fromkeys(entries)), tuple(ports),
                   tuple(sorted((providers or {}).items())), gateway_url)

    def provider(self, host: str) -> str | None:
        return next((route for pattern, route in self.providers if globs.match(host, pattern)), None)

    def allowed(self, host: str, port: int) -> tuple[str, str] | None:
        """The entry that lets `host:port` through, if any."""
        for pattern, p in self.entries:
            if not globs.match(host, pattern):
                continue
            if p == "*" or (p and p.isdigit() and int(p) == port) or (not p and port in self.ports):
                return pattern, p
        return None


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def _inward(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    return ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_multicast or \
        ip.is_unspecified


class Refused(Exception):
    """The proxy will not connect; the message is the reason the agent sees."""


def decide(rules: HostRules, host: str, port: int) -> list[tuple[int, int, int, str, tuple]]:
    """The addresses to connect to for `host:port`, or `Refused`."""
    host = host.lower().rstrip(".")
    if not (_HOST.fullmatch(host) or _literal(host)):
        raise Refused(f"{host[:80]!r} is not a host name")
    route = rules.provider(host)
    if route:
        where = f"{rules.gateway_url}/{route}" if rules.gateway_url else "blastwall's gateway"
        raise Refused(f"{host} is a provider API: inside blastwall run it is reachable only through the credential "
                      f"gateway, which holds the token and checks every request: use {where}/... with "
                      "$BLASTWALL_GATEWAY_TOKEN")
    entry = rules.allowed(host, port)
    if entry is None:
        raise Refused(f"{host}:{port} is not on this session's allow-list (the agent's model API, package "
                      "registries and the profile's hosts); a human can add it to [run.profiles.NAME] hosts in "
                      "blastwall.toml")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise Refused(f"{host} does not resolve ({exc.strerror})") from None
    named = not (_literal(entry[0]) or entry[0] in LOCAL_NAMES)
    if named and any(_inward(info[4][0]) for info in infos):
        raise Refused(f"{host} resolves to a loopback or private address; an allow-listed name does not reach this "
                      "machine or its network (list the address itself to allow it)")
    return infos


def _refusal(reason: str, status: str = "403 Forbidden") -> bytes:
    body = f"blastwall run: {reason}\n".encode()
    return (f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\nX-Blastwall: refused\r\n\r\n").encode() + body


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(BUFFER):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)


def _connect(infos: list[tuple]) -> socket.socket:
    last: OSError | None = None
    for family, kind, proto, _, address in infos:
        s = socket.socket(family, kind, proto)
        s.settimeout(CONNECT_TIMEOUT_S)
        try:
            s.connect(address)
            s.settimeout(None)
            return s
        except OSError as exc:
            last = exc
            s.close()
    raise Refused(f"cannot connect ({last.strerror if last else 'no address'})")


def _read_head(conn: socket.socket) -> tuple[bytes, bytes]:
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(BUFFER)
        if not chunk:
            raise ConnectionError("closed before a request")
        buf += chunk
        if len(buf) > MAX_HEAD:
            raise ValueError("request head too large")
    head, _, rest = buf.partition(b"\r\n\r\n")
    return head, rest


class EgressProxy:
    def __init__(self, path: str, rules: HostRules, *,
                 on_refusal: Callable[[str, int, str, str], None] | None = None,
                 on_allow: Callable[[str, int], None] | None = None) -> None:
        self.path = path
        self.rules = rules
        self.on_refusal = on_refusal or (lambda *a: None)
        self.on_allow = on_allow or (lambda *a: None)
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy.handle(self.request)

        self.server = owner_server(path, Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="blastwall-run-egress")

    def start(self) -> EgressProxy:
        self.thread.start()
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, conn: socket.socket) -> None:
        try:
            head, rest = _read_head(conn)
            line, _, headers = head.partition(b"\r\n")
            method, target, version = line.decode("latin-1").split(" ", 2)
        except (ValueError, OSError, ConnectionError, UnicodeDecodeError):
            with contextlib.suppress(OSError):
                conn.sendall(_refusal("not an HTTP proxy request", "400 Bad Request"))
            return
        if method.upper() == "CONNECT":
            host, _, port_text = target.rpartition(":")
            host = host.strip("[]")
            self._tunnel(conn, method, host, port_text, rest)
            return
        parts = urlsplit(target)
        if parts.scheme not in ("http",) or not parts.hostname:
            self._refuse(conn, method, parts.hostname or target, 0,
                         "this is blastwall's egress proxy: send absolute http:// URLs or CONNECT (HTTPS_PROXY)")
            return
        port = parts.port or 80
        try:
            infos = decide(self.rules, parts.hostname, port)
            upstream = _connect(infos)
        except Refused as exc:
            self._refuse(conn, method, parts.hostname, port, str(exc))
            return
        self.on_allow(parts.hostname, port)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        kept = [h for h in headers.split(b"\r\n") if h and not h.lower().startswith((b"proxy-", b"connection:"))]
        out = b"\r\n".join([f"{method} {path} {version}".encode("latin-1"), *kept, b"Connection: close"])
        with upstream:
            upstream.sendall(out + b"\r\n\r\n" + rest)
            self._relay(conn, upstream)

    def _tunnel(self, conn: socket.socket, method: str, host: str, port_text: str, rest: bytes) -> None:
        if not port_text.isdigit():
            self._refuse(conn, method, host, 0, "CONNECT needs host:port")
            return
        port = int(port_text)
        try:
            upstream = _connect(decide(self.rules, host, port))
        except Refused as exc:
            self._refuse(conn, method, host, port, str(exc))
            return
        self.on_allow(host, port)
        with upstream:
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if rest:
                upstream.sendall(rest)
            self._relay(conn, upstream)

    def _relay(self, conn: socket.socket, upstream: socket.socket) -> None:
        back = threading.Thread(target=_pipe, args=(upstream, conn), daemon=True)
        back.start()
        _pipe(conn, upstream)
        back.join()

    def _refuse(self, conn: socket.socket, method: str, host: str, port: int, reason: str) -> None:
        with contextlib.suppress(OSError):
            conn.sendall(_refusal(reason))
        with contextlib.suppress(Exception):
            self.on_refusal(method.upper(), port, host, reason)
