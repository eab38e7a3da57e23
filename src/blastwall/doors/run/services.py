"""What `blastwall run` starts outside the sandbox besides the relay and the egress proxy:

- the credential gateway (`doors/gateway/`), on a unix socket, with a gateway token made for
  this session only (it is in no file and dies with the session); without a `[gateway]` table
  or its credentials, provider APIs are simply unreachable;
- one `blastwall pg-proxy` per database server the agent's environment or profile names, each
  behind a unix-socket bridge; the agent's connection strings are rewritten to the proxy's
  loopback port inside the sandbox.

    gw = start_gateway(sock, agent="claude-code")     # Gateway(token, routes, ...) or GatewayMissing
    dbs = find_databases(env, profile, kb)            # [Database(var, url, upstream), ...]
    pg = start_pg_proxy(upstream, sock, project, agent)
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

from blastwall.doors.owner_socket import owner_server

PG_READY_S = 20.0
# Gateway routes with well-known names: the variables the provider's tools read a token from.
ROUTE_TOKEN_VARS = {"railway": ("RAILWAY_API_TOKEN", "RAILWAY_TOKEN"), "github": ("GITHUB_TOKEN", "GH_TOKEN"),
                    "vercel": ("VERCEL_TOKEN",), "fly": ("FLY_API_TOKEN",), "heroku": ("HEROKU_API_KEY",),
                    "supabase": ("SUPABASE_ACCESS_TOKEN",), "netlify": ("NETLIFY_AUTH_TOKEN",),
                    "cloudflare": ("CLOUDFLARE_API_TOKEN",), "digitalocean": ("DIGITALOCEAN_TOKEN",)}


class ServiceError(RuntimeError):
    """A service cannot start; the message says what to do."""


# --- the gateway -----------------------------------------------------------------------------


class Gateway(NamedTuple):
    server: Any  # serve.Background
    token: str
    agent: str
    routes: dict[str, str]  # route -> the upstream's (analyze_as) host
    providers: dict[str, str]  # host glob -> route, for the egress proxy's refusals


def start_gateway(sock: str, agent: str) -> Gateway | str:
    """The gateway serving on `sock` with a session token, or why there is none."""
    from blastwall.doors.gateway.auth import new_token, token_sha256
    from blastwall.doors.gateway.config import Agent, load_config
    from blastwall.doors.gateway.serve import Background, GatewayError, prepare
    from blastwall.policy.engine import PolicyError

    try:
        cfg, _ = load_config(None)
    except PolicyError:
        return "no [gateway] table in the user's blastwall.toml: provider APIs are unreachable (docs/gateway.md)"
    name = agent
    while name in cfg.agents:
        name += "-run"
    token = new_token()
    me = Agent(name, token_sha256(token), tuple(cfg.routes))
    try:
        prepared = prepare(None, agents=(me,), listen=f"unix:{sock}")
        server = Background(prepared, listen=f"unix:{sock}").__enter__()
    except (GatewayError, OSError) as exc:
        return f"the gateway did not start ({str(exc)[:200]}): provider APIs are unreachable"
    routes = {r.name: urlsplit(r.analyze_as).hostname or "" for r in cfg.routes.values()}
    providers: dict[str, str] = {}
    for r in cfg.routes.values():
        for url in (r.analyze_as, r.upstream):
            host = urlsplit(url).hostname
            if host and host not in ("127.0.0.1", "localhost", "::1"):
                providers[host] = r.name
    return Gateway(server, token, name, routes, providers)


def gateway_env(gw: Gateway, url: str) -> dict[str, str]:
    env = {"BLASTWALL_GATEWAY_URL": url, "BLASTWALL_GATEWAY_TOKEN": gw.token}
    for route in gw.routes:
        for var in ROUTE_TOKEN_VARS.get(route, ()):
            env[var] = gw.token
    return env


# --- databases ---------------------------------------------------------------------------------


class Database(NamedTuple):
    var: str  # the variable that held it ("" for a URL the profile names)
    url: str
    upstream: str  # host:port or /socket/dir:port, as pg-proxy --upstream takes it


def _upstream(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        port = parts.port or 5432
    except ValueError:
        return None
    host = parts.hostname
    if not host:
        return f"/var/run/postgresql:{port}"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def find_databases(env: Mapping[str, str], named: Sequence[str], schemes: Sequence[str]) -> tuple[list[Database], list[str]]:
    """The PostgreSQL servers to proxy: every variable holding a PostgreSQL URL, the variables and
    URLs a profile names, and libpq's PGHOST/PGPORT. Returns (databases, notes)."""
    found: list[Database] = []
    notes: list[str] = []
    for name, value in env.items():
        if value.startswith(tuple(schemes)):
            up = _upstream(value)
            if up:
                found.append(Database(name, value, up))
    for item in named:
        if item.startswith(tuple(schemes)):
            up = _upstream(item)
            if up:
                found.append(Database("", item, up))
        elif item not in env:
            notes.append(f"database {item}: no such variable in the environment")
        elif not env[item].startswith(tuple(schemes)):
            notes.append(f"database {item}: not a PostgreSQL URL (only PostgreSQL has a proxy); it stays unreachable")
    if env.get("PGHOST"):
        host = env["PGHOST"]
        found.append(Database("PGHOST", "", f"{host}:{env.get('PGPORT', '5432')}"))
    unique: dict[tuple[str, str], Database] = {}
    for db in found:
        unique.setdefault((db.var, db.url), db)
    return list(unique.values()), notes


def proxied_url(url: str, port: int) -> str:
    """`url` pointing at the pg-proxy's port inside the sandbox (user, password, database and
    parameters kept: the password is good only through the proxy, the one way out)."""
    parts = urlsplit(url)
    auth = parts.netloc.rpartition("@")[0]
    netloc = f"{auth}@127.0.0.1:{port}" if auth else f"127.0.0.1:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class PgProxy(NamedTuple):
    proc: subprocess.Popen[bytes]
    bridge: Bridge
    listen: str  # 127.0.0.1:PORT outside


def start_pg_proxy(upstream: str, sock: str, *, project: str, agent: str) -> PgProxy:
    argv = [sys.executable, "-m", "blastwall.doors.pg_proxy", "--upstream", upstream, "--listen", "127.0.0.1:0",
            "--cwd", project, "--agent", agent]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            cwd=project)
    deadline = time.monotonic() + PG_READY_S
    line = b""
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        text = line.decode("utf-8", "replace")
        if "listening on" in text:
            listen = text.split("listening on", 1)[1].split()[0]
            threading.Thread(target=_drain, args=(proc.stderr,), daemon=True).start()
            host, _, port = listen.rpartition(":")
            return PgProxy(proc, Bridge(sock, (host, int(port))).start(), listen)
    proc.kill()
    raise ServiceError(f"the pg-proxy for {upstream} did not start ({line.decode('utf-8', 'replace').strip()[:200]})")


def _drain(stream: Any) -> None:
    with contextlib.suppress(OSError, ValueError):
        for _ in stream:
            pass


def stop_pg_proxy(pg: PgProxy) -> None:
    pg.bridge.close()
    pg.proc.terminate()
    try:
        pg.proc.wait(5)
    except subprocess.TimeoutExpired:
        pg.proc.kill()


# --- a unix socket in front of a loopback TCP port ----------------------------------------------


class Bridge:
    """Copies each connection on a unix socket, byte for byte, to a TCP address."""

    def __init__(self, path: str, target: tuple[str, int]) -> None:
        from blastwall.doors.sandbox.forward import _pipe

        bridge_target = target

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                try:
                    upstream = socket.create_connection(bridge_target, timeout=10)
                except OSError:
                    return
                upstream.settimeout(None)
                with upstream:
                    back = threading.Thread(target=_pipe, args=(upstream, self.request), daemon=True)
                    back.start()
                    _pipe(self.request, upstream)
                    back.join()

        self.server = owner_server(path, Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Bridge:
        self.thread.start()
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
