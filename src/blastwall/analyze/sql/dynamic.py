"""Dynamic SQL: a statement that runs SQL held in a string.

    EXEC('DELETE FROM Payments')                 T-SQL
    EXEC sp_executesql N'DROP TABLE t'           T-SQL
    EXECUTE IMMEDIATE 'TRUNCATE TABLE t'         Oracle, Snowflake, BigQuery, DB2, Db2, Informix
    PREPARE s FROM 'DELETE FROM t'               MySQL, MariaDB (the statement EXECUTE s runs)

A string made only of literals (`'DELETE FROM ' + 'Payments'`, `N'...'`, `'a' || 'b'`) is read as
SQL and judged like any other statement; a string built from anything else (`EXEC(@sql)`,
`EXECUTE IMMEDIATE v_sql`, `PREPARE s FROM @q`) is SQL blastwall cannot see: asked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from blastwall import rx

_OPENERS = [
    rx.compile(r"^\s*exec(?:ute)?\s*\((?P<arg>.*)\)\s*;?\s*$", rx.I | rx.S),
    rx.compile(r"^\s*exec(?:ute)?\s+immediate\s+(?P<arg>.*?)\s*;?\s*$", rx.I | rx.S),
    rx.compile(r"^\s*exec(?:ute)?\s+(?:@\w+\s*=\s*)?(?:\[?\w+\]?\.)*\[?sp_executesql\]?\s+(?P<arg>.*?)\s*;?\s*$", rx.I | rx.S),
    rx.compile(r"^\s*prepare\s+[\w$`\"]+\s+from\s+(?P<arg>.*?)\s*;?\s*$", rx.I | rx.S),
]
# EXECUTE IMMEDIATE ... USING/INTO binds values; the statement text is what comes before.
_TAIL = rx.compile(r"\s+(?:using|into|returning)\b.*$", rx.I | rx.S)
_LITERAL = rx.compile(r"\s*[nN]?(?:'((?:[^']|'')*)'|\"((?:[^\"]|\"\")*)\")\s*")
_JOIN = rx.compile(r"\s*(?:\+|\|\|)\s*")
MAX_DEPTH = 4


class Dynamic(NamedTuple):
    """The SQL a dynamic statement runs (None when it is built at run time) and how it was spelled."""

    sql: str | None
    spelled: str


def read(statement: str) -> Dynamic | None:
    """The SQL that `statement` runs from a string, when it is a dynamic-SQL statement."""
    for pattern in _OPENERS:
        m = pattern.match(statement)
        if m is None:
            continue
        arg = m.group("arg")
        if "immediate" in statement[: m.start("arg")].lower():
            arg = _TAIL.sub("", arg)
        elif "sp_executesql" in statement[: m.start("arg")].lower():
            arg = _first_argument(arg)
        spelled = " ".join(statement[: m.start("arg")].split()).upper().rstrip(" (")
        return Dynamic(_literal_text(arg), spelled)
    return None


def _first_argument(args: str) -> str:
    """The statement argument of sp_executesql: what comes before the parameter list."""
    args = rx.sub(r"^\s*@stmt\s*=\s*", "", args, flags=rx.I)
    pos, parts = 0, []
    while pos < len(args):
        m = _LITERAL.match(args, pos)
        if m is None:
            break
        parts.append(m.group(0))
        pos = m.end()
        j = _JOIN.match(args, pos)
        if j is None or j.end() == pos:
            break
        parts.append(j.group(0))
        pos = j.end()
    return "".join(parts) if parts else args.split(",", 1)[0]


def _literal_text(arg: str) -> str | None:
    """The text of literals joined by `+` or `||` (quotes undoubled); None when anything else is there."""
    pos, out = 0, []
    text = arg.strip()
    while True:
        m = _LITERAL.match(text, pos)
        if m is None:
            return None
        single, double = m.group(1), m.group(2)
        out.append(single.replace("''", "'") if single is not None else double.replace('""', '"'))
        pos = m.end()
        if pos >= len(text):
            return "".join(out)
        j = _JOIN.match(text, pos)
        if j is None or j.end() == pos:
            return None
        pos = j.end()


def hits(statement: str, inner: Callable[[str, int], list], depth: int = 0) -> list | None:
    """The hits of the SQL a dynamic statement runs (`inner(sql, depth)` reads it), a hit that asks
    when it is built at run time, or None when `statement` is not dynamic SQL."""
    from blastwall.analyze.sql.rules import Hit

    found = read(statement)
    if found is None:
        return None
    if found.sql is None:
        return [Hit("exec-dynamic", found.spelled, statement, "SQL built at run time")]
    if depth >= MAX_DEPTH:
        return [Hit("exec-dynamic", found.spelled, statement, "dynamic SQL nested too deeply")]
    return [h._replace(source=statement) for h in inner(found.sql, depth + 1)]
