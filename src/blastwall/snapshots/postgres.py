"""PostgreSQL snapshots: the tables an approved DROP, TRUNCATE, DELETE or UPDATE was about to
destroy, saved before it ran (by `blastwall pg-proxy`), and how `blastwall undo` puts them back.

Two kinds of copy (`meta["mode"]`):

- `copy`: `CREATE TABLE blastwall_snapshots."<snapshot id>_<table>" AS TABLE <table>` on the
  client's own session, so it needs no credentials of blastwall's own and sees the client's
  transaction. It lives in the same database, outside the table (and outside its schema).
- `dump`: `pg_dump -Fc` over blastwall's own connection (`[pg_proxy] admin_dsn_env`) into the
  snapshot folder, outside the database.

Either way the record keeps each table's columns, constraints, indexes and the foreign keys that
point at it (`meta["tables"]`), read from the catalog when the snapshot was taken. Restoring:

- a table that is gone is created again with its columns, rows, NOT NULL, defaults (a `serial`
  column's sequence is recreated), identity, generated columns, constraints, indexes and the
  foreign keys of other tables that referenced it; what cannot be recreated is listed;
- after TRUNCATE or DELETE, the rows the table no longer has are inserted again (rows added
  since, and rows whose key is taken again, are left alone);
- after UPDATE or MERGE (and ALTER TABLE ... DROP COLUMN / TYPE), the table's rows are replaced
  by the snapshot's, in one transaction.

Where to connect: `restore_snapshot(snap, dsn=...)` (what `blastwall undo ID --dsn DSN` passes),
else `$BLASTWALL_PG_RESTORE_DSN`, else the variable `meta["admin_dsn_env"]` names, else the
server, port, user and database recorded in `meta` (libpq finds the password in `PGPASSWORD` or
`~/.pgpass`). The database name always comes from the record.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from typing import Any

from blastwall.snapshots.base import Snapshot, SnapshotError, folder_of, register

SCHEMA = "blastwall_snapshots"
RESTORE_DSN_ENV = "BLASTWALL_PG_RESTORE_DSN"
DUMP_FILE = "dump.pgdump"
MAX_IDENT = 63
_NEXTVAL = re.compile(r"^nextval\('((?:[^']|'')+)'::regclass\)$")


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """An SQL string literal that means the same whatever standard_conforming_strings is."""
    return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def qualified(schema: str, name: str) -> str:
    return f"{ident(schema)}.{ident(name)}"


def copy_name(snapshot_id: str, table: str, taken: set[str]) -> str:
    """`<snapshot id>_<table>`, cut to PostgreSQL's 63-byte names, unique within one snapshot."""
    base = f"{snapshot_id}_{table}"
    name, n = _cut(base), 2
    while name in taken:
        suffix = f"_{n}"
        name, n = _cut(base, MAX_IDENT - len(suffix)) + suffix, n + 1
    taken.add(name)
    return name


def _cut(text: str, limit: int = MAX_IDENT) -> str:
    data = text.encode("utf-8")[:limit]
    return data.decode("utf-8", "ignore")


# --- where to connect ---------------------------------------------------------------------------


def dsn_for(snap: Snapshot, dsn: str | None = None) -> str:
    from psycopg.conninfo import make_conninfo

    meta = snap.meta or {}
    database = str(meta.get("database") or "")
    given = dsn or os.environ.get(RESTORE_DSN_ENV) or _env(str(meta.get("admin_dsn_env") or ""))
    if given:
        return make_conninfo(given, dbname=database) if database else given
    if not meta.get("host"):
        raise SnapshotError(f"snapshot {snap.id} does not say which server it came from; pass --dsn")
    return make_conninfo("", host=str(meta["host"]), port=str(meta.get("port") or 5432),
                         user=str(meta.get("user") or ""), dbname=database)


def _env(name: str) -> str:
    return os.environ.get(name, "") if name else ""


def _connect(snap: Snapshot, dsn: str | None) -> Any:
    import psycopg

    target = dsn_for(snap, dsn)
    try:
        return psycopg.connect(target, connect_timeout=10)
    except psycopg.Error as exc:
        where = f"{snap.meta.get('host')}:{snap.meta.get('port')}/{snap.meta.get('database')}"
        raise SnapshotError(f"cannot connect to {where} to restore {snap.id} ({_first_line(exc)}); pass --dsn "
                            f"or set {RESTORE_DSN_ENV}") from exc


def _first_line(exc: BaseException) -> str:
    from blastwall.redact import redact

    text = str(exc).strip().splitlines()
    return redact(text[0] if text else type(exc).__name__)[:200]


# --- restoring ------------------------------------------------------------------------------------


def restore_snapshot(snap: Snapshot, *, dsn: str | None = None, force: bool = False) -> str:
    """Put back the tables of `snap`; a one-line description of what was done."""
    meta = snap.meta or {}
    tables = list(meta.get("tables") or [])
    if meta.get("mode") == "dump" and (meta.get("schemas") or meta.get("databases")):
        return _restore_archive(snap, dsn, force)
    if not tables:
        raise SnapshotError(f"snapshot {snap.id} holds no table")
    notes: list[str] = []
    done: list[str] = []
    with _connect(snap, dsn) as conn:
        try:
            for i, table in enumerate(tables):
                done.append(_restore_table(conn, snap, table, i, force, notes))
            conn.commit()
        except SnapshotError:
            conn.rollback()
            raise
        except Exception as exc:
            conn.rollback()
            raise SnapshotError(f"restoring {snap.id} failed, nothing was changed: {_first_line(exc)}") from exc
    tail = f"; not recreated: {'; '.join(notes)}" if notes else ""
    return "; ".join(done) + tail


def _restore_table(conn: Any, snap: Snapshot, table: dict[str, Any], i: int, force: bool, notes: list[str]) -> str:
    target = qualified(table["schema"], table["name"])
    columns = [c for c in table.get("columns") or [] if not c[5]]  # generated columns are recomputed
    names = ", ".join(ident(c[0]) for c in columns)
    source = _source(conn, snap, table, i)
    exists = _one(conn, f"SELECT to_regclass({literal(target)}) IS NOT NULL")
    if not exists:
        _recreate(conn, table, source, notes)
        rows = _one(conn, f"SELECT count(*) FROM {target}")
        return f"recreated {table['schema']}.{table['name']} with {rows} rows"
    mode = table.get("mode", "rows")
    if mode == "recreate" and not force:
        raise SnapshotError(f"{table['schema']}.{table['name']} exists again; rename it, or run `blastwall undo "
                            f"{snap.id} --force` to replace its rows with the snapshot's")
    if mode == "rows":
        inserted = conn.execute(
            f"INSERT INTO {target} ({names}) OVERRIDING SYSTEM VALUE SELECT {names} FROM "
            f"(SELECT {names} FROM {source} EXCEPT ALL SELECT {names} FROM {target}) AS missing "
            "ON CONFLICT DO NOTHING").rowcount
        return f"put {inserted} rows back into {table['schema']}.{table['name']}"
    _add_missing_columns(conn, table, target)
    conn.execute(f"DELETE FROM {target}")
    conn.execute(f"INSERT INTO {target} ({names}) OVERRIDING SYSTEM VALUE SELECT {names} FROM {source}")
    rows = _one(conn, f"SELECT count(*) FROM {target}")
    return f"replaced the rows of {table['schema']}.{table['name']} with the snapshot's {rows}"


def _one(conn: Any, sql: str) -> Any:
    row = conn.execute(sql).fetchone()
    return row[0] if row else None


def _source(conn: Any, snap: Snapshot, table: dict[str, Any], i: int) -> str:
    """The relation holding the snapshot's rows of `table` (the copy, or a temporary table loaded
    from the dump)."""
    if snap.meta.get("mode") != "dump":
        copy = qualified(SCHEMA, table["copy"])
        if not _one(conn, f"SELECT to_regclass({literal(copy)}) IS NOT NULL"):
            raise SnapshotError(f"the copy {SCHEMA}.{table['copy']} is gone (dropped by hand, or the transaction "
                                "that took it rolled back); nothing to restore from")
        return copy
    temp = f"blastwall_restore_{i}"
    cols = ", ".join(f"{ident(c[0])} {c[1]}" for c in table.get("columns") or [] if not c[5])
    conn.execute(f"CREATE TEMP TABLE {ident(temp)} ({cols}) ON COMMIT DROP")
    header, lines = _dump_rows(snap, table)
    with conn.cursor().copy(f"COPY {ident(temp)} {header} FROM STDIN") as copy:
        for line in lines:
            copy.write(line)
    return ident(temp)


def _recreate(conn: Any, table: dict[str, Any], source: str, notes: list[str]) -> None:
    target = qualified(table["schema"], table["name"])
    cols = table.get("columns") or []
    plain = [c for c in cols if not c[5]]
    conn.execute(f"CREATE TABLE {target} ({', '.join(f'{ident(c[0])} {c[1]}' for c in plain)})")
    names = ", ".join(ident(c[0]) for c in plain)
    conn.execute(f"INSERT INTO {target} ({names}) SELECT {names} FROM {source}")
    label = f"{table['schema']}.{table['name']}"
    for name, type_, _notnull, expr, _identity, generated in cols:
        if generated and expr:
            _try(conn, f"ALTER TABLE {target} ADD COLUMN {ident(name)} {type_} GENERATED ALWAYS AS ({expr}) STORED",
                 notes, f"generated column {name} of {label}")
    for name, _type, notnull, expr, identity, generated in cols:
        col = f"ALTER TABLE {target} ALTER COLUMN {ident(name)}"
        if notnull and not generated:
            _try(conn, f"{col} SET NOT NULL", notes, f"NOT NULL on {label}.{name}")
        if identity:
            kind = "ALWAYS" if identity == "a" else "BY DEFAULT"
            if _try(conn, f"{col} ADD GENERATED {kind} AS IDENTITY", notes, f"identity of {label}.{name}"):
                _try(conn, f"SELECT setval(pg_get_serial_sequence({literal(target)}, {literal(name)}), "
                           f"GREATEST(max({ident(name)}), 1)) FROM {target}", notes, f"identity value of {label}.{name}")
        elif expr and not generated:
            _default(conn, target, name, expr, notes, label)
    for name, definition, _kind in table.get("constraints") or []:
        _try(conn, f"ALTER TABLE {target} ADD CONSTRAINT {ident(name)} {definition}", notes, f"constraint {name}")
    for definition in table.get("indexes") or []:
        _try(conn, definition, notes, "index " + definition.split(" ON ", 1)[0].rsplit(" ", 1)[-1])
    for other, name, definition in table.get("referenced_by") or []:
        _try(conn, f"ALTER TABLE {other} ADD CONSTRAINT {ident(name)} {definition}", notes,
             f"foreign key {name} of {other}")


def _default(conn: Any, target: str, name: str, expr: str, notes: list[str], label: str) -> None:
    sql = f"ALTER TABLE {target} ALTER COLUMN {ident(name)} SET DEFAULT {expr}"
    if _try(conn, sql, [], ""):
        return
    m = _NEXTVAL.match(expr)
    if m:  # a serial column: its sequence went with the table
        seq = m.group(1).replace("''", "'")
        if _try(conn, f"CREATE SEQUENCE {seq} OWNED BY {target}.{ident(name)}", [], "") and \
                _try(conn, f"SELECT setval({literal(seq)}, GREATEST(max({ident(name)}), 1)) FROM {target}", [], "") \
                and _try(conn, sql, [], ""):
            return
    notes.append(f"default of {label}.{name} ({expr})")


def _try(conn: Any, sql: str, notes: list[str], what: str) -> bool:
    try:
        with conn.transaction():
            conn.execute(sql)
        return True
    except Exception as exc:  # noqa: BLE001 - each piece of a recreated table is optional
        if what:
            notes.append(f"{what} ({_first_line(exc)})")
        return False


def _add_missing_columns(conn: Any, table: dict[str, Any], target: str) -> None:
    have = {r[0] for r in conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
        (target,)).fetchall()}
    for name, type_, _n, _e, _i, generated in table.get("columns") or []:
        if name not in have and not generated:
            conn.execute(f"ALTER TABLE {target} ADD COLUMN {ident(name)} {type_}")


# --- dumps ---------------------------------------------------------------------------------------


def pg_tool(name: str, configured: str | None = None) -> str | None:
    """`pg_dump`/`pg_restore`: the configured path, PATH, else the newest Debian/Ubuntu install."""
    import glob

    if configured:
        sibling = os.path.join(os.path.dirname(configured), name)
        return configured if os.path.basename(configured) == name else sibling if os.path.exists(sibling) else None
    found = shutil.which(name)
    installs = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                      key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return installs[-1] if installs else found


def libpq_env(dsn: str) -> tuple[str, dict[str, str]]:
    """A connection string without its password, and the environment that carries the password."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    parts = conninfo_to_dict(dsn)
    password = parts.pop("password", None)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if password:
        env["PGPASSWORD"] = str(password)
    return make_conninfo(**{k: str(v) for k, v in parts.items() if v is not None}), env


def _dump_rows(snap: Snapshot, table: dict[str, Any]) -> tuple[str, list[bytes]]:
    """The `(columns)` of the COPY block of `table` in the snapshot's dump, and its data lines."""
    tool = pg_tool("pg_restore", snap.meta.get("pg_dump"))
    if tool is None:
        raise SnapshotError("pg_restore is not installed; it is needed to read a dump snapshot")
    archive = os.path.join(folder_of(snap), DUMP_FILE)
    proc = subprocess.run([tool, "--data-only", "-n", table["schema"], "-t", table["name"], "-f", "-", archive],
                          capture_output=True, timeout=600)
    if proc.returncode != 0:
        raise SnapshotError(f"pg_restore could not read {archive}: {proc.stderr.decode(errors='replace')[:300]}")
    lines = proc.stdout.split(b"\n")
    for i, line in enumerate(lines):
        if line.startswith(b"COPY ") and line.rstrip().endswith(b"FROM stdin;"):
            header = line[line.index(b"(") : line.rindex(b")") + 1].decode() if b"(" in line else ""
            data: list[bytes] = []
            for row in lines[i + 1:]:
                if row == b"\\.":
                    return header, data
                data.append(row + b"\n")
    raise SnapshotError(f"the dump of {snap.id} has no rows for {table['schema']}.{table['name']}")


def _restore_archive(snap: Snapshot, dsn: str | None, force: bool) -> str:
    """A dumped schema or database: pg_restore the whole archive."""
    tool = pg_tool("pg_restore", snap.meta.get("pg_dump"))
    if tool is None:
        raise SnapshotError("pg_restore is not installed; it is needed to restore a dump snapshot")
    archive = os.path.join(folder_of(snap), DUMP_FILE)
    databases = list(snap.meta.get("databases") or [])
    conninfo, env = libpq_env(dsn_for(snap, dsn))
    if databases:
        import psycopg
        from psycopg.conninfo import make_conninfo

        with psycopg.connect(make_conninfo(dsn_for(snap, dsn), dbname="postgres"), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (databases[0],)).fetchone():
                conn.execute(f"CREATE DATABASE {ident(databases[0])}")
            elif not force:
                raise SnapshotError(f"database {databases[0]} exists again; `blastwall undo {snap.id} --force` "
                                    "restores the dump into it")
    args = [tool, "--no-owner", "--no-privileges", "-d", conninfo, archive]
    if force:
        args[1:1] = ["--clean", "--if-exists"]
    proc = subprocess.run(args, capture_output=True, timeout=3600, env=env)
    what = f"database {databases[0]}" if databases else "schema " + ", ".join(snap.meta.get("schemas") or [])
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        raise SnapshotError(f"pg_restore of {what} reported errors: {' | '.join(err[-3:])[:400]}")
    return f"restored {what} from {DUMP_FILE}"


# --- pruning ------------------------------------------------------------------------------------


def drop_copies(snap: Snapshot, *, dsn: str | None = None) -> None:
    """Drop the in-database copies of a `copy` snapshot (dumps go with the folder)."""
    if (snap.meta or {}).get("mode") == "dump":
        return
    tables = [t for t in snap.meta.get("tables") or [] if t.get("copy")]
    if not tables:
        return
    with _connect(snap, dsn) as conn:
        for t in tables:
            conn.execute(f"DROP TABLE IF EXISTS {qualified(SCHEMA, t['copy'])}")
        conn.commit()


def _restore(snap: Snapshot, force: bool = False) -> str:
    return restore_snapshot(snap, force=force)


def _drop(snap: Snapshot) -> None:
    drop_copies(snap)


register("postgres", _restore, _drop)
