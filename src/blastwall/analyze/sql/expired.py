"""Clearly expired cleanups: a DELETE that removes only rows in the past from a table of short-lived data.

    DELETE FROM sessions WHERE expires_at < now() - interval '30 days'      -> ("sessions", "expires_at")
    DELETE FROM oauth_nonces WHERE created_at < now() - interval '1 hour'   -> ("oauth_nonces", "created_at")
    DELETE FROM sessions WHERE created_at < now()                           -> None (every row)
    DELETE FROM orders WHERE expires_at < now()                             -> None (orders are kept)

The WHERE must be an AND of conditions, at least one of which selects rows in the past:
- an expiry column (`expires_at`, `expire_date`, `valid_until` ...) `<`/`<=` now, or now minus a
  non-negative interval;
- an age column (`created_at`, `last_seen`, or any name ending in a time word: `hit_at`,
  `seen_on`, `ping_time`, `timestamp`) `<`/`<=` now minus a positive interval.
The other conditions may only narrow (no subquery, no function call). "Now" is every dialect's
spelling (`now()`, `CURRENT_TIMESTAMP`, `GETDATE()`, `SYSDATE`, SQLite's `datetime('now', '-7 days')`),
shifted in every dialect's spelling (`DATEADD(day, -7, ...)`, `DATE_SUB(NOW(), INTERVAL 7 DAY)`,
`ADD_MONTHS(SYSDATE, -6)`, `now() - toIntervalDay(30)`, `subtractDays(now(), 30)`);
the table's name must say it holds short-lived data (sessions, tokens, nonces, caches, rate
limits, locks, job and request logs), never records kept on purpose (audit logs, ledgers). The
words live in `rules/sql.toml` [expired]. Anything else is not an expired cleanup.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from blastwall import rx
from blastwall.analyze.sql.rules import table

# The sign of a time's offset from now: -1 in the past, 0 now, 1 in the future; None: unknown.
Offset = int | None


class Words(NamedTuple):
    table_words: frozenset[str]
    table_stems: tuple[str, ...]
    table_keeps: frozenset[str]
    table_keeps_tuple: tuple[str, ...]
    expiry: rx.Pattern
    age: rx.Pattern
    now_functions: frozenset[str]
    now_words: frozenset[str]
    sqlite_now: frozenset[str]
    shift_functions: frozenset[str]
    unit_sub_functions: frozenset[str]
    add_functions: frozenset[str]
    sub_functions: frozenset[str]
    interval_functions: frozenset[str]
    interval: rx.Pattern
    suffix_words: frozenset[str]
    format_functions: dict[str, tuple[int, int]]
    sortable_format: rx.Pattern
    epoch_functions: frozenset[str]
    now_texts: frozenset[str]


@functools.cache
def _words() -> Words:
    t = table()["expired"]
    suffixes = "|".join(sorted(t["column_suffixes"], key=len, reverse=True))

    def column(stems: list[str]) -> rx.Pattern:
        alts = "|".join(sorted(stems, key=len, reverse=True))
        return rx.compile(rf"^[a-z0-9]*?(?:{alts})(?:{suffixes})*$")

    units = "|".join(sorted(t["interval_units"], key=len, reverse=True))
    return Words(
        table_words=frozenset(t["table_words"]),
        table_stems=tuple(t["table_stems"]),
        table_keeps=frozenset(t["table_keeps"]),
        table_keeps_tuple=tuple(t["table_keeps"]),
        expiry=column(t["expiry_stems"]),
        age=column(t["age_stems"]),
        now_functions=frozenset(t["now_functions"]),
        now_words=frozenset(t["now_words"]),
        sqlite_now=frozenset(t["sqlite_now"]),
        shift_functions=frozenset(t["shift_functions"]),
        unit_sub_functions=frozenset(t["unit_sub_functions"]),
        add_functions=frozenset(t["add_functions"]),
        sub_functions=frozenset(t["sub_functions"]),
        interval_functions=frozenset(t["interval_functions"]),
        interval=rx.compile(rf"\s*([+-]?)\s*(\d+(?:\.\d+)?)\s*({units})?\b\s*", rx.I),
        suffix_words=frozenset(t["column_suffixes"]),
        format_functions={k: (int(v[0]), int(v[1])) for k, v in t["format_functions"].items()},
        sortable_format=rx.compile(t["sortable_format"]),
        epoch_functions=frozenset(t["epoch_functions"]),
        now_texts=frozenset(t["now_texts"]),
    )


# ---- the table ---------------------------------------------------------------------------------

def _singular(word: str) -> str:
    for end, repl in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh"), ("s", "")):
        if word.endswith(end) and len(word) > len(end) + 1:
            return word[: -len(end)] + repl
    return word


def short_lived(name: str) -> bool:
    """Whether a table's name says its rows are meant to expire (`sessions`, `password_reset_tokens`)."""
    from blastwall.analyze.verbs import tokens

    w = _words()
    bare = name.rsplit(".", 1)[-1].strip('"`[]')
    parts = [_singular(p) for p in tokens(bare) if p]
    if not parts:
        return False
    joined = "".join(parts)
    folded = _fold(bare)
    keeps = w.table_keeps_tuple
    if any(p in w.table_keeps or p.startswith(keeps) or p.endswith(keeps) for p in parts):
        return False
    if any(p in w.table_words for p in parts):
        return True
    texts = (joined, folded, _singular(folded), *parts)
    stems = w.table_stems
    if any(text.startswith(stems) or text.endswith(stems) or _singular(text).endswith(stems) for text in texts):
        return True  # a stem opens or ends one of the readings (str.startswith tries each stem of the tuple)
    return len(parts) > 1 and any(stem in joined for stem in stems)  # `user_session_tokens`, `oauth_auth_codes`


def abandoned(name: str, where: Any, aliases: frozenset[str]) -> bool:
    """A table short-lived only while unfinished (`carts`, `baskets`: `[expired] open_table_stems`)
    whose WHERE keeps unfinished rows alone: a conjunct `checked_out = false`, `NOT converted`,
    `checked_out IS FALSE` or `ordered_at IS NULL` (`open_flags`, `open_nulls`)."""
    t = table()["expired"]
    bare = _fold(_qualified(name)[-1]) if _qualified(name) else ""
    if not any(_singular(bare).endswith(s) or bare.endswith(s) for s in t["open_table_stems"]):
        return False
    flags, nulls = frozenset(t["open_flags"]), frozenset(t["open_nulls"])
    for c in _conjuncts(where):
        kind = _name(c)
        if kind == "NullTest" and int(c.nulltesttype) == 0 and _fold(_column(c.arg, aliases) or "") in nulls:
            return True
        if kind == "BooleanTest" and int(c.booltesttype) in (2, 3) and _fold(_column(c.arg, aliases) or "") in flags:
            return True  # IS FALSE, IS NOT TRUE
        if kind == "BoolExpr" and int(c.boolop) == 2 and len(c.args) == 1 and \
                _fold(_column(c.args[0], aliases) or "") in flags:
            return True
        if kind == "A_Expr" and int(c.kind) == 0 and ".".join(getattr(n, "sval", "") for n in c.name or ()) == "=":
            for col, other in ((c.lexpr, c.rexpr), (c.rexpr, c.lexpr)):
                if _fold(_column(col, aliases) or "") in flags and _false(other):
                    return True
    return False


def finished(name: str, where: Any, aliases: frozenset[str]) -> bool:
    """A table of work items (`jobs`, `tasks`, `outbox`: `[expired] finished_table_stems`) whose
    WHERE keeps finished rows alone: a conjunct `state = 'completed'` (or IN a list of only finished
    states), `processed_at IS NOT NULL`, `processed = true`, `processed IS TRUE` or a bare `done`.
    An age bound on a timestamp only a finished row has (`read_at < now() - interval '90 days'`:
    `finished_ages`) keeps finished rows alone too: a comparison is never true of NULL.
    The age bound is the caller's (`past_column`): both are required. Pending, failed or unknown
    states, an OR, or a negation keep the table's rows as owed work."""
    t = table()["expired"]
    parts = _qualified(name)
    bare = _fold(parts[-1]) if parts else ""
    if not bare or not any(_singular(bare).endswith(s) or bare.endswith(s) for s in t["finished_table_stems"]):
        return False
    from blastwall.analyze.verbs import tokens

    keeps = _words().table_keeps
    if any(_singular(p) in keeps for p in tokens(parts[-1])):
        return False
    ages = frozenset(t["finished_ages"])
    return any(_finished_condition(c, aliases, t) or _fold(_past(c, aliases) or "") in ages for c in _conjuncts(where))


def _finished_condition(c: Any, aliases: frozenset[str], t: dict[str, Any]) -> bool:
    kind = _name(c)
    if kind == "BoolExpr" and int(c.boolop) == 2 and len(c.args) == 1 and _name(c.args[0]) == "NullTest":
        inner = c.args[0]  # NOT x IS NULL: how sqlglot writes IS NOT NULL
        return int(inner.nulltesttype) == 0 and _fold(_column(inner.arg, aliases) or "") in t["finished_nulls"]
    column = _column(c.arg if kind in ("NullTest", "BooleanTest") else c, aliases) if kind != "A_Expr" else None
    folded = _fold(column or "")
    if kind == "NullTest":
        return int(c.nulltesttype) == 1 and folded in t["finished_nulls"]  # IS NOT NULL
    if kind == "BooleanTest":
        return int(c.booltesttype) == 0 and folded in t["finished_flags"]  # IS TRUE
    if kind == "ColumnRef":
        return folded in t["finished_flags"]  # WHERE done AND ...
    if kind != "A_Expr" or int(c.kind) not in (0, 6) or c.lexpr is None or c.rexpr is None:
        return False
    if ".".join(getattr(n, "sval", "") for n in c.name or ()) != "=":
        return False
    states = frozenset(t["finished_states"])
    for col, other in ((c.lexpr, c.rexpr), (c.rexpr, c.lexpr)):
        name = _fold(_column(col, aliases) or "")
        if name in t["finished_flags"] and _true(other):
            return True
        values = list(other) if isinstance(other, (list, tuple)) else [other]
        if name in t["finished_status_columns"] and values and \
                all((_text(_uncast(v)) or "").lower() in states for v in values):
            return True
    return False


def _uncast(node: Any) -> Any:
    while _name(node) == "TypeCast":
        node = node.arg
    return node


def _boolean(node: Any) -> bool | None:
    """The truth a constant spells (`true`, `1`, `'t'::boolean`; `false`, `0`, `'f'`), or None."""
    node = _uncast(node)
    if _name(node) != "A_Const" or node.isnull:
        return None
    val = node.val
    if hasattr(val, "boolval"):
        return bool(val.boolval)
    if hasattr(val, "ival"):
        return {1: True, 0: False}.get(val.ival)
    word = str(getattr(val, "sval", "")).lower()
    return True if word in ("t", "true", "1", "y", "yes") else False if word in ("f", "false", "0", "n", "no") else None


def _true(node: Any) -> bool:
    return _boolean(node) is True


def _false(node: Any) -> bool:
    return _boolean(node) is False


def _named_short_lived(name: str) -> bool:
    """A schema, dataset, database or bucket name that says what it holds is short-lived: one of
    its words is a short-lived word or stem on its own (`logs`, `tmp-exports`, `cache`, `scratch`),
    and none keeps records (`audit_logs`, `billing_tmp`)."""
    from blastwall.analyze.verbs import tokens

    w = _words()
    parts = [_singular(p) for p in tokens(name) if p]
    if not parts or any(p in w.table_keeps or any(p.startswith(k) for k in w.table_keeps) for p in parts):
        return False
    return any(p in w.table_words or p in w.table_stems for p in parts)


def _qualified(name: str) -> list[str]:
    """The parts of a qualified table name, quotes off: `"acme-prod.logs.app_events"` (one quoted
    BigQuery name), `logs.requests`, `[db].[dbo].[t]`."""
    return [p.strip('"`[] ') for p in name.replace('"."', ".").replace("`.`", ".").split(".") if p.strip('"`[] ')]


def short_lived_table(name: str) -> bool:
    """Whether a table's rows are meant to expire: its own name says so (`short_lived`), or the
    schema, dataset or database it is in does (`logs.requests`, `acme-prod.logs.app_events`,
    `tmp.exports`) and the table's own name keeps no records (`logs.audit_events` does)."""
    parts = _qualified(name)
    if not parts:
        return False
    if short_lived(parts[-1]):
        return True
    from blastwall.analyze.verbs import tokens

    keeps = _words().table_keeps
    if any(_singular(p) in keeps or any(_singular(p).startswith(k) for k in keeps) for p in tokens(parts[-1])):
        return False
    return any(_named_short_lived(q) for q in parts[:-1])


def short_lived_container(where: Any, aliases: frozenset[str]) -> bool:
    """Whether the WHERE pins the rows to a container whose name says it is short-lived: a
    container key (`bucket_id`, `folder`, `namespace`: `[settings] container_keys`) equal to, or
    in a list of, names like `'tmp-exports'` or `'cache'` (Supabase's `storage.objects` of a
    temporary bucket). A container of anything else (`bucket_id = 'avatars'`) is not."""
    from blastwall.analyze.sql.where import container_column

    for c in _conjuncts(where):
        if _name(c) != "A_Expr" or int(c.kind) not in (0, 6) or c.lexpr is None or c.rexpr is None:
            continue
        if ".".join(getattr(s, "sval", "") for s in c.name or ()) != "=":
            continue
        for col, other in ((c.lexpr, c.rexpr), (c.rexpr, c.lexpr)):
            name = _column(col, aliases)
            values = [_text(v) for v in other] if isinstance(other, (list, tuple)) else [_text(other)]
            if name and container_column(name, aliases) and values and \
                    all(v is not None and _named_short_lived(v) for v in values):
                return True
    return False


# ---- TimescaleDB's retention ---------------------------------------------------------------------

# drop_chunks' arguments that only choose which old chunks go (2.x and 1.x names); any other
# (`cascade`, `cascade_to_materializations`) reaches more than the hypertable's old rows.
_CHUNK_ARGS = frozenset({"relation", "table_name", "schema_name", "older_than", "newer_than", "created_before",
                         "created_after", "verbose"})


def expired_chunks(node: Any) -> str | None:
    """The hypertable whose old chunks `drop_chunks(...)` drops, when it is short-lived by name and
    every chunk dropped is older than a positive age: `drop_chunks('metrics', older_than =>
    INTERVAL '90 days')`, `drop_chunks('metrics', now() - interval '90 days')`. None otherwise
    (no age, `older_than => now()`, an integer time, a table kept on purpose, `cascade`)."""
    table, past = "", False
    positional = [a for a in node.args or () if _name(a) != "NamedArgExpr"]
    if len(positional) > 2:
        return None
    for arg in node.args or ():
        name = str(arg.name).lower() if _name(arg) == "NamedArgExpr" else ""
        value = arg.arg if name else arg
        if name and name not in _CHUNK_ARGS:
            return None
        if name in ("", "older_than", "created_before") and _aged(value):
            past = True
        elif name in ("", "relation", "table_name") and _relation(value):
            table = _relation(value)
        elif name in ("", "older_than", "created_before"):
            return None  # no age, now, the future, or an integer time blastwall cannot place
    return table if past and table and short_lived(table) else None


def _relation(node: Any) -> str:
    while _name(node) == "TypeCast":
        node = node.arg
    return _text(node) or ""


def _aged(node: Any) -> bool:
    """An age (`INTERVAL '90 days'`: older than now minus it) or a time before now; not a bare
    number (an integer-time hypertable's own unit)."""
    if _name(node) == "A_Const" and _text(node) is None:
        return False
    return _interval(node) == 1 or _offset(node) == -1


# ---- the WHERE ---------------------------------------------------------------------------------

def _name(n: Any) -> str:
    return type(n).__name__


_FOLDED = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _fold(name: str) -> str:
    """The name lower-cased with every character but a-z and 0-9 taken out (`[^a-z0-9]` removed)."""
    return "".join(filter(_FOLDED.__contains__, name.lower()))


def past_column(where: Any, aliases: frozenset[str]) -> str | None:
    """The column whose past the WHERE selects, when every row it reaches is in the past."""
    from blastwall.analyze.sql.where import nodes

    conjuncts = _conjuncts(where)
    found: str | None = None
    for c in conjuncts:
        col = _past(c, aliases) or _expired_parent(c)
        if col is not None:
            found = found or col
            continue
        if any(_name(n) in ("SubLink", "FuncCall", "A_Star", "CurrentOfExpr") for n in nodes(c)):
            return None  # a condition that may do more than narrow, or names rows blastwall cannot see
    return found


def _expired_parent(node: Any) -> str | None:
    """`cart_id IN (SELECT id FROM carts WHERE updated_at < now() - interval '60 days')`: the rows
    of expired parents in one short-lived table (`parent.column`), else None."""
    if _name(node) != "SubLink" or int(node.subLinkType) != 2:
        return None
    if ".".join(getattr(s, "sval", "") for s in node.operName or ()) not in ("", "="):
        return None
    sel = node.subselect
    if _name(sel) != "SelectStmt" or int(sel.op or 0) != 0 or sel.withClause is not None or sel.whereClause is None:
        return None
    if len(sel.fromClause or ()) != 1 or _name(sel.fromClause[0]) != "RangeVar":
        return None
    parent = sel.fromClause[0]
    names = frozenset(a.lower() for a in (parent.relname, getattr(parent.alias, "aliasname", None)) if a)
    if not (short_lived(parent.relname) or abandoned(parent.relname, sel.whereClause, names) or
            finished(parent.relname, sel.whereClause, names)):
        return None
    col = past_column(sel.whereClause, names)
    return f"{parent.relname}.{col}" if col else None


def child_of_expired(name: str, where: Any, aliases: frozenset[str]) -> bool:
    """A table of a parent's parts (`cart_items` of `carts`, `session_data` of `sessions`: its name
    starts with the parent's, singular) whose WHERE picks only the rows of expired parents (a conjunct
    `cart_id IN (SELECT id FROM carts WHERE <an expired cleanup of carts>)`): the parent's bound
    carries over. A table named for anything else (`orders` of expired carts) does not inherit it,
    nor one whose name keeps records."""
    from blastwall.analyze.verbs import tokens

    parts = _qualified(name)
    if not parts or any(_singular(p) in _words().table_keeps for p in tokens(parts[-1])):
        return False
    child = _fold(parts[-1])
    for c in _conjuncts(where):
        found = _expired_parent(c)
        parent = _singular(_fold(found.split(".", 1)[0])) if found else ""
        if parent and child.startswith(parent) and len(child) > len(parent):
            return True
    return False


def _conjuncts(node: Any) -> list[Any]:
    if _name(node) == "BoolExpr" and int(node.boolop) == 0:
        return [c for a in node.args for c in _conjuncts(a)]
    return [node]


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _past(node: Any, aliases: frozenset[str]) -> str | None:
    """`col < NOW-EXPR` (or `NOW-EXPR > col`) selecting only rows in the past: the column's name."""
    if _name(node) != "A_Expr" or int(node.kind) != 0 or node.lexpr is None or node.rexpr is None:
        return None
    op = ".".join(getattr(s, "sval", "") for s in node.name or ())
    col, other, spelled = node.lexpr, node.rexpr, op
    if _column(col, aliases) is None:
        col, other, op = other, col, _FLIP.get(op, "")
    name = _column(col, aliases)
    if name is None:
        return _aged_by_difference(node, spelled, aliases)
    if op not in ("<", "<="):
        return None
    return name if past_by_name(name, _offset(other)) else None


def _aged_by_difference(node: Any, op: str, aliases: frozenset[str]) -> str | None:
    """`NOW - T(col) > AGE` (or `AGE < NOW - T(col)`): the column of rows older than a positive age,
    where T is the column itself or a function reading it as a time (`julianday(created_at)`,
    `unixepoch(created_at)`, `strftime('%s', created_at)`: `[expired] time_of_functions`)."""
    diff, age = (node.lexpr, node.rexpr) if op in (">", ">=") else (node.rexpr, node.lexpr)
    if op not in ("<", "<=", ">", ">=") or _name(diff) != "A_Expr" or int(diff.kind) != 0 or diff.lexpr is None:
        return None
    if ".".join(getattr(s, "sval", "") for s in diff.name or ()) != "-" or _offset(diff.lexpr) != 0:
        return None
    name = _column(_time_of(diff.rexpr), aliases)
    return name if name is not None and _interval(age) == 1 and past_by_name(name, -1) else None


def _time_of(node: Any) -> Any:
    """The column a time function reads (`julianday(created_at)` -> created_at), else the node."""
    if _name(node) != "FuncCall" or not node.funcname:
        return node
    fn = str(getattr(node.funcname[-1], "sval", "")).lower()
    at = table()["expired"]["time_of_functions"].get(fn)
    args = list(node.args or ())
    if at is None or len(args) <= at or any(_name(a) == "ColumnRef" for i, a in enumerate(args) if i != at):
        return node
    return args[at]


def past_by_name(column: str, offset: Offset) -> bool:
    """Whether `column < a time at offset` selects only expired rows: an expiry column up to now,
    an age column (or one named for a time) only before now. One notion of "clearly expired" for
    SQL, MongoDB filters, PostgREST filters and Elasticsearch ranges."""
    if offset is None:
        return False
    w = _words()
    folded = _fold(column)
    if w.expiry.match(folded) and offset <= 0:
        return True
    return bool((w.age.match(folded) or _time_named(column)) and offset < 0)


_ISO_DATE = rx.compile(r"\s*(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]+)?(?:Z|[+-]\d{2}:?\d{2})?\s*")


def literal_time(text: str) -> Offset:
    """A time written as a literal: an ISO date (`2024-01-01`, `2024-01-01T00:00:00Z`) before today
    is in the past (-1), a later one in the future (1); anything else None."""
    import datetime as dt

    m = _ISO_DATE.fullmatch(text)
    if m is None:
        return None
    try:
        day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    return -1 if day < dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1) else 1


def _time_named(name: str) -> bool:
    """A column whose name ends in a time word (`hit_at`, `HitAt`, `seen_on`, `last_ping_time`,
    `timestamp`): read like an age column, so only rows older than a positive interval count."""
    parts = [p.lower() for p in rx.findall(r"[A-Z]?[a-z]+|[A-Z]+|[0-9]+", name)]
    return bool(parts) and parts[-1] in _words().suffix_words


def _column(node: Any, aliases: frozenset[str]) -> str | None:
    while _name(node) in ("TypeCast", "CollateClause"):
        node = node.arg
    if _name(node) != "ColumnRef":
        return None
    parts = [getattr(f, "sval", None) for f in node.fields]
    if any(p is None for p in parts) or len(parts) > 2:
        return None
    if len(parts) == 2 and parts[0].lower() not in aliases:
        return None
    name = str(parts[-1])
    return None if len(parts) == 1 and name.lower() in _words().now_words else name


def _offset(node: Any) -> Offset:
    """Where a time expression lies from now (-1 past, 0 now, 1 future), None when it is not one."""
    kind = _name(node)
    if kind == "TypeCast":
        if _cast_to_time(node) and (_text(node.arg) or "").strip().lower() in _words().now_texts:
            return 0  # 'now'::timestamp, CAST('now' AS TIMESTAMP)
        return _offset(node.arg) if _cast_to_time(node) or _cast_to_number(node) else None
    if kind == "SQLValueFunction":
        op = node.op.name
        return 0 if any(k in op for k in ("CURRENT_TIMESTAMP", "LOCALTIMESTAMP", "CURRENT_DATE", "LOCALTIME")) else None
    if kind == "ColumnRef":
        parts = [str(getattr(f, "sval", "")) for f in node.fields]
        return 0 if len(parts) == 1 and parts[0].lower() in _words().now_words else None
    if kind == "FuncCall":
        return _now_call(node)
    if kind == "A_Const" and _text(node) is not None:
        return literal_time(_text(node) or "")
    if kind == "A_Expr" and int(node.kind) == 0 and node.lexpr is not None:
        op = ".".join(getattr(s, "sval", "") for s in node.name or ())
        if op == "-":
            return _minus(_offset(node.lexpr), _interval(node.rexpr))
        if op == "+":
            left, right = _offset(node.lexpr), _offset(node.rexpr)
            if left is not None and right is None:
                return _plus(left, _interval(node.rexpr))
            if right is not None and left is None:
                return _plus(right, _interval(node.lexpr))
    return None


def _cast_to_time(node: Any) -> bool:
    names = [str(getattr(n, "sval", "")).lower() for n in node.typeName.names or ()]
    return bool(names) and names[-1] in ("timestamp", "timestamptz", "date", "datetime", "datetime2", "datetimeoffset")


def _cast_to_number(node: Any) -> bool:
    """A cast of a time to a number: the epoch seconds `strftime('%s', 'now')` spells as text."""
    names = [str(getattr(n, "sval", "")).lower() for n in node.typeName.names or ()]
    return bool(names) and names[-1] in ("int", "int4", "int8", "integer", "bigint", "numeric", "real", "float8")


def _plus(time: Offset, shift: Offset) -> Offset:
    if time is None or shift is None:
        return None
    if time == 0 or time == shift:
        return shift if time == 0 else time
    return time if shift == 0 else None


def _minus(time: Offset, shift: Offset) -> Offset:
    return _plus(time, None if shift is None else -shift)


def _now_call(node: Any) -> Offset:
    w = _words()
    name = str(getattr(node.funcname[-1], "sval", "")).lower() if node.funcname else ""
    args = list(node.args or ())
    if name in w.now_functions and not args:
        return 0
    if name == "timezone" and len(args) == 2 and _text(args[0]) is not None:
        return _offset(args[1])
    if name in w.shift_functions and len(args) == 3 and _unit(args[0]):  # DATEADD(day, -7, GETDATE())
        return _plus(_offset(args[2]), _interval(args[1]))
    if name in w.unit_sub_functions and len(args) == 3 and _unit(args[0]):  # date_sub(DAY, 7, now())
        return _minus(_offset(args[2]), _interval(args[1]))
    if name in w.add_functions and len(args) == 2:  # ADD_MONTHS(SYSDATE, -6)
        return _plus(_offset(args[0]), _interval(args[1]))
    if name in w.sub_functions and len(args) == 2:  # subtractDays(now(), 30)
        return _minus(_offset(args[0]), _interval(args[1]))
    if name in w.sqlite_now and args and (_text(args[0]) or "").lower() == "now":
        return _modified(args[1:])
    if name in w.format_functions:  # strftime('%s', 'now', '-1 day'), to_char(now(), 'YYYY-MM-DD')
        at, fmt = w.format_functions[name]
        if len(args) <= max(at, fmt) or not w.sortable_format.fullmatch(_text(args[fmt]) or ""):
            return None
        rest = args[at + 1:] if at > fmt else []
        if (_text(args[at]) or "").lower() == "now":
            return _modified(rest)
        return _offset(args[at]) if not rest else None
    if name in w.epoch_functions and len(args) == 2 and (_text(args[0]) or "").lower() == "epoch":
        return _offset(args[1])  # extract(epoch FROM now()), date_part('epoch', now())
    return None


def _modified(modifiers: list[Any]) -> Offset:
    """SQLite's 'now' shifted by its modifiers (`'-7 days'`, `'start of day'` is not read): each a signed interval."""
    total: Offset = 0
    for modifier in modifiers:
        total = _plus(total, _interval_text(_text(modifier)))
    return total


def _unit(node: Any) -> bool:
    """A time unit as DATEADD and TIMESTAMPADD name it: a bare word or a string."""
    word = _text(node)
    if word is None and _name(node) == "ColumnRef" and len(node.fields) == 1:
        word = str(getattr(node.fields[0], "sval", ""))
    return bool(word) and _words().interval.fullmatch(f"1 {word}") is not None


def _text(node: Any) -> str | None:
    if _name(node) == "A_Const" and not node.isnull and hasattr(node.val, "sval"):
        return str(node.val.sval)
    return None


def _interval(node: Any) -> Offset:
    """The sign of an interval: `interval '30 days'`, `'1 hour'::interval`, `interval '7' day`,
    `make_interval(days => 3)`, a number of days (`SYSDATE - 7`)."""
    kind = _name(node)
    if kind == "TypeCast":
        names = [str(getattr(n, "sval", "")).lower() for n in node.typeName.names or ()]
        if names and names[-1] == "interval":
            return _interval_text(_text(node.arg))
        return None
    if kind == "A_Const" and not node.isnull:
        value = getattr(node.val, "ival", getattr(node.val, "fval", None))
        try:
            number = float(value) if value is not None else None
        except ValueError:
            return None
        return None if number is None else (number > 0) - (number < 0)
    if kind == "FuncCall" and len(node.args or ()) == 1 and \
            str(getattr(node.funcname[-1], "sval", "")).lower() in _words().interval_functions:
        return _interval(node.args[0])  # toIntervalDay(30)
    if kind == "FuncCall" and node.funcname and str(getattr(node.funcname[-1], "sval", "")).lower() == "make_interval":
        signs = {_interval(getattr(a, "arg", a)) for a in node.args or ()}
        return signs.pop() if len(signs) == 1 else (1 if signs == {0, 1} else None)
    return None


def _interval_text(text: str | None) -> Offset:
    """'30 days' -> 1, '-7 days' -> -1, '7 days ago' -> -1, '0' -> 0, '1 day -25 hours' -> None."""
    if text is None:
        return None
    body = text.strip().lower()
    ago = body.endswith(" ago")
    body = body.removesuffix(" ago").strip()
    if rx.fullmatch(r"\d+:\d{2}(:\d{2}(\.\d+)?)?", body):
        sign = 0 if set(body) <= set("0:.") else 1
        return -sign if ago else sign
    pattern = _words().interval
    signs: set[int] = set()
    pos = 0
    while pos < len(body):
        m = pattern.match(body, pos)
        if m is None or m.end() == pos:
            return None
        number = float(m.group(2))
        if number:
            signs.add(-1 if m.group(1) == "-" else 1)
        pos = m.end()
    if not body or len(signs) > 1:
        return None
    sign = signs.pop() if signs else 0
    return -sign if ago else sign
