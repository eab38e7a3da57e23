"""PostgreSQL scripts whose parse in JSON already decides, read without pglast's node objects.

pglast builds a Python object for every node of a statement (17-120 us a statement), where
libpg_query's JSON of the same parse takes 2-6 us. A script qualifies when every statement is a
kind `pg.statements` never takes a hit from (a SELECT or SHOW that `[pg.statements] harmless`
lists, or a transaction statement) and no node anywhere in it is one a handler reads
(`pg.HANDLERS`: a data-modifying statement in a WITH, ...), but for function calls whose name
alone says the handler finds nothing (`count`, `now`: `pg.quiet_call`). For such a script
the node walk finds nothing, so its statements are only their text and transaction roles, read
here from the JSON. Any other script (or one the JSON reader refuses) is None: `pg.statements`
reads it with the node objects as always. `tests/test_sql_pg_plain.py` holds the two readings
equal over the SQL of every corpus and generated scripts.

Node kinds appear in the JSON as object keys (`{"FuncCall": {...}}`) wherever a field may hold
any node (the agent's text is only ever a JSON string value, so `"FuncCall":` is never its own); a field typed for one node kind (`"intoClause": {...}`) omits the key, and none of the
handled kinds sits in such a field below a SELECT, SHOW or transaction statement.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from blastwall import rx

# the statement kinds this reader answers; the harmless ones must also be listed harmless
READ_KINDS = frozenset({"SelectStmt", "VariableShowStmt"})
TX_KIND = "TransactionStmt"
# Worth trying only for a script that starts as such a statement does (a gate on the cost only:
# the JSON decides; most scripts that start otherwise hold a statement a handler reads)
_MAY_BE_PLAIN = rx.compile(r"\s*(?:select|show|begin|start|commit|end|rollback|abort|savepoint|release|"
                           r"values|table|with|\()\b", rx.I)
_NEEDLES: dict[frozenset[str], tuple[str, ...]] = {}  # `"Kind":`, the JSON key of each handled kind


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
    needles = _NEEDLES.get(handled)
    if needles is None:
        needles = _NEEDLES[handled] = tuple(f'"{kind}":' for kind in sorted(handled - {CALL}))
    if any(needle in raw for needle in needles):
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
        elif kind in READ_KINDS and kind in listed:
            tx, savepoint = "", ""
        else:
            return None
        start = rs.get("stmt_location") or 0
        length = rs.get("stmt_len") or 0
        end = start + length if length else len(data)
        out.append((data[start:end].decode("ascii").strip(), tx, savepoint))
    return out


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
