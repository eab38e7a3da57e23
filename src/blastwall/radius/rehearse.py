"""Rehearsal: run a destructive SQL statement against a throwaway copy and report what it really did.

    radius = rehearse(sql, source_conninfo, scratch_conninfo)

1. The statement must be one whose effects stay inside its database: DELETE, UPDATE, MERGE, INSERT,
   TRUNCATE, DROP of tables, views, indexes and sequences, and nothing the SQL analyzer flags
   beyond those (no roles, no other databases, no dblink, no server files, no procedural code).
2. A scratch database `blastwall_rehearsal_<random>` is created with `scratch_conninfo` (a role
   with CREATEDB). When that role's server is the source's, nothing else is connected to the source
   and the source is within `max_bytes`, it is `CREATE DATABASE ... TEMPLATE <source>` (PostgreSQL
   keeps new connections to the template out while it copies, hence the size limit). Otherwise the
   affected tables, the tables their foreign keys link them to and the views built on them are
   copied with `pg_dump --format=custom --table=...` into `pg_restore`, within `max_bytes`.
3. In the copy, in one transaction: row counts of those tables before, the statement, its command
   tags and row counts, the row counts after; then ROLLBACK, and the scratch database is dropped.

The source database only ever sees read-only catalog queries and pg_dump's read-only snapshot.
Credentials reach pg_dump and pg_restore through their environment (PGPASSWORD), never their
arguments, and nothing shown carries them.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from typing import Any, NamedTuple

from blastwall.radius.base import Radius
from blastwall.redact import redact

SOURCE = "rehearsal"
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
DEFAULT_TIMEOUT_S = 30.0
PREFIX = "blastwall_rehearsal_"
STATEMENTS = frozenset({"DeleteStmt", "UpdateStmt", "MergeStmt", "InsertStmt", "SelectStmt", "TruncateStmt",
                        "DropStmt"})
DROPPABLE = frozenset({"OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_INDEX", "OBJECT_SEQUENCE"})
# Analyzer rules whose effect stays inside the copy.
CONTAINED = ("sql.postgres:delete-*", "sql.postgres:update-*", "sql.postgres:truncate", "sql.postgres:drop-table",
             "sql.postgres:drop-view", "sql.postgres:drop-materialized-view", "sql.postgres:drop-index",
             "sql.postgres:drop-sequence", "sql.postgres:merge-delete")

# The affected tables, the tables foreign keys link them to (both ways, a few hops), the views on them.
CLOSURE = """WITH RECURSIVE linked(oid, hops) AS (
    SELECT c.oid, 0 FROM unnest(%s::text[]) AS t(name)
      JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(t.name)
    UNION
    SELECT CASE WHEN k.confrelid = l.oid THEN k.conrelid ELSE k.confrelid END, l.hops + 1
      FROM linked l JOIN pg_catalog.pg_constraint k
        ON k.contype = 'f' AND (k.confrelid = l.oid OR k.conrelid = l.oid)
     WHERE l.hops < 4)
SELECT DISTINCT quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind::text,
       pg_total_relation_size(c.oid)
  FROM (SELECT oid FROM linked
        UNION SELECT w.ev_class FROM linked l
          JOIN pg_catalog.pg_depend d ON d.refobjid = l.oid AND d.classid = 'pg_catalog.pg_rewrite'::regclass
          JOIN pg_catalog.pg_rewrite w ON w.oid = d.objid) AS r
  JOIN pg_catalog.pg_class c ON c.oid = r.oid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 ORDER BY 1"""
SOURCE_FACTS = """SELECT current_database(), pg_database_size(current_database()),
       (SELECT count(*) FROM pg_catalog.pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid())"""


class Settings(NamedTuple):
    """`[radius]` rehearse keys: off unless `rehearse = true` and `rehearse_dsn_env` names a set variable."""

    enabled: bool
    dsn_env: str = ""
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout_s: float = DEFAULT_TIMEOUT_S

    @classmethod
    def of(cls, policy: Any) -> Settings:
        section = (policy.section("radius") if policy is not None else None) or {}
        if section.get("rehearse") is not True:
            return cls(False)
        try:
            return cls(True, str(section.get("rehearse_dsn_env") or ""),
                       int(section.get("rehearse_max_bytes", DEFAULT_MAX_BYTES)),
                       min(float(section.get("rehearse_timeout_s", DEFAULT_TIMEOUT_S)), 120.0))
        except (TypeError, ValueError):
            return cls(True)

    def scratch(self) -> str:
        """The CREATEDB connection string, or NotRehearsed saying why there is none."""
        if not self.dsn_env:
            raise NotRehearsed("[radius] rehearse_dsn_env names no variable with a CREATEDB connection string")
        value = os.environ.get(self.dsn_env, "").strip()
        if not value:
            raise NotRehearsed(f"${self.dsn_env} is not set for blastwall")
        return value


class NotRehearsed(Exception):
    """Why a statement was not rehearsed (a fixed phrase)."""


class Copy(NamedTuple):
    database: str  # the source database's name
    relations: tuple[tuple[str, str], ...]  # (quoted name, relkind)
    method: str  # "template" | "dump"


def rehearse(sql: str, source: str, scratch: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
             timeout_s: float = DEFAULT_TIMEOUT_S) -> Radius:
    """What `sql` does to a copy of the database `source` reaches, made with the CREATEDB role of
    `scratch`. Never raises; a statement that cannot be rehearsed gives an unmeasured radius."""
    try:
        texts, tables = contained(sql)
        return _rehearse(texts, tables, source, scratch, max_bytes, timeout_s)
    except NotRehearsed as exc:
        return Radius.unmeasured(f"not rehearsed: {exc}", source=SOURCE)
    except Exception as exc:  # noqa: BLE001 - a rehearsal that breaks leaves the read-only measurement standing
        return Radius.unmeasured(f"not rehearsed: rehearsing failed ({type(exc).__name__})", source=SOURCE)


def contained(sql: str) -> tuple[list[str], list[str]]:
    """The statements of `sql` and the relations they change, when every effect stays in the copy."""
    from pglast import ast, parse_sql
    from pglast.parser import ParseError

    from blastwall.analyze import globs
    from blastwall.analyze.base import Scope
    from blastwall.analyze.sql import analyze_sql
    from blastwall.radius.postgres import _range_var, _relname, effect_functions

    try:
        raw = parse_sql(sql)
    except (ParseError, ValueError, OverflowError, RecursionError):
        raise NotRehearsed("blastwall could not parse the statement") from None
    data = sql.encode("utf-8", "surrogatepass")
    texts, tables = [], []
    for rs in raw:
        node: Any = rs.stmt
        kind = type(node).__name__
        if kind not in STATEMENTS or kind == "DropStmt" and getattr(node.removeType, "name", "") not in DROPPABLE:
            raise NotRehearsed("only DELETE, UPDATE, MERGE, INSERT, SELECT, TRUNCATE and DROP of tables, views, "
                               "indexes and sequences are rehearsed (their effects stay in the copy)")
        start = rs.stmt_location or 0
        texts.append(data[start:start + rs.stmt_len if rs.stmt_len else len(data)].decode().strip())
        if isinstance(node, (ast.DeleteStmt, ast.UpdateStmt, ast.MergeStmt, ast.InsertStmt)):
            tables.append(_relname(node.relation))
        elif isinstance(node, ast.TruncateStmt):
            tables += [_relname(r) for r in node.relations or ()]
        elif isinstance(node, ast.DropStmt) and getattr(node.removeType, "name", "") != "OBJECT_INDEX":
            tables += [_relname(_range_var(o)) for o in node.objects or ()]
    outside = [f.rule_id for f in analyze_sql(sql, Scope(read_files=False))
               if not globs.match_any(f.rule_id, CONTAINED)]
    outside += [f"{name}()" for r in raw for name in effect_functions(r.stmt)]
    if outside:
        raise NotRehearsed(f"the statement does more than change rows and tables ({', '.join(sorted(set(outside)))})")
    if not tables:
        raise NotRehearsed("the statement changes no table")
    return texts, list(dict.fromkeys(tables))


def _rehearse(texts: list[str], tables: list[str], source: str, scratch: str, max_bytes: int,
              timeout_s: float) -> Radius:
    import psycopg
    from psycopg import sql as q

    name = PREFIX + secrets.token_hex(6)
    try:
        admin = psycopg.connect(scratch, autocommit=True, connect_timeout=max(2, int(timeout_s)),
                                application_name="blastwall-rehearsal")
    except psycopg.Error:
        raise NotRehearsed("the rehearsal role's server could not be reached") from None
    with admin:
        try:
            copy = _copy(psycopg, q, admin, source, scratch, name, tables, max_bytes, timeout_s)
            return _run(psycopg, _with_db(scratch, name), texts, tables, copy, timeout_s)
        except psycopg.Error:
            raise NotRehearsed("the copy could not be made or read") from None
        finally:  # also when copying failed halfway
            admin.execute(q.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(q.Identifier(name)))


def _copy(psycopg: Any, q: Any, admin: Any, source: str, scratch: str, name: str, tables: list[str],
          max_bytes: int, timeout_s: float) -> Copy:
    try:
        with psycopg.connect(source, autocommit=False, connect_timeout=max(2, int(timeout_s)),
                             options="-c default_transaction_read_only=on") as conn:
            conn.read_only = True
            database, db_bytes, others = conn.execute(SOURCE_FACTS).fetchone()
            relations = [(str(n), str(k), int(s or 0)) for n, k, s in conn.execute(CLOSURE, (tables,)).fetchall()]
            same = (conn.info.host, conn.info.port) == (admin.info.host, admin.info.port)
            conn.rollback()
    except psycopg.Error:
        raise NotRehearsed("the source database could not be read") from None
    if not relations:
        raise NotRehearsed("the database has none of the tables the statement changes")
    rels = tuple((n, k) for n, k, _ in relations)
    if same and others == 0 and db_bytes <= max_bytes:
        try:
            admin.execute(q.SQL("CREATE DATABASE {} TEMPLATE {}").format(q.Identifier(name), q.Identifier(database)))
            return Copy(database, rels, "template")
        except psycopg.Error:
            pass  # someone connected meanwhile: copy the tables instead
    size = sum(s for _, _, s in relations)
    if size > max_bytes:
        raise NotRehearsed(f"the affected tables hold {size:,} bytes, above the rehearsal limit of {max_bytes:,}")
    admin.execute(q.SQL("CREATE DATABASE {}").format(q.Identifier(name)))
    _dump_restore(source, _with_db(scratch, name), [n for n, _ in rels], timeout_s)
    return Copy(database, rels, "dump")


def _dump_restore(source: str, target: str, names: list[str], timeout_s: float) -> None:
    pg_dump, pg_restore = _program("pg_dump"), _program("pg_restore")
    flags = ["--no-owner", "--no-privileges"]
    try:
        dump = subprocess.run([pg_dump, "--format=custom", *flags, *(f"--table={n}" for n in names)],
                              env=_libpq_env(source), capture_output=True, timeout=timeout_s, check=False)
        if dump.returncode != 0:
            raise NotRehearsed("pg_dump could not copy the affected tables")
        # Errors restoring what the copy does not need (a foreign key to a table left out) are tolerated;
        # a table missing from the copy is caught before the statement runs.
        subprocess.run([pg_restore, *flags, "--dbname", _dbname(target)], input=dump.stdout,
                       env=_libpq_env(target), capture_output=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise NotRehearsed(f"copying the affected tables took longer than {timeout_s:g} s") from None


def _run(psycopg: Any, target: str, texts: list[str], tables: list[str], copy: Copy, timeout_s: float) -> Radius:
    counted = [n for n, k in copy.relations if k in ("r", "p", "m")]
    with psycopg.connect(target, autocommit=False) as conn:
        try:
            before = _counts(conn, counted)
            conn.execute(f"SET LOCAL statement_timeout = {int(timeout_s * 1000)}".encode())
            tags: list[tuple[str, int]] = []
            for text in texts:
                with conn.cursor() as cur:
                    cur.execute(text.encode())
                    tags.append((str(cur.statusmessage or ""), int(cur.rowcount)))
            after = _counts(conn, counted)
        except psycopg.Error as exc:
            conn.rollback()
            state = getattr(exc, "sqlstate", "") or "?"
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return Radius(True, redact(f"rehearsal: the statement fails on a copy ({state}: {first})"), {}, False,
                          False, SOURCE, (f"copied by {copy.method}; nothing was changed",))
        finally:
            if conn.info.transaction_status != 0:
                conn.rollback()
    return _answer(tags, tables, before, after, copy)


def _counts(conn: Any, names: list[str]) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for n in names:
        (exists,) = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (n,)).fetchone()
        out[n] = int(conn.execute(f"SELECT count(*) FROM {n}".encode()).fetchone()[0]) if exists else None
    return out


def _answer(tags: list[tuple[str, int]], tables: list[str], before: dict[str, int | None],
            after: dict[str, int | None], copy: Copy) -> Radius:
    lost = {n: (b or 0) - (after.get(n) or 0) for n, b in before.items() if b is not None}
    dropped = [n for n, b in before.items() if b is not None and after.get(n) is None]
    changed = sum(max(0, r) for t, r in tags if t.split(" ")[0] in ("UPDATE", "MERGE"))
    affected = {_plain(t) for t in tables}
    own = sum(v for n, v in lost.items() if _plain(n) in affected)
    cascaded = {n: v for n, v in lost.items() if _plain(n) not in affected and v > 0}
    rows = own + changed
    counts = {"rows": rows, "rows_cascaded": sum(cascaded.values()), "tables_dropped": len(dropped),
              "rows_total": sum(b or 0 for n, b in before.items() if _plain(n) in affected)}
    summary = f"rehearsed on a copy: {'; '.join(t for t, _ in tags)}"
    details = [f"{n}: {before[n]:,} -> {'dropped' if after.get(n) is None else format(after[n], ',')} rows"
               for n in before if before[n] is not None and lost.get(n)]
    details += [f"cascades to {n} ({v:,} rows)" for n, v in cascaded.items()]
    details.append(f"copy of {copy.database} made by {'CREATE DATABASE ... TEMPLATE' if copy.method == 'template' else 'pg_dump'}, dropped afterwards")
    irreplaceable = bool(rows or counts["rows_cascaded"] or dropped)
    return Radius(True, redact(summary), counts, False, irreplaceable, SOURCE, tuple(redact(d) for d in details))


def _plain(name: str) -> str:
    """`public.orders`, `"public"."orders"` and `orders` compare equal (the default schema)."""
    parts = [p.strip('"') for p in name.split(".")]
    return ".".join(parts if len(parts) > 1 else ["public", *parts])


# -- connection strings --------------------------------------------------------------------------

def _with_db(conninfo: str, dbname: str) -> str:
    from psycopg.conninfo import make_conninfo

    return str(make_conninfo(conninfo, dbname=dbname))


def _dbname(conninfo: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    return str(conninfo_to_dict(conninfo).get("dbname") or "")


_LIBPQ_ENV = {"host": "PGHOST", "hostaddr": "PGHOSTADDR", "port": "PGPORT", "user": "PGUSER",
              "password": "PGPASSWORD", "dbname": "PGDATABASE", "sslmode": "PGSSLMODE", "passfile": "PGPASSFILE",
              "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY"}


def _libpq_env(conninfo: str) -> dict[str, str]:
    """The connection as libpq variables, so no password appears in a process's arguments."""
    from psycopg.conninfo import conninfo_to_dict

    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for key, value in conninfo_to_dict(conninfo).items():
        if key in _LIBPQ_ENV and value is not None:
            env[_LIBPQ_ENV[key]] = str(value)
    return env


def _program(name: str) -> str:
    """The newest `name` (pg_dump must be at least the server's version)."""
    import glob

    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    path = found[-1] if found else shutil.which(name)
    if not path:
        raise NotRehearsed(f"{name} is not installed")
    return path


# -- `blastwall rehearse` ------------------------------------------------------------------------

def register(app: Any) -> None:
    import typer

    @app.command(name="rehearse")
    def rehearse_sql(
        statement: str = typer.Argument(..., help="The SQL to rehearse."),
        database: str = typer.Option(..., "--database", "-d",
                                     help="Where it would run: a connection string, or $NAME of a variable holding one."),
        scratch_env: str = typer.Option("", "--scratch-env",
                                        help="Variable holding a CREATEDB connection string (default: \\[radius] "
                                             "rehearse_dsn_env)."),
        max_bytes: int = typer.Option(DEFAULT_MAX_BYTES, "--max-bytes"),
        timeout_s: float = typer.Option(DEFAULT_TIMEOUT_S, "--timeout"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Run a destructive SQL statement on a throwaway copy of its database and show what it did."""
        import json

        from blastwall.cli.exits import EXIT_ERROR

        settings = Settings(True, scratch_env or _policy_scratch_env(), max_bytes, timeout_s)
        try:
            scratch, source = settings.scratch(), _source(database)
            radius = rehearse(statement, source, scratch, max_bytes=max_bytes, timeout_s=timeout_s)
        except NotRehearsed as exc:
            radius = Radius.unmeasured(f"not rehearsed: {exc}", source=SOURCE)
        if as_json:
            print(json.dumps(radius.to_dict(), ensure_ascii=False))
        else:
            print(radius.summary)
            for line in radius.details:
                print(f"  {line}")
        raise typer.Exit(0 if radius.measured else EXIT_ERROR)


def _source(database: str) -> str:
    text = database.strip()
    if text.startswith("$"):
        value = os.environ.get(text.strip("${}"), "").strip()
        if not value:
            raise NotRehearsed(f"{text} is not set")
        return value
    return text


def _policy_scratch_env() -> str:
    """`[radius] rehearse_dsn_env` of the policy in force here, or ""."""
    try:
        from blastwall.policy.load import load_policy

        section = load_policy(os.getcwd()).section("radius") or {}
    except Exception:  # noqa: BLE001 - an unreadable policy names no variable
        return ""
    return str(section.get("rehearse_dsn_env") or "")
