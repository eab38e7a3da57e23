"""The safety net of the pg-proxy: before an approved destructive statement is forwarded, save
what it destroys (snapshots/postgres.py restores it).

Which findings need what (`NEEDS`): table data (DROP TABLE, TRUNCATE, DELETE, UPDATE, MERGE,
ALTER TABLE ... DROP COLUMN / TYPE) is copied table by table; a schema or a whole database
(DROP SCHEMA, DROP DATABASE, DROP OWNED, DROP EXTENSION, and any other DROP ... CASCADE, which
can take columns of any table with it) can only be dumped, over blastwall's own connection. Other
approved statements (DROP INDEX, DROP VIEW, DROP FUNCTION, GRANT...) destroy no rows and run as
approved.

The tables are named by the statement itself, read with PostgreSQL's grammar (pglast), and
looked up on the client's session (`to_regclass`, with its search_path). When that cannot be done
safely (the statement shares its text with other statements, it arrives mid-pipeline, the table
is larger than `[snapshots] max_bytes`, the copy fails...) the statement is refused, unless
`[snapshots] required = false`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import time
from typing import TYPE_CHECKING, Any, NamedTuple

from blastwall.doors.pg_proxy.guard import NO_SNAPSHOT, Outcome, Refusal, summary
from blastwall.doors.pg_proxy.inject import Result, text
from blastwall.snapshots import postgres as pgsnap

if TYPE_CHECKING:
    from blastwall.doors.pg_proxy.session import Session

log = logging.getLogger("blastwall.pg_proxy")

# rule id -> how a table is put back ("recreate" > "replace" > "rows" when several apply)
NEEDS: dict[str, str] = {
    "sql.postgres:drop-table": "recreate",
    "sql.postgres:truncate": "rows",
    "sql.postgres:delete-without-where": "rows",
    "sql.postgres:delete-broad-where": "rows",
    "sql.postgres:delete-expired-rows": "rows",
    "sql.postgres:merge-delete": "replace",
    "sql.postgres:update-without-where": "replace",
    "sql.postgres:update-broad-where": "replace",
    "sql.postgres:alter-drop-column": "replace",
    "sql.postgres:alter-column-type": "replace",
}
DUMP_ONLY: dict[str, str] = {
    "sql.postgres:drop-schema": "schema",
    "sql.postgres:drop-database": "database",
    "sql.postgres:drop-owned": "database",
    "sql.postgres:drop-extension": "database",
}
_RANK = {"rows": 0, "replace": 1, "recreate": 2}
_TABLE_NODES = ("DeleteStmt", "UpdateStmt", "MergeStmt", "AlterTableStmt")


class Plan(NamedTuple):
    tables: dict[tuple[str, ...], str]  # name parts -> mode
    schemas: tuple[str, ...] = ()
    databases: tuple[str, ...] = ()  # the connection's database, when a dump of all of it is needed
    problem: str = ""

    @property
    def empty(self) -> bool:
        return not (self.tables or self.schemas or self.databases or self.problem)


def plan(sql: str, findings: Any, database: str) -> Plan:
    """What must be saved before `sql` runs, from its findings and its own parse tree."""
    rules = {f.rule_id for f in findings}
    if not rules & (set(NEEDS) | set(DUMP_ONLY)) and "CASCADE" not in sql.upper():
        return Plan({})
    try:
        names, schemas, cascade, problem = _read(sql)
    except Exception:  # noqa: BLE001 - pglast failing means blastwall cannot tell what to save
        return Plan({}, problem="blastwall could not read which tables the statement names")
    if problem:
        return Plan({}, problem=problem)
    tables: dict[tuple[str, ...], str] = {}
    dump_schemas: list[str] = []
    whole = cascade
    for f in findings:
        if f.rule_id in NEEDS:
            found = [names[t] for t in _pieces(f.target, names)]
            if not found:
                return Plan({}, problem=f"blastwall could not tell which table {f.target!r} is")
            mode = NEEDS[f.rule_id]
            for parts in found:
                if parts not in tables or _RANK[mode] > _RANK[tables[parts]]:
                    tables[parts] = mode
        elif DUMP_ONLY.get(f.rule_id) == "schema":
            dump_schemas.extend(s for s in schemas if s not in dump_schemas)
        elif f.rule_id in DUMP_ONLY:
            whole = True
    return Plan(tables, tuple(dump_schemas), (database,) if whole else ())


def _pieces(target: str, names: dict[str, tuple[str, ...]]) -> list[str]:
    if target in names:
        return [target]
    parts = target.split(", ")
    return parts if all(p in names for p in parts) else []


def _read(sql: str) -> tuple[dict[str, tuple[str, ...]], list[str], bool, str]:
    """Tables (display name -> name parts), schemas dropped, whether any non-table DROP cascades,
    and a problem when the text holds a statement that is not the destructive one."""
    from pglast import parse_sql
    from pglast.enums import DropBehavior, ObjectType

    from blastwall.analyze.sql.where import nodes

    names: dict[str, tuple[str, ...]] = {}
    schemas: list[str] = []
    cascade = False

    def add(parts: tuple[str, ...]) -> None:
        parts = tuple(p for p in parts if p)
        if parts:
            names[".".join(parts)] = parts

    for raw in parse_sql(sql):
        top = type(raw.stmt).__name__
        if top == "TransactionStmt":
            continue
        found = False
        for n in nodes(raw.stmt):
            kind = type(n).__name__
            if kind in _TABLE_NODES and n.relation is not None:
                add((n.relation.catalogname, n.relation.schemaname, n.relation.relname))
                found = True
            elif kind == "TruncateStmt":
                for rv in n.relations or ():
                    add((rv.catalogname, rv.schemaname, rv.relname))
                found = True
            elif kind == "DropStmt":
                found = True
                if n.removeType == ObjectType.OBJECT_TABLE:
                    for obj in n.objects or ():
                        add(tuple(getattr(s, "sval", "") for s in obj))
                elif n.removeType == ObjectType.OBJECT_SCHEMA:
                    schemas.extend(getattr(s, "sval", "") for s in n.objects or ())
                elif n.behavior == DropBehavior.DROP_CASCADE:
                    cascade = True
            elif kind in ("DropdbStmt", "DropOwnedStmt"):
                found = True
        if not found:
            return {}, [], False, ("the destructive statement shares its text with other statements; send it on "
                                   "its own so that blastwall can save what it destroys first")
    return names, schemas, cascade, ""


class Settings(NamedTuple):
    required: bool = True
    max_bytes: int = 512 * 1024**2
    folder: str | None = None
    admin_dsn_env: str = ""
    dump_timeout_s: float = 600.0


def settings_from(policy: Any, *, admin_dsn_env: str | None = None) -> Settings:
    out = Settings()
    try:
        from blastwall.snapshots.settings import settings_of

        s = settings_of(policy)
        out = out._replace(required=s.required, max_bytes=s.max_bytes, folder=s.dir)
    except ImportError:
        section = (policy.section("snapshots") if policy is not None else None) or {}
        out = out._replace(required=section.get("required", True) is not False)
    proxy = (policy.section("pg_proxy") if policy is not None else None) or {}
    env = admin_dsn_env if admin_dsn_env is not None else str(proxy.get("admin_dsn_env") or "")
    return out._replace(admin_dsn_env=env, dump_timeout_s=float(proxy.get("dump_timeout_s", 600.0)))


class SafetyNet:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def protect(self, session: Session, outcome: Outcome, sql: str) -> Refusal | None:
        """Save what `sql` destroys; a refusal when that cannot be done (and snapshots are required)."""
        assert outcome.verdict is not None
        params = session.params
        database = params.get("database") or params.get("user", "")
        p = plan(sql, outcome.verdict.findings, database)
        if p.empty:
            return None
        try:
            if p.problem:
                raise _Cannot(p.problem)
            if session.unsynced:
                raise _Cannot("it arrived in the middle of a pipeline (after other messages, before their Sync); "
                              "send it as the first statement after a Sync")
            await session.wait_quiet()
            if session.status == ord("E"):
                return None  # a failed transaction: the server refuses the statement itself
            snap = await self._take(session, outcome, sql, p)
            if snap is not None:
                log.info("pg-proxy: snapshot %s taken before %s", snap.id, summary(sql))
                await self._audit(outcome, [snap], None)
            return None
        except _Cannot as exc:
            reason = str(exc)
        except (ConnectionError, asyncio.CancelledError):
            raise
        except Exception as exc:  # noqa: BLE001 - fail closed
            log.exception("pg-proxy: snapshot failed")
            reason = f"{type(exc).__name__}: {exc}"
        await self._audit(outcome, [], reason)
        if not self.settings.required:
            log.warning("pg-proxy: running %s without a snapshot ([snapshots] required = false): %s",
                        summary(sql), reason)
            return None
        return Refusal(NO_SNAPSHOT, f"blastwall: {summary(sql)} was approved, but blastwall could not save what it "
                                    f"destroys first, so it was not run: {reason}",
                       "fix the cause and run it again, or set [snapshots] required = false to run approved "
                       "statements without a snapshot")

    async def _audit(self, outcome: Outcome, taken: list[Any], failure: str | None) -> None:
        """Audit entries (kind "snapshot"), as every door writes them (snapshots/take.py)."""
        from blastwall.snapshots.take import record

        gated, verdict = outcome.gated, outcome.verdict
        await asyncio.get_running_loop().run_in_executor(None, lambda: record(
            taken=taken, failure=failure, settings=self.settings, request_id=gated.request_id if gated else None,
            digest=verdict.action_digest if verdict else ""))

    async def _take(self, session: Session, outcome: Outcome, sql: str, p: Plan) -> Any:
        tables = await _lookup(session, p.tables) if p.tables else []
        too_big = [t for t in tables if t["size"] > self.settings.max_bytes]
        if too_big:
            t = too_big[0]
            raise _Cannot(f"{t['schema']}.{t['name']} takes {t['size']} bytes, more than [snapshots] max_bytes "
                          f"({self.settings.max_bytes})")
        if not tables and not p.schemas and not p.databases:
            return None  # nothing to save: the tables do not exist
        dsn = os.environ.get(self.settings.admin_dsn_env, "") if self.settings.admin_dsn_env else ""
        if p.schemas or p.databases:
            if not dsn:
                what = "schema " + ", ".join(p.schemas) if p.schemas else f"database {p.databases[0]}"
                raise _Cannot(f"saving a whole {what} needs blastwall's own connection to dump it "
                              "([pg_proxy] admin_dsn_env, or --admin-dsn-env)")
            return await self._dump(session, outcome, sql, tables, p, dsn)
        if dsn:
            try:
                return await self._dump(session, outcome, sql, tables, p, dsn)
            except _Cannot as exc:
                log.warning("pg-proxy: pg_dump failed (%s); copying on the session instead", exc)
        return await self._copy(session, outcome, sql, tables)

    def _record(self, session: Session, outcome: Outcome, sql: str, sid: str, tables: list[dict[str, Any]],
                location: str, size: int, **meta: Any) -> Any:
        from blastwall.snapshots.base import Snapshot, save

        cfg = session.proxy.config
        target = ", ".join(f"{t['schema']}.{t['name']}" for t in tables) or ", ".join(
            meta.get("schemas") or meta.get("databases") or ())
        gated = outcome.gated
        snap = Snapshot(
            id=sid, kind="postgres", created_at=time.time(), action=summary(sql, 200),
            digest=outcome.verdict.action_digest if outcome.verdict else "", target=target, location=location,
            size_bytes=size, request_id=gated.request_id if gated else None,
            meta={"host": cfg.upstream_host, "port": cfg.upstream_port,
                  "database": session.params.get("database") or session.params.get("user", ""),
                  "user": session.params.get("user", ""), "admin_dsn_env": self.settings.admin_dsn_env,
                  "tables": [{k: v for k, v in t.items() if k not in ("oid", "size")} for t in tables], **meta})
        return save(snap, self.settings.folder)

    async def _copy(self, session: Session, outcome: Outcome, sql: str, tables: list[dict[str, Any]]) -> Any:
        from blastwall.snapshots.base import new_id

        sid = new_id("postgres")
        taken: set[str] = set()
        statements = [f"CREATE SCHEMA IF NOT EXISTS {pgsnap.ident(pgsnap.SCHEMA)}"]
        for t in tables:
            t["copy"] = pgsnap.copy_name(sid, t["name"], taken)
            copy = pgsnap.qualified(pgsnap.SCHEMA, t["copy"])
            statements.append(f"CREATE TABLE {copy} AS TABLE {pgsnap.qualified(t['schema'], t['name'])}")
            note = pgsnap.literal(f"blastwall snapshot {sid} of {t['schema']}.{t['name']}")
            statements.append(f"COMMENT ON TABLE {copy} IS {note}")
        result = await _guarded(session, "; ".join(statements))
        if not result.ok and result.error and result.error.get("C") == "23505":  # two sessions created the schema
            result = await _guarded(session, "; ".join(statements[1:]))
        if not result.ok:
            raise _Cannot(f"copying the table failed: {result.message()}")
        size = sum(int(t["size"]) for t in tables)
        location = ", ".join(f"{pgsnap.SCHEMA}.{t['copy']}" for t in tables)
        return self._record(session, outcome, sql, sid, tables, location, size, mode="copy")

    async def _dump(self, session: Session, outcome: Outcome, sql: str, tables: list[dict[str, Any]], p: Plan,
                    dsn: str) -> Any:
        from psycopg.conninfo import make_conninfo

        from blastwall.snapshots.base import new_folder

        tool = pgsnap.pg_tool("pg_dump")
        if tool is None:
            raise _Cannot("pg_dump is not installed")
        database = session.params.get("database") or session.params.get("user", "")
        conninfo, env = pgsnap.libpq_env(make_conninfo(dsn, dbname=database))
        sid, folder = new_folder("postgres", self.settings.folder)
        archive = os.path.join(folder, pgsnap.DUMP_FILE)
        args = [tool, "-Fc", "--lock-wait-timeout=5000", "-f", archive, "-d", conninfo]
        if not p.databases:
            for t in tables:
                args += ["-t", f"{pgsnap.ident(t['schema'])}.{pgsnap.ident(t['name'])}"]
            for s in p.schemas:
                args += ["-n", pgsnap.ident(s)]
        try:
            proc = await asyncio.create_subprocess_exec(*args, env=env, stdout=asyncio.subprocess.DEVNULL,
                                                        stderr=asyncio.subprocess.PIPE)
            try:
                _, err = await asyncio.wait_for(proc.communicate(), self.settings.dump_timeout_s)
            except TimeoutError:
                proc.kill()
                raise _Cannot(f"pg_dump took longer than {self.settings.dump_timeout_s:.0f} s") from None
            if proc.returncode != 0:
                raise _Cannot("pg_dump failed: " + err.decode(errors="replace").strip().replace("\n", " ")[:300])
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        size = os.path.getsize(archive)
        return self._record(session, outcome, sql, sid, tables, archive, size, mode="dump", pg_dump=tool,
                            schemas=list(p.schemas), databases=list(p.databases))


class _Cannot(Exception):
    """The snapshot cannot be taken; the message says why."""


_LOOKUP = """SELECT u.i, c.oid, n.nspname, c.relname, c.relkind, pg_total_relation_size(c.oid),
 (SELECT json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
         pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated) ORDER BY a.attnum)
    FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
 (SELECT json_agg(json_build_array(k.conname, pg_get_constraintdef(k.oid), k.contype) ORDER BY k.contype = 'f', k.conname)
    FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype IN ('p', 'u', 'c', 'f', 'x')),
 (SELECT json_agg(pg_get_indexdef(x.indexrelid)) FROM pg_index x
   WHERE x.indrelid = c.oid AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)),
 (SELECT json_agg(json_build_array(k.conrelid::regclass::text, k.conname, pg_get_constraintdef(k.oid)))
    FROM pg_constraint k WHERE k.confrelid = c.oid AND k.contype = 'f' AND k.conrelid <> c.oid)
FROM unnest(ARRAY[{names}]::text[]) WITH ORDINALITY AS u(name, i)
LEFT JOIN pg_class c ON c.oid = to_regclass(u.name)
LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
ORDER BY u.i"""


async def _lookup(session: Session, tables: dict[tuple[str, ...], str]) -> list[dict[str, Any]]:
    """The tables that exist, as the client's session resolves their names."""
    order = list(tables)
    names = ", ".join(pgsnap.literal(".".join(pgsnap.ident(p) for p in parts)) for parts in order)
    result = await _guarded(session, _LOOKUP.format(names=names))
    if not result.ok:
        raise _Cannot(f"looking the tables up failed: {result.message()}")
    out = []
    for row in result.rows:
        if row[1] is None:
            continue  # no such table: the statement fails, or does nothing (IF EXISTS)
        parts = order[int(text(row[0]) or 0) - 1]
        out.append({"schema": text(row[2]), "name": text(row[3]), "kind": text(row[4]), "size": int(text(row[5]) or 0),
                    "mode": tables[parts], "columns": json.loads(text(row[6]) or "[]"),
                    "constraints": json.loads(text(row[7]) or "[]"), "indexes": json.loads(text(row[8]) or "[]"),
                    "referenced_by": json.loads(text(row[9]) or "[]")})
    return out


async def _guarded(session: Session, sql: str) -> Result:
    """Run `sql` on the session; inside a transaction block, in a savepoint, so that a failure leaves
    the client's transaction as it was."""
    if session.status != ord("T"):
        return await session.run(sql)
    result = await session.run(f"SAVEPOINT blastwall_snapshot; {sql}; RELEASE SAVEPOINT blastwall_snapshot")
    if not result.ok:
        undo = await session.run("ROLLBACK TO SAVEPOINT blastwall_snapshot; RELEASE SAVEPOINT blastwall_snapshot")
        if not undo.ok:
            raise ConnectionError("the client's transaction could not be restored after a failed snapshot")
    return result
