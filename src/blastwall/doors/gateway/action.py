"""From an agent's request to the `Action` the engine checks, and the headers sent upstream.

The action is what an approval binds to, so it holds what decides what the call does and
nothing that changes between two identical calls: the method, the provider URL (path and
query), the body (as text, or its sha256 when it is binary or larger than blastwall
analyzes), and the request headers minus connection headers, credentials and volatile ones
(`headers.toml`). The agent's gateway token and the real credential are never in it.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from typing import Any, NamedTuple

from blastwall.doors.gateway.config import Agent, Route, header_in, header_lists
from blastwall.model import Action, Context, Surface


class Body(NamedTuple):
    """The request body as the gateway holds it: in memory (`data`) up to `max_body`, else
    spooled to a private temporary file (`spool`) with its size and sha256."""

    data: bytes | None
    size: int
    sha256: str
    spool: Any = None  # a file object positioned anywhere; read from 0 when forwarding


def upstream_url(base: str, path: str, query: bytes | str) -> str:
    q = query.decode("latin-1") if isinstance(query, bytes) else query
    return base + (path or "/") + (f"?{q}" if q else "")


def action_headers(headers: Iterable[tuple[str, str]], route: Route) -> dict[str, str]:
    dropped = _not_in_action(route.inject.header.lower())
    out: dict[str, str] = {}
    for name, value in headers:
        low = name.lower()
        if header_in(low, dropped):
            continue
        out[low] = f"{out[low]}, {value}" if low in out else value
    return dict(sorted(out.items()))


def forward_headers(headers: Iterable[tuple[str, str]], route: Route) -> list[tuple[str, str]]:
    """The agent's headers that go upstream (the credential is added by the caller)."""
    headers = list(headers)
    named = tuple(t.strip().lower() for n, v in headers if n.lower() == "connection" for t in v.split(",") if t.strip())
    dropped = _not_forwarded(route.inject.header.lower())
    return [(n, v) for n, v in headers if not header_in(n, dropped) and n.lower() not in named]


@functools.cache
def _not_in_action(inject: str) -> tuple[str, ...]:
    lists = header_lists()
    return (*lists["hop_by_hop"], *lists["agent_credentials"], *lists["volatile"], inject)


@functools.cache
def _not_forwarded(inject: str) -> tuple[str, ...]:
    lists = header_lists()
    return (*lists["hop_by_hop"], *lists["agent_credentials"], "accept-encoding", inject)


def body_text(body: Body, max_body: int) -> tuple[str | None, bool]:
    """(text the analyzer reads, whether it is the whole body)."""
    if body.data is None or body.size > max_body:
        return None, False
    try:
        return body.data.decode("utf-8"), True
    except UnicodeDecodeError:
        return None, False


def build_action(method: str, route: Route, agent: Agent, path: str, query: bytes | str,
                 headers: Iterable[tuple[str, str]], body: Body, max_body: int) -> Action:
    headers = list(headers)
    payload: dict[str, Any] = {"method": method.upper(), "url": upstream_url(route.analyze_as, path, query),
                               "headers": action_headers(headers, route), "body": None}
    if body.size:
        text, whole = body_text(body, max_body)
        if whole:
            payload["body"] = text
        else:  # binary or too large to analyze: bind to the exact bytes
            payload["body_sha256"] = body.sha256
            payload["body_bytes"] = body.size
    extra = (("door", "gateway"), ("route", route.name))
    context = Context(agent=agent.name, environment=route.environment, extra=extra)
    return Action(Surface.HTTP, payload, context)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_read(action: Action) -> bool:
    """True when the request only reads: a GET/HEAD/OPTIONS (after any method override), or a
    GraphQL POST whose every document parses and holds only queries and subscriptions."""
    from blastwall.analyze.http.graphql import parse
    from blastwall.analyze.http.graphql_rules import graphql_requests
    from blastwall.analyze.http.request import READ_METHODS, build

    p = action.payload
    if p.get("body_sha256"):
        return False
    req = build(p["method"], p["url"], p["headers"], p["body"])
    if req.method in ("GET", "HEAD", "OPTIONS"):
        return req.method == req.declared_method or req.declared_method in READ_METHODS
    if req.method != "POST":
        return False
    docs = graphql_requests(req)
    if not docs:
        return False
    for gql in docs:
        if gql.persisted:
            return False
        doc = parse(gql)
        if doc.error or not doc.calls or any(c.operation not in ("query", "subscription") for c in doc.calls):
            return False
    return True
