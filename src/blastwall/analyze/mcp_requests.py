"""Requests a provider's MCP server sends for a tool call, judged with the HTTP door's catalogs.

    provider_requests("github", "api", {"method": "DELETE", "path": "/repos/o/r"})
        -> [("DELETE", "https://api.github.com/repos/o/r", None)]
    provider_requests("railway", "graphql", {"query": "mutation { volumeDelete(...) }"})
        -> [("POST", "https://backboard.railway.app/graphql/v2", {"query": ...})]

The server is a provider when a word of its name is a key of `[generic.provider_apis]` in
`rules/mcp.toml` (base URL and GraphQL path, as data). A call with a method and a path (no host of
its own) is that request on the provider's base URL; a GraphQL document that holds a mutation, in
any string argument, is a POST of it to the provider's GraphQL endpoint, with its `variables`.
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall.analyze.base import Scope
from blastwall.analyze.http.sniff import words
from blastwall.analyze.ruleset import load_table
from blastwall.model import Finding

__all__ = ["may_send", "provider_findings", "provider_names", "provider_requests"]

_METHOD_KEYS = ("method", "http_method", "httpMethod", "verb")
_PATH_KEYS = ("path", "endpoint", "route", "url_path", "urlPath", "resource_path", "api_path")
_BODY_KEYS = ("body", "data", "json", "payload", "fields", "params", "input")
_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "PURGE"})


@functools.cache
def _apis() -> dict[str, Any]:
    return dict(load_table("mcp")["generic"].get("provider_apis", {}))


@functools.cache
def provider_names() -> frozenset[str]:
    """The words that name a provider (`[generic.provider_apis]`)."""
    return frozenset(_apis())


_METHOD_KEY_SET, _PATH_KEY_SET = frozenset(_METHOD_KEYS), frozenset(_PATH_KEYS)


def may_send(args: dict[str, Any]) -> bool:
    """Whether the arguments can make a request (`provider_requests`): a method and a path, or a
    string that holds `mutation` (a GraphQL mutation's document)."""
    if not (_METHOD_KEY_SET.isdisjoint(args) or _PATH_KEY_SET.isdisjoint(args)):
        return True
    for value in args.values():  # noqa: SIM110 - a loop, not any(): no generator per call
        if isinstance(value, str) and "mutation" in value:
            return True
    return False


def _provider(server: str, tool: str) -> dict[str, Any] | None:
    apis = _apis()
    for w in [*words(server), *words(tool)]:
        if w in apis:
            return dict(apis[w])
    return None


def provider_requests(server: str, tool: str, args: dict[str, Any]) -> list[tuple[str, str, Any]]:
    api = _provider(server, tool)
    if api is None:
        return []
    base = str(api["base"]).rstrip("/")
    out: list[tuple[str, str, Any]] = []
    method = next((str(args[k]).strip().upper() for k in _METHOD_KEYS if isinstance(args.get(k), str)), None)
    path = next((args[k].strip() for k in _PATH_KEYS if isinstance(args.get(k), str) and args[k].strip()), None)
    if method in _METHODS and path and "://" not in path:
        body = next((args[k] for k in _BODY_KEYS if args.get(k) is not None), None)
        out.append((method, f"{base}/{path.lstrip('/')}", body))
    graphql = api.get("graphql")
    if graphql:
        for value in args.values():
            if isinstance(value, str) and _mutation(value):
                variables = args.get("variables")
                body = {"query": value, **({"variables": variables} if isinstance(variables, dict) else {})}
                out.append(("POST", f"{base}/{str(graphql).lstrip('/')}", body))
    return out[:10]


def _mutation(text: str) -> bool:
    """A GraphQL document with a mutation operation (a cheap gate; the HTTP door parses it)."""
    head = text.lstrip()[:20000]
    return "mutation" in head and ("{" in head) and (head.startswith(("mutation", "#", "query", "fragment", "{"))
                                                     or "\nmutation" in head)


def provider_findings(server: str, tool: str, args: dict[str, Any], scope: Scope) -> list[Finding] | None:
    sent = provider_requests(server, tool, args)
    if not sent:
        return None
    from blastwall.analyze.http import analyze_request

    out: list[Finding] = []
    for method, url, body in sent:
        out += analyze_request(method, url, {"Content-Type": "application/json"}, body,
                               scope.deeper(f"mcp tool {tool} sends {method} {url}"))
    return out
