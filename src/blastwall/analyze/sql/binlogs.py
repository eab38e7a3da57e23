"""How old the binary logs are that `PURGE BINARY LOGS BEFORE <time>` deletes.

    PURGE BINARY LOGS BEFORE NOW() - INTERVAL 7 DAY          -> 7.0
    PURGE MASTER LOGS BEFORE DATE_SUB(NOW(), INTERVAL 30 DAY) -> 30.0
    PURGE BINARY LOGS BEFORE '2024-01-01 00:00:00'           -> 2.0 (a date more than a day ago)
    PURGE BINARY LOGS BEFORE NOW()                            -> 0.0 (every log)
    PURGE BINARY LOGS TO 'mysql-bin.000123'                   -> None (a file: its age is unknown)

The time is read with sqlglot's MySQL grammar: "now" (`[binlog_purge] now`) minus a constant
interval in a unit it knows (`NOW() - INTERVAL 7 DAY`, `DATE_SUB(...)`, `DATE_ADD(..., INTERVAL -7
DAY)`), or a literal date (`expired.literal_time`). Anything else (a subquery, a variable, a unit like
DAY_HOUR, text after the time) is None: its age cannot be read, and the purge is asked about.
"""

from __future__ import annotations

from typing import Any

from blastwall.analyze.sql.rules import table


_OPENERS = (["purge", "binary", "logs", "before"], ["purge", "master", "logs", "before"])


def purged_age_days(src: str) -> float | None:
    """The age in days of the newest log the statement deletes, or None when it cannot be read."""
    import sqlglot

    try:
        tokens = sqlglot.tokenize(src, read="mysql")
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError):
        return None
    if len(tokens) < 5 or [t.text.lower() for t in tokens[:4]] not in _OPENERS:
        return None
    return _age(src[tokens[4].start:].strip().rstrip(";"))


def _age(expression: str) -> float | None:
    import sqlglot
    from sqlglot import exp

    try:
        select = sqlglot.parse_one("SELECT " + expression, read="mysql")
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError):
        return None
    if not isinstance(select, exp.Select) or len(select.expressions) != 1 or \
            any(v for k, v in select.args.items() if k != "expressions"):
        return None
    return _days_ago(select.expressions[0])


def _days_ago(node: Any) -> float | None:
    from sqlglot import exp

    from blastwall.analyze.sql.expired import literal_time

    if _now(node):
        return 0.0
    if isinstance(node, exp.Literal) and node.is_string:
        return 2.0 if literal_time(str(node.this)) == -1 else None  # a past date: more than a day ago
    if isinstance(node, (exp.Sub, exp.Add)) and isinstance(node.expression, exp.Interval):
        shift = _days(node.expression.this, node.expression.args.get("unit"))
        sign = 1 if isinstance(node, exp.Sub) else -1
    elif isinstance(node, (exp.DateSub, exp.DateAdd)):
        shift = _days(node.expression, node.args.get("unit"))
        sign = 1 if isinstance(node, exp.DateSub) else -1
    else:
        return None
    base = _days_ago(node.this)
    if base is None or shift is None:
        return None
    return base + sign * shift


def _now(node: Any) -> bool:
    from sqlglot import exp

    now = table()["binlog_purge"]["now"]
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower() in now and not node.expressions
    return type(node).__name__ in table()["binlog_purge"]["now_nodes"] and not node.args.get("this")


def _days(amount: Any, unit: Any) -> float | None:
    from sqlglot import exp

    if not isinstance(amount, exp.Literal) or unit is None:
        return None
    per_day = table()["binlog_purge"]["unit_days"].get(str(unit.name).lower())
    try:
        number = float(str(amount.this))
    except ValueError:
        return None
    return None if per_day is None else number * per_day
