"""Writes to a database's own catalog: rows that describe the schema, objects and logins.

    DELETE FROM sqlite_master WHERE type = 'table'        (after PRAGMA writable_schema = 1)
    UPDATE pg_catalog.pg_class SET relname = 'x' WHERE oid = 16384
    INSERT INTO mysql.user ...  /  DELETE FROM mysql.user WHERE user = 'app'

Whatever the WHERE, such a write can corrupt or lose what the catalog describes: a selective
condition on a catalog row still names a whole table, index or login. The names live in
`rules/sql.toml` [catalog]; every DELETE, UPDATE and INSERT handler asks `is_catalog` first.
"""

from __future__ import annotations

import functools

from blastwall.analyze.sql.rules import Hit, table

_VERBS = {"delete": "DELETE from", "update": "UPDATE of", "insert": "INSERT into", "replace": "REPLACE into"}


@functools.cache
def _names() -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    t = table()["catalog"]
    return frozenset(t["schemas"]), frozenset(t["tables"]), tuple(t["bare_prefixes"])


def is_catalog(name: str) -> bool:
    """Whether `schema.table` (or a bare table name) is one of the database's catalog tables."""
    parts = [p.strip('"`[] ').lower() for p in name.split(".") if p.strip()]
    if not parts:
        return False
    schemas, tables, prefixes = _names()
    if parts[-1] in tables or (len(parts) >= 2 and parts[-2] in schemas):
        return True
    return len(parts) == 1 and parts[0].startswith(prefixes)


def hits(verb: str, target: str, source: str) -> list[Hit] | None:
    """The catalog-write hit of a row change to `target`, or None when it is not a catalog table."""
    if not is_catalog(target):
        return None
    return [Hit("catalog-write", target, source, _VERBS.get(verb, verb.upper()))]
