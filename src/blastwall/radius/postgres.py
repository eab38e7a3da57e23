"""PostgreSQL: how many rows a DELETE or UPDATE reaches, and what a DROP or TRUNCATE takes with it,
asked read-only within the action's time budget.

- DELETE / UPDATE: `SELECT count(*) FROM <table> [USING/FROM ...] WHERE <the same WHERE>`, rebuilt
  from the parsed statement (pglast deparses the statement's own WHERE; no text is spliced). With a
  join, distinct target rows are counted (`count(DISTINCT (tableoid, ctid))`): a row the join
  reaches twice is deleted once. A table whose catalog estimate passes `LARGE_ROWS` is not counted:
  the planner's estimate (`EXPLAIN (FORMAT JSON)`) answers, labeled `estimate=True`.
- DROP TABLE / TRUNCATE: rows (counted when small, else the catalog estimate), bytes
  (`pg_total_relation_size`), tables whose foreign keys reference it, views built on it,
  publications that carry it.

Safety: the session is read-only twice over (`default_transaction_read_only=on` and a READ ONLY
transaction, rolled back), with `statement_timeout` and `lock_timeout` derived from what is left of
the budget; a rebuilt query the SQL analyzer finds anything in (remote SQL, server functions with
effects) is never sent. Credentials follow preflight's rules (`preflight/providers/postgres.py`):
blastwall connects only when `[inventory.providers.postgres]` is configured (else: no radius), with
the action's own connection string or the variable `dsn_env` names. A server that cannot be reached, refuses, or
does not answer in time gives "unmeasured", never zero.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from blastwall.model import Action, Finding
from blastwall.radius.base import MeasureContext, Radius, measurer
from blastwall.redact import redact

SOURCE = "postgres"
# The source of "not counted because blastwall is not to connect" (no provider configured, probes
# off in its settings, no server named), apart from a count that was tried and failed: policy
# rules may relax the first (policy/defaults.toml `default:expired-cleanup`), never the second.
NOT_CONNECTED = "postgres-unconnected"
APPLICATION_NAME = "blastwall-radius"
LARGE_ROWS = 1_000_000  # above this catalog estimate, rows are estimated by the planner, not counted
LARGE_BYTES = 256 * 1024 * 1024  # nor above this heap size (a table never analyzed has no row estimate)
ROW_RULES = ("sql.postgres:delete-*", "sql.postgres:update-*")
TABLE_RULES = ("sql.postgres:drop-table", "sql.postgres:truncate")
# Functions a count never calls (effects beyond the session, even in a read-only transaction), on
# top of everything the SQL analyzer flags.
EFFECT_FUNCTIONS = ("dblink*", "lo_*", "pg_reload_conf", "pg_rotate_logfile*", "pg_switch_wal", "pg_switch_xlog",
                    "pg_create_restore_point", "pg_log_backend_memory_contexts", "pg_advisory*", "pg_try_advisory*",
                    "pg_notify", "pg_stat_reset*", "pg_wal_replay_*", "pg_*backup*", "pg_*replication*",
                    "pg_terminate_backend", "pg_cancel_backend", "pg_promote", "pg_file_*", "pg_import_system_collations",
                    "set_config", "pg_signal_*")
MARGIN_S = 0.02  # kept back from the deadline for the rollback and the answer's way back

# Per relation (a regclass text): its catalog estimate, size, and what depends on it.
CATALOG = """SELECT c.oid IS NOT NULL,
       CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint ELSE pg_stat_get_live_tuples(c.oid) END,
       COALESCE(pg_total_relation_size(c.oid), 0), COALESCE(pg_relation_size(c.oid), 0),
       (SELECT count(DISTINCT k.conrelid) FROM pg_catalog.pg_constraint k
         WHERE k.contype = 'f' AND k.confrelid = c.oid AND k.conrelid <> c.oid),
       (SELECT count(DISTINCT w.ev_class) FROM pg_catalog.pg_depend d
          JOIN pg_catalog.pg_rewrite w ON w.oid = d.objid
         WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
           AND d.refobjid = c.oid AND w.ev_class <> c.oid),
       (SELECT count(*) FROM pg_catalog.pg_publication p
         WHERE p.puballtables OR EXISTS (SELECT 1 FROM pg_catalog.pg_publication_rel r
                                          WHERE r.prpubid = p.oid AND r.prrelid = c.oid))
  FROM (SELECT pg_catalog.to_regclass(%s) AS oid) AS t
  LEFT JOIN pg_catalog.pg_class c ON c.oid = t.oid"""


class Plan(NamedTuple):
    """What to ask about one finding: the relations and, for DELETE/UPDATE, the rebuilt count."""

    verb: str  # delete | update | truncate | drop
    tables: tuple[str, ...]  # deparsed relation names (quoted where needed), for to_regclass
    count_sql: str = ""  # SELECT count(...) with the statement's own FROM/USING and WHERE
    rows_sql: str = ""  # SELECT 1 ... (the same rows), for EXPLAIN on large tables


class Facts(NamedTuple):
    table: str
    rows_total: int
    bytes: int
    referencing: int
    views: int
    publications: int
    matched: int | None = None  # DELETE/UPDATE: rows the WHERE reaches
    estimate: bool = False


class Unmeasured(Exception):
    """Why a finding stays unmeasured (a fixed phrase; never a server's text or credentials)."""


@measurer(*ROW_RULES, *TABLE_RULES)
def measure(action: Action, finding: Finding, ctx: MeasureContext) -> Radius | None:
    try:
        connection = _connection(action, ctx)
        if connection is None:
            return _not_counted(action, finding, ctx)
        plan = plan_for(finding)
        if plan is None:
            return None
        conninfo, where = connection
        facts = _ask(conninfo, where, plan, ctx)
    except Unmeasured as exc:
        return Radius.unmeasured(str(exc), source=SOURCE)
    measured = _radius(plan, facts, finding)
    return _rehearsed(finding, conninfo, measured, ctx)


def _not_counted(action: Action, finding: Finding, ctx: MeasureContext) -> Radius | None:
    """Why the rows of a DELETE or UPDATE are not counted when blastwall is not to connect (None
    for other findings: a DROP without a connection has nothing more to say)."""
    from blastwall.analyze import globs
    from blastwall.preflight.providers import postgres as provider

    if not globs.match_any(finding.rule_id, ROW_RULES):
        return None
    cfg = _provider_config(ctx.policy)
    if cfg is None:
        why = "no connection is configured to count its rows ([inventory.providers.postgres] in blastwall.toml)"
    elif not cfg.probe:
        why = "[inventory.providers.postgres] probe = false, so its rows are not counted"
    elif not provider.connections(action):
        why = "the action does not name the server it runs on, so its rows are not counted"
    else:
        return None
    return Radius.unmeasured(why, source=NOT_CONNECTED)


def _rehearsed(finding: Finding, conninfo: str, measured: Radius, ctx: MeasureContext) -> Radius:
    """With `[radius] rehearse = true`: the statement's real effect on a throwaway copy (rehearse.py),
    the read-only measurement beside it. Rehearsing takes seconds, outside the usual budget."""
    from blastwall.radius import rehearse

    settings = rehearse.Settings.of(ctx.policy)
    if not settings.enabled:
        return measured
    try:
        scratch = settings.scratch()
    except rehearse.NotRehearsed as exc:
        return measured._replace(details=(*measured.details, f"not rehearsed: {exc}"))
    done = rehearse.rehearse(finding.source, conninfo, scratch, max_bytes=settings.max_bytes,
                             timeout_s=settings.timeout_s)
    if not done.measured:
        return measured._replace(details=(*measured.details, done.summary))
    return done._replace(details=(*done.details, f"read-only measurement: {measured.summary}"))


# -- the statement -------------------------------------------------------------------------------

def plan_for(finding: Finding) -> Plan | None:
    """The queries that measure `finding`, rebuilt from its parsed statement; None when the
    finding is not one this module measures."""
    from pglast import ast, parse_sql
    from pglast.parser import ParseError

    from blastwall.analyze.sql.pg import rel
    from blastwall.analyze.sql.where import nodes

    try:
        tree = parse_sql(finding.source)
    except (ParseError, ValueError, OverflowError, RecursionError):
        raise Unmeasured("blastwall could not parse the statement to measure it") from None
    from blastwall.preflight.providers.postgres import table_names

    wanted = table_names(finding.target)
    for n in nodes(tree):
        verb = {ast.DeleteStmt: "delete-", ast.UpdateStmt: "update-"}.get(type(n))
        if verb and finding.rule_id.startswith(f"sql.postgres:{verb}") and rel(n.relation) in wanted:
            return _row_plan(n)
        elif isinstance(n, ast.TruncateStmt) and finding.rule_id == "sql.postgres:truncate":
            return Plan("truncate", tuple(_relname(r) for r in n.relations or ()))
        elif isinstance(n, ast.DropStmt) and finding.rule_id == "sql.postgres:drop-table" \
                and getattr(n.removeType, "name", "") == "OBJECT_TABLE":
            return Plan("drop", tuple(_relname(_range_var(o)) for o in n.objects or ()))
    return None


def _row_plan(stmt: Any) -> Plan:
    from pglast import ast
    from pglast.enums import CoercionForm

    from blastwall.analyze.sql.where import nodes

    if any(isinstance(n, ast.CurrentOfExpr) for n in nodes(stmt.whereClause)):
        raise Unmeasured("WHERE CURRENT OF names a cursor row blastwall cannot count from outside")
    delete = isinstance(stmt, ast.DeleteStmt)
    others = tuple((stmt.usingClause if delete else stmt.fromClause) or ())
    target = stmt.relation
    qualifier = target.alias.aliasname if target.alias else target.relname
    if others:  # a join may reach one target row several times; it is deleted or updated once
        row = ast.RowExpr(args=tuple(ast.ColumnRef(fields=(ast.String(sval=qualifier), ast.String(sval=col)))
                                     for col in ("tableoid", "ctid")), row_format=CoercionForm.COERCE_IMPLICIT_CAST)
        counted = ast.FuncCall(funcname=(ast.String(sval="count"),), args=(row,), agg_distinct=True)
    else:
        counted = ast.FuncCall(funcname=(ast.String(sval="count"),), agg_star=True)

    def select(value: Any) -> str:
        return _deparse(ast.SelectStmt(targetList=(ast.ResTarget(val=value),), fromClause=(target, *others),
                                       whereClause=stmt.whereClause, withClause=stmt.withClause))

    count_sql = select(counted)
    _harmless(count_sql, stmt)
    return Plan("delete" if delete else "update", (_relname(target),), count_sql, select(ast.A_Const(isnull=False, val=ast.Integer(ival=1))))


def _range_var(obj: Any) -> Any:
    from pglast import ast

    parts = [s.sval for s in obj] if isinstance(obj, (list, tuple)) else [obj.sval]
    return ast.RangeVar(relname=parts[-1], schemaname=parts[-2] if len(parts) > 1 else None,
                        catalogname=parts[-3] if len(parts) > 2 else None, inh=True)


def _relname(rv: Any) -> str:
    from pglast import ast

    return _deparse(ast.RangeVar(relname=rv.relname, schemaname=rv.schemaname, catalogname=rv.catalogname, inh=True))


def _deparse(node: Any) -> str:
    from pglast.stream import RawStream

    return str(RawStream()(node))


def _harmless(sql: str, tree: Any) -> None:
    """The rebuilt query must be one the SQL analyzer finds nothing in and that calls none of
    `EFFECT_FUNCTIONS`: a WHERE that calls dblink, signals backends or writes server files is not
    run to count it."""
    from blastwall.analyze.base import Scope
    from blastwall.analyze.sql import analyze_sql

    if effect_functions(tree) or analyze_sql(sql, Scope(read_files=False)):
        raise Unmeasured("the WHERE calls functions with effects of their own; blastwall does not run it to count rows")


def effect_functions(tree: Any) -> list[str]:
    """Names of `EFFECT_FUNCTIONS` called anywhere in a parsed statement."""
    from pglast import ast

    from blastwall.analyze import globs
    from blastwall.analyze.sql.where import nodes

    names = [str(getattr(n.funcname[-1], "sval", "")).lower() for n in nodes(tree)
             if isinstance(n, ast.FuncCall) and n.funcname]
    return [n for n in names if globs.match_any(n, EFFECT_FUNCTIONS)]


# -- the connection ------------------------------------------------------------------------------

def _connection(action: Action, ctx: MeasureContext) -> tuple[str, str] | None:
    """(conninfo, where it is shown as), by preflight's rules; None when blastwall is not to connect
    (no `[inventory.providers.postgres]`, `probe = false`) or the action names no connection."""
    from blastwall.preflight.providers import postgres as provider
    from blastwall.preflight.providers.base import ProbeError

    cfg = _provider_config(ctx.policy)
    locators = provider.connections(action)
    if cfg is None or not cfg.probe or not locators:
        return None
    if len(locators) > 1:
        raise Unmeasured("not measured: the action connects to more than one PostgreSQL server")
    try:
        return provider._conninfo(locators[0], cfg), provider._shown(locators[0])
    except ProbeError as exc:
        raise Unmeasured(f"not measured: {exc}") from None


def _provider_config(policy: Any) -> Any:
    section = policy.section("inventory") if policy is not None else None
    if not section:
        return None
    from blastwall.policy.engine import PolicyError
    from blastwall.preflight.inventory import compiled

    try:
        return compiled(section).provider("postgres")
    except PolicyError:
        return None


def _ask(conninfo: str, where: str, plan: Plan, ctx: MeasureContext) -> list[Facts]:
    """Facts per table, asked in a thread held to the deadline (libpq's connect timeout has a
    2-second floor; the budget is usually far shorter)."""
    left = ctx.left() - MARGIN_S
    if left <= 0:
        raise Unmeasured("not measured: the time budget for measuring ran out")
    import psycopg  # only here: a configured server and a SQL finding need it

    from blastwall.deadline import Late, within

    try:
        return within(left, lambda: _session(psycopg, conninfo, plan, ctx), name="blastwall-radius-postgres")
    except Late:
        raise Unmeasured(f"not measured: PostgreSQL at {where} did not answer within the time budget") from None
    except Unmeasured:
        raise
    except Exception as exc:  # noqa: BLE001 - a driver or server error is a reason, not a crash
        from blastwall.preflight.providers.postgres import _phrase

        raise Unmeasured(f"not measured: {_phrase(exc, where, round(left, 3))}") from None


def _session(psycopg: Any, conninfo: str, plan: Plan, ctx: MeasureContext) -> list[Facts]:
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(conninfo)
    ms = _ms(ctx)
    ours = (f"-c default_transaction_read_only=on -c statement_timeout={ms} -c lock_timeout={ms} "
            f"-c idle_in_transaction_session_timeout={max(ms, 1000)}")
    params["options"] = f"{params['options']} {ours}" if params.get("options") else ours
    params["application_name"] = APPLICATION_NAME
    params["connect_timeout"] = max(2, math.ceil(ctx.left()))
    with psycopg.connect(**params, autocommit=False) as conn:
        conn.read_only = True
        try:
            with conn.cursor() as cur:
                return [_facts(cur, table, plan, ctx) for table in plan.tables]
        finally:
            conn.rollback()


def _ms(ctx: MeasureContext) -> int:
    return max(1, int((ctx.left() - MARGIN_S) * 1000))


def _timed(cur: Any, ctx: MeasureContext, sql: str, params: tuple[Any, ...] | None = None) -> Any:
    ms = _ms(ctx)
    cur.execute(f"SET LOCAL statement_timeout = {ms}".encode())
    cur.execute(f"SET LOCAL lock_timeout = {ms}".encode())
    cur.execute(sql.encode(), params)
    return cur.fetchone()


def _facts(cur: Any, table: str, plan: Plan, ctx: MeasureContext) -> Facts:
    exists, reltuples, size, heap, referencing, views, pubs = _timed(cur, ctx, CATALOG, (table,))
    if not exists:
        raise Unmeasured(f"not measured: the database has no table {table}")
    estimate = (reltuples or 0) > LARGE_ROWS or (heap or 0) > LARGE_BYTES
    # `table` is a deparsed RangeVar (quoted by pglast), never the action's text
    total = int(reltuples) if estimate else int(_timed(cur, ctx, f"SELECT count(*) FROM {table}")[0])
    matched = None
    if plan.count_sql:
        if estimate:
            (doc,) = _timed(cur, ctx, f"EXPLAIN (FORMAT JSON) {plan.rows_sql}")
            matched = int(_plan_rows(doc))
        else:
            matched = int(_timed(cur, ctx, plan.count_sql)[0])
    return Facts(table, total, int(size or 0), int(referencing), int(views), int(pubs), matched, estimate)


def _plan_rows(doc: Any) -> float:
    import json

    data = json.loads(doc) if isinstance(doc, str) else doc
    return float(data[0]["Plan"]["Plan Rows"])


# -- the answer ----------------------------------------------------------------------------------

def _radius(plan: Plan, facts: list[Facts], finding: Finding) -> Radius:
    counts = {
        "rows_total": sum(f.rows_total for f in facts),
        "bytes": sum(f.bytes for f in facts),
        "tables_referencing": sum(f.referencing for f in facts),
        "views": sum(f.views for f in facts),
        "publications": sum(f.publications for f in facts),
    }
    estimate = any(f.estimate for f in facts)
    about = "about " if estimate else ""
    names = ", ".join(f.table for f in facts)
    if plan.count_sql:
        rows = sum(f.matched or 0 for f in facts)
        verb = "deletes" if plan.verb == "delete" else "overwrites"
        summary = f"matches {about}{rows:,} of {about}{counts['rows_total']:,} rows in {names}"
        if rows:
            summary = f"{verb} {about}{rows:,} of {about}{counts['rows_total']:,} rows in {names}"
    else:
        rows = counts["rows_total"]
        verb = "drops" if plan.verb == "drop" else "empties"
        summary = f"{verb} {names}: {about}{rows:,} rows, {_size(counts['bytes'])}"
    counts["rows"] = rows
    details = []
    for f in facts:
        deps = [f"{n} {label}{'' if n == 1 else 's'}" for n, label in ((f.referencing, "table referencing it"),
                                                                       (f.views, "view on it"),
                                                                       (f.publications, "publication"))
                if n]
        if deps:
            details.append(f"{f.table}: {', '.join(deps)}")
    if estimate:
        details.append(f"estimates from the planner and catalog statistics (tables above {LARGE_ROWS:,} rows "
                       f"or {LARGE_BYTES // 2**20:,} MB are not counted)")
    if finding.environment:
        details.append(f"environment: {finding.environment}")
    irreplaceable = not (plan.count_sql and rows == 0)
    return Radius(True, redact(summary), dict(sorted(counts.items())), estimate, irreplaceable, SOURCE,
                  tuple(redact(d) for d in details))


def _size(n: int) -> str:
    if n < 1024:
        return f"{n:,} bytes"
    value = float(n)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            break
    return f"{value:,.1f} {unit}"
