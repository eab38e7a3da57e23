"""TimescaleDB's retention policies: `add_retention_policy('metrics', INTERVAL '30 days')`
schedules `drop_chunks` of every chunk older than the age, again and again from now on.

It is judged as the drop_chunks it schedules (`expired.expired_chunks`): on a hypertable whose
name says it holds short-lived data (`[expired]` words: metrics, logs, sessions ...) with a
positive age, it is the retention window such a table exists for (`retention-expired`, allowed
like a drop of expired chunks); on any other table, with an age blastwall cannot place (an integer
time, a variable), or with arguments it does not know, it asks (`retention-policy`).
`remove_retention_policy()` stops the drops and passes.
"""

from __future__ import annotations

from typing import Any

from blastwall.analyze.sql.rules import Hit

# add_retention_policy's arguments (TimescaleDB 2.x); `drop_after`/`drop_created_before` hold the age.
_AGES = frozenset({"drop_after", "drop_created_before"})
_OTHERS = frozenset({"relation", "schedule_interval", "if_not_exists", "initial_start", "timezone"})


def retention_hits(node: Any, source: str) -> list[Hit]:
    """The hit of an `add_retention_policy(...)` call (pglast FuncCall)."""
    from blastwall.analyze.sql.expired import _aged, _name, _relation, short_lived

    table, age, known = "", None, True
    at = 0
    for arg in node.args or ():
        if _name(arg) == "NamedArgExpr":
            name, value = str(arg.name).lower(), arg.arg
        else:  # relation, drop_after, schedule_interval ... by position
            name, value = ("relation", "drop_after", "schedule_interval")[at] if at < 3 else "?", arg
            at += 1
        if name == "relation":
            table = _relation(value)
        elif name in _AGES:
            age = value
        elif name not in _OTHERS:
            known = False
    target = table or "a hypertable named at run time"
    if known and table and age is not None and _aged(age) and short_lived(table):
        return [Hit("retention-expired", table, source, _shown(age))]
    return [Hit("retention-policy", target, source, _shown(age) if age is not None else "an age")]


def _shown(age: Any) -> str:
    from blastwall.analyze.sql.expired import _name, _text

    node = age
    while _name(node) == "TypeCast":
        node = node.arg
    text = _text(node)
    return text if text else "its age"
