"""Statements no grammar reads because of one clause that changes no data, rewritten so one can:

    parts("SELECT * FROM t AS OF SYSTEM TIME '-5m' WHERE id = 1")
        -> ["SELECT * FROM t  WHERE id = 1"]                     (CockroachDB's historical read)
    parts("IF COL_LENGTH('dbo.Users', 'tz') IS NULL ALTER TABLE dbo.Users ADD tz int")
        -> ["SELECT 1 WHERE COL_LENGTH('dbo.Users', 'tz') IS NULL", "ALTER TABLE dbo.Users ADD tz int"]
    parts("DROP TABLE t")                                        -> None

The rewritten parts are read as any statement is (`sql.inner_hits`): a guard only decides whether
its statement runs, so its condition and its statement are both judged, and a destructive
statement under a guard still asks. Which clauses and guards are known is data
(`rules/sql_kinds.toml` `[clauses]`); any other text is left to the readers after this one.
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall import rx


@functools.cache
def _rows() -> dict[str, Any]:
    from blastwall.analyze.sql.kinds import table

    return table()["clauses"]


@functools.cache
def _as_of() -> rx.Pattern:
    return rx.compile(_rows()["as_of"], rx.I)


@functools.cache
def _guard() -> rx.Pattern:
    return rx.compile(_rows()["guard"], rx.I | rx.S)


def parts(src: str) -> list[str] | None:
    """The statement rewritten into parts a grammar reads, or None when no known clause is in it."""
    low = src.lower()
    if "system" in low and "as of" in low:
        cut = _as_of().sub(" ", src)
        return [cut] if cut != src else None
    if low.lstrip().startswith("if"):
        return _guarded(src)
    return None


def _guarded(src: str) -> list[str] | None:
    """T-SQL's `IF <condition> <statement>`: (SELECT 1 WHERE <condition>, <statement>)."""
    head = _guard().match(src)
    if head is None:
        return None
    at = head.end()
    if head.group("open"):  # [NOT] EXISTS ( ... ): to its closing parenthesis
        at = _closing(src, at - 1)
        if at is None:
            return None
    condition, body = src[head.start("cond"):at], src[at:].strip()
    if not body or body.split(None, 1)[0].lower() in _rows()["not_a_body"]:
        return None
    return [f"SELECT 1 WHERE {condition}", body]


def _closing(src: str, at: int) -> int | None:
    """The index after the parenthesis that closes the one at `at` (strings skipped), or None."""
    depth, quoted = 0, False
    for i in range(at, len(src)):
        c = src[i]
        if c == "'":
            quoted = not quoted
        elif quoted:
            continue
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    return None
