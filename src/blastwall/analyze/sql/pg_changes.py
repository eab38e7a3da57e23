"""PostgreSQL statements that overwrite or move data without a DROP or DELETE, and what the
script itself made (closed by default: a statement kind not classified here or in `pg.py` asks).

- overwriting upserts: `INSERT ... SELECT ... ON CONFLICT ... DO UPDATE` (a VALUES list names the
  rows it changes, like an UPDATE by key, and is not one);
- renames and schema moves that take a table or view away from the name its users know;
- `CREATE OR REPLACE` of a view, function, trigger, rule or aggregate (the old one is lost);
- `ALTER SEQUENCE ... RESTART`, `EXECUTE` of a statement the script does not show, `CALL` of a
  procedure whose name says it destroys (the verb model, `analyze/verbs.py`).

Scratch the script made is not data: objects in `pg_temp`, and temporary tables created earlier in
the same script (a temporary table hides a permanent one of the same name for the session).
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall.analyze.sql.rules import Hit, table


class Facts:
    """What the statements before this one created: temporary tables, tables, databases, prepared
    statements.

    A table or database the script created without IF NOT EXISTS is its own: the CREATE fails when
    the name is taken, so a later DROP of that name drops only what the script made. The name is
    forgotten once anything else may answer to it: after it is dropped or renamed, another object
    is renamed to it, the search_path changes, or a transaction rolls back. A client that goes on
    after a failed statement (`psql -f` without ON_ERROR_STOP) makes nothing its own (`made=False`):
    its CREATE may have failed over an existing object that the DROP then takes."""

    __slots__ = ("created", "databases", "made", "prepared", "roles", "temps")

    def __init__(self, made: bool = True) -> None:
        self.made = made
        self.temps: set[str] = set()
        self.created: set[str] = set()
        self.databases: set[str] = set()
        self.prepared: set[str] = set()
        self.roles: set[str] = set()  # CREATE ROLE fails when the name is taken: these are new

    def note(self, node: Any) -> None:
        """Record what a top-level statement creates, and forget a temporary table that is gone
        (dropped, renamed, moved, discarded) or may no longer be the one a bare name finds (a
        search_path that lists pg_temp later)."""
        kind = type(node).__name__
        rv = None
        if kind == "DropStmt":
            for obj in node.objects or ():
                parts = obj if isinstance(obj, (list, tuple)) else [obj]
                self.temps.discard(str(getattr(parts[-1], "sval", "")).lower() if parts else "")
                self.created.discard(".".join(str(getattr(p, "sval", "")) for p in parts))
                self.created.discard(_rel(obj) if type(obj).__name__ == "RangeVar" else "")
        elif kind == "DropdbStmt":
            self.databases.discard(str(node.dbname or ""))
        elif kind == "DropRoleStmt":
            self.roles.difference_update(str(getattr(r, "rolename", "") or "") for r in node.roles or ())
        elif kind in ("RenameStmt", "AlterObjectSchemaStmt"):
            if getattr(node, "relation", None) is not None:
                self.temps.discard(str(node.relation.relname or "").lower())
            self.created.clear()  # the made name may now find another object, or be gone
            self.roles.clear()
            self.databases.discard(str(getattr(node, "subname", "") or ""))
            self.databases.discard(str(getattr(node, "newname", "") or ""))
        elif kind == "DiscardStmt" or (kind == "VariableSetStmt" and str(node.name or "").lower() == "search_path"):
            self.temps.clear()
            self.created.clear()
        elif kind == "TransactionStmt" and "ROLLBACK" in node.kind.name:
            self.created.clear()
            self.databases.clear()
            self.roles.clear()
        elif kind == "CreatedbStmt" and node.dbname and self.made:
            self.databases.add(str(node.dbname))
        elif kind == "CreateRoleStmt" and node.role and self.made:
            self.roles.add(str(node.role))
        if kind == "CreateStmt" and getattr(getattr(node, "oncommit", None), "name", "") == "ONCOMMIT_DROP":
            return  # gone at the next COMMIT, after which the name finds the permanent table
        if kind == "CreateStmt":
            rv = node.relation
        elif kind == "CreateTableAsStmt" and node.into is not None:
            rv = node.into.rel
        elif kind == "ViewStmt":
            rv = node.view
        elif kind == "PrepareStmt" and node.name:
            self.prepared.add(node.name.lower())
        if rv is not None and rv.relname:
            name = rv.relname.lower()
            if getattr(rv, "relpersistence", "p") == "t" or _temp_schema(rv.schemaname or ""):
                self.temps.add(name)
            elif self.made and not getattr(node, "if_not_exists", False) and not getattr(node, "replace", False):
                self.created.add(_rel(rv))


def _temp_schema(schema: str) -> bool:
    s = schema.lower()
    return s == "pg_temp" or s.startswith("pg_temp_")


def is_scratch(name: str, facts: Facts | None) -> bool:
    """A relation of the session's temporary schema, or a temporary table this script made."""
    from blastwall.analyze.sql.pg import name_parts

    parts = [p.lower() for p in name_parts(name)]
    if not parts:
        return False
    if len(parts) >= 2 and _temp_schema(parts[-2]):
        return True
    return facts is not None and len(parts) == 1 and parts[0] in facts.temps


def all_scratch(names: list[str], facts: Facts | None) -> bool:
    return bool(names) and all(is_scratch(n, facts) for n in names)


def _rel(rv: Any) -> str:
    from blastwall.analyze.sql.pg import rel

    return rel(rv)


# ---- handlers (pg.HANDLERS registers them) -----------------------------------------------------

def insert(node: Any, ctx: Any) -> list[Hit]:
    """`INSERT ... SELECT ... ON CONFLICT DO UPDATE`: existing rows the query matches are overwritten."""
    from blastwall.analyze.sql import catalog

    written = catalog.hits("insert", _rel(node.relation), ctx.source)
    if written is not None:
        return written
    conflict = node.onConflictClause
    if conflict is None or conflict.action.name != "ONCONFLICT_UPDATE":
        return []
    target = _rel(node.relation)
    source = node.selectStmt
    if source is None or getattr(source, "valuesLists", None) or is_scratch(target, ctx.facts):
        return []  # DEFAULT VALUES / a VALUES list: the rows it names, by key
    return [Hit("upsert-overwrite", target, ctx.source, "SELECT ... ON CONFLICT DO UPDATE")]


_MOVED_AWAY = frozenset({"OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE", "OBJECT_SCHEMA",
                         "OBJECT_DATABASE"})


def rename(node: Any, ctx: Any) -> list[Hit]:
    """`ALTER TABLE t RENAME TO t_old`, `ALTER SCHEMA s RENAME`, `ALTER DATABASE d RENAME`."""
    kind = node.renameType.name
    if kind == "OBJECT_ROLE":  # clients log in by the old name
        return [Hit("role-lockout", str(node.subname or ""), ctx.source, f"renamed to {node.newname}")]
    if kind not in _MOVED_AWAY:
        return []
    name = _rel(node.relation) if node.relation is not None else str(node.subname or "")
    if not name and node.object is not None:
        name = str(getattr(node.object, "sval", "") or "")
    if _made_here(name, ctx.facts):
        return []
    return [Hit("rename-table", name, ctx.source, f" (to {node.newname})")]


def set_schema(node: Any, ctx: Any) -> list[Hit]:
    """`ALTER TABLE t SET SCHEMA archive` moves the table out of its users' search path."""
    if node.objectType.name not in _MOVED_AWAY or node.relation is None:
        return []
    name = _rel(node.relation)
    if _made_here(name, ctx.facts):
        return []
    return [Hit("rename-table", name, ctx.source, f" (to schema {node.newschema})")]


def _made_here(name: str, facts: Any) -> bool:
    return is_scratch(name, facts) or (facts is not None and name in facts.created)


def all_made_here(names: list[str], facts: Any) -> bool:
    """Every name is scratch or an object this script created (`Facts`)."""
    return bool(names) and all(_made_here(n, facts) for n in names)


_REPLACED = {"ViewStmt": "VIEW", "CreateTrigStmt": "TRIGGER", "RuleStmt": "RULE", "DefineStmt": "AGGREGATE",
             "CreateFunctionStmt": "FUNCTION", "CreateTransformStmt": "TRANSFORM", "CreatePLangStmt": "LANGUAGE"}


def replace_definition(node: Any, ctx: Any) -> list[Hit]:
    """`CREATE OR REPLACE VIEW/FUNCTION/TRIGGER/RULE/AGGREGATE`: the definition there now is lost."""
    if not getattr(node, "replace", False):
        return []
    kind = type(node).__name__
    what = _REPLACED.get(kind, "object")
    if kind == "CreateFunctionStmt" and getattr(node, "is_procedure", False):
        what = "PROCEDURE"
    name = _definition_name(node)
    if what == "VIEW" and (_made_here(name, ctx.facts) or getattr(node.view, "relpersistence", "p") == "t"):
        return []  # made by this script, or a temporary view (it replaces only the session's own)
    return [Hit("replace-definition", name, ctx.source, what)]


def _definition_name(node: Any) -> str:
    for attr in ("view", "relation"):
        rv = getattr(node, attr, None)
        if rv is not None and hasattr(rv, "relname"):
            name = _rel(rv)
            if attr == "relation" and getattr(node, "trigname", None):
                return f"{node.trigname} on {name}"
            if attr == "relation" and getattr(node, "rulename", None):
                return f"{node.rulename} on {name}"
            return name
    for attr in ("funcname", "defnames"):
        parts = getattr(node, attr, None)
        if parts:
            return ".".join(str(getattr(p, "sval", "")) for p in parts)
    return str(getattr(node, "plname", "") or "")


def alter_sequence(node: Any, ctx: Any) -> list[Hit]:
    if any(o.defname == "restart" for o in node.options or ()):
        return [Hit("sequence-restart", _rel(node.sequence), ctx.source)]
    return []


def execute(node: Any, ctx: Any) -> list[Hit]:
    """`EXECUTE name(...)`: the statement was prepared where blastwall cannot see it, unless this
    script prepared it (then its PREPARE was analyzed)."""
    name = str(node.name or "").lower()
    if ctx.facts is not None and name in ctx.facts.prepared:
        return []
    return [Hit("execute-prepared", name, ctx.source)]


def call(node: Any, ctx: Any) -> list[Hit]:
    """`CALL purge_orders()`: a procedure body blastwall cannot see, judged by its name."""
    from blastwall.analyze.verbs import read_words

    parts = [str(getattr(p, "sval", "")) for p in node.funccall.funcname or ()]
    reading = read_words(parts[-1:])
    if reading is None:
        return []
    detail = f"{reading.verb}s" + (f" {reading.noun}" if reading.noun else "")
    return [Hit("call-destructive", ".".join(parts), ctx.source, detail)]


# ---- closed by default ---------------------------------------------------------------------

@functools.cache
def _harmless() -> frozenset[str]:
    return frozenset(table()["pg"]["statements"]["harmless"])


def harmless_kinds() -> frozenset[str]:
    """The top-level statement kinds `[pg.statements] harmless` lists."""
    return _harmless()


def unknown_statement(node: Any, src: str, handled: frozenset[str]) -> list[Hit]:
    """A top-level statement of a kind neither a handler nor `[pg.statements] harmless` knows."""
    kind = type(node).__name__
    if kind in handled or kind in _harmless():
        return []
    words = src.split()[:3]
    return [Hit("unknown-statement", "", src, " ".join(words).upper() or kind)]
