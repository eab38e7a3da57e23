"""PostgreSQL statements read with pglast (libpg_query, the server's own parser).

`statements(text)` parses a script into `Stmt`s: the hits each statement makes and its role in
a transaction. Handlers are keyed by node type; nested statements (data-modifying CTEs,
EXPLAIN ANALYZE, rule actions, BEGIN ATOMIC bodies) and function calls are found by walking
the whole tree, so a destructive statement is seen wherever the grammar allows it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from blastwall import rx
from blastwall.analyze.sql import catalog, pg_changes
from blastwall.analyze.sql.pg_changes import Facts, all_scratch, is_scratch
from blastwall.analyze.sql.rules import Hit, table
from blastwall.analyze.sql.where import Reach, names_target, nodes, reach, truth


class Stmt(NamedTuple):
    """One statement of a script."""

    text: str
    hits: list[Hit]
    tx: str = ""  # begin | commit | rollback | savepoint | rollback_to | release
    savepoint: str = ""


class Ctx(NamedTuple):
    source: str
    ctes: dict[str, Any]
    depth: int = 0
    facts: Facts | None = None  # what earlier statements of the script created


MAX_DEPTH = 6


def statements(text: str, depth: int = 0, *, stops: bool = True) -> list[Stmt] | None:
    """The script's statements, or None when PostgreSQL's grammar does not accept it. `stops`: a
    failed statement ends the script (what its CREATEs made is its own; `pg_changes.Facts`)."""
    from blastwall.analyze.sql import pg_plain

    plain = pg_plain.read(text, _HANDLED, pg_changes.harmless_kinds, quiet_call)
    if plain is not None:  # no statement or node a handler reads: only texts and transaction roles
        return [Stmt(src, [], _TX.get(tx, ""), savepoint) if tx else Stmt(src, []) for src, tx, savepoint in plain]
    return _from_nodes(text, depth, stops)


# More comment openings than closings by this many: a comment that never ends, which PostgreSQL's
# grammar rejects; its scanner takes seconds to find that out over tens of thousands of nested `/*`.
_UNCLOSED_COMMENTS = 64
_COMMENT_MARKS = rx.compile(r"/\*|\*/")


def _open_comments(text: str) -> int:
    """How deep the nested `/* ... */` comments are left open at the end, read left to right as the
    scanner reads them (`/*/*/*` opens three)."""
    depth = 0
    for m in _COMMENT_MARKS.finditer(text):
        depth = depth + 1 if m.group() == "/*" else max(depth - 1, 0)
    return depth


def _from_nodes(text: str, depth: int, stops: bool) -> list[Stmt] | None:
    """`statements` read from pglast's node objects."""
    from pglast import parse_sql
    from pglast.parser import ParseError

    if "/*" in text and _open_comments(text) > _UNCLOSED_COMMENTS:
        return None
    try:
        raw = parse_sql(text)
    except (ParseError, ValueError, OverflowError, RecursionError):
        return None
    data = text.encode("utf-8", "surrogatepass")
    out = []
    facts = Facts(made=stops)
    for rs in raw:
        start = rs.stmt_location or 0
        end = start + rs.stmt_len if rs.stmt_len else len(data)
        src = data[start:end].decode("utf-8", "replace").strip()
        out.append(_statement(rs.stmt, src, depth, facts))
        facts.note(rs.stmt)
    return out


def _statement(node: Any, src: str, depth: int, facts: Facts | None = None) -> Stmt:
    if type(node).__name__ == "TransactionStmt":
        tx = _TX.get(node.kind.name, "")
        return Stmt(src, [], tx, node.savepoint_name or "")
    ctes = {c.ctename: c.ctequery for c in nodes(node) if type(c).__name__ == "CommonTableExpr"} \
        if _may_have_ctes(src) else {}
    unknown = pg_changes.unknown_statement(node, src, _HANDLED) if depth == 0 else []
    return Stmt(src, unknown + walk(node, Ctx(src, ctes, depth, facts)))


def _may_have_ctes(src: str) -> bool:
    """A common table expression is written with WITH: a statement without the word has none."""
    return "with" in src.lower()


_TX = {
    "TRANS_STMT_BEGIN": "begin",
    "TRANS_STMT_START": "begin",
    "TRANS_STMT_COMMIT": "commit",
    "TRANS_STMT_PREPARE": "commit",
    "TRANS_STMT_ROLLBACK": "rollback",
    "TRANS_STMT_SAVEPOINT": "savepoint",
    "TRANS_STMT_ROLLBACK_TO": "rollback_to",
    "TRANS_STMT_RELEASE": "release",
}


def walk(root: Any, ctx: Ctx) -> list[Hit]:
    """Hits of every node below root; handlers in PRUNE decide themselves what to descend into.
    Only the attributes that can hold nodes are looked into (`analyze/sql/slots.py`); what a node
    of each class needs (its handler, the attributes to descend into) is looked up once per class."""
    from pglast import ast

    hits: list[Hit] = []
    stack = [root]
    steps = _STEPS
    while stack:
        n = stack.pop()
        step = steps.get(type(n))
        if step is None:
            if isinstance(n, (list, tuple)):
                stack.extend(reversed(n))
                continue
            if not isinstance(n, ast.Node):
                continue
            step = _step(type(n))
        handler, slots = step
        if handler is not None:
            hits.extend(handler(n, ctx))
        for slot in slots:
            v = getattr(n, slot, None)
            if isinstance(v, (ast.Node, list, tuple)):
                stack.append(v)
    return hits


Step = tuple[Callable[[Any, Ctx], list[Hit]] | None, tuple[str, ...]]
_STEPS: dict[type, Step] = {}  # node class -> (its handler, the attributes to descend into, last first)


def _step(cls: type) -> Step:
    from blastwall.analyze.sql.slots import node_slots

    name = cls.__name__
    found = _STEPS[cls] = (HANDLERS.get(name), () if name in PRUNE else tuple(reversed(node_slots(cls))))
    return found


# ---- names ---------------------------------------------------------------------------------


def _strs(items: Any) -> str:
    return ".".join(quoted_part(str(getattr(s, "sval", "*"))) for s in items or ())


def rel(rv: Any) -> str:
    """`schema.table` of a RangeVar."""
    if rv is None:
        return ""
    return ".".join(quoted_part(p) for p in (rv.catalogname, rv.schemaname, rv.relname) if p)


def quoted_part(part: str) -> str:
    """One part of a qualified name as SQL spells it: quoted when it holds a dot or a quote, so
    `"pg_temp.users"` (one table of the search path) never reads as the table `users` of `pg_temp`."""
    return f'"{part.replace(chr(34), chr(34) * 2)}"' if "." in part or '"' in part else part


def name_parts(name: str) -> list[str]:
    """The parts of a qualified name (`a."b.c"` -> ["a", "b.c"]): dots inside quotes do not split.
    A name with no quote, backtick or bracket (nearly every name) splits at its dots."""
    if name.isascii() and '"' not in name and "`" not in name and "[" not in name:
        return [p for p in (s.strip() for s in name.split(".")) if p]  # what the pattern's last branch finds
    return quoted_name_parts(name)


def quoted_name_parts(name: str) -> list[str]:
    """`name_parts` read by its pattern, for any name (the quoted forms need it)."""
    from blastwall import rx

    found = rx.findall(r'"((?:[^"]|"")*)"|`([^`]*)`|\[([^\]]*)\]|([^."`\[]+)', name)
    return [(q.replace('""', '"') if q else b or k or w).strip() for q, b, k, w in found if (q or b or k or w).strip()]


def _object_name(obj: Any) -> str:
    kind = type(obj).__name__
    if isinstance(obj, (list, tuple)):
        return _strs(obj)
    if kind == "String":
        return str(obj.sval)
    if kind == "TypeName":
        return _strs(obj.names)
    if kind == "ObjectWithArgs":
        return _strs(obj.objname)
    if kind == "RangeVar":
        return rel(obj)
    return ""


def _roles(specs: Any) -> str:
    names = []
    for r in specs or ():
        names.append(r.rolename if getattr(r, "rolename", None) else r.roletype.name.removeprefix("ROLESPEC_").lower())
    return ", ".join(names)


def deparse(node: Any, limit: int = 80) -> str:
    try:
        from blastwall.analyze.sql.printing import sql_text

        text = sql_text(node)  # pglast's printer (`RawStream()(node)`), set up for one node
    except Exception:  # noqa: BLE001 - a description only; never worth failing over
        return "its condition"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cascade(node: Any) -> bool:
    return getattr(getattr(node, "behavior", None), "name", "") == "DROP_CASCADE"


# ---- handlers ------------------------------------------------------------------------------


def _drop(node: Any, ctx: Ctx) -> list[Hit]:
    type_name = node.removeType.name
    kind = table()["pg"]["drop"].get(type_name, "drop-other")
    names = [_object_name(o) for o in node.objects or ()]
    if type_name in _SCRATCH_DROPS and all_scratch(names, ctx.facts):
        return []  # the session's own temporary objects
    if type_name in _MADE_DROPS and pg_changes.all_made_here(names, ctx.facts):
        return []  # created earlier in this script: the CREATE would have failed over an existing one
    target = ", ".join(filter(None, names))
    detail = type_name.removeprefix("OBJECT_").replace("_", " ")
    return [Hit(kind, target, ctx.source, detail, _cascade(node))]


def _dropdb(node: Any, ctx: Ctx) -> list[Hit]:
    if ctx.facts is not None and node.dbname in ctx.facts.databases:
        return []  # CREATE DATABASE earlier in this script: it fails when the name is taken
    return [Hit("drop-database", node.dbname, ctx.source)]


def _drop_role(node: Any, ctx: Ctx) -> list[Hit]:
    return [Hit("drop-role", _roles(node.roles), ctx.source)]


def _drop_owned(node: Any, ctx: Ctx) -> list[Hit]:
    return [Hit("drop-owned", _roles(node.roles), ctx.source, cascade=_cascade(node))]


def _drop_named(word: str, attr: str) -> Callable[[Any, Ctx], list[Hit]]:
    def handler(node: Any, ctx: Ctx) -> list[Hit]:
        return [Hit("drop-other", str(getattr(node, attr, "") or ""), ctx.source, word)]

    return handler


_SCRATCH_DROPS = frozenset({"OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_INDEX", "OBJECT_SEQUENCE"})
_MADE_DROPS = frozenset({"OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW"})


def _truncate(node: Any, ctx: Ctx) -> list[Hit]:
    names = [rel(r) for r in node.relations or ()]
    if all_scratch(names, ctx.facts) or (not _cascade(node) and pg_changes.all_made_here(names, ctx.facts)):
        return []  # the session's scratch, or tables this script made (CASCADE reaches the tables that refer to them)
    return [Hit("truncate", ", ".join(rel(r) for r in node.relations or ()), ctx.source, cascade=_cascade(node))]


def _rows(verb: str) -> Callable[[Any, Ctx], list[Hit]]:
    def handler(node: Any, ctx: Ctx) -> list[Hit]:
        target = rel(node.relation)
        if pg_changes.all_made_here([target], ctx.facts):
            return []  # the session's scratch, or a table this script made: only the script's own rows
        written = catalog.hits(verb, target, ctx.source)
        if written is not None:
            return written
        aliases = frozenset(filter(None, (node.relation.relname, getattr(node.relation.alias, "aliasname", None))))
        if node.whereClause is None:
            return [Hit(f"{verb}-all", target, ctx.source)]
        joined = node.fromClause if verb == "update" else getattr(node, "usingClause", None)
        ons = [n.quals for n in nodes(joined) if type(n).__name__ == "JoinExpr" and n.quals is not None] if joined else []
        if joined and not names_target([node.whereClause, *ons], aliases):
            return [Hit(f"{verb}-all", target, ctx.source, " (its WHERE names only the joined tables)")]
        found = reach(node.whereClause, aliases, ctx.ctes)
        if found is Reach.ALL:
            return [Hit(f"{verb}-all", target, ctx.source, f" (WHERE {deparse(node.whereClause)} is always true)")]
        if found is Reach.BROAD:
            column = _expired_column(node, verb, target, ctx.source, aliases)
            if column:
                return [Hit("delete-expired", target, ctx.source, column)]
            return [Hit(f"{verb}-broad", target, ctx.source, f"WHERE {deparse(node.whereClause)}")]
        return []

    return handler


def _as_spelled(name: str, source: str) -> str:
    """A name as the statement writes it: PostgreSQL folds `dbo.EventLog` to `dbo.eventlog`, which
    loses the words its case marks (event, log)."""
    from blastwall import rx

    found = rx.search(r"(?i)(?:^|[^\w$])(" + rx.escape(name) + r")(?:[^\w$]|$)", source)
    return found.group(1) if found is not None else name


def _expired_column(node: Any, verb: str, target: str, source: str, aliases: frozenset[str]) -> str:
    """The expiry or age column of a clearly expired cleanup (`analyze/sql/expired.py`): a plain
    DELETE of one short-lived table (no USING, no WITH) whose WHERE selects only rows in the past.
    The WHERE is read first: most broad DELETEs select no past at all, and then the table's
    name (as the statement spells it, `_as_spelled`) need not be read. Both tests are pure, so
    their order changes no answer (tests/test_line_cost_sql.py holds the two orders equal)."""
    if verb != "delete" or node.usingClause or node.withClause is not None:
        return ""
    from blastwall.analyze.sql import expired

    names = frozenset(a.lower() for a in aliases)
    column = expired.past_column(node.whereClause, names)
    if not column:
        return ""
    spelled = _as_spelled(target, source)
    if not (expired.short_lived_table(spelled) or expired.short_lived_container(node.whereClause, names) or
            expired.abandoned(spelled, node.whereClause, names) or
            expired.finished(spelled, node.whereClause, names) or
            expired.child_of_expired(spelled, node.whereClause, names)):
        return ""
    return column


def _merge(node: Any, ctx: Ctx) -> list[Hit]:
    """MERGE judged like UPDATE and DELETE: the rows a WHEN MATCHED clause reaches are those its ON
    condition pairs with the source's rows. An ON that is always true (`ON TRUE`, `ON 1 = 1`)
    matches every row of the target: an UPDATE is `update-all` (a DELETE stays `merge-delete`). A source of a few named rows
    (VALUES, constants) joined on a key-like column is selective; any other source reaches an
    unknown number (an UPDATE is then an upsert that overwrites, a DELETE `merge-delete`).
    WHEN NOT MATCHED BY SOURCE reaches every target row the source lacks."""
    target = rel(node.relation)
    if is_scratch(target, ctx.facts):
        return []
    aliases = frozenset(filter(None, (node.relation.relname, getattr(node.relation.alias, "aliasname", None))))
    on_all = truth(node.joinCondition, aliases) is True
    hits: list[Hit] = []
    for clause in node.mergeWhenClauses or ():
        command = clause.commandType.name
        if command not in ("CMD_DELETE", "CMD_UPDATE"):
            continue
        verb = "delete" if command == "CMD_DELETE" else "update"
        by_source = clause.matchKind.name == "MERGE_WHEN_NOT_MATCHED_BY_SOURCE"
        narrowed = clause.condition is not None and reach(clause.condition, aliases, ctx.ctes) is Reach.SELECTIVE
        if narrowed:
            continue
        if verb == "update" and on_all and not by_source and clause.condition is None:
            detail = f" (MERGE ... ON {deparse(node.joinCondition)} matches every row)"
            hits.append(Hit(f"{verb}-all", target, ctx.source, detail))
        elif by_source or not _merge_selective(node, aliases, ctx):
            hits.append(Hit("merge-delete", target, ctx.source) if verb == "delete"
                        else Hit("merge-update", target, ctx.source))
    return hits


def _merge_selective(node: Any, aliases: frozenset[str], ctx: Ctx) -> bool:
    """A source of bounded rows (`where.select_reach`) joined on a key-like column of the target."""
    from blastwall.analyze.sql.where import key_like, select_reach

    source = node.sourceRelation
    if type(source).__name__ != "RangeSubselect" or select_reach(source.subquery, ctx.ctes) is not Reach.SELECTIVE:
        return False
    keys = [_target_column(c, aliases) for c in _equalities(node.joinCondition)]
    return any(k and key_like(k) for k in keys)


def _equalities(node: Any) -> list[Any]:
    """The `a = b` conditions ANDed together in a join condition."""
    kind = type(node).__name__
    if kind == "BoolExpr" and int(node.boolop) == 0:
        return [e for a in node.args for e in _equalities(a)]
    if kind == "A_Expr" and int(node.kind) == 0 and _strs(node.name) == "=":
        return [node]
    return []


def _target_column(eq: Any, aliases: frozenset[str]) -> str:
    """The target table's column an equality names (qualified by the target's name or alias)."""
    for side in (eq.lexpr, eq.rexpr):
        if type(side).__name__ == "ColumnRef":
            fields = [getattr(f, "sval", "") for f in side.fields]
            if len(fields) >= 2 and fields[-2] in aliases:
                return str(fields[-1])
    return ""


_ALTER = {
    "AT_DropColumn": "alter-drop-column",
    "AT_DropConstraint": "alter-drop-constraint",
    "AT_AlterColumnType": "alter-column-type",
    "AT_DisableRowSecurity": "alter-disable-rls",
}


def _alter_table(node: Any, ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    if is_scratch(rel(node.relation), ctx.facts):
        return hits
    for cmd in node.cmds or ():
        kind = _ALTER.get(cmd.subtype.name)
        if kind == "alter-column-type" and (_lossless(cmd.def_) or _parsed(cmd.def_, str(cmd.name or ""))):
            continue
        if kind:
            hits.append(Hit(kind, rel(node.relation), ctx.source, cmd.name or "", _cascade(cmd)))
        elif cmd.subtype.name == "AT_SetRelOptions" and (ttl := _expiry_options(cmd.def_)):
            hits.append(Hit("alter-row-ttl", rel(node.relation), ctx.source, ttl))
    return hits


def _expiry_options(options: Any) -> str:
    """The storage options set that delete old rows on their own (`[settings] expiry_reloptions`)."""
    from blastwall.analyze.sql.rules import setting

    names = set(setting("expiry_reloptions"))
    return ", ".join(str(o.defname) for o in options or () if str(getattr(o, "defname", "")).lower() in names)


def _lossless(column: Any) -> bool:
    """`ALTER COLUMN note TYPE text`, `ALTER COLUMN id TYPE bigint`: a text type without size or a type
    every plausible old type widens into, no USING expression (`rules.lossless_type`, `rules.widest_type`)."""
    from blastwall.analyze.sql.rules import lossless_type, widest_type

    type_name = getattr(column, "typeName", None)
    if type_name is None or column.raw_default is not None or type_name.typmods or type_name.arrayBounds:
        return False
    names = [str(getattr(n, "sval", "")) for n in type_name.names]
    if len(names) > 1 and names[:-1] != ["pg_catalog"]:
        return False  # `TYPE app.int8`: a type of a schema's own, whatever its name
    return lossless_type(names[-1]) or widest_type(names[-1], "postgres")


def _parsed(column: Any, name: str) -> bool:
    """`ALTER COLUMN payload TYPE jsonb USING payload::jsonb`: a type that parses each value
    (`[settings] parsed_types`) from the column itself, cast only through whole types: every value
    converts to the same value, or the statement fails and changes nothing."""
    from blastwall.analyze.sql.rules import lossless_type, setting

    parsed = set(setting("parsed_types"))
    type_name = getattr(column, "typeName", None)
    if type_name is None or type_name.typmods or type_name.arrayBounds or not type_name.names:
        return False
    if str(getattr(type_name.names[-1], "sval", "")).lower() not in parsed:
        return False
    expr = column.raw_default
    while expr is not None and type(expr).__name__ == "TypeCast":
        cast = expr.typeName
        spelled = str(getattr(cast.names[-1], "sval", "")).lower() if cast.names else ""
        if cast.typmods or cast.arrayBounds or not (spelled in parsed or lossless_type(spelled)):
            return False
        expr = expr.arg
    if expr is None:
        return column.raw_default is None
    fields = [getattr(f, "sval", None) for f in getattr(expr, "fields", None) or ()] if type(expr).__name__ == "ColumnRef" else []
    return 0 < len(fields) <= 2 and fields[-1] == name


def _grant(node: Any, ctx: Ctx) -> list[Hit]:
    target = ", ".join(filter(None, (_object_name(o) for o in node.objects or ()))) or node.objtype.name.removeprefix("OBJECT_").lower()
    if not node.is_grant:
        return [Hit("revoke", target, ctx.source)]
    public = any(r.roletype.name == "ROLESPEC_PUBLIC" for r in node.grantees or ())
    if node.privileges is None or public:
        what = "ALL PRIVILEGES" if node.privileges is None else "privileges"
        return [Hit("grant-broad", target, ctx.source, what + (" to PUBLIC" if public else f" to {_roles(node.grantees)}"))]
    return []


def _grant_role(node: Any, ctx: Ctx) -> list[Hit]:
    """`GRANT role TO other` (a membership); the built-in roles that only read
    (`[pg.read_only_roles]`: `pg_read_all_data`, `pg_monitor`) give no right to change anything."""
    names = [str(getattr(r, "priv_name", None) or getattr(r, "rolename", "") or "") for r in node.granted_roles or ()]
    admin = any(getattr(o, "defname", "") == "admin" and _truthy(o.arg) for o in getattr(node, "opt", None) or ())
    if node.is_grant and names and not admin and set(names) <= set(table()["pg"]["read_only_roles"]["names"]):
        return []
    if node.is_grant and names and not admin and _new_roles(node.grantee_roles, ctx) and \
            not any(_powerful_role(n) for n in names):
        return []  # `CREATE ROLE analyst NOLOGIN; GRANT readonly TO analyst`: a new role gets access, nobody loses any
    return [Hit("grant-role" if node.is_grant else "revoke", ", ".join(names), ctx.source)]


def _new_roles(grantees: Any, ctx: Ctx) -> bool:
    """Every grantee is a role this script created (CREATE ROLE fails over an existing one)."""
    made = ctx.facts.roles if ctx.facts is not None else set()
    specs = list(grantees or ())
    return bool(specs) and all(s.roletype.name == "ROLESPEC_CSTRING" and s.rolename in made for s in specs)


def _powerful_role(name: str) -> bool:
    """A role whose membership administers, owns or reaches beyond the database's data: a built-in
    `pg_` role that does more than read, or a name with a word of `[pg.powerful_roles] words`
    (`app_admin`, `schema_owner`, `dba`), or one run into the name (`rds_superuser`, `cloudsqlsuperuser`,
    `azure_pg_admin`)."""
    from blastwall.analyze.verbs import tokens

    low = name.lower()
    if low.startswith("pg_") and low not in table()["pg"]["read_only_roles"]["names"]:
        return True
    powerful = table()["pg"]["powerful_roles"]
    return bool(set(powerful["words"]) & set(tokens(name))) or any(w in low for w in powerful["embedded"])


def _truthy(arg: Any) -> bool:
    if arg is None:
        return True
    v = getattr(arg, "boolval", getattr(arg, "ival", getattr(arg, "sval", True)))
    return str(v).lower() not in ("0", "false", "off", "no")


def _role_options(node: Any, ctx: Ctx) -> list[Hit]:
    role = getattr(node, "role", None)
    name = role if isinstance(role, str) else _roles([role]) if role is not None else ""
    escalating = set(table()["pg"]["role_escalation"]["names"])
    hits = []
    opts = [o for o in node.options or () if type(o).__name__ == "DefElem"]
    granted = [o.defname for o in opts if o.defname in escalating and _truthy(o.arg)]
    if granted:
        hits.append(Hit("role-superuser", name, ctx.source, ", ".join(granted)))
    joined = [str(r.rolename or "") for o in opts if o.defname == "addroleto" for r in o.arg or ()]
    if any(_powerful_role(r) for r in joined):  # CREATE ROLE x IN ROLE app_admin: GRANT app_admin TO x
        hits.append(Hit("grant-role", ", ".join(joined), ctx.source))
    if type(node).__name__ == "AlterRoleStmt" and any(o.defname == "password" for o in opts):
        hits.append(Hit("role-password", name, ctx.source))
    if type(node).__name__ == "AlterRoleStmt":
        locks = [_lockout(o) for o in opts]
        if any(locks):
            hits.append(Hit("role-lockout", name, ctx.source, ", ".join(filter(None, locks))))
    return hits


def _lockout(opt: Any) -> str:
    """What an ALTER ROLE option does to logins (`[pg.role_lockout]`): "" when it locks nobody out."""
    rows = table()["pg"]["role_lockout"]
    arg = opt.arg
    value = str(getattr(arg, "boolval", getattr(arg, "ival", getattr(arg, "sval", "")))).lower()
    for row in rows:
        if opt.defname == row["option"] and (value in row.get("values", [value]) and value not in row.get("unless", [])):
            return str(row["says"])
    return ""


def _copy(node: Any, ctx: Ctx) -> list[Hit]:
    if node.is_program:
        return [Hit("copy-program", rel(node.relation), ctx.source, repr(node.filename or ""))]
    if not node.is_from and node.filename:
        return [Hit("copy-to-file", rel(node.relation), ctx.source, str(node.filename))]
    return []


def _explain(node: Any, ctx: Ctx) -> list[Hit]:
    runs = any(o.defname == "analyze" and _truthy(o.arg) for o in node.options or ())
    return walk(node.query, ctx) if runs else []


def _func_call(node: Any, ctx: Ctx) -> list[Hit]:
    name = str(getattr(node.funcname[-1], "sval", "")).lower() if node.funcname else ""
    if name == "drop_chunks":
        from blastwall.analyze.sql.expired import expired_chunks

        aged = expired_chunks(node)
        if aged:
            return [Hit("chunks-expired", aged, ctx.source)]
    if name == "add_retention_policy":  # drop_chunks on a schedule (analyze/sql/retention.py)
        from blastwall.analyze.sql.retention import retention_hits

        return retention_hits(node, ctx.source)
    kind = table()["pg"]["functions"].get(name)
    if kind:
        return [Hit(kind, name, ctx.source)]
    text_arg = _sql_text_argument(node, name)
    if text_arg is not None:
        from blastwall.analyze.sql.plpgsql import text_hits

        return text_hits(text_arg, ctx, name)
    from blastwall.analyze.sql.glot import function_hits

    return function_hits(".".join(str(getattr(p, "sval", "")) for p in node.funcname or ()), ctx.source)


def quiet_call(parts: list[str]) -> bool:
    """Whether `_func_call` answers a call of the function named `parts` with no hit, whatever
    its arguments (analyze/sql/pg_plain.py reads such calls without the node objects)."""
    if not parts:
        return False
    name = parts[-1].lower()
    if name in ("drop_chunks", "add_retention_policy") or table()["pg"]["functions"].get(name):
        return False
    spec = table()["pg"]["sql_text"]
    if spec["functions"].get(".".join(parts).lower(), spec["functions"].get(name)) is not None:
        return False
    from blastwall.analyze.verbs import tokens

    words = set(tokens(name))
    if words & set(spec["executor_verbs"]):  # an executor may be given its text by name: execute(sql => ...)
        return False
    from blastwall.analyze.sql.glot import function_hits

    return not function_hits(".".join(parts), "")


def _sql_text_argument(node: Any, name: str) -> Any:
    """The argument holding SQL text of a function that runs it (rules/sql.toml [pg.sql_text]):
    a scheduler's command (`cron.schedule(name, spec, command)`) or an executor's text
    (`exec_sql(text)`, named by its verb and noun words), or None."""
    spec = table()["pg"]["sql_text"]
    args = list(node.args or ())
    qualified = ".".join(str(getattr(p, "sval", "")) for p in node.funcname or ()).lower()
    at = spec["functions"].get(qualified, spec["functions"].get(name))
    named = next((a.arg for a in args if type(a).__name__ == "NamedArgExpr" and a.name in spec["argument_names"]), None)
    if at is None:
        from blastwall.analyze.verbs import tokens

        words = set(tokens(name))  # `exec_sql(text)`, or an executor given its text by name: `execute(sql => ...)`
        if not (words & set(spec["executor_verbs"]) and (words & set(spec["executor_nouns"]) or named is not None)):
            return None
        at = 0
    if named is not None:
        return named
    places = at if isinstance(at, list) else [at]  # `dblink(sql)`, `dblink(conn, sql)`, `dblink(sql, true)`
    found = next((args[i] for i in places if -len(args) <= i < len(args) and not _boolean(args[i])), None)
    return found.arg if type(found).__name__ == "NamedArgExpr" else found


def _boolean(node: Any) -> bool:
    return type(node).__name__ == "A_Const" and hasattr(node.val, "boolval")


def _alter_system(node: Any, ctx: Ctx) -> list[Hit]:
    """ALTER SYSTEM asks, unless it sets one setting that only changes logging, statistics or
    planning to a value; archiving, WAL level and crash safety turned off are `durability-off`
    (`analyze/sql/durability.py`)."""
    from blastwall.analyze.sql import durability

    setting = getattr(node.setstmt, "name", "") or "a setting"
    values = [_setting_value(a) for a in getattr(node.setstmt, "args", None) or ()]
    if setting != "a setting" and len(values) == 1 and values[0] is not None:
        shortened = durability.cut(setting, values[0])
        if shortened:
            return [Hit("durability-off", setting, ctx.source, shortened)]
        if shortened == "" or durability.alter_system_harmless(setting):
            return []  # a durability setting kept (`archive_mode = on`), or logging, statistics, planning
    return [Hit("alter-system", setting, ctx.source, setting)]


def _setting_value(arg: Any) -> str | None:
    """A setting's constant value as text (`'250ms'`, `off`, `1`), or None."""
    val = getattr(arg, "val", None)
    for field in ("sval", "ival", "fval", "boolval"):
        if hasattr(val, field):
            return str(getattr(val, field))
    return None


def _database_set(node: Any, ctx: Ctx) -> list[Hit]:
    """`ALTER DATABASE d SET DATA_RETENTION_TIME_IN_DAYS = 0` (Snowflake, which PostgreSQL's grammar reads
    as a setting): a recovery window below its floor (`[settings] retention_properties`)."""
    from blastwall.analyze.sql.rules import setting

    name = str(getattr(node.setstmt, "name", "") or "").lower()
    floor = setting("retention_properties").get(name)
    if floor is None:
        from blastwall.analyze.sql import durability

        values = [_setting_value(a) for a in node.setstmt.args or ()]
        shortened = durability.cut(name, values[0] or "?") if len(values) == 1 else None
        return [Hit("durability-off", str(node.dbname), ctx.source, shortened)] if shortened else []
    values = [getattr(getattr(a, "val", None), "ival", None) for a in node.setstmt.args or ()]
    if len(values) == 1 and isinstance(values[0], int) and values[0] >= floor:
        return []
    return [Hit("alter-retention-cut", str(node.dbname), ctx.source, f"{name.upper()} = {values[0] if values else '?'}")]


def _routine(node: Any, ctx: Ctx) -> list[Hit]:
    from blastwall.analyze.sql.plpgsql import routine_hits

    replaced = pg_changes.replace_definition(node, ctx) if type(node).__name__ == "CreateFunctionStmt" else []
    return replaced + routine_hits(node, ctx)


def _reset(node: Any, ctx: Ctx) -> list[Hit]:
    """`RESET MASTER` parses as a PostgreSQL setting; MySQL and MariaDB run it ([pg.foreign_resets]).
    `SET sql_log_bin = 0` turns off a setting that keeps data recoverable (`analyze/sql/durability.py`)."""
    if getattr(node.kind, "name", "") == "VAR_SET_VALUE" and len(node.args or ()) == 1:
        from blastwall.analyze.sql import durability

        shortened = durability.cut(str(node.name or ""), _setting_value(node.args[0]) or "?")
        return [Hit("durability-off", str(node.name), ctx.source, shortened)] if shortened else []
    if getattr(node.kind, "name", "") != "VAR_RESET":
        return []
    kind = table()["pg"]["foreign_resets"].get(str(node.name or "").lower())
    return [Hit(kind, "", ctx.source, f"RESET {str(node.name).upper()}")] if kind else []


HANDLERS: dict[str, Callable[[Any, Ctx], list[Hit]]] = {
    "VariableSetStmt": _reset,
    "DropStmt": _drop,
    "DropdbStmt": _dropdb,
    "DropRoleStmt": _drop_role,
    "DropOwnedStmt": _drop_owned,
    "DropTableSpaceStmt": _drop_named("TABLESPACE", "tablespacename"),
    "DropSubscriptionStmt": _drop_named("SUBSCRIPTION", "subname"),
    "TruncateStmt": _truncate,
    "DeleteStmt": _rows("delete"),
    "UpdateStmt": _rows("update"),
    "MergeStmt": _merge,
    "AlterTableStmt": _alter_table,
    "GrantStmt": _grant,
    "GrantRoleStmt": _grant_role,
    "CreateRoleStmt": _role_options,
    "AlterRoleStmt": _role_options,
    "CopyStmt": _copy,
    "ExplainStmt": _explain,
    "FuncCall": _func_call,
    "AlterSystemStmt": _alter_system,
    "AlterDatabaseSetStmt": _database_set,
    "DoStmt": _routine,
    "CreateFunctionStmt": _routine,
    "InsertStmt": pg_changes.insert,
    "RenameStmt": pg_changes.rename,
    "AlterObjectSchemaStmt": pg_changes.set_schema,
    "ViewStmt": pg_changes.replace_definition,
    "CreateTrigStmt": pg_changes.replace_definition,
    "RuleStmt": pg_changes.replace_definition,
    "DefineStmt": pg_changes.replace_definition,
    "CreateTransformStmt": pg_changes.replace_definition,
    "CreatePLangStmt": pg_changes.replace_definition,
    "AlterSeqStmt": pg_changes.alter_sequence,
    "ExecuteStmt": pg_changes.execute,
    "CallStmt": pg_changes.call,
}
# Handlers that choose what below them runs: EXPLAIN without ANALYZE runs nothing.
_HANDLED = frozenset(HANDLERS)  # the statement kinds a handler reads
PRUNE = frozenset({"ExplainStmt"})
