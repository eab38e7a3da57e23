"""PostgreSQL: which database a connection really reaches, and what depends on a table, asked
with read-only catalog queries.

For a destructive `sql.postgres:*` finding (from `psql -c`, `psql -f`, or SQL whose
`context.database` is a connection string) blastwall connects where the action would, in a
read-only session, and learns:

- the server's own identity: `current_database()`, `inet_server_addr()`/port (or the socket),
  `cluster_name`, and `system_identifier` when the role may read it;
- for a table a DROP, TRUNCATE, DELETE, UPDATE or MERGE acts on: the tables whose foreign keys
  reference it (`pg_constraint.confrelid`), the views and materialized views built on it
  (`pg_depend` -> `pg_rewrite`) and its estimated row count (`pg_class.reltuples`).

The database name and host the server reports are then looked up in the inventory
(`databases`, `hosts`). Only when `[inventory.providers.postgres]` is configured does blastwall
connect anywhere (`providers/__init__.py`, `configured_only`).

Safety of the probes:
- the session is read-only twice over: `default_transaction_read_only=on` at connection time and
  `BEGIN READ ONLY`, with `statement_timeout` and `lock_timeout`; only the SELECTs in
  `READ_ONLY_QUERIES` are ever sent, and the transaction is rolled back;
- credentials are the action's own (the connection string it is about to use) or the variable
  `dsn_env` names when the command says `$NAME`; no other variable is read;
- a hard deadline (`timeout_s`, within the check's `probe_budget_s`): a failure, refusal or a
  server that never answers is an answer with `error` set (unverified), never a pass;
- error texts are fixed phrases, and what a reason shows of a connection string has no password.
"""

from __future__ import annotations

import math
import os
import posixpath
from typing import Any, NamedTuple

from blastwall import rx
from blastwall.model import Action, Finding, Surface
from blastwall.preflight.inventory import ProviderConfig
from blastwall.preflight.providers.base import ProbeAnswer, ProbeContext, ProbeError, ResourceRef, join
from blastwall.redact import redact

NAME = "postgres"
LABEL = "PostgreSQL"
APPLICATION_NAME = "blastwall-preflight"

# The server's identity (one row).
IDENTITY = """SELECT current_database(), current_user, host(inet_server_addr()), inet_server_port(),
       current_setting('cluster_name', true), current_setting('server_version_num')::int,
       has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE')"""

# Run only when IDENTITY said the role may (reading it otherwise is an error).
SYSTEM_ID = "SELECT system_identifier::text FROM pg_catalog.pg_control_system()"

# Per table name: what it resolves to, who references it, what is built on it, how big it is.
_SHOWN = "CASE WHEN {ns}.nspname = 'public' THEN {c}.relname ELSE {ns}.nspname || '.' || {c}.relname END"
TABLES = f"""SELECT t.name, c.relkind::text,
       CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint ELSE pg_stat_get_live_tuples(c.oid) END,
       ARRAY(SELECT DISTINCT {_SHOWN.format(ns="rn", c="r")}
               FROM pg_catalog.pg_constraint k
               JOIN pg_catalog.pg_class r ON r.oid = k.conrelid
               JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
              WHERE k.contype = 'f' AND k.confrelid = c.oid AND k.conrelid <> c.oid ORDER BY 1),
       ARRAY(SELECT DISTINCT r.relkind::text || ':' || {_SHOWN.format(ns="rn", c="r")}
               FROM pg_catalog.pg_depend d
               JOIN pg_catalog.pg_rewrite w ON w.oid = d.objid
               JOIN pg_catalog.pg_class r ON r.oid = w.ev_class
               JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
              WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
                AND d.refobjid = c.oid AND r.oid <> c.oid ORDER BY 1)
  FROM unnest(%s::text[]) WITH ORDINALITY AS t(name, i)
  LEFT JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(t.name)
 ORDER BY t.i"""

READ_ONLY_QUERIES = (IDENTITY, SYSTEM_ID, TABLES)

# Rules whose target is a table (or a comma-separated list of them); other destructive
# `sql.postgres:*` findings are placed by the server's identity alone.
TABLE_RULES = frozenset({
    "sql.postgres:drop-table", "sql.postgres:truncate", "sql.postgres:delete-without-where",
    "sql.postgres:delete-broad-where", "sql.postgres:delete-expired-rows", "sql.postgres:update-without-where", "sql.postgres:update-broad-where",
    "sql.postgres:merge-delete",
})
RELKINDS = {"r": "table", "p": "partitioned table", "v": "view", "m": "materialized view", "f": "foreign table"}
_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
TABLE_NAME = rx.compile(rf"^{_IDENT}(?:\.{_IDENT}){{0,2}}$")
_VARIABLE = rx.compile(r"^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$")
SCHEMES = ("postgres://", "postgresql://")
CONNINFO_KEYS = ("host=", "hostaddr=", "dbname=", "port=", "user=", "service=")
# psql options that say where to connect, and those whose value is not the database operand.
_PSQL_PARTS = {"-h": "host", "--host": "host", "-p": "port", "--port": "port", "-U": "user", "--username": "user",
               "-d": "dbname", "--dbname": "dbname"}
_PSQL_VALUED = frozenset({"-c", "--command", "-f", "--file", "-v", "--set", "--variable", "-o", "--output", "-L",
                          "--log-file", "-P", "--pset", "-F", "--field-separator", "-R", "--record-separator", "-T",
                          "--table-attr", *_PSQL_PARTS})
_SEPARATORS = frozenset({";", "|", "||", "&", "&&", "(", ")", "|&", "\n"})
_PG_ASSIGNMENT = rx.compile(r"^PG[A-Z]+=")


# -- what the action connects to ---------------------------------------------------------------

def refs(f: Finding, action: Action) -> list[ResourceRef] | None:
    """The PostgreSQL resources `f` acts on: its tables (or the database), once per connection the
    action names. None when the action names no PostgreSQL connection (`mysql -e`, bare SQL)."""
    locators = connections(action)
    if not locators:
        return None
    tables = table_names(f.target) if f.rule_id in TABLE_RULES else []
    kind = "table" if len(tables) == 1 else "tables" if tables else "database"
    out = []
    for loc in locators:
        ident = join(tables) if tables else _shown(loc)
        # `project_id` carries the connection (the database is the table's "project"); labels never show it.
        out.append(ResourceRef(NAME, kind, id=ident, name=",".join(tables), project_id=loc))
    return out


def table_names(target: str) -> list[str]:
    return [t for t in (p.strip() for p in target.split(",")) if t]


def connections(action: Action) -> list[str]:
    """Connection strings (URI or key=value), or `$NAME`, the action would connect with."""
    if action.surface is Surface.SQL:
        db = (action.context.database or "").strip()
        return [db] if _is_connection(db) else []
    if action.surface is not Surface.SHELL or not isinstance(action.payload, str):
        return []
    from blastwall.preflight.payload import shell_words

    words = list(shell_words(action.payload))
    out: list[str] = []
    for i, word in enumerate(words):
        if posixpath.basename(word) != "psql":
            continue
        seg: list[str] = []
        for w in words[i + 1:]:
            if w in _SEPARATORS:
                break
            seg.append(w)
        loc = _psql_connection(seg, any(_PG_ASSIGNMENT.match(w) for w in words[:i]))
        if loc:
            out.append(loc)
    return list(dict.fromkeys(out))


def _is_connection(text: str) -> bool:
    return text.lower().startswith(SCHEMES) or (" " in text or "=" in text) and any(k in text for k in CONNINFO_KEYS) \
        or bool(_VARIABLE.match(text))


def _psql_connection(seg: list[str], pg_assignments: bool) -> str | None:
    parts: dict[str, str] = {}
    operands: list[str] = []
    skip: str | None = None
    for w in seg:
        if skip is not None:
            if skip in _PSQL_PARTS:
                parts.setdefault(_PSQL_PARTS[skip], w)
            skip = None
            continue
        if w.startswith("--") and "=" in w:
            opt, _, value = w.partition("=")
            if opt in _PSQL_PARTS:
                parts.setdefault(_PSQL_PARTS[opt], value)
            continue
        if w in _PSQL_VALUED:
            skip = w
            continue
        if len(w) > 2 and w[0] == "-" and w[1] != "-" and w[:2] in _PSQL_PARTS:
            parts.setdefault(_PSQL_PARTS[w[:2]], w[2:])
            continue
        if not w.startswith("-"):
            operands.append(w)
    for value in (parts.get("dbname", ""), *operands[:1]):
        if _is_connection(value):
            return value
    if operands and "dbname" not in parts:
        parts["dbname"] = operands[0]
    if len(operands) > 1 and "user" not in parts:
        parts["user"] = operands[1]
    if not parts or pg_assignments:  # nothing named, or PG* variables blastwall does not see
        return None
    return " ".join(f"{k}={_quote(v)}" for k, v in sorted(parts.items()))


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _shown(locator: str) -> str:
    """A connection as a reason may show it: no password, no other parameters."""
    if _VARIABLE.match(locator):
        return locator
    try:
        from psycopg.conninfo import conninfo_to_dict

        d = conninfo_to_dict(locator)
    except Exception:  # noqa: BLE001 - a string libpq cannot parse is shown as nothing more than that
        return "a connection string blastwall cannot parse"
    host = str(d.get("host") or d.get("hostaddr") or "the local socket")
    port = f":{d['port']}" if d.get("port") else ""
    db = f"/{d['dbname']}" if d.get("dbname") else ""
    return redact(f"{host}{port}{db}")


# -- asking the server -------------------------------------------------------------------------

class Identity(NamedTuple):
    database: str
    user: str
    address: str  # the server's address ("" on a unix socket)
    port: int | None
    host: str  # what blastwall connected to (a name, an address or a socket directory)
    cluster: str
    system_id: str


class TableInfo(NamedTuple):
    name: str
    relkind: str | None  # None: the server has no such relation
    rows: int | None
    referenced_by: tuple[str, ...]
    views: tuple[tuple[str, str], ...]  # (relkind, name)


def probe(ref: ResourceRef, cfg: ProviderConfig, ctx: ProbeContext) -> ProbeAnswer:
    """What the server says about `ref`. Failures come back as `error`, never as an exception."""
    try:
        tables = tuple(t for t in ref.name.split(",") if t)
        identity, infos = _ask(ref.project_id, tables, cfg, ctx)
    except ProbeError as exc:
        return ProbeAnswer(ref, error=str(exc))
    envs = _environments(identity, ctx)
    return ProbeAnswer(ref, environments=envs, detail=_detail(ref, identity, infos, envs, ctx), source=LABEL)


def _ask(locator: str, tables: tuple[str, ...], cfg: ProviderConfig, ctx: ProbeContext,
         ) -> tuple[Identity, tuple[TableInfo, ...]]:
    key = (NAME, locator, tables)
    failed = ctx.cache.get((NAME, locator))
    if isinstance(failed, ProbeError):  # one failed server costs one timeout per check
        raise failed
    if key not in ctx.cache:
        try:
            ctx.cache[key] = _fetch(_conninfo(locator, cfg), _shown(locator), tables, cfg, ctx)
        except ProbeError as exc:
            ctx.cache[(NAME, locator)] = exc
            raise
    return ctx.cache[key]  # type: ignore[no-any-return]


def _conninfo(locator: str, cfg: ProviderConfig) -> str:
    m = _VARIABLE.match(locator)
    if not m:
        return locator
    var = m.group(1) or m.group(2)
    if var != cfg.dsn_env:
        raise ProbeError(f"the command connects with ${var}, which [inventory.providers.postgres] dsn_env does not name")
    value = os.environ.get(var, "").strip()
    if not value:
        raise ProbeError(f"${var} is not set for blastwall")
    return value


def _fetch(conninfo: str, where: str, tables: tuple[str, ...], cfg: ProviderConfig, ctx: ProbeContext,
           ) -> tuple[Identity, tuple[TableInfo, ...]]:
    timeout = min(cfg.timeout_s, ctx.budget.left())
    if timeout <= 0:
        raise ProbeError("blastwall's preflight ran out of its time budget")
    import psycopg  # only here: a probe is configured and a SQL finding needs it

    from blastwall.deadline import Late, within

    try:
        return within(timeout + 0.05, lambda: _session(psycopg, conninfo, tables, timeout),
                      name="blastwall-probe-postgres")
    except Late:
        raise ProbeError(f"PostgreSQL at {where} did not answer within {timeout:g} s") from None
    except Exception as exc:  # noqa: BLE001 - a driver or server error is a reason, not a crash
        raise ProbeError(_phrase(exc, where, timeout)) from None


def _session(psycopg: Any, conninfo: str, tables: tuple[str, ...], timeout: float,
             ) -> tuple[Identity, tuple[TableInfo, ...]]:
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(conninfo)
    ms = max(1, int(timeout * 1000))
    ours = (f"-c default_transaction_read_only=on -c statement_timeout={ms} -c lock_timeout={ms} "
            f"-c idle_in_transaction_session_timeout={max(ms, 1000)}")
    params["options"] = f"{params['options']} {ours}" if params.get("options") else ours
    params["application_name"] = APPLICATION_NAME
    params["connect_timeout"] = max(2, math.ceil(timeout))  # libpq's floor; the caller's deadline is the real one
    with psycopg.connect(**params, autocommit=False) as conn:
        conn.read_only = True
        try:
            with conn.cursor() as cur:
                cur.execute(_checked(IDENTITY))
                db, user, address, port, cluster, _version, may_read_id = cur.fetchone()
                system_id = ""
                if may_read_id:
                    cur.execute(_checked(SYSTEM_ID))
                    system_id = str(cur.fetchone()[0])
                identity = Identity(str(db), str(user), str(address or ""), port, str(conn.info.host or ""),
                                    str(cluster or ""), system_id)
                infos: list[TableInfo] = []
                checkable = [t for t in tables if TABLE_NAME.match(t)]
                if checkable:
                    cur.execute(_checked(TABLES), (checkable,))
                    for name, relkind, rows, referenced_by, views in cur.fetchall():
                        infos.append(TableInfo(name, relkind, None if rows is None or rows < 0 else int(rows),
                                               tuple(referenced_by or ()),
                                               tuple(tuple(v.split(":", 1)) for v in views or ())))
                infos += [TableInfo(t, None, None, (), ()) for t in tables if not TABLE_NAME.match(t)]
        finally:
            conn.rollback()
    return identity, tuple(infos)


def _checked(query: str) -> bytes:
    if query not in READ_ONLY_QUERIES:  # only the catalog SELECTs above are ever sent
        raise ProbeError("blastwall only sends PostgreSQL its read-only catalog queries")
    return query.encode()


def _phrase(exc: BaseException, where: str, timeout: float) -> str:
    if isinstance(exc, ProbeError):
        return str(exc)
    text = str(exc).lower()
    at = f"PostgreSQL at {where}"
    for needle, phrase in (
        ("timeout expired", f"{at} did not answer within {timeout:g} s"),
        ("timed out", f"{at} did not answer within {timeout:g} s"),
        ("statement timeout", f"{at} did not answer within {timeout:g} s"),
        ("connection refused", f"{at} refused the connection"),
        ("could not translate host name", f"the host name of {where} did not resolve"),
        ("password authentication failed", f"{at} rejected the credentials"),
        ("no password supplied", f"{at} asked for a password the connection string does not give"),
        ("no pg_hba.conf entry", f"{at} does not accept this connection (pg_hba.conf)"),
        ("does not exist", f"{at} says the database or role does not exist"),
        ("no such file or directory", f"{at} has no server listening on that socket"),
        ("invalid dsn", f"{where} is not a connection string libpq accepts"),
        ("invalid connection option", f"{where} is not a connection string libpq accepts"),
        ("missing \"=\"", f"{where} is not a connection string libpq accepts"),
    ):
        if needle in text:
            return phrase
    sqlstate = getattr(exc, "sqlstate", None)
    if sqlstate:
        return f"{at} refused blastwall's read-only catalog query (SQLSTATE {sqlstate})"
    return f"{at} could not be reached ({type(exc).__name__})"


# -- what it means -----------------------------------------------------------------------------

def _forms(identity: Identity) -> tuple[list[str], list[str]]:
    """The server's identity in the forms `databases` and `hosts` globs are written in."""
    hosts = list(dict.fromkeys(h for h in (identity.address, identity.host) if h))
    port = f":{identity.port}" if identity.port else ""
    databases = [identity.database]
    for h in hosts:
        databases += [f"{h}{port}/{identity.database}", f"{h}/{identity.database}"]
        databases += [f"{s}{identity.user}@{h}{port}/{identity.database}" for s in SCHEMES]
    return databases, hosts + [f"{h}{port}" for h in hosts if port]


def _environments(identity: Identity, ctx: ProbeContext) -> tuple[str, ...]:
    databases, hosts = _forms(identity)
    names: list[str] = []
    for kind, values in (("databases", databases), ("hosts", hosts)):
        for value in values:
            names += [env.name for env, _ in ctx.inventory.matching(kind, value)]
    return tuple(dict.fromkeys(names))


def _detail(ref: ResourceRef, identity: Identity, infos: tuple[TableInfo, ...], envs: tuple[str, ...],
            ctx: ProbeContext) -> str:
    where = f"{identity.address}:{identity.port}" if identity.address else f"the socket in {identity.host or '?'}"
    cluster = f" (cluster {identity.cluster})" if identity.cluster else ""
    if envs:
        labels = []
        for name in envs:
            env = ctx.inventory.environment_named(name)
            labels.append("production" if env is not None and env.production else name)
        placed = f", which is {join(list(dict.fromkeys(labels)))} (inventory)"
    else:
        placed = ", which nothing in [inventory] places"
    verb = {"table": "is in", "tables": "are in"}.get(ref.kind, "reaches")
    parts = [f"{verb} database {identity.database} on {where}{cluster}{placed}"]
    for info in infos:
        parts += _table_facts(info, identity, len(infos) > 1)
    return redact("; ".join(parts))


def _table_facts(info: TableInfo, identity: Identity, several: bool) -> list[str]:
    name = info.name
    if info.relkind is None:
        return [f"{identity.database} has no table {name}" if TABLE_NAME.match(name) else f"{name} was not looked up"]
    out = []
    if info.relkind not in ("r", "p"):
        out.append(f"{name} is a {RELKINDS.get(info.relkind, 'relation')}")
    if info.referenced_by:
        n = len(info.referenced_by)
        out.append(f"{n} table{'s' if n > 1 else ''} reference{'' if n > 1 else 's'} {name} "
                   f"({', '.join(info.referenced_by)})")
    by_kind: dict[str, list[str]] = {}
    for relkind, view in info.views:
        by_kind.setdefault(RELKINDS.get(relkind, "view"), []).append(view)
    for kind, views in by_kind.items():
        plural = f"{kind}s" if len(views) > 1 else kind
        out.append(f"{plural} {join(views)} depend{'' if len(views) > 1 else 's'} on {name if several else 'it'}")
    if info.rows is not None:
        out.append(f"about {info.rows:,} row{'' if info.rows == 1 else 's'}" + (f" in {name}" if several else ""))
    else:
        out.append(f"row count of {name} unknown (never analyzed)" if several else "row count unknown (never analyzed)")
    return out
