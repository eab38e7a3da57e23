"""Clearly expired cleanups through HTTP APIs, judged by the notion SQL uses (`analyze/sql/expired.py`).

    DELETE /rest/v1/sessions?expires_at=lt.2024-01-01            PostgREST / Supabase
    POST /sessions/_delete_by_query {"query": {"range": {"expires_at": {"lt": "now-30d"}}}}   Elasticsearch

A delete of a short-lived table or index whose conditions (all ANDed) include one that selects only
rows in the past becomes the SQL rule `sql.postgres:delete-expired-rows`, which the default policy
allows unmeasured; any other delete keeps its row's finding.
"""

from __future__ import annotations

from typing import Any

from blastwall import rx
from blastwall.analyze.base import Scope
from blastwall.model import Finding

_DATE_MATH = rx.compile(r"now(?:([+-])(\d+)[yMwdhHms])?(?:/[yMwdhHms])?")


def finding(table: str, column: str, source: str, scope: Scope) -> Finding:
    from blastwall.analyze.sql.rules import Hit
    from blastwall.analyze.sql.rules import finding as sql_finding

    return sql_finding(Hit("delete-expired", table, source, column), scope.origin)


def postgrest_column(table: str, filters: list[tuple[str, str]]) -> str:
    """The column of `col=lt.<past time>` on a short-lived table (other filters only narrow)."""
    from blastwall.analyze.sql import expired

    if not expired.short_lived(table):
        return ""
    for key, value in filters:
        op, _, operand = value.partition(".")
        if op in ("lt", "lte") and expired.past_by_name(key, expired.literal_time(operand)):
            return key
    return ""


def es_column(index: str, body: Any) -> str:
    """The date field of a `range` below now, in a query on one short-lived index that only ANDs
    conditions (`range`, or a `bool` of filter/must/must_not with no `should`)."""
    from blastwall.analyze.sql import expired

    if not _short_lived_indices(index) or not isinstance(body, dict):
        return ""
    query = body.get("query")
    if not isinstance(query, dict) or len(query) != 1:
        return ""
    ranges: list[Any] = []
    if "range" in query:
        ranges = [query["range"]]
    elif isinstance(query.get("bool"), dict) and "should" not in query["bool"]:
        for key in ("filter", "must"):
            clauses = query["bool"].get(key)
            for clause in clauses if isinstance(clauses, list) else [clauses]:
                if isinstance(clause, dict) and isinstance(clause.get("range"), dict):
                    ranges.append(clause["range"])
    for r in ranges:
        for field, bounds in (r.items() if isinstance(r, dict) else ()):
            if not isinstance(bounds, dict):
                continue
            for op in ("lt", "lte"):
                when = bounds.get(op)
                if isinstance(when, str) and expired.past_by_name(field, _es_time(when)):
                    return str(field)
    return ""


def _short_lived_indices(target: str) -> bool:
    """Every index the target names is short-lived: a name (`sessions`), a comma list of them, or a
    pattern with one trailing `*` after a separator whose fixed part says so and names one family
    of indices (`logs-app-*`: one application's rollover or data-stream indices). `logs-*` leaves the
    family open, so it also reaches audit and security logs kept on purpose; a leading or inner
    wildcard, `*` alone, `_all`, or a fixed part that names records kept (`logs-audit-*`) is not."""
    from blastwall.analyze.sql import expired
    from blastwall.analyze.verbs import tokens

    names = [n.strip() for n in target.split(",")]
    if not names or len(names) > 20:
        return False
    for name in names:
        fixed = name[:-1] if name.endswith("*") and name[-2:-1] in ("-", "_", ".") else name
        if not fixed or any(ch in fixed for ch in "*?[]{}") or fixed.startswith(("-", "_", ".")):
            return False
        if not expired.short_lived(fixed.rstrip("-_.")):
            return False
        if fixed != name and len([t for t in tokens(fixed) if t]) < 2:
            return False
    return True


def _es_time(text: str) -> int | None:
    """Elasticsearch date math (`now`, `now-30d`, `now-1h/d`) or an ISO date: its offset from now."""
    from blastwall.analyze.sql import expired

    m = _DATE_MATH.fullmatch(text.strip())
    if m is None:
        return expired.literal_time(text)
    if not m.group(1) or int(m.group(2)) == 0:
        return 0
    return -1 if m.group(1) == "-" else 1
