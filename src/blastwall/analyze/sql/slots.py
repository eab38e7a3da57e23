"""Which attributes of a pglast node class can hold nodes, so a walk over a tree skips the rest.

A pglast node has an attribute for every field of the server's parse node: most hold a number,
a flag, an enum or a name (`RangeVar` has seven, of which only `alias` can hold a node). pglast
checks every value it stores against the field's Python types (`__slots__[name].py_type`), so a
field whose types include no node class, list or tuple never holds a node, a list or a tuple:

    node_slots(ast.RangeVar)   -> ("alias",)
    node_slots(ast.DeleteStmt) -> ("relation", "usingClause", "whereClause", "returningClause", "withClause")

Read once per class and process (the classes are pglast's; they never change while it runs).
"""

from __future__ import annotations

from typing import Any

_SLOTS: dict[type, tuple[str, ...]] = {}


def node_slots(cls: type) -> tuple[str, ...]:
    """The attributes of `cls`, in their order, whose value may be a node, a list or a tuple."""
    found = _SLOTS.get(cls)
    if found is None:
        slots = cls.__slots__
        described = isinstance(slots, dict)
        found = _SLOTS[cls] = tuple(name for name in slots if not described or _may_hold_nodes(slots[name]))
    return found


def _may_hold_nodes(spec: Any) -> bool:
    """Whether a field's Python types admit a node, a list or a tuple (True when pglast does not
    describe the field as this expects: then the field is walked as before). A `dict` is what
    pglast turns into a node or an enum value as it stores it, never what it keeps."""
    from pglast import ast

    types = getattr(spec, "py_type", None)
    if types is None:
        return True
    for t in types if isinstance(types, tuple) else (types,):
        if not isinstance(t, type) or issubclass(t, (list, tuple, ast.Node)):
            return True
    return False
