"""Statements PostgreSQL's grammar rejects, read with sqlglot in another dialect.

MySQL, SQLite and T-SQL syntax (`REPLACE INTO`, `DELETE ... LIMIT`, backticks, `[dbo].[t]`,
`DESCRIBE`, `EXEC`) is parsed here. WHERE clauses are rendered as PostgreSQL and judged by the
same selectivity rules as everywhere else; statements sqlglot keeps as raw commands are judged
by their opening words.
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall import rx
from blastwall.analyze.sql import catalog, lexer, renames
from blastwall.analyze.sql.pg import Stmt
from blastwall.analyze.sql.rules import Hit, lossless_type, setting, table, widest_type
from blastwall.analyze.sql.where import Reach

STATEMENTS = frozenset({
    "Select", "Union", "Intersect", "Except", "Insert", "Update", "Delete", "Drop", "Create", "Alter",
    "TruncateTable", "Merge", "Command", "Transaction", "Commit", "Rollback", "Describe", "Show",
    "Pragma", "Use", "Set", "Analyze", "Execute", "ExecuteSql", "Attach", "Detach", "Copy", "Cache",
    "Uncache", "Refresh", "Kill", "Values", "Grant", "Revoke", "LoadData",
})
_TX = {"Transaction": "begin", "Commit": "commit", "Rollback": "rollback"}


def statements(text: str, dialect: str) -> list[Stmt] | None:
    """The script's statements in the dialect, or None when sqlglot cannot read it as SQL.

    sqlglot reads a script as the chunks between its `;` tokens, so a text and the same text with
    one `;` more (or less) at its end, or other blanks around it, are read alike: a script it could
    not read is not tried again within the check as the statement that is all of it (the MySQL
    re-reading tries `DO $$ ... $$;` and then its one statement `DO $$ ... $$`).
    tests/test_sql_gates.py holds both forms alike over every corpus statement in three dialects."""
    from blastwall.memo import once

    return once(("sql.glot", _chunk(text), dialect), lambda: _statements(text, dialect), keep=lambda found: found is None)


def _chunk(text: str) -> str:
    """The text without the blanks around it and one `;` at its end."""
    core = text.strip()
    return core[:-1].rstrip() if core.endswith(";") else core


def _statements(text: str, dialect: str) -> list[Stmt] | None:
    import sqlglot
    from sqlglot.errors import SqlglotError

    _quiet_sqlglot()
    try:
        parsed = sqlglot.parse(text, read=dialect)
    except (SqlglotError, ValueError, RecursionError):
        return None
    exprs = [e for e in parsed if e is not None]
    if not exprs or any(type(e).__name__ not in STATEMENTS for e in exprs):
        return None
    return [_statement(e, dialect) for e in exprs]


@functools.cache
def _quiet_sqlglot() -> None:
    """sqlglot logs what it could not read as warnings: only errors, set once per process
    (setting a logger's level clears every logger's cache, each time)."""
    import logging

    logging.getLogger("sqlglot").setLevel(logging.ERROR)


def _statement(e: Any, dialect: str) -> Stmt:
    kind = type(e).__name__
    src = _sql(e, dialect)
    if kind in _TX:
        savepoint = e.args.get("savepoint")
        return Stmt(src, [], "rollback_to" if savepoint else _TX[kind], str(savepoint or ""))
    if kind == "Command" and str(e.this).lower() in ("savepoint", "release"):
        from blastwall.analyze.sql.script import tx_of

        return Stmt(src, [], *tx_of(src))
    handler = _HANDLERS.get(kind)
    return Stmt(src, handler(e, src, dialect) if handler else [])


def _sql(e: Any, dialect: str) -> str:
    try:
        return str(e.sql(dialect=dialect))
    except Exception:  # noqa: BLE001 - only used to show the statement
        return type(e).__name__


def _names(items: Any) -> str:
    return ", ".join(_name(t) for t in items or () if t is not None)


def _name(t: Any) -> str:
    """A table's name as written; a T-SQL temporary table keeps its `#` (it lives in tempdb)."""
    from sqlglot import exp

    text = str(t.sql())
    if any(i.args.get("temporary") for i in t.find_all(exp.Identifier)) and not text.startswith("#"):
        return "#" + text
    return text


def _drop(e: Any, src: str, dialect: str) -> list[Hit]:
    if e.args.get("temporary"):
        return []  # MySQL's DROP TEMPORARY TABLE drops only the session's temporary tables, never a permanent one
    what = str(e.args.get("kind") or "").upper()
    if e.args.get("materialized"):
        what = "MATVIEW"
    kind = table()["pg"]["drop"].get(f"OBJECT_{what}", "drop-other")
    targets = _names(e.args.get("tables")) or _names([e.this])
    return [Hit(kind, targets, src, what, bool(e.args.get("cascade")))]


def _truncate(e: Any, src: str, dialect: str) -> list[Hit]:
    return [Hit("truncate", _names(e.expressions), src)]


def _rows(verb: str) -> Any:
    def handler(e: Any, src: str, dialect: str) -> list[Hit]:
        tops = [_top(t) for t in e.args.get("tables") or ()]  # T-SQL's `DELETE TOP (n) FROM t`: a LIMIT
        top = next((n for n in tops if n is not None), None)
        limit, where = _limit(e) if top is None else top, e.args.get("where")
        small = limit is not None and limit <= int(setting("bounded_limit"))
        if small and (where is not None or e.args.get("order") is not None or limit == 0):
            return []  # bounded: at most LIMIT rows the statement chose, few enough to count as a bounded change
        tables = [t for t, n in zip(e.args.get("tables") or (), tops) if n is None]
        target = _names(tables) or _names([e.this])
        written = catalog.hits(verb, target, src)
        if written is not None:
            return written
        if where is None and small:  # no WHERE, no ORDER BY: whichever rows the server reads first
            return [Hit(f"{verb}-broad", target, src, f"LIMIT {limit} with no WHERE or ORDER BY: rows the server picks")]
        if where is None and limit is not None:
            return [Hit(f"{verb}-broad", target, src, f"LIMIT {limit}, more rows than a bounded change")]
        if where is None:
            return [Hit(f"{verb}-all", target, src)]
        if _joined(e) and not _names_target(where.this, e):
            return [Hit(f"{verb}-all", target, src, " (its WHERE names only the joined tables)")]
        found = _where_reach(where.this, e)
        if found is Reach.SELECTIVE:
            return []
        if found is Reach.ALL:
            return [Hit(f"{verb}-all", target, src, f" (WHERE {where.this.sql()} is always true)")]
        column = _expired_column(e, verb, target, where.this) if verb == "delete" else ""
        if column:
            return [Hit("delete-expired", target, src, column)]
        return [Hit(f"{verb}-broad", target, src, f"WHERE {where.this.sql()[:80]}")]

    return handler


def _top(t: Any) -> int | None:
    """n of T-SQL's `TOP (n)` that sqlglot reads as a table (`TOP` aliased `(n)`, or a call `TOP(n)`)."""
    from sqlglot import exp

    if not isinstance(t, exp.Table):
        return None
    head = t.this
    if isinstance(head, exp.Identifier) and not head.quoted and head.name.upper() == "TOP":
        alias = t.args.get("alias")
        values = [c.name for c in alias.args.get("columns") or ()] if alias is not None else []
    elif isinstance(head, exp.Anonymous) and str(head.this).upper() == "TOP":
        values = [str(getattr(v, "this", "")) for v in head.expressions]
    else:
        return None
    return int(values[0]) if len(values) == 1 and values[0].isdigit() else None


def _limit(e: Any) -> int | None:
    """The row count of `LIMIT n` when it is a number; a LIMIT of anything else bounds nothing known."""
    found = e.args.get("limit")
    if found is None:
        return None
    value = found.args.get("expression") if type(found).__name__ == "Limit" else found
    text = str(getattr(value, "this", "") if type(value).__name__ == "Literal" else "")
    return int(text) if text.isdigit() else None


def _expired_column(e: Any, verb: str, target: str, cond: Any) -> str:
    """A clearly expired cleanup (`analyze/sql/expired.py`) in another dialect: one short-lived
    table, no USING, joins or WITH; its WHERE read as PostgreSQL."""
    from pglast.parser import ParseError

    from blastwall.analyze.sql import expired
    from blastwall.analyze.sql.where import first_statement

    if any(e.args.get(k) for k in ("using", "tables", "joins", "with")) or "," in target:
        return ""
    aliases = frozenset(str(a).lower() for a in (getattr(e.this, "name", None), getattr(e.this, "alias", None)) if a)
    try:
        node = first_statement(f"SELECT 1 WHERE {cond.sql(dialect='postgres')}").whereClause
    except (ParseError, ValueError, IndexError):
        return ""
    if not (expired.short_lived_table(target) or expired.short_lived_container(node, aliases) or
            expired.finished(target, node, aliases) or expired.child_of_expired(target, node, aliases)):
        return ""
    return expired.past_column(node, aliases) or ""


def _joined(e: Any) -> bool:
    """UPDATE ... FROM, DELETE ... USING, or a JOIN anywhere in the statement's tables."""
    from sqlglot import exp

    return any(e.args.get(k) for k in ("from_", "from", "using")) or any(
        isinstance(j, exp.Join) for j in e.find_all(exp.Join) if j.parent_select is None)


def _names_target(cond: Any, e: Any) -> bool:
    """Whether a WHERE, or the ON of a join (T-SQL's `UPDATE p ... FROM t p JOIN s ON p.k = s.k`,
    MySQL's `UPDATE t JOIN s ON ...`), names a column of the statement's target (`where.names_target`)."""
    from sqlglot import exp

    aliases = {str(a).lower() for a in (getattr(e.this, "name", None), getattr(e.this, "alias", None)) if a}
    conds = [cond] + [j.args["on"] for j in e.find_all(exp.Join) if j.args.get("on") is not None]
    return any(not col.table or col.table.lower() in aliases for c in conds for col in c.find_all(exp.Column))


def _where_reach(cond: Any, e: Any) -> Reach:
    from pglast.parser import ParseError

    from blastwall.analyze.sql.where import first_statement, reach

    aliases = frozenset(filter(None, (getattr(e.this, "name", None), getattr(e.this, "alias", None))))
    try:
        node = first_statement(f"SELECT 1 WHERE {cond.sql(dialect='postgres')}").whereClause
    except (ParseError, ValueError, IndexError):
        return Reach.BROAD
    return reach(node, aliases, {})


def _alter(e: Any, src: str, dialect: str) -> list[Hit]:
    hits = []
    target = _names([e.this])
    for action in e.args.get("actions") or ():
        name = type(action).__name__
        if name == "Drop":
            what = str(action.args.get("kind") or "COLUMN").upper()
            kind = "alter-drop-column" if what == "COLUMN" else "alter-drop-constraint"
            hits.append(Hit(kind, target, src, _names(action.args.get("tables")) or _names([action.this])))
        elif name == "Delete":  # ClickHouse's ALTER TABLE t DELETE WHERE ... (analyze/sql/clickhouse.py)
            hits += _mutation(action, e, target, src)
        elif name == "AlterRename":  # MySQL's, SQLite's ... ALTER TABLE t RENAME [TO] t_old
            hits += renames.alter_rename(action, target, src)
        elif name == "DropPartition":
            hits.append(Hit("drop-partition", target, src, _names(action.expressions)))
        elif name == "AlterSet":
            hits += _retention_cut(action, target, src)
        elif name == "AlterColumn" and action.args.get("dtype") is not None:
            dtype = action.args["dtype"]
            spelled = dtype.sql(dialect="tsql" if dtype.this.name == "NVARCHAR" else dialect)  # MySQL has no NVARCHAR
            if action.args.get("using") or not (lossless_type(spelled) or widest_type(spelled)):
                hits.append(Hit("alter-column-type", target, src, str(action.this.sql())))
        elif name == "ModifyColumn":  # MySQL's MODIFY/CHANGE [COLUMN]: the column redefined with a new type
            column = action.this
            if not _modify_keeps(column, dialect):
                hits.append(Hit("alter-column-type", target, src, str(action.args.get("rename_from") or column.name)))
    if not hits and "drop" in lexer.words(src):
        hits.append(Hit("alter-drop-column", target, src, "(a dropped part)"))
    return hits


def _retention_cut(action: Any, target: str, src: str) -> list[Hit]:
    """`SET DATA_RETENTION_TIME_IN_DAYS = 0`: a recovery window below its table's floor (`[settings]
    retention_properties`); a value that is not a whole number asks too."""
    from sqlglot import exp

    from blastwall.analyze.sql import durability

    floors: dict[str, int] = setting("retention_properties")
    cut = []
    for prop in action.find_all(exp.Property):
        this = prop.args.get("this")
        key = (prop.name or (this.sql() if this is not None else "")).lower()  # unquoted `delta.x` is a dotted name
        value = prop.args.get("value")
        shortened = durability.cut(key, value.sql() if value is not None else "?") if key not in floors else None
        if shortened:  # `SET TBLPROPERTIES ('delta.logRetentionDuration' = 'interval 0 days')`
            return [Hit("durability-off", target, src, shortened)]
        if key in floors:
            value = prop.args.get("value")
            text = value.name if value is not None else ""
            if not text.isdigit() or int(text) < floors[key]:
                cut.append(f"{key.upper()} = {text or '?'}")
    return [Hit("alter-retention-cut", target, src, ", ".join(cut))] if cut else []


def _modify_keeps(column: Any, dialect: str) -> bool:
    """MySQL's `MODIFY note LONGTEXT` (lossless, nothing restated) or `MODIFY id BIGINT UNSIGNED NOT NULL
    AUTO_INCREMENT` (a widest type, restating only options that change no value: `[settings] modify_keeps`)."""
    kind = column.args.get("kind")
    spelled = kind.sql(dialect=dialect) if kind is not None else ""
    constraints = [type(c.args.get("kind")).__name__ for c in column.args.get("constraints") or ()]
    if lossless_type(spelled, "mysql"):
        return not constraints
    return widest_type(spelled) and set(constraints) <= set(setting("modify_keeps"))


def _mutation(action: Any, e: Any, target: str, src: str) -> list[Hit]:
    where = action.args.get("where")
    if where is None:
        return [Hit("delete-all", target, src)]
    found = _where_reach(where.this, e)
    if found is Reach.SELECTIVE:
        return []
    if found is Reach.ALL:
        return [Hit("delete-all", target, src, f" (WHERE {where.this.sql()} is always true)")]
    return [Hit("delete-broad", target, src, f"WHERE {where.this.sql()[:80]}")]


def _merge(e: Any, src: str, dialect: str) -> list[Hit]:
    """MERGE in another dialect, judged as `pg._merge` judges PostgreSQL's: an ON that is always true
    reaches every row; a few named source rows joined on a key-like column are selective."""
    from sqlglot import exp

    target = _names([e.this])
    whens = e.args.get("whens")
    clauses = list(whens.expressions) if whens is not None else []
    if not clauses:  # a spelling sqlglot keeps as text: judged by its words
        code = " ".join(lexer.words(lexer.code_only(src)))
        return [Hit("merge-delete", target, src)] if rx.search(r"\bthen delete\b", code) else []
    on = e.args.get("on")
    on_all = on is not None and _where_reach(on, e) is Reach.ALL
    hits: list[Hit] = []
    for when in clauses:
        then = when.args.get("then")
        verb = "update" if isinstance(then, exp.Update) else "delete" if str(getattr(then, "this", "")).upper() == "DELETE" else ""
        if not verb:
            continue
        by_source = bool(when.args.get("source"))
        cond = when.args.get("condition")
        if cond is not None and _where_reach(cond, e) is Reach.SELECTIVE:
            continue
        if verb == "update" and on_all and not by_source and cond is None:
            hits.append(Hit(f"{verb}-all", target, src, f" (MERGE ... ON {on.sql()} matches every row)"))
        elif by_source or not _merge_selective(e, on):
            hits.append(Hit("merge-delete" if verb == "delete" else "merge-update", target, src))
    return hits


def _merge_selective(e: Any, on: Any) -> bool:
    """A VALUES source joined on a key-like column of the target."""
    from sqlglot import exp

    from blastwall.analyze.sql.where import key_like

    source = e.args.get("using")
    inner = source.this if isinstance(source, exp.Subquery) else source
    if not isinstance(inner, exp.Values) or on is None:
        return False
    names = {str(n).lower() for n in (getattr(e.this, "name", None), getattr(e.this, "alias", None)) if n}
    return any(isinstance(col, exp.Column) and col.table.lower() in names and key_like(col.name)
               for eq in on.find_all(exp.EQ) for col in (eq.this, eq.expression))


def _insert(e: Any, src: str, dialect: str) -> list[Hit]:
    into = e.this.this if type(e.this).__name__ == "Schema" else e.this
    written = catalog.hits("replace" if lexer.first_word(src) == "replace" else "insert", _names([into]), src)
    if written is not None:
        return written
    if e.args.get("overwrite"):  # Hive, Spark, Databricks: the table (or partition, or folder) is replaced
        where = e.this
        partition = where.args.get("partition") if hasattr(where, "args") else None
        target = _names([getattr(where, "this", None) or where])
        detail = f" ({partition.sql()})" if partition is not None else ""
        return [Hit("insert-overwrite", target, src, detail)]
    if str(e.args.get("alternative") or "").upper() == "REPLACE" or lexer.first_word(src) == "replace":
        return [Hit("replace-into", _names([e.this]), src)]
    conflict = e.args.get("conflict")
    source = e.args.get("expression")
    if conflict is not None and _overwrites(conflict) and source is not None and type(source).__name__ != "Values":
        table_name = _names([getattr(e.this, "this", None) or e.this])
        clause = "ON DUPLICATE KEY UPDATE" if conflict.args.get("duplicate") else "ON CONFLICT DO UPDATE"
        return [Hit("upsert-overwrite", table_name, src, f"SELECT ... {clause}")]
    return []


def _overwrites(conflict: Any) -> bool:
    """ON DUPLICATE KEY UPDATE, ON CONFLICT ... DO UPDATE (not DO NOTHING)."""
    return bool(conflict.args.get("duplicate")) or str(conflict.args.get("action") or "").upper().find("UPDATE") >= 0 \
        or bool(conflict.args.get("expressions"))


def _create(e: Any, src: str, dialect: str) -> list[Hit]:
    """`CREATE OR REPLACE TABLE` drops the table that is there (MariaDB, Snowflake, BigQuery,
    Databricks); `CREATE OR REPLACE VIEW/FUNCTION/PROCEDURE` overwrites a definition."""
    if not e.args.get("replace") or _temporary(e):
        return []  # a temporary object replaces only the session's own (it hides a permanent one, never drops it)
    kind = str(e.args.get("kind") or "").upper()
    target = _names([getattr(e.this, "this", None) or e.this])
    if kind == "TABLE":
        return [Hit("replace-table", target, src)]
    return [Hit("replace-definition", target, src, kind or "object")]


def _temporary(e: Any) -> bool:
    """`CREATE OR REPLACE TEMP[ORARY] TABLE/VIEW`: the object lives in the session's temporary schema."""
    from sqlglot import exp

    props = e.args.get("properties")
    return props is not None and any(isinstance(p, exp.TemporaryProperty) for p in props.expressions)


def _kill(e: Any, src: str, dialect: str) -> list[Hit]:
    """KILL ends sessions; `KILL QUERY 3142` only stops one running query (its kind is a safe
    class in `rules/sql_kinds.toml`, like pg_cancel_backend), when it names the query by a literal."""
    from sqlglot import exp

    from blastwall.analyze.sql import kinds

    said = e.args.get("kind")
    opener = ("kill", str(said.this).lower()) if said is not None else ("kill",)
    found = kinds.index().kinds.get(opener)
    if found is not None and found.cls in kinds.SAFE and isinstance(e.this, exp.Literal):
        return []
    return [Hit("terminate-backend", "KILL", src)]


def _dynamic(src: str, dialect: str) -> list[Hit] | None:
    """Hits of a dynamic-SQL statement (`analyze/sql/dynamic.py`), None when it is not one."""
    from blastwall.analyze.sql import dynamic, inner_hits

    return dynamic.hits(src, lambda sql, d: inner_hits(sql, d, dialect))


def _execute(e: Any, src: str, dialect: str) -> list[Hit]:
    from sqlglot import exp

    ran = _dynamic(src, dialect)
    if ran is not None:
        return ran
    if read_only_procedure(str(getattr(e.this, "name", "") or "")):
        return []  # its arguments are object names, not SQL
    destroys = system_procedure_hits(str(getattr(e.this, "name", "") or ""), src)
    if destroys:
        return destroys
    renamed = renames.procedure_hits(str(getattr(e.this, "name", "") or ""), e.expressions, src)
    if renamed is not None:  # sp_rename 'dbo.t', 't_old': its arguments are names, not SQL
        return renamed

    literals = [lit.name for lit in e.find_all(exp.Literal) if lit.is_string] + [
        str(n.this) for n in e.find_all(exp.National)
    ]
    hits: list[Hit] = []
    for sql_text in literals:
        hits += [h._replace(source=src) for s in (statements(sql_text, dialect) or []) for h in s.hits]
        hits += command_hits(sql_text) if statements(sql_text, dialect) is None else []
    name = str(getattr(e.this, "name", "") or "")
    if not literals and _reads_destructive(name):  # as written: ClearOldData is clear, old, data
        hits.append(Hit("exec-dynamic", name.lower(), src))
    return hits


def system_procedure_hits(name: str, src: str) -> list[Hit]:
    """A system procedure that destroys (`sp_cdc_disable_db` drops the change tables, `sp_droplogin`,
    `sp_delete_backuphistory`: `[procedures] destroys`), whatever its arguments are."""
    short = name.rsplit(".", 1)[-1].strip("[]").lower()
    detail = table()["procedures"]["destroys"].get(short)
    return [Hit("system-procedure", short, src, detail)] if detail else []


def _exec_hits(code: str, src: str) -> list[Hit]:
    """`EXEC[UTE] [sys.]name ...` that no grammar read: a destroying system procedure's hit, or none."""
    found = rx.match(r"\s*exec(?:ute)?\s+(?:@[\w]+\s*=\s*)?([\w$#@.\[\]]+)", code, rx.I)
    return system_procedure_hits(found.group(1), src) if found else []


def read_only_procedure(name: str) -> bool:
    """A system procedure that only reports (`sp_help`, `sp_columns`, `sp_who2`: `[procedures] read_only`)."""
    short = name.rsplit(".", 1)[-1].strip("[]").lower()
    return short in table()["procedures"]["read_only"]


def _select(e: Any, src: str, dialect: str) -> list[Hit]:
    """`SELECT purge_old_data()`: a function no dialect defines, judged by its name (`analyze/verbs.py`)."""
    from sqlglot import exp

    return [h._replace(source=src) for f in e.find_all(exp.Anonymous) for h in function_hits(str(f.name), src)]


def function_hits(name: str, src: str) -> list[Hit]:
    """A called function whose name says it destroys (`drop_everything`, `purge_old_data`); built-in
    functions that only compute (`[functions] pure`) and ones with a row of their own are not."""
    from blastwall.analyze.verbs import read_words

    short = name.rsplit(".", 1)[-1]
    effect = table()["functions"]["effects"].get(short.lower())
    if effect:  # a shell command on the server, a file replaced: in any dialect's reading
        return [Hit(effect, short, src)]
    unread = table()["functions"]["unread"].get(short.lower())
    if unread:
        return [Hit(unread, "the table it names", src, "an age blastwall cannot read")]
    if not short or short.lower() in table()["functions"]["pure"] or short.lower() in table()["pg"]["functions"]:
        return []
    reading = read_words([short])  # as written: "PurgeOldData" is purge, old, data
    if reading is None:
        return []
    detail = f"{reading.verb}s" + (f" {reading.noun}" if reading.noun else "")
    return [Hit("function-destructive", name, src, detail)]


def _reads_destructive(procedure: str) -> bool:
    """A stored procedure whose name says it destroys (`purge_orders`, `sp_delete_backuphistory`):
    the verb model (`analyze/verbs.py`); its body is not visible here."""
    from blastwall.analyze.verbs import read_words

    return bool(procedure) and read_words([procedure.rsplit(".", 1)[-1]]) is not None


def _call_hits(code: str, src: str) -> list[Hit] | None:
    """`CALL name(...)` that no grammar read (MySQL): judged by the procedure's name like PostgreSQL's CALL."""
    found = rx.match(r"\s*call\s+([A-Za-z_][\w$.]*)\s*(\(|;|$)", code, rx.I)
    if found is None:
        return None
    name = found.group(1)
    return [Hit("call-destructive", name, src, "destroys data")] if _reads_destructive(name) else []


def _command(e: Any, src: str, dialect: str) -> list[Hit]:
    ran = _dynamic(src, dialect)
    return ran if ran is not None else command_hits(src)


def command_hits(src: str) -> list[Hit]:
    """Hits of a statement no grammar covers, judged by its opening words (see [glot.commands])."""
    code = lexer.code_only(src, hash_comments=True)
    ws = lexer.words(code)
    if not ws:
        return []
    if ws[0] == "call" and not lexer.find_phrases(code, table()["lexical"]["phrases"]):
        called = _call_hits(code, src)
        if called is not None:
            return called
    if ws[0] in ("exec", "execute") and (destroys := _exec_hits(code, src)):
        return destroys
    found = _command_row(src, ws)
    return found if found is not None else unparsed_hits(src, code)


def _command_row(src: str, ws: list[str], *, lexical_only: bool = False) -> list[Hit] | None:
    """The hits of the first `[[glot.commands]]` row whose opening words `ws` start with."""
    by_first, openerless = _command_rows()
    for opener, row in by_first.get(ws[0], openerless) if ws else openerless:
        if lexical_only and not row.get("lexical"):
            continue
        if ws[: len(opener)] == opener and all(w in ws for w in row.get("with", [])):
            if any(w in ws for w in row.get("unless", [])) or any(ws.count(w) != 1 for w in row.get("once", [])):
                continue
            if "pattern" in row and rx.fullmatch(row["pattern"], " ".join(ws)) is None:
                continue
            if "source_pattern" in row and rx.search(row["source_pattern"], " ".join(src.lower().split())) is None:
                continue  # a pattern over the statement with its strings (`TO DISK = 'NUL'`)
            if "text_pattern" in row and rx.search(row["text_pattern"], " ".join(lexer.code_only(src).lower().split())) is None:
                continue  # a pattern over the code with its numbers (`RETAIN 0 HOURS`), which `ws` drops
            if "scratch_name_after" in row and not _scratch_name(src, row["scratch_name_after"]):
                continue
            if row.get("aged_purge") and not _aged_purge(src):
                continue
            if row["kind"] == "none":
                return []
            after = row.get("target_after", "")
            target = ws[ws.index(after) + 1] if after in ws[:-1] else ""
            if target in row.get("with", []):  # the name was a string (`'app'@'%'`)
                target = ""
            return [Hit(row["kind"], target, src, row.get("detail", ""))]
    return None


Row = tuple[list[str], dict[str, Any]]


@functools.cache
def _command_rows() -> tuple[dict[str, tuple[Row, ...]], tuple[Row, ...]]:
    """The `[[glot.commands]]` rows with their opening words split, once per process: by first
    word the rows that may open with it (in table order, with any row of no opening words), and
    the rows of no opening words (all a statement with no words can meet)."""
    rows = [(row["opener"].split(), row) for row in table()["glot"]["commands"]]
    openerless = tuple((opener, row) for opener, row in rows if not opener)
    by_first = {first: tuple((opener, row) for opener, row in rows if not opener or opener[0] == first)
                for first in {opener[0] for opener, _ in rows if opener}}
    return by_first, openerless


def _aged_purge(src: str) -> bool:
    """`PURGE BINARY LOGS BEFORE NOW() - INTERVAL 7 DAY`: only logs older than `[binlog_purge] min_days`."""
    from blastwall.analyze.sql.binlogs import purged_age_days

    age = purged_age_days(src)
    return age is not None and age >= table()["binlog_purge"]["min_days"]


def _scratch_name(src: str, after: str) -> bool:
    """The name after the word `after` is a scratch copy's by its words (`EHR_RestoreCheck`,
    `[shop_restore_test]`, `sales_tmp`: `[settings] scratch_name_words`), read with its case so
    `RestoreCheck` is two words and `checkout` is none of them."""
    from blastwall.analyze.sql.rules import setting
    from blastwall.analyze.verbs import tokens

    m = rx.search(rf"(?i)\b{after}\s+(\[[^\]]{{1,128}}\]|\"[^\"]{{1,128}}\"|`[^`]{{1,128}}`|[\w$#@]{{1,128}})",
                  src[:4000])
    if m is None:
        return False
    return bool(set(tokens(m.group(1).strip('[]"`'))) & set(setting("scratch_name_words")))


def unparsed_hits(src: str, code: str) -> list[Hit]:
    """A statement nothing could parse: destructive words in its code make it unknown, and so
    does a statement kind blastwall does not know (closed by default: `[lexical] harmless_openers`
    lists the kinds that need no parse to be known harmless)."""
    if plan_only(code):
        return []
    from blastwall.analyze.sql import clauses

    rewritten = clauses.parts(src)  # `... AS OF SYSTEM TIME '-5m'`, T-SQL's `IF <guard> <statement>`
    if rewritten is not None:
        from blastwall.analyze.sql import inner_hits

        return [h._replace(source=src) if not h.source else h for part in rewritten for h in inner_hits(part, 1)]
    if code[:40].lstrip()[:5].lower() == "alter":  # `ALTER ... SET OPTIONS (...)`, `CONFIGURE ZONE USING ...`
        from blastwall.analyze.sql.durability import setting_hits

        settings = setting_hits(src)
        if settings is not None:
            return settings
    if renames.is_rename_procedure(lexer.first_word(code)):  # T-SQL runs a batch's first procedure without EXEC
        called = statements(f"EXEC {src.strip()}", "tsql")
        if called is not None:
            return [h._replace(source=src) for s in called for h in s.hits]
    named = _command_row(src, lexer.words(code), lexical_only=True)
    if named is not None:  # a row names the statement: its hits, or none for a known harmless one
        return named
    from blastwall.analyze.sql import kinds

    by_kind = kinds.hits(src, code)  # the statement kinds of every dialect (rules/sql_kinds.toml)
    if by_kind == []:  # a safe kind with nothing after its opening words that destroys
        return []
    lex = table()["lexical"]
    found = lexer.find_phrases(code, lex["phrases"])
    first = lexer.first_word(code)
    if first in lex["openers"]:
        found.insert(0, first)
    if found:
        return [Hit("unparsed-destructive", "", src, ", ".join(w.upper() for w in dict.fromkeys(found)))]
    if by_kind:
        return by_kind
    if not first or first in lex["harmless_openers"]:
        return []
    return [Hit("unknown-statement", "", src, " ".join(lexer.opening_words(code, 2)).upper())]


def plan_only(code: str) -> bool:
    """`EXPLAIN [QUERY PLAN | PLAN FOR | FORMAT=...] stmt`: every dialect only plans the statement;
    with ANALYZE (any spelling of it among the words) PostgreSQL, MySQL and DuckDB run it."""
    if lexer.opening_words(code, 1) != ["explain"]:
        return False
    return not set(lexer.words(code)) & set(table()["lexical"]["explain_runs"])


def _describe(e: Any, src: str, dialect: str) -> list[Hit]:
    """MySQL's `EXPLAIN ANALYZE stmt` (read as DESCRIBE ANALYZE) runs the statement; a plain
    EXPLAIN or DESCRIBE only plans or describes it."""
    inner = e.this
    if str(e.args.get("style") or "").upper() != "ANALYZE" or inner is None:
        return []
    if type(inner).__name__ in STATEMENTS:
        return [h._replace(source=src) for h in _statement(inner, dialect).hits]
    return [Hit("unparsed-destructive", "", src, "EXPLAIN ANALYZE")]


def _copy(e: Any, src: str, dialect: str) -> list[Hit]:
    """Snowflake's `COPY INTO t FROM @stage ...` as sqlglot reads it: judged by the rows that name the
    COPY INTO forms (`[[glot.commands]]`: PURGE = TRUE deletes the staged files, OVERWRITE = TRUE
    replaces unloaded ones). DuckDB's `COPY t TO 'path'` writes a file as PostgreSQL's COPY ... TO
    does (judged alike: a new export passes, `analyze/sql/exports.py`); COPY ... FROM adds rows."""
    if lexer.opening_words(lexer.code_only(src), 2) != ["copy", "into"]:
        if e.args.get("kind") is not False:
            return []
        target = e.this.sql(dialect=dialect)[:80] if e.this is not None else ""
        files = [f.name if f.is_string else f.sql(dialect=dialect) for f in e.args.get("files") or []]
        return [Hit("copy-to-file", target, src, path) for path in files or ["a location it does not name"]]
    named = _command_row(src, lexer.words(lexer.code_only(src)), lexical_only=True)
    return named or []


def _load(e: Any, src: str, dialect: str) -> list[Hit]:
    """LOAD DATA as sqlglot reads it: judged by the rows that name its forms (`[[glot.commands]]`:
    MySQL's REPLACE, the forms that add rows), then by its kind (rules/sql_kinds.toml: BigQuery's
    LOAD DATA OVERWRITE replaces the table; LOAD DATA INTO adds rows)."""
    from blastwall.analyze.sql import kinds

    code = lexer.code_only(src)
    named = _command_row(src, lexer.words(code), lexical_only=True)
    if named is not None:
        return named
    by_kind = kinds.hits(src, code)
    return by_kind if by_kind is not None else [Hit("unknown-statement", "", src, "LOAD DATA")]


def _set(e: Any, src: str, dialect: str) -> list[Hit]:
    """`SET GLOBAL binlog_expire_logs_seconds = 1`: a setting that keeps data recoverable turned
    down or off (`analyze/sql/durability.py`); any other setting passes as before."""
    from sqlglot import exp

    from blastwall.analyze.sql import durability

    for item in e.expressions or ():
        pair = item.this if isinstance(item, exp.SetItem) else None
        if isinstance(pair, exp.EQ):
            key = pair.this.sql().split(".")[-1].lstrip("@")
            shortened = durability.cut(key, pair.expression.sql())
            if shortened:
                return [Hit("durability-off", key, src, shortened)]
    return []


def _privileges(e: Any, src: str, dialect: str) -> list[Hit]:
    """`GRANT`/`REVOKE` as sqlglot reads them (Snowflake's `GRANT OWNERSHIP ... TO ROLE r`): judged by
    their words like the ones it leaves as commands ([glot.commands] grant and revoke rows)."""
    return command_hits(src)


_HANDLERS = {
    "Grant": _privileges,
    "Set": _set,
    "Revoke": _privileges,
    "LoadData": _load,
    "Copy": _copy,
    "Describe": _describe,
    "Drop": _drop,
    "TruncateTable": _truncate,
    "Delete": _rows("delete"),
    "Update": _rows("update"),
    "Alter": _alter,
    "Merge": _merge,
    "Insert": _insert,
    "Create": _create,
    "Kill": _kill,
    "Execute": _execute,
    "ExecuteSql": _execute,
    "Command": _command,
    "Select": _select,
    "Union": _select,
    "Intersect": _select,
    "Except": _select,
}
