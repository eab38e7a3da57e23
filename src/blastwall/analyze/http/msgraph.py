"""Microsoft Graph requests (`rules/msgraph.toml`): camelCase actions and `$batch` bodies.

    POST graph.microsoft.com/v1.0/applications/ID/removePassword      -> asked (remove: revoke)
    POST graph.microsoft.com/beta/.../managedDevices/ID/cleanWindowsDevice -> asked (clean: delete)
    POST graph.microsoft.com/v1.0/$batch {"requests": [{"method": "DELETE", "url": "/users/ID"}]}
                                                                       -> each inner request judged
    POST graph.microsoft.com/v1.0/applications/ID/addPassword         -> passes (add: create)
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.http.findings import make, template
from blastwall.analyze.http.request import READ_METHODS, Request
from blastwall.analyze.ruleset import load_table
from blastwall.model import Finding, Severity


@functools.cache
def _table() -> dict[str, Any]:
    return load_table("msgraph")


@functools.cache
def _hosts() -> frozenset[str]:
    return frozenset(_table()["hosts"])


def is_graph(req: Request) -> bool:
    return req.host in _hosts()


def batch(req: Request, scope: Scope) -> list[Finding] | None:
    """The findings of each request of a `POST .../$batch` body, or None when `req` is no batch."""
    segments = [s for s in req.path.split("/") if s]
    if req.method in READ_METHODS or not segments or segments[-1] != _table()["batch_segment"]:
        return None
    entries = req.body.get("requests") if isinstance(req.body, dict) else None
    if not isinstance(entries, list) or not entries or len(entries) > _table()["batch_limit"]:
        return [_unread(req, "its requests list is missing, empty or longer than Graph takes")]
    from blastwall.analyze.http import analyze_request

    base = f"{req.scheme or 'https'}://{req.host}/" + "/".join(segments[:-1])
    out: list[Finding] = []
    for entry in entries:
        method, url = (entry.get("method"), entry.get("url")) if isinstance(entry, dict) else (None, None)
        if not isinstance(method, str) or not isinstance(url, str) or not method.strip() or not url.strip():
            return [_unread(req, "an entry has no method or URL")]
        if "://" in url or url.startswith("//"):
            return [_unread(req, "an entry names a whole URL, which Graph does not take")]
        headers = entry.get("headers") if isinstance(entry.get("headers"), dict) else None
        inner = f"{base}/{url.lstrip('/')}"
        out.extend(analyze_request(method.strip().upper(), inner, headers, entry.get("body"), scope))
    return out


def _unread(req: Request, why: str) -> Finding:
    return unknown("http.msgraph:batch-unread",
                   f"a Microsoft Graph $batch to {req.host} that blastwall cannot read ({why}); "
                   "a human must check each request", req.display)


def action(req: Request) -> list[Finding]:
    """`POST .../{resource}/{camelCaseAction}`: the action's first word weighed by the verb model."""
    if req.method in READ_METHODS:
        return []
    segments = [s for s in req.path.split("/") if s]
    if len(segments) < 2 or not segments[-1][:1].islower() or not segments[-1].isalnum():
        return []  # an id, a collection with a key, `$ref`, `$value`: not an action
    from blastwall.analyze.catalogs.verbs import classify, words
    from blastwall.analyze.http.sniff import word_list

    last = segments[-1]
    ws = words(last)
    if not ws or ws[0] in _table()["harmless_verbs"]:
        return []  # `rebootNow`: back as it was
    verb = classify(last, "msgraph")
    if verb is None or verb.cls.name not in word_list("action_suffix_classes"):
        return []
    says = dict(_says()).get(verb.cls.name, verb.cls.name)
    return [make(template("http.generic:action-endpoint"), req, word=last, label="Microsoft Graph", what=says,
                 severity=min(verb.cls.severity, Severity.HIGH))._replace(effect=verb.cls.effect)]


def _says() -> dict[str, str]:
    from blastwall.analyze.http.sniff import setting

    return dict(setting("action_suffix_says", {}))
