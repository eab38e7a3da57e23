"""PostgreSQL scripts whose parse in JSON already decides, read without pglast's node objects.

pglast builds a Python object for every node of a statement (17-120 us a statement), where
libpg_query's JSON of the same parse takes 2-6 us. A script qualifies when every statement is a
kind `pg.statements` never takes a hit from (a kind `[pg.statements] harmless` lists: a SELECT,
SHOW, CREATE TABLE or INDEX, VACUUM, ..., or a transaction statement) and no node anywhere in it
is one a handler reads (`pg.HANDLERS`: a data-modifying statement in a WITH, ...), but for
function calls whose name alone says the handler finds nothing (`count`, `now`: `pg.quiet_call`).
For such a script the node walk finds nothing, so its statements are only their text and
transaction roles, read here from the JSON. Any other script (or one the JSON reader refuses) is
None: `pg.statements` reads it with the node objects as always. `tests/test_sql_pg_plain.py`
holds the two readings equal over the SQL of every corpus and generated scripts.

Node kinds appear in the JSON as object keys (`{"FuncCall": {...}}`) wherever a field may hold
any node (the agent's text is only ever a JSON string value, so `"FuncCall":` is never its own);
a field typed for one node kind (`"relation": {...}`, `CallStmt`'s `"funccall": {...}`) omits the
key. So the kinds that can hold a handled kind in such fields, directly or through other typed
fields (`hidden_holders`: `CALL`, `ALTER ROLE ... SET`, `ALTER DEFAULT PRIVILEGES ... GRANT`),
read from pglast's own field types, count as handled themselves.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from blastwall import rx

TX_KIND = "TransactionStmt"
# Worth trying only for a script that starts as such a statement does (a gate on the cost only:
# the JSON decides; most scripts that start otherwise hold a statement a handler reads)
_MAY_BE_PLAIN = rx.compile(r"\s*(?:select|show|begin|start|commit|end|rollback|abort|savepoint|release|"
                           r"values|table|with|\(|vacuum|analy[sz]e|reindex|cluster|refresh|checkpoint|comment|"
                           r"listen|notify|unlisten|lock|declare|fetch|close|deallocate|"
                           r"create\s+(?:unique\s+)?index|create\s+(?:(?:global|local)\s+)?(?:temp\s+|temporary\s+|"
                           r"unlogged\s+)?table|create\s+(?:schema|sequence|extension|type|domain|materialized))\b", rx.I)
_NEEDLES: dict[frozenset[str], rx.Pattern | None] = {}  # `"Kind":`, the JSON key of any handled kind, in one pattern


CALL = "FuncCall"


def read(text: str, handled: frozenset[str], harmless: Callable[[], frozenset[str]],
         quiet_call: Callable[[list[str]], bool] = lambda _: False) -> list[tuple[str, str, str]] | None:
    """(statement text, transaction kind, savepoint name) of each statement, or None when the
    script holds a node in `handled` (a function call only when `quiet_call` says its name takes no
    hit whatever its arguments) or a statement of another kind, is not ASCII (pglast counts
    its offsets in characters) or does not parse here."""
    from pglast.parser import parse_sql_json

    if not text.isascii() or not _MAY_BE_PLAIN.match(text):  # pglast counts offsets in characters
        return None
    try:
        raw = parse_sql_json(text)
    except Exception:  # noqa: BLE001 - any refusal: the node reading decides (and reports it)
        return None
    if handles_any(raw, handled):
        return None
    parsed = json.loads(raw)
    if CALL in handled and f'"{CALL}":' in raw and not all(quiet_call(name) for name in _call_names(parsed)):
        return None
    stmts = parsed.get("stmts", [])
    listed = harmless()
    data = text.encode("ascii")
    out = []
    for rs in stmts:
        ((kind, node),) = rs["stmt"].items()
        if kind == TX_KIND:
            tx, savepoint = str(node.get("kind", "")), str(node.get("savepoint_name") or "")
        elif kind in listed:
            tx, savepoint = "", ""
        else:
            return None
        start = rs.get("stmt_location") or 0
        length = rs.get("stmt_len") or 0
        end = start + length if length else len(data)
        out.append((data[start:end].decode("ascii").strip(), tx, savepoint))
    return out


def handles_any(raw: str, handled: frozenset[str]) -> bool:
    """Whether the JSON holds a node of a handled kind other than a function call: the key
    `"Kind":` of any of them, found in one pass (one pattern per set of kinds, built once)."""
    if handled not in _NEEDLES:
        kinds = sorted((handled - {CALL}) | hidden_holders(handled))
        _NEEDLES[handled] = rx.compile(f'"(?:{"|".join(rx.escape(k) for k in kinds)})":') if kinds else None
    needles = _NEEDLES[handled]
    return needles is not None and needles.search(raw) is not None


# A `ValUnion` (A_Const's value) is written without its kind: it is one of these.
_VALUE_KINDS = frozenset({"Integer", "Float", "Boolean", "String", "BitString"})
# Fields that may hold any node: the JSON writes each node with its kind as the key.
_KEYED = frozenset({"Node*", "Expr*", "List*"})
# Field types that hold no node (numbers, names, sets of numbers).
_NO_NODES = frozenset({"char*", "Bitmapset*", "AclMode", "AttrNumber", "Index", "ParseLoc", "RelFileNumber",
                       "SubTransactionId", "Cardinality", "Cost", "Oid"})


def _enum(c_type: str) -> bool:
    from pglast import enums

    return hasattr(enums, c_type)


def hidden_holders(handled: frozenset[str]) -> frozenset[str]:
    """The node kinds that can hold a kind of `handled` (a function call included) in a field typed
    for one node kind, directly or through more such fields: the JSON writes no key for what such a
    field holds. Read from pglast's field types (`__slots__[name].c_type`); a field whose type
    this does not know makes its kind a holder of anything."""
    from pglast import ast

    classes = {name: c for name, c in vars(ast).items()
               if isinstance(c, type) and issubclass(c, ast.Node) and isinstance(c.__slots__, dict)}
    typed: dict[str, set[str]] = {}
    for name, cls in classes.items():
        inner = typed[name] = set()
        for spec in cls.__slots__.values():
            c_type = str(getattr(spec, "c_type", ""))
            if c_type in _KEYED:
                continue  # written with its kind as the key
            if c_type.endswith("*"):
                if c_type[:-1] in classes:
                    inner.add(c_type[:-1])  # `RangeVar*`, `FuncCall*`: one kind, no key
                elif c_type not in _NO_NODES:
                    inner.add("*")  # a pointer to a type this does not know: it may hold anything
            elif c_type in classes:
                inner.add(c_type)  # a node held by value (`CreateForeignTableStmt.base`)
            elif c_type == "ValUnion":
                inner.update(_VALUE_KINDS)
            elif c_type[:1].isupper() and c_type not in _NO_NODES and not _enum(c_type):
                inner.add("*")
    wanted = handled | {CALL, "*"}
    holders = set()
    for name in typed:
        seen, todo = set(), [name]
        while todo:
            for inner in typed.get(todo.pop(), ()):
                if inner not in seen:
                    seen.add(inner)
                    todo.append(inner)
        if seen & wanted:
            holders.add(name)
    return frozenset(holders)


def _call_names(tree: object) -> list[list[str]]:
    """The name parts of every function call in the JSON tree; a name part that is not a plain
    string gives an empty name (which no `quiet_call` passes)."""
    names: list[list[str]] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            call = node.get(CALL)
            if isinstance(call, dict):
                parts = [p.get("String", {}).get("sval") if isinstance(p, dict) else None
                         for p in call.get("funcname") or ()]
                names.append([p for p in parts if isinstance(p, str)] if all(isinstance(p, str) for p in parts) else [])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return names
