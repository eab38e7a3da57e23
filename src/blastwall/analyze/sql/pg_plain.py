"""PostgreSQL scripts whose parse in JSON already decides, read without pglast's node objects.

pglast builds a Python object for every node of a statement (17-120 us a statement), where
libpg_query's JSON of the same parse takes 2-6 us. A script qualifies when every statement is a
kind `pg.statements` never takes a hit from (a SELECT or SHOW that `[pg.statements] harmless`
lists, or a transaction statement) and no node anywhere in it is one a handler reads
(`pg.HANDLERS`: a function call, a data-modifying statement in a WITH, ...). For such a script
the node walk finds nothing, so its statements are only their text and transaction roles, read
here from the JSON. Any other script (or one the JSON reader refuses) is None: `pg.statements`
reads it with the node objects as always. `tests/test_sql_pg_plain.py` holds the two readings
equal over the SQL of every corpus and generated scripts.

Node kinds appear in the JSON as object keys (`{"FuncCall": {...}}`) wherever a field may hold
any node; a field typed for one node kind (`"intoClause": {...}`) omits the key, and none of the
handled kinds sits in such a field below a SELECT, SHOW or transaction statement.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

# the statement kinds this reader answers; the harmless ones must also be listed harmless
READ_KINDS = frozenset({"SelectStmt", "VariableShowStmt"})
TX_KIND = "TransactionStmt"
_KEY = re.compile(r'"([A-Z][A-Za-z_]*)":')  # a node's kind: the only keys that start upper-case
# Worth trying only for a script that starts as such a statement does (a gate on the cost only:
# the JSON decides; most scripts that start otherwise hold a statement a handler reads)
_MAY_BE_PLAIN = re.compile(r"\s*(?:select|show|begin|start|commit|end|rollback|abort|savepoint|release|"
                           r"values|table|with|\()\b", re.IGNORECASE)


def read(text: str, handled: frozenset[str], harmless: Callable[[], frozenset[str]],
         ) -> list[tuple[str, str, str]] | None:
    """(statement text, transaction kind, savepoint name) of each statement, or None when the
    script holds a node in `handled` or a statement of another kind, is not ASCII (pglast counts
    its offsets in characters) or does not parse here."""
    from pglast.parser import parse_sql_json

    if not text.isascii() or not _MAY_BE_PLAIN.match(text):  # pglast counts offsets in characters
        return None
    try:
        raw = parse_sql_json(text)
    except Exception:  # noqa: BLE001 - any refusal: the node reading decides (and reports it)
        return None
    if not handled.isdisjoint(_KEY.findall(raw)):
        return None
    stmts = json.loads(raw).get("stmts", [])
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
