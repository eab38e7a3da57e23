"""How many rows a PostgreSQL WHERE clause reaches: a key, an unknown number, or all of them.

Selective means a key-like column (`id`, `uuid`, `email`, `slug`, `user_id`: `[settings] key_words`)
pinned to constants the statement names: `key = const`, `key IN (consts)`, `key = ANY(...)`, a
parameter; `WHERE CURRENT OF`; or a subquery that is itself selective. Pinning any other column
(`status IN ('published','draft')`, `type = 'x'`, `is_active = false`) picks a category that may hold
most of the table; ranges, inequalities, pattern matches and NULL tests reach an unknown number of
rows too; tautologies (`1 = 1`, `true`, `id = id`, `x OR true`) reach all of them.
"""

from __future__ import annotations

import functools
from enum import IntEnum
from typing import Any


class Reach(IntEnum):
    SELECTIVE = 0
    BROAD = 1
    ALL = 2


def nodes(node: Any) -> Any:
    """Every pglast node below (and including) node, depth first (looking only into the
    attributes that can hold nodes: `analyze/sql/slots.py`)."""
    from pglast import ast

    from blastwall.analyze.sql.slots import node_slots

    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, (list, tuple)):
            stack.extend(n)
        elif isinstance(n, ast.Node):
            yield n
            for slot in node_slots(type(n)):
                v = getattr(n, slot, None)
                if isinstance(v, (ast.Node, list, tuple)):
                    stack.append(v)


def first_statement(text: str) -> Any:
    """The first statement of text, as pglast parses it."""
    from pglast import parse_sql

    return parse_sql(text)[0].stmt


def _name(n: Any) -> str:
    return type(n).__name__


def is_const(node: Any) -> bool:
    """No column, subquery or volatile reference: a value the statement itself names."""
    return all(_name(n) not in ("ColumnRef", "SubLink", "A_Star") for n in nodes(node))


def _column(node: Any) -> tuple[str, ...] | None:
    while _name(node) in ("TypeCast", "CollateClause"):
        node = node.arg
    if _name(node) != "ColumnRef":
        return None
    return tuple(getattr(f, "sval", "*") for f in node.fields)


def names_target(node: Any, aliases: frozenset[str]) -> bool:
    """Whether the WHERE of an UPDATE ... FROM or DELETE ... USING names a column of its target (one
    qualified by the target's name or alias, or unqualified). A WHERE that names only the joined
    tables (`UPDATE products p ... FROM staging s WHERE s.sku = 'x'`) ties no target row to them:
    every row of the target is reached."""
    low = frozenset(a.lower() for a in aliases)
    for n in nodes(node):
        name = _column(n) if _name(n) == "ColumnRef" else None
        if name is not None and (len(name) < 2 or name[-2].lower() in low):
            return True
    return False


def _same_column(a: tuple[str, ...], b: tuple[str, ...], aliases: frozenset[str]) -> bool:
    if a[-1] != b[-1]:
        return False
    qa, qb = a[:-1], b[:-1]
    if qa and qb:
        return qa == qb
    return all(not q or q[-1] in aliases for q in (qa, qb))


def _op(node: Any) -> str:
    return ".".join(getattr(s, "sval", "") for s in (node.name or ()))


def _const_value(node: Any) -> Any:
    """A Python value for a simple constant (to compare `'a' = 'a'`), else a sentinel."""
    while _name(node) == "TypeCast":
        node = node.arg
    if _name(node) != "A_Const" or node.isnull:
        return _UNKNOWN
    val = node.val
    for attr in ("ival", "fval", "sval", "boolval", "bsval"):
        if hasattr(val, attr):
            return getattr(val, attr)
    return _UNKNOWN


_UNKNOWN = object()


def truth(node: Any, aliases: frozenset[str]) -> bool | None:
    """True/False when the predicate is constant for every row, else None."""
    kind = _name(node)
    if kind == "TypeCast":
        return truth(node.arg, aliases)
    if kind == "A_Const":
        v = _const_value(node)
        if isinstance(v, bool):
            return v
        if isinstance(v, int):
            return v != 0
        if isinstance(v, str) and v.lower() in ("t", "true", "yes", "on", "1", "y"):
            return True
        return False if isinstance(v, str) else None
    if kind == "BoolExpr":
        parts = [truth(a, aliases) for a in node.args]
        op = int(node.boolop)
        if op == 0:  # AND
            return False if False in parts else (True if all(p is True for p in parts) else None)
        if op == 1:  # OR
            return True if True in parts else (False if all(p is False for p in parts) else None)
        return None if parts[0] is None else not parts[0]
    if kind == "NullTest" and is_const(node.arg):
        isnull = _const_value(node.arg) is None
        return isnull if int(node.nulltesttype) == 0 else not isnull
    if kind == "A_Expr" and int(node.kind) == 0 and node.lexpr is not None:
        return _compare_truth(node, aliases)
    return None


def _compare_truth(node: Any, aliases: frozenset[str]) -> bool | None:
    op = _op(node)
    la, ra = _column(node.lexpr), _column(node.rexpr)
    if la and ra and _same_column(la, ra, aliases):
        return {"=": True, ">=": True, "<=": True, "<>": False, "!=": False, "<": False, ">": False}.get(op)
    if is_const(node.lexpr) and is_const(node.rexpr):
        lv, rv = _const_value(node.lexpr), _const_value(node.rexpr)
        if lv is _UNKNOWN or rv is _UNKNOWN:
            return None
        try:
            return {"=": lv == rv, "<>": lv != rv, "!=": lv != rv, "<": lv < rv, ">": lv > rv,
                    "<=": lv <= rv, ">=": lv >= rv}.get(op)
        except TypeError:
            return None
    return None


def reach(node: Any, aliases: frozenset[str], ctes: dict[str, Any]) -> Reach:
    """How many rows the predicate reaches."""
    t = truth(node, aliases)
    if t is not None:
        return Reach.ALL if t else Reach.SELECTIVE
    kind = _name(node)
    if kind == "BoolExpr":
        parts = [reach(a, aliases, ctes) for a in node.args]
        op = int(node.boolop)
        if op == 0:
            return min(parts)
        if op == 1:
            return max(parts)
        return Reach.BROAD
    if kind == "A_Expr":
        return _expr_reach(node, aliases)
    if kind == "SubLink":
        return _sublink_reach(node, aliases, ctes)
    if kind == "CurrentOfExpr":
        return Reach.SELECTIVE
    return Reach.BROAD


_PINNING = (0, 1, 4, 6)  # AEXPR_OP, AEXPR_OP_ANY, AEXPR_NOT_DISTINCT, AEXPR_IN: `=` pins a column


def _expr_reach(node: Any, aliases: frozenset[str]) -> Reach:
    kind, op = int(node.kind), _op(node)
    if kind == _LIKE and op == "~~" and _test_addresses(node):
        return Reach.SELECTIVE
    if op != "=" or node.lexpr is None:
        return Reach.BROAD
    if kind not in _PINNING:
        return Reach.BROAD
    sides = (node.lexpr, node.rexpr)
    for col, other in (sides, sides[::-1]):
        name = _column(col)
        if name is not None and other is not None and is_const(other):
            return Reach.SELECTIVE if key_like(name[-1]) and not _container(name[-1], aliases) else Reach.BROAD
    return Reach.BROAD


_LIKE = 7  # AEXPR_LIKE (case-sensitive: ILIKE also matches `@EXAMPLE.TEST`, still only test domains)


def _test_addresses(node: Any) -> bool:
    """`email LIKE '%@example.test'`: every address the pattern matches is at a domain reserved for
    tests (RFC 2606, RFC 6761: `[settings] test_domains`), which no real user can hold. The text
    after the pattern's last wildcard must start at `@` or `.` and end with the reserved name."""
    name = _column(node.lexpr)
    pattern = _const_value(node.rexpr)
    if name is None or not isinstance(pattern, str) or "email" not in name[-1].lower():
        return False
    from blastwall.analyze.sql.rules import setting

    if "\\" in pattern:
        return False  # an escaped wildcard: read no further
    low = pattern.lower()
    tail = low[max(low.rfind("%"), low.rfind("_")) + 1:]
    if not tail.startswith(("@", ".")):
        return False
    return any(tail == f"@{d}" or tail.endswith(f".{d}") or tail == f".{d}" for d in setting("test_domains"))


def key_like(column: str) -> bool:
    """A column that names one row (`[settings] key_words`): its last word is a key word (`id`,
    `order_number`, `userId`, `email`), no word of it names a category (`status_code`, `type_id`:
    `category_words`), or a name folded to one word ends in one (`customerid`, not `paid`)."""
    from blastwall.analyze.verbs import tokens

    category, keys, not_keys, endings = _key_settings()
    words = [w for w in tokens(column) if not w.isdigit()]
    if not words or not category.isdisjoint(words):
        return False
    last = words[-1]
    if last in keys:
        return True
    if len(words) > 1 or last in not_keys:
        return False
    return any(last.endswith(end) and len(last) >= len(end) + 3 for end in endings)


@functools.cache
def _key_settings() -> tuple[frozenset[str], frozenset[str], frozenset[str], tuple[str, ...]]:
    """`key_like`'s words from `[settings]`, read once per process."""
    from blastwall.analyze.sql.rules import setting

    return (frozenset(setting("category_words")), frozenset(setting("key_words")),
            frozenset(setting("not_key_words")), tuple(setting("key_endings")))


def _container(column: str, aliases: frozenset[str]) -> bool:
    """A column naming the container a row belongs to (`bucket_id`, `tenant_id`, `workspaceId`,
    `queue_name`: `[settings] container_keys`): pinning it reaches every row of that bucket, tenant
    or queue, an unknown number, unless the table is that container itself: named by the word alone
    or its plural (`DELETE FROM buckets WHERE bucket_id = 7`, `app.tenants`, `queue`). A table named
    for what it holds (`message_queue`, `job_queue`: messages, jobs) is not the container."""
    from blastwall import rx
    from blastwall.analyze.sql.rules import setting

    words = "|".join(setting("container_keys"))
    found = rx.fullmatch(rf"(?:[a-z0-9]*_)?({words})_?(?:id|uuid|name|key|slug)?", column.lower())
    if found is None:
        return False
    word = found.group(1)
    return not any(_names_container(a, word) for a in aliases)


def container_column(column: str, aliases: frozenset[str]) -> bool:
    """`_container` for other readers: a column naming the container a row belongs to."""
    return _container(column, aliases)


def _names_container(table: str, word: str) -> bool:
    from blastwall import rx

    last = table.lower().rsplit(".", 1)[-1].strip('"`[]')
    return last == word or bool(rx.search(rf"{word}e?s$", last))


def _sublink_reach(node: Any, aliases: frozenset[str], ctes: dict[str, Any]) -> Reach:
    link = int(node.subLinkType)
    op = ".".join(getattr(s, "sval", "") for s in (node.operName or ()))
    if link == 0 and not _correlated(node.subselect, aliases):  # EXISTS: the same answer for every row
        return Reach.ALL
    if link == 0 or (link == 2 and op in ("", "=")):  # EXISTS, IN / = ANY
        return select_reach(node.subselect, ctes)
    return Reach.BROAD


def _correlated(sel: Any, aliases: frozenset[str]) -> bool:
    """Whether a subquery names a column of the outer statement's target: one qualified by the
    target's name or alias, or an unqualified one in a subquery that reads no table of its own.
    `EXISTS (SELECT 1 FROM orders WHERE id = 5)` names none: it is true for every row or for none."""
    low = frozenset(a.lower() for a in aliases)
    has_from = any(_name(n) == "SelectStmt" and n.fromClause for n in nodes(sel))
    for n in nodes(sel):
        name = _column(n) if _name(n) == "ColumnRef" else None
        if name is None:
            continue
        if len(name) >= 2 and name[-2].lower() in low or len(name) < 2 and not has_from:
            return True
    return False


def select_reach(sel: Any, ctes: dict[str, Any], depth: int = 0) -> Reach:
    """SELECTIVE when a subquery yields a bounded set of rows."""
    if sel is None or depth > 16 or _name(sel) != "SelectStmt":
        return Reach.BROAD
    local = dict(ctes)
    if sel.withClause is not None:
        local.update({c.ctename: c.ctequery for c in sel.withClause.ctes})
    if int(sel.op or 0) != 0:
        left, right = select_reach(sel.larg, local, depth + 1), select_reach(sel.rarg, local, depth + 1)
        return {1: max(left, right), 2: min(left, right), 3: left}.get(int(sel.op), Reach.BROAD)
    if sel.valuesLists or (sel.limitCount is not None and is_const(sel.limitCount)):
        return Reach.SELECTIVE
    if sel.whereClause is not None and reach(sel.whereClause, frozenset(), local) is Reach.SELECTIVE:
        return Reach.SELECTIVE
    if not sel.fromClause and sel.targetList and all(is_const(t) for t in sel.targetList):
        return Reach.SELECTIVE
    return min((_from_reach(f, local, depth) for f in sel.fromClause or ()), default=Reach.BROAD)


def _from_reach(item: Any, ctes: dict[str, Any], depth: int) -> Reach:
    kind = _name(item)
    if kind == "RangeVar" and not item.schemaname and item.relname in ctes:
        return select_reach(ctes[item.relname], {k: v for k, v in ctes.items() if k != item.relname}, depth + 1)
    if kind == "RangeSubselect":
        return select_reach(item.subquery, ctes, depth + 1)
    if kind == "JoinExpr":
        sides = [_from_reach(item.larg, ctes, depth), _from_reach(item.rarg, ctes, depth)]
        if item.quals is not None:
            sides.append(reach(item.quals, frozenset(), ctes))
        return min(sides)
    return Reach.BROAD
