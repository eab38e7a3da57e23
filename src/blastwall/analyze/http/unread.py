"""Requests whose body blastwall cannot read: a file that is missing or unreadable, stdin nothing
on the line produces, a body built at run time. Such a request is asked about only when it could
destroy something: its method can change state and its URL is a provider API with destructive
operations (a host a provider catalog names, or a data store's well-known port). A GET, or a POST
to a local dev server or a host no catalog knows, is judged as it would be without the body.

    unread_body("POST", "https://backboard.railway.com/graphql/v2", None,
                client="curl", why="body.json does not exist (yet)", source="curl ...")
        -> [Finding(rule_id="http.generic:unread-body", ...)]
"""

from __future__ import annotations

from blastwall.analyze.http.catalog import providers_for
from blastwall.analyze.http.findings import make, template
from blastwall.analyze.http.request import READ_METHODS, Request, build
from blastwall.model import Finding

__all__ = ["provider_label", "unread_body", "unread_options"]


def provider_label(req: Request) -> str | None:
    """The label of the provider API `req` goes to, or None for a host no catalog names."""
    for p in providers_for(req):
        if (not p.wildcard or p.ports or p.prefix) and (p.delete_severity is not None or p.catalog):
            return p.label
    return None


def unread_body(method: str, url: str, headers: dict[str, str] | None, *, client: str, why: str,
                source: str) -> list[Finding]:
    """An ask for a request that sends a body blastwall cannot read, when it could destroy something."""
    req = build(method, url, headers, None)
    if req.method in READ_METHODS or not req.host:
        return []
    label = provider_label(req)
    if label is None:
        return []
    found = make(template("http.generic:unread-body"), req, client=client, label=label, why=why)
    return [found._replace(source=source[:200])]


def unread_options(*, client: str, where: str, why: str, source: str, url: str = "") -> list[Finding]:
    """An ask for a client whose URL, method or body come from a file blastwall cannot read: always
    when the URL is not given elsewhere, else when it is a provider API (whatever the method:
    the file may change it)."""
    req = build("POST", url, None, None)
    if url and (not req.host or provider_label(req) is None):
        return []
    found = make(template("http.generic:unread-options"), req, client=client, where=where, why=why,
                 target=req.display if url else where)
    return [found._replace(source=source[:200])]
