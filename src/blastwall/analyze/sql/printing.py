"""A pglast node printed back as SQL by pglast's own printer, without its per-call set-up.

`RawStream()(node)` first marks every node below with its ancestry (`visitors.populate_ancestors`,
which defines a visitor class and inspects its methods on every call: about half the cost of
printing a short WHERE), then prints. `sql_text(node)` marks the same ancestry with a plain loop
in the same order and prints with the same printer, so the text is the same
(tests/test_sql_gates.py holds the two equal).
"""

from __future__ import annotations

from collections import deque
from typing import Any


def sql_text(node: Any) -> str:
    """What `pglast.stream.RawStream()(node)` returns for one node."""
    from pglast import ast
    from pglast.stream import RawStream

    if isinstance(node, ast.RawStmt) and node.stmt is None:
        return ""
    mark_ancestors(node)
    stream = RawStream()
    stream.print_node(node)
    return stream.getvalue()


def mark_ancestors(node: Any) -> None:
    """`visitors.populate_ancestors((node,))`: each node below gets the `Ancestor` chain that
    pglast's breadth-first visitor gives it (a tuple's items are chained by their index, a node's
    attributes by their name; a node reached through an attribute shares its parent's link)."""
    from pglast import ast
    from pglast.visitors import Ancestor

    from blastwall.analyze.sql.slots import node_slots

    todo: deque[tuple[Any, Any]] = deque([(Ancestor(), (node,))])
    while todo:
        ancestors, item = todo.popleft()
        if isinstance(item, tuple):
            for index, sub in enumerate(item):
                chain = Ancestor(ancestors, item, index)
                if isinstance(sub, ast.Node):
                    _mark(sub, chain, todo, node_slots)
                elif isinstance(sub, tuple):
                    for sub_index, value in enumerate(sub):
                        if isinstance(value, (tuple, ast.Node)):
                            todo.append((Ancestor(chain, sub, sub_index), value))
        elif isinstance(item, ast.Node):
            _mark(item, ancestors, todo, node_slots)


def _mark(node: Any, chain: Any, todo: deque[tuple[Any, Any]], node_slots: Any) -> None:
    from pglast import ast
    from pglast.visitors import Ancestor

    node.ancestors = chain
    for member in node_slots(type(node)):
        value = getattr(node, member)
        if isinstance(value, (tuple, ast.Node)):
            todo.append((Ancestor(chain, node, member), value))
