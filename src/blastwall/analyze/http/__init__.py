"""The HTTP analyzer: method + URL (+ body) matched against provider catalogs.

    analyze_request("DELETE", "https://api.github.com/repos/acme/api", None, None, Scope())
        -> [Finding(rule_id="http.github:repo-delete", ...)]

Known providers (`rules/http_*.toml`) are matched by host, then by REST path or GraphQL
mutation, then by the operation their generated catalog names (`analyze/catalogs`: AWS,
GitHub, Google, Kubernetes; hand rows win). Requests to hosts no catalog knows get generic rules (`generic.py`): a DELETE asks,
reads are allowed unless the URL plainly changes state, GraphQL mutations with destructive
names ask. Header values never appear in a finding.
"""

from __future__ import annotations

from blastwall import rx
from blastwall.analyze.base import Scope, dedupe
from blastwall.analyze.http import generic
from blastwall.analyze.http.catalog import Provider, conditions_hold, providers_for, rest_rules
from blastwall.analyze.http.findings import apply, make, template
from blastwall.analyze.http.graphql_rules import analyze_graphql, graphql_requests
from blastwall.analyze.http.request import READ_METHODS, Request, build
from blastwall.model import Finding

__all__ = ["analyze_request"]

_APPROVAL = rx.compile(r"(?i)/requests/[^/]+/approve$")


def analyze_request(method: str, url: str, headers: dict[str, str] | None, body: object, scope: Scope) -> list[Finding]:
    """Findings for one HTTP request."""
    req = build(method, url, headers, body)
    if req.method not in READ_METHODS and _APPROVAL.search(req.path):  # blastwall's approval page
        return [make(template("http.blastwall:approve"), req)]
    if _dry_run(req):
        return []
    return dedupe(_judged(req, scope) + _queued(req))


def _dry_run(req: Request) -> bool:
    """A write the API itself is told only to validate (`[generic] dry_run_params`: Sanity `?dryRun=true`)."""
    if not req.query or not req.host:
        return False  # nothing in the query string tells it to validate only
    from blastwall.analyze.globs import matcher
    from blastwall.analyze.http.sniff import setting

    for entry in setting("dry_run_params", []):
        if not req.host or not matcher(tuple(entry["hosts"]))(req.host) or not rx.search(entry["path"], req.path):
            continue
        for name in entry["params"]:
            values = req.query_values(name)
            if values and all(v.strip().lower() in ("true", "1") for v in values):
                return True
    return False


def _judged(req: Request, scope: Scope) -> list[Finding]:
    if req.host.startswith(("graph.", "dod-graph.", "microsoftgraph.", "canary.graph.")):
        from blastwall.analyze.http import msgraph

        if msgraph.is_graph(req):  # Microsoft Graph: `$batch` bodies, camelCase actions
            inner = msgraph.batch(req, scope)
            if inner is not None:
                return inner
            return msgraph.action(req) + _judged_by_providers(req, scope)
    return _judged_by_providers(req, scope)


def _judged_by_providers(req: Request, scope: Scope) -> list[Finding]:
    providers = providers_for(req)
    for provider in providers:
        found = _provider(provider, req, scope)
        if found is not None:
            return found
    named = next((p for p in providers if not p.wildcard or p.ports), None)
    return generic.analyze(req, scope, named)


def _queued(req: Request) -> list[Finding]:
    """A queue read that removes the messages, a Kafka retention that deletes records (`analyze/queues.py`),
    whatever host serves them: a management API or REST proxy is often behind its own name."""
    if req.method in READ_METHODS or not req.body or req.path.rsplit("/", 1)[-1] == "topics":
        return []  # `POST .../topics` creates a topic: its settings bound nothing yet
    from blastwall.analyze import queues

    return queues.http_findings(req.method, req.path, req.body, req.display)


def _provider(p: Provider, req: Request, scope: Scope) -> list[Finding] | None:
    """Findings from provider `p`, or None when `p` has nothing to say about `req`."""
    path = p.local_path(req)
    if p.graphql_paths and path in p.graphql_paths:
        return analyze_graphql(graphql_requests(req), req, scope, p)
    values: dict[str, object] | None = None  # what `when` and `unless` test, built for a row whose path matches
    for rule in rest_rules(p.name, req.method):
        captures = rule.matches_rest(req.method, path)
        if captures is None:
            continue
        if values is None:
            values = {"query": dict(req.query), "body": req.body, "headers": req.headers}
        if not conditions_hold(rule, values):
            continue
        params = {k: v for k, v in req.params.items() if isinstance(v, str) and k.isidentifier()}
        found = apply(rule, req, scope, {**params, **captures}, dialect=p.sql_dialect)
        if found is not None:
            return found
    if p.catalog:
        found = _from_catalog(p, req, path, scope)
        if found is not None:
            return found
    if p.wildcard and not p.ports:
        return None
    if req.method in READ_METHODS:
        return []
    if p.delete_severity is not None and generic.is_delete(req.method):
        return [make(template("http.generic:provider-delete"), req, rule_id=f"http.{p.name}:delete",
                     severity=p.delete_severity, label=p.label)]
    return generic.analyze(req, scope, p, known_provider=True)


def _from_catalog(p: Provider, req: Request, path: str, scope: Scope) -> list[Finding] | None:
    """The generated catalog's findings. A POST, PUT or PATCH the catalog finds harmless also
    gets the generic checks (a destructive word in the URL, `{"deleted": true}` in the body);
    one it finds a small change only the body check (its own name says what the URL does)."""
    from blastwall.analyze.catalogs import http_findings
    from blastwall.model import Severity

    found = http_findings(p.catalog, req, path, scope)
    if found is None:
        return None
    if req.method in ("POST", "PUT", "PATCH") and all(f.severity <= Severity.LOW for f in found):
        more = generic.analyze(req, scope, p, known_provider=True)
        found = found + (more if not found else [f for f in more if f.rule_id == "http.generic:destructive-update"])
    return found
