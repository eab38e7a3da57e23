"""The SQL rule table (`rules/sql.toml`) and the finding each statement kind becomes."""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any, NamedTuple

from blastwall.analyze.ruleset import load_table
from blastwall.model import Effect, Finding, Severity


class Hit(NamedTuple):
    """What a statement analyzer saw: a rule kind, its target, and where it came from."""

    kind: str
    target: str = ""
    source: str = ""
    detail: str = ""
    cascade: bool = False


def table() -> dict[str, Any]:
    return load_table("sql")


@functools.cache
def rows() -> dict[str, dict[str, Any]]:
    """Rule rows by kind."""
    return {str(r["kind"]): r for r in table()["rule"]}


def setting(name: str) -> Any:
    return table()["settings"][name]


def lossless_type(spelled: str, dialect: str = "") -> bool:
    """A column type that holds every value of any type as text (`[settings] lossless_types`):
    changing a column to it changes no value. `spelled` is the type as written, with any size."""
    name = " ".join(spelled.lower().replace("pg_catalog.", "").split())
    return name in setting("lossless_types_mysql" if dialect == "mysql" else "lossless_types")


def widest_type(spelled: str, dialect: str = "") -> bool:
    """A column type every plausible old type widens into (`[settings] widest_types`): `bigint`, and
    PostgreSQL's `numeric` without precision. `spelled` is the type as the parser names it."""
    name = " ".join(spelled.lower().replace("pg_catalog.", "").split())
    return name in setting("widest_types" if dialect == "postgres" else "widest_types_other")


def transactional(kind: str) -> bool:
    return bool(rows()[kind].get("transactional", True))


def is_ddl(kind: str) -> bool:
    return bool(rows()[kind].get("ddl", False))


def finding(hit: Hit, origin: str = "") -> Finding:
    """The finding a hit becomes, worded from its row."""
    row = rows()[hit.kind]
    values: defaultdict[str, str] = defaultdict(str, target=hit.target or "an unnamed object", detail=hit.detail)
    reason = str(row["reason"]).format_map(values)
    severity = Severity.parse(str(row["severity"]))
    if hit.cascade:
        severity = max(severity, Severity.parse(str(setting("cascade_severity"))))
        reason += str(setting("cascade_note"))
    if origin:
        reason = f"{reason} (via {origin})"
    return Finding(
        rule_id=str(row["id"]),
        effect=Effect(str(row["effect"])),
        severity=severity,
        reason=reason,
        target=hit.target,
        reversible=False,
        safer=str(row.get("safer", "")),
        source=shorten(hit.source),
    )


def shorten(text: str) -> str:
    limit = int(setting("source_chars"))
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
