"""Turn a catalog row into a `Finding` for one request (reason templates, safe targets)."""

from __future__ import annotations

import functools
from typing import Any

from blastwall.analyze.base import Scope
from blastwall.analyze.http.catalog import Rule, catalog
from blastwall.analyze.http.request import Request
from blastwall.model import Effect, Finding, Severity


class _Fields(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "?"


def make(rule: Rule | dict[str, Any], req: Request, *, rule_id: str | None = None, severity: Severity | None = None,
         target: str | None = None, detail: str = "", **fields: Any) -> Finding:
    """The finding a row gives for `req`. Reasons show the URL without user info or query."""
    row = rule.row if isinstance(rule, Rule) else rule
    values = _Fields(fields)
    values.setdefault("method", req.method)
    values.setdefault("target", target or req.display)
    reason = str(row["reason"]).format_map(values)
    if detail:
        reason = f"{reason} ({detail})"
    return Finding(
        rule_id=rule_id or str(row["id"]),
        effect=Effect(row["effect"]),
        severity=severity if severity is not None else Severity.parse(str(row["severity"])),
        reason=reason,
        target=target or req.display,
        reversible=bool(row.get("reversible", False)),
        confidence=float(row.get("confidence", 1.0)),
        safer=str(row.get("safer", "")),
        source=f"{req.method} {req.display}"[:200],
    )


@functools.cache
def template(rule_id: str) -> dict[str, Any]:
    """A generic row (`rules/http_generic.toml`) by id."""
    for rule in catalog().rules.get("generic", ()):
        if rule.id == rule_id:
            return rule.row
    raise KeyError(rule_id)


def apply(rule: Rule, req: Request, scope: Scope, captures: dict[str, str], *,
          arguments: dict[str, Any] | None = None, dialect: str | None = None, **fields: Any) -> list[Finding] | None:
    """The findings one matching row gives (its check decides when it has one)."""
    values = {**captures, **fields}

    def build_finding(severity: Severity | None = None, detail: str = "") -> Finding:
        return make(rule, req, severity=severity, detail=detail, **values)

    if rule.check:
        from blastwall.analyze.http.checks import CHECKS, CheckContext

        check = CHECKS[rule.check]
        ctx = CheckContext(req, rule, captures, scope, arguments or {}, dialect, build_finding)
        return check(ctx)
    if rule.severity is Severity.NONE:
        return []
    return [build_finding()]
