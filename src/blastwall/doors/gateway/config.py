"""The `[gateway]` table of a trusted policy file, validated into frozen records.

    cfg = load_config(path)            # or parse_config(doc["gateway"], where=path)
    cfg.routes["railway"].upstream     # "https://backboard.railway.app"

The gateway reads its configuration (and the policy it decides with) only from a file a human
controls: `--config PATH`, else `$BLASTWALL_POLICY`, else the user's
`~/.config/blastwall/blastwall.toml`. Never from a project's `blastwall.toml`: that file lives
where the agent works, and a route in it could send a real token anywhere.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from blastwall.policy.engine import PolicyError

DEFAULT_LISTEN = "127.0.0.1:8766"
DEFAULT_MAX_BODY = 8 * 1024 * 1024
DEFAULT_MAX_UPLOAD = 1024 * 1024 * 1024
SCOPES = ("full", "read-only")
OVERSIZE = ("deny", "ask")
ROUTE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
HEADER_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
GATEWAY_KEYS = frozenset({"listen", "max_body", "oversize", "max_upload", "timeout_s", "connect_timeout_s",
                          "workers", "routes", "agents"})
ROUTE_KEYS = frozenset({"upstream", "credential", "inject", "analyze_as", "environment", "probe_env"})
AGENT_KEYS = frozenset({"token_sha256", "routes", "scope"})


@dataclass(frozen=True)
class Inject:
    header: str = "Authorization"
    format: str = "Bearer {token}"

    def value(self, token: str) -> str:
        return self.format.replace("{token}", token)

    def prefix(self) -> str:
        """What precedes the token in the header (to read an agent's gateway token from it)."""
        return self.format.split("{token}", 1)[0]


@dataclass(frozen=True)
class Route:
    name: str
    upstream: str  # scheme://host[:port][/prefix], no trailing slash
    credential: str
    inject: Inject
    analyze_as: str  # the base URL the analyzer and the audit log see (default: upstream)
    environment: str | None = None
    probe_env: str | None = None


@dataclass(frozen=True)
class Agent:
    name: str
    token_sha256: str
    routes: tuple[str, ...]
    scopes: tuple[tuple[str, str], ...] = ()

    def scope(self, route: str) -> str:
        return dict(self.scopes).get(route, "full")


@dataclass(frozen=True)
class GatewayConfig:
    source: str
    listen: str = DEFAULT_LISTEN
    max_body: int = DEFAULT_MAX_BODY
    oversize: str = "deny"
    max_upload: int = DEFAULT_MAX_UPLOAD
    timeout_s: float = 300.0
    connect_timeout_s: float = 10.0
    workers: int = 16
    routes: dict[str, Route] = field(default_factory=dict)
    agents: dict[str, Agent] = field(default_factory=dict)

    @property
    def unix_socket(self) -> str | None:
        return self.listen[len("unix:"):] if self.listen.startswith("unix:") else None

    def host_port(self) -> tuple[str, int]:
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]"), int(port)


def config_path(explicit: str | None = None) -> str:
    """The file the gateway reads: `explicit`, `$BLASTWALL_POLICY`, or the user's policy file."""
    if explicit:
        return explicit
    if os.environ.get("BLASTWALL_POLICY"):
        return os.environ["BLASTWALL_POLICY"]
    from blastwall.locations import config_dir

    return os.path.join(config_dir(), "blastwall.toml")


def load_config(path: str | None = None) -> tuple[GatewayConfig, dict[str, Any]]:
    """The gateway configuration and the whole parsed document (the policy decides with it)."""
    from blastwall.policy.load import read_document

    where = config_path(path)
    doc = read_document(where)
    section = doc.get("gateway")
    if not isinstance(section, dict):
        raise PolicyError(where, "has no [gateway] table; docs/gateway.md shows one")
    return parse_config(section, where), doc


def parse_config(section: dict[str, Any], where: str) -> GatewayConfig:
    _unknown(section, GATEWAY_KEYS, f"{where} [gateway]")
    listen = _listen(section.get("listen", DEFAULT_LISTEN), where)
    oversize = section.get("oversize", "deny")
    if oversize not in OVERSIZE:
        raise PolicyError(where, f"[gateway] oversize must be one of {', '.join(OVERSIZE)}, not {oversize!r}")
    routes_table = section.get("routes", {})
    if not isinstance(routes_table, dict) or not routes_table:
        raise PolicyError(where, "[gateway.routes] must name at least one route")
    routes = {name: _route(name, table, where) for name, table in routes_table.items()}
    agents_table = section.get("agents", {})
    if not isinstance(agents_table, dict):
        raise PolicyError(where, "[gateway.agents] must be a table of agents")
    agents = {name: _agent(name, table, routes, where) for name, table in agents_table.items()}
    return GatewayConfig(
        source=where, listen=listen, oversize=str(oversize),
        max_body=_size(section.get("max_body", DEFAULT_MAX_BODY), where, "max_body"),
        max_upload=_size(section.get("max_upload", DEFAULT_MAX_UPLOAD), where, "max_upload"),
        timeout_s=_seconds(section.get("timeout_s", 300), where, "timeout_s"),
        connect_timeout_s=_seconds(section.get("connect_timeout_s", 10), where, "connect_timeout_s"),
        workers=_int(section.get("workers", 16), where, "workers", 1, 256),
        routes=routes, agents=agents)


def _unknown(table: dict[str, Any], known: frozenset[str], where: str) -> None:
    extra = sorted(set(table) - known)
    if extra:
        raise PolicyError(where, f"unknown key(s) {', '.join(map(repr, extra))}; allowed: {', '.join(sorted(known))}")


def _listen(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PolicyError(where, "[gateway] listen must be HOST:PORT or unix:/path/to/socket")
    text = value.strip()
    if text.startswith("unix:"):
        if not os.path.isabs(text[5:]):
            raise PolicyError(where, "[gateway] listen = \"unix:...\" needs an absolute socket path")
        return text
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise PolicyError(where, f"[gateway] listen must be HOST:PORT or unix:/path, not {text!r}")
    return text


def _route(name: str, table: Any, where: str) -> Route:
    at = f"{where} [gateway.routes.{name}]"
    if not ROUTE_RE.match(name):
        raise PolicyError(at, "a route name is lower-case letters, digits, '-' or '_' (it is the URL's first segment)")
    if not isinstance(table, dict):
        raise PolicyError(at, "must be a table")
    _unknown(table, ROUTE_KEYS, at)
    upstream = _base_url(table.get("upstream"), at, "upstream", credential_bearing=True)
    analyze_as = _base_url(table.get("analyze_as", upstream), at, "analyze_as", credential_bearing=False)
    credential = table.get("credential")
    from blastwall.credentials.base import NAME_RE

    if not isinstance(credential, str) or not NAME_RE.match(credential):
        raise PolicyError(at, "'credential' must name a credential in the store (`blastwall credentials list`)")
    inject = _inject(table.get("inject", {}), at)
    environment = table.get("environment")
    if environment is not None and (not isinstance(environment, str) or not environment.strip()):
        raise PolicyError(at, "'environment' must be an environment name")
    probe_env = table.get("probe_env")
    if probe_env is not None and (not isinstance(probe_env, str) or not re.fullmatch(r"[A-Z_][A-Z0-9_]*", probe_env)):
        raise PolicyError(at, "'probe_env' must name an environment variable (upper-case letters, digits, _)")
    return Route(name, upstream, credential, inject, analyze_as, environment, probe_env)


def _base_url(value: Any, at: str, key: str, *, credential_bearing: bool) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PolicyError(at, f"'{key}' must be a URL such as https://api.github.com")
    try:
        parts = urlsplit(value.strip())
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise PolicyError(at, f"'{key}' is not a valid URL") from exc
    if parts.scheme not in ("https", "http") or not host:
        raise PolicyError(at, f"'{key}' must be an http(s) URL with a host")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise PolicyError(at, f"'{key}' must not carry a query, fragment or user info")
    if credential_bearing and parts.scheme != "https" and host not in LOOPBACK:
        raise PolicyError(at, f"'{key}' must use https: the gateway sends a real credential there "
                              "(plain http only to a loopback address)")
    return value.strip().rstrip("/")


def _inject(value: Any, at: str) -> Inject:
    if not isinstance(value, dict):
        raise PolicyError(at, "'inject' must be a table such as { header = \"Authorization\", format = \"Bearer {token}\" }")
    _unknown(value, frozenset({"header", "format"}), f"{at} inject")
    header = value.get("header", "Authorization")
    fmt = value.get("format", "Bearer {token}")
    if not isinstance(header, str) or not HEADER_RE.match(header):
        raise PolicyError(at, "inject.header must be an HTTP header name")
    if header.lower() in _hop_by_hop():
        raise PolicyError(at, f"inject.header cannot be {header!r}")
    if not isinstance(fmt, str) or fmt.count("{token}") != 1 or any(c in fmt for c in "\r\n\x00"):
        raise PolicyError(at, "inject.format must hold {token} exactly once, on one line")
    return Inject(header, fmt)


def _agent(name: str, table: Any, routes: dict[str, Route], where: str) -> Agent:
    at = f"{where} [gateway.agents.{name}]"
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", name):
        raise PolicyError(at, "an agent name is 1-64 letters, digits, '.', '_' or '-'")
    if not isinstance(table, dict):
        raise PolicyError(at, "must be a table")
    _unknown(table, AGENT_KEYS, at)
    digest = table.get("token_sha256")
    if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest.strip().lower()):
        raise PolicyError(at, f"'token_sha256' must be 64 hex digits (`blastwall gateway token add {name}`)")
    names = table.get("routes", [])
    if not isinstance(names, list) or not all(isinstance(r, str) for r in names):
        raise PolicyError(at, "'routes' must be a list of route names")
    missing = [r for r in names if r not in routes]
    if missing:
        raise PolicyError(at, f"'routes' names unknown route(s) {', '.join(missing)}")
    scope = table.get("scope", {})
    if not isinstance(scope, dict):
        raise PolicyError(at, "'scope' must be a table such as { railway = \"read-only\" }")
    for route, level in scope.items():
        if route not in names:
            raise PolicyError(at, f"scope names route {route!r}, which 'routes' does not give this agent")
        if level not in SCOPES:
            raise PolicyError(at, f"scope for {route!r} must be one of {', '.join(SCOPES)}, not {level!r}")
    return Agent(name, digest.strip().lower(), tuple(dict.fromkeys(names)), tuple(sorted(scope.items())))


_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*$", re.I)
_SIZE_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4,
               "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4}


def parse_size(value: Any) -> int:
    """`8MiB` -> 8388608; a plain number is bytes. Raises ValueError."""
    if isinstance(value, bool):
        raise ValueError("not a size")
    if isinstance(value, int):
        return value
    m = _SIZE_RE.match(str(value))
    if not m:
        raise ValueError(f"{value!r} is not a size")
    return int(float(m.group(1)) * _SIZE_UNITS[(m.group(2) or "b").lower()])


def _size(value: Any, where: str, key: str) -> int:
    try:
        size = parse_size(value)
    except ValueError as exc:
        raise PolicyError(where, f"[gateway] {key} must be a size such as 8MiB or a number of bytes") from exc
    if size < 1024:
        raise PolicyError(where, f"[gateway] {key} must be at least 1KiB")
    return size


def _seconds(value: Any, where: str, key: str) -> float:
    from blastwall.approvals.settings import parse_duration

    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        raise PolicyError(where, f"[gateway] {key} must be a duration such as 30s") from exc
    if not 0 < seconds <= 86400:
        raise PolicyError(where, f"[gateway] {key} must be between 0 and 1 day")
    return seconds


def _int(value: Any, where: str, key: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise PolicyError(where, f"[gateway] {key} must be a whole number from {lo} to {hi}")
    return value


@functools.cache
def header_lists() -> dict[str, tuple[str, ...]]:
    """The header lists of `headers.toml`, lower-cased."""
    from importlib.resources import files

    data = tomllib.loads(files("blastwall.doors.gateway").joinpath("headers.toml").read_text(encoding="utf-8"))
    return {k: tuple(str(h).lower() for h in v) for k, v in data.items()}


def _hop_by_hop() -> tuple[str, ...]:
    return header_lists()["hop_by_hop"]


def header_in(name: str, patterns: tuple[str, ...]) -> bool:
    exact, prefixes = _compiled(patterns)
    low = name.lower()
    return low in exact or (bool(prefixes) and low.startswith(prefixes))


@functools.cache
def _compiled(patterns: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """(exact names, prefixes) of a pattern list; every request meets these, so once per list."""
    exact = frozenset(p for p in patterns if not p.endswith("*"))
    return exact, tuple(p[:-1] for p in patterns if p.endswith("*"))
