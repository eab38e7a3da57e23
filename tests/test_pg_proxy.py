"""`blastwall pg-proxy` against a real PostgreSQL (tests/pg.py): psql, psycopg and asyncpg work
through it (simple and extended protocol, pipelining, COPY, cancel, many connections, SCRAM and
md5); destructive statements are refused with a request id, run once approved, after a snapshot
that `restore` brings back; hostile bytes close only their own connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pg import PgServer, bin_dir, postgres  # noqa: F401  (the session fixture)

from blastwall.doors.pg_proxy.guard import Guard
from blastwall.doors.pg_proxy.lanes import planes
from blastwall.doors.pg_proxy.safety import SafetyNet, settings_from
from blastwall.doors.pg_proxy.server import ProxyConfig, serve
from blastwall.policy.load import load_policy
from blastwall.store import open_store

DB = "proxyapp"
PASSWORD = "pr0xy-s3cret"
BASE_POLICY = '[approvals]\nmode = "defer"\n'


@pytest.fixture(scope="module")
def db(postgres: PgServer) -> PgServer:  # noqa: F811
    postgres.create_database(DB)
    postgres.create_database("proxyprod")
    return postgres


@pytest.fixture(autouse=True, params=planes())
def plane(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs on each data plane this machine has (lanes.py)."""
    monkeypatch.setenv("BLASTWALL_PG_PLANE", request.param)
    return str(request.param)


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"), ("XDG_DATA_HOME", "data")):
        monkeypatch.setenv(var, str(tmp_path / sub))
    for var in ("BLASTWALL_DATABASE_URL", "BLASTWALL_ENVIRONMENT", "BLASTWALL_PG_ADMIN_DSN", "PGPASSWORD"):
        monkeypatch.delenv(var, raising=False)
    write_policy(tmp_path, monkeypatch, BASE_POLICY)
    return {**os.environ}


def write_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    monkeypatch.setenv("BLASTWALL_POLICY", str(path))


class RunningProxy:
    """The proxy on its own event loop in a thread of this process."""

    def __init__(self, server: PgServer, *, checker: Any = None, admin_dsn_env: str | None = None,
                 max_connections: int = 100, unix: bool = False, tls: tuple[str, str | None] | None = None) -> None:
        policy = load_policy(None)
        self.guard = Guard(policy, cwd=None, checker=checker)
        self.safety = SafetyNet(settings_from(policy, admin_dsn_env=admin_dsn_env))
        self.config = ProxyConfig(upstream_host=server.socket_dir if unix else server.host, upstream_port=server.port,
                                  listen_port=0, max_connections=max_connections,
                                  upstream_tls=tls[0] if tls else "disable", upstream_ca=tls[1] if tls else None)
        self.port = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)
        self._thread.start()
        assert self._ready.wait(10), "the proxy did not start"

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.stop = asyncio.Event()

        def ready(host: str, port: int) -> None:
            self.port = port
            self._ready.set()

        await serve(self.config, self.guard, self.safety, self.stop, ready)

    def dsn(self, dbname: str = DB, user: str = "postgres", password: str | None = None) -> str:
        auth = f"{user}:{password}" if password else user
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = DB, **kw: Any) -> psycopg.Connection[Any]:
        return psycopg.connect(self.dsn(dbname), autocommit=kw.pop("autocommit", True), connect_timeout=10, **kw)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self._thread.join(10)


@pytest.fixture()
def proxy(db: PgServer, home: dict[str, str]) -> Iterator[RunningProxy]:
    p = RunningProxy(db)
    yield p
    p.close()


def psql(*args: str, port: int, stdin: str | None = None, env: dict[str, str] | None = None,
         dbname: str = DB) -> subprocess.CompletedProcess[str]:
    exe = str((bin_dir() or Path("/usr/bin")) / "psql")
    return subprocess.run([exe, "-X", "-q", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", dbname,
                           "-v", "ON_ERROR_STOP=1", *args], input=stdin, capture_output=True, text=True,
                          timeout=30, env={**(env or os.environ), "PGCONNECT_TIMEOUT": "10"})


def request_id(message: str) -> str:
    m = re.search(r"request (bw-[a-z0-9]+)", message)
    assert m, message
    return m.group(1)


def approve(rid: str) -> None:
    from blastwall.approvals import decide, keys
    from blastwall.store import open_store

    with contextlib.suppress(keys.KeyError_):
        keys.generate("alice", None)
    public, private = keys.load_private("alice", None)
    store = open_store()
    try:
        decide.approve(store, rid, private, public, approver="alice")
    finally:
        store.close()


def fresh_table(server: PgServer, name: str, rows: int = 3) -> None:
    server.execute(DB, f"""
        DROP TABLE IF EXISTS {name} CASCADE;
        CREATE TABLE {name} (id serial PRIMARY KEY, body text NOT NULL, n int DEFAULT 7);
        INSERT INTO {name} (body) SELECT 'row ' || g FROM generate_series(1, {rows}) g;""")


def rows_of(server: PgServer, name: str) -> list[tuple[Any, ...]]:
    return server.execute(DB, f"SELECT id, body, n FROM {name} ORDER BY id")


# --- clients work through the proxy -------------------------------------------------------------


def test_psql_queries_transactions_and_copy(proxy: RunningProxy, db: PgServer) -> None:
    fresh_table(db, "p_items", 0)
    r = psql("-c", "INSERT INTO p_items (body) VALUES ('a'), ('b')", "-c", "UPDATE p_items SET n = 1 WHERE id = 1",
             "-c", "BEGIN", "-c", "INSERT INTO p_items (body) VALUES ('rolled back')", "-c", "ROLLBACK",
             "-c", "\\copy p_items (body) FROM STDIN", stdin="from copy\nand another\n", port=proxy.port)
    assert r.returncode == 0, r.stderr
    r = psql("-A", "-t", "-c", "\\copy (SELECT body, n FROM p_items ORDER BY id) TO STDOUT", port=proxy.port)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:4] == ["a\t1", "b\t7", "from copy\t7", "and another\t7"]
    r = psql("-c", "SELECT 1; DROP TABLE p_items", port=proxy.port)  # checked as a whole
    assert r.returncode != 0 and "held for a human's approval" in r.stderr
    assert len(rows_of(db, "p_items")) == 4


def test_psycopg_extended_protocol_prepared_copy_and_pipeline(proxy: RunningProxy, db: PgServer) -> None:
    fresh_table(db, "q_items", 0)
    with proxy.connect() as conn:
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO q_items (body, n) VALUES (%s, %s)", [(f"b{i}", i) for i in range(20)])
            for i in range(5):  # server-side prepared after a few runs
                cur.execute("SELECT body FROM q_items WHERE n = %s", (i,), prepare=True)
                assert cur.fetchone() == (f"b{i}",)
            cur.execute("UPDATE q_items SET body = %s WHERE id = %s", ("changed", 1))
            with cur.copy("COPY q_items (body, n) FROM STDIN") as copy:
                for i in range(100):
                    copy.write_row((f"c{i}", 1000 + i))
            with cur.copy("COPY (SELECT n FROM q_items WHERE n >= 1000 ORDER BY n) TO STDOUT") as copy:
                got = [int(row[0]) for row in copy.rows()]
            assert got == list(range(1000, 1100))
        with conn.transaction():
            conn.execute("INSERT INTO q_items (body) VALUES ('in tx')")
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState), conn.pipeline():
            conn.execute("INSERT INTO q_items (body) VALUES (%s)", ("pipelined",))
            conn.execute("DELETE FROM q_items")  # refused in the middle of the pipeline
            conn.execute("SELECT 1")
        # one implicit transaction up to the Sync, as with any server error: the pipelined INSERT is undone
        assert conn.execute("SELECT count(*) FROM q_items").fetchone() == (121,)
    assert db.execute(DB, "SELECT count(*) FROM q_items WHERE body = 'changed'") == [(1,)]


def test_asyncpg_binary_prepared_pipelined_and_copy(proxy: RunningProxy, db: PgServer) -> None:
    asyncpg = pytest.importorskip("asyncpg")
    fresh_table(db, "a_items", 0)

    async def main() -> None:
        conn = await asyncpg.connect(proxy.dsn(), timeout=10)
        try:
            await conn.executemany("INSERT INTO a_items (body, n) VALUES ($1, $2)", [(f"x{i}", i) for i in range(50)])
            stmt = await conn.prepare("SELECT body, n, now() AS t, '{1,2}'::int[] AS a FROM a_items WHERE n = $1")
            for i in range(10):
                row = await stmt.fetchrow(i)
                assert row["body"] == f"x{i}" and row["a"] == [1, 2]
            async with conn.transaction():
                await conn.execute("UPDATE a_items SET n = n + 100 WHERE id = $1", 1)
            await conn.copy_records_to_table("a_items", records=[(f"r{i}", 500 + i) for i in range(30)],
                                             columns=["body", "n"])
            assert await conn.fetchval("SELECT count(*) FROM a_items") == 80
            with pytest.raises(asyncpg.PostgresError, match="held for a human's approval"):
                await conn.fetch("DELETE FROM a_items RETURNING id")  # extended protocol: refused at Parse
            assert await conn.fetchval("SELECT count(*) FROM a_items WHERE n >= $1", 500) == 30
        finally:
            await conn.close()

    asyncio.run(main())


def test_a_unix_socket_upstream(db: PgServer, home: dict[str, str]) -> None:
    p = RunningProxy(db, unix=True)
    try:
        with p.connect() as conn:
            assert conn.execute("SELECT 40 + 2").fetchone() == (42,)
            # the server sees a local (socket) connection, not a TCP one
            assert conn.execute("SELECT inet_client_addr() IS NULL").fetchone() == (True,)
            with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="request bw-"):
                conn.execute("DROP TABLE IF EXISTS nothing_here")
            with conn.cursor() as cur:  # a cancel reaches the server through the socket too
                timer = threading.Timer(0.5, conn.cancel_safe)  # cancel() holds the GIL (the proxy is in-process)
                timer.start()
                with pytest.raises(psycopg.errors.QueryCanceled):
                    cur.execute("SELECT pg_sleep(20)")
                timer.join()
    finally:
        p.close()


def test_cancel_request_reaches_the_server(proxy: RunningProxy) -> None:
    with proxy.connect() as conn:
        timer = threading.Timer(0.5, conn.cancel_safe)  # cancel() holds the GIL, and this proxy runs in-process
        timer.start()
        t0 = time.monotonic()
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(20)")
        assert time.monotonic() - t0 < 10
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_many_concurrent_connections(proxy: RunningProxy) -> None:
    asyncpg = pytest.importorskip("asyncpg")

    async def one(i: int) -> int:
        conn = await asyncpg.connect(proxy.dsn(), timeout=20)
        try:
            total = 0
            for j in range(20):
                total += await conn.fetchval("SELECT $1::int + $2::int", i, j)
            await conn.execute(f"SELECT {i} + 1")  # simple protocol, literals differ by connection
            return int(total)
        finally:
            await conn.close()

    async def main() -> list[int]:
        return await asyncio.gather(*(one(i) for i in range(30)))

    assert asyncio.run(main()) == [20 * i + 190 for i in range(30)]


def test_statements_are_decided_once_and_refusals_are_never_cached(db: PgServer, home: dict[str, str]) -> None:
    from blastwall.engine import check_action

    seen: list[str] = []

    def counting(action: Any, policy: Any) -> Any:
        seen.append(action.payload)
        return check_action(action, policy)

    fresh_table(db, "c_items", 5)
    p = RunningProxy(db, checker=counting)
    try:
        with p.connect() as conn:
            for i in range(1, 6):
                conn.execute(f"SELECT body FROM c_items WHERE id = {i}")  # one shape
                conn.execute("SELECT count(*) FROM c_items", prepare=True)  # one text
            for _ in range(2):
                with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
                    conn.execute("TRUNCATE c_items")
    finally:
        p.close()
    assert seen.count("TRUNCATE c_items") == 2
    assert seen.count("SELECT count(*) FROM c_items") == 1
    assert len([s for s in seen if s.startswith("SELECT body")]) == 1


# --- refusals ------------------------------------------------------------------------------------


def test_drop_is_refused_and_the_session_stays_usable(proxy: RunningProxy, db: PgServer) -> None:
    fresh_table(db, "orders")
    with proxy.connect() as conn:
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as err:
            conn.execute("DROP TABLE orders")
        message = str(err.value)
        rid = request_id(message)
        assert message.startswith("blastwall: DROP TABLE orders is held for a human's approval")
        assert f"approve with `blastwall approve {rid}`, then run it again" in message
        assert conn.execute("SELECT count(*) FROM orders").fetchone() == (3,)
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with proxy.connect(autocommit=False) as conn:  # inside a transaction: it fails like any error would
        conn.execute("INSERT INTO orders (body) VALUES ('in the transaction')")
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
            conn.execute("DROP TABLE orders")
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            conn.execute("SELECT 1")
        conn.rollback()
        assert conn.execute("SELECT count(*) FROM orders").fetchone() == (3,)  # nothing half-committed
    assert len(rows_of(db, "orders")) == 3


def test_a_policy_deny_by_inventory_environment(db: PgServer, home: dict[str, str], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    write_policy(tmp_path, monkeypatch, BASE_POLICY + f"""
[inventory.environments.production]
databases = ["postgres://*@127.0.0.1:{db.port}/proxyprod"]

[[rule]]
id = "team:no-prod-deletes"
environment = ["production"]
effect = ["delete"]
decision = "deny"
reason = "production data is deleted by migrations only"
""")
    db.execute("proxyprod", "DROP TABLE IF EXISTS ledger; CREATE TABLE ledger (id int); INSERT INTO ledger VALUES (1)")
    p = RunningProxy(db)
    try:
        with p.connect("proxyprod") as conn:
            with pytest.raises(psycopg.errors.InsufficientPrivilege) as err:
                conn.execute("DELETE FROM ledger")
            assert "is not allowed" in str(err.value) and "production data is deleted by migrations only" in str(err.value)
            assert "request" not in str(err.value)
            assert conn.execute("SELECT count(*) FROM ledger").fetchone() == (1,)
        with p.connect(DB) as conn, pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
            conn.execute("DELETE FROM orders_unknown_table")  # the same statement elsewhere asks, it is not denied
    finally:
        p.close()


def test_a_statement_waiting_for_approval_holds_up_only_its_own_connection(db: PgServer, home: dict[str, str],
                                                                           tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    write_policy(tmp_path, monkeypatch, '[approvals]\nmode = "wait"\nwait = 1.5\n')
    fresh_table(db, "waiting")
    p = RunningProxy(db)
    errors: list[str] = []

    def hold() -> None:
        with p.connect() as conn:
            try:
                conn.execute("TRUNCATE waiting")
            except psycopg.Error as exc:
                errors.append(str(exc))

    try:
        holder = threading.Thread(target=hold)
        t0 = time.monotonic()
        holder.start()
        with p.connect() as other:
            served = 0
            while holder.is_alive() and time.monotonic() - t0 < 1.0:
                assert other.execute("SELECT count(*) FROM waiting").fetchone() == (3,)
                served += 1
        holder.join(10)
    finally:
        p.close()
    assert served > 10
    assert len(errors) == 1 and "no approval arrived" in errors[0] and request_id(errors[0])
    assert time.monotonic() - t0 >= 1.5


def test_the_function_call_message_is_refused(proxy: RunningProxy) -> None:
    with proxy.connect() as conn:
        oid = conn.execute("SELECT 'pg_backend_pid'::regproc::oid").fetchone()[0]
        sock = socket.socket(fileno=os.dup(conn.pgconn.socket))
        sock.settimeout(10)
        try:
            body = struct.pack("!Ihhh", oid, 0, 0, 0)  # no argument formats, no arguments, text result
            sock.sendall(b"F" + struct.pack("!I", len(body) + 4) + body)
            reply = b""
            while not reply.endswith(b"Z\x00\x00\x00\x05I"):
                reply += sock.recv(4096)
        finally:
            sock.close()
        assert b"FunctionCall protocol message is refused" in reply and b"42501" in reply


# --- approvals and snapshots ---------------------------------------------------------------------


def test_an_approved_drop_runs_after_a_snapshot_and_restore_brings_the_table_back(proxy: RunningProxy,
                                                                                   db: PgServer) -> None:
    from blastwall.snapshots import base

    fresh_table(db, "invoices", 4)
    db.execute(DB, "CREATE INDEX invoices_body ON invoices (body); DROP TABLE IF EXISTS invoice_lines; "
                   "CREATE TABLE invoice_lines (id int, "
                   "invoice_id int REFERENCES invoices (id)); INSERT INTO invoice_lines VALUES (1, 2)")
    before = rows_of(db, "invoices")
    with proxy.connect() as conn:
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as err:
            conn.execute("DROP TABLE invoices CASCADE")
        rid = request_id(str(err.value))
    approve(rid)
    with proxy.connect() as conn:  # a new connection: the same user and database, so the same action
        conn.execute("DROP TABLE invoices CASCADE")
        assert conn.execute("SELECT to_regclass('invoices')").fetchone() == (None,)
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):  # single use
            conn.execute("DROP TABLE invoices CASCADE")
    snaps = list(base.list_snapshots())
    assert len(snaps) == 1 and snaps[0].kind == "postgres" and snaps[0].request_id == rid
    assert snaps[0].target == "public.invoices" and snaps[0].location.startswith("blastwall_snapshots.")
    store = open_store()
    try:
        assert [r.ref for r in store.audit_rows() if r.kind == "snapshot"] == [snaps[0].id]
    finally:
        store.close()
    _, what = base.restore(snaps[0].id)
    assert "recreated public.invoices with 4 rows" in what, what
    assert rows_of(db, "invoices") == before
    db.execute(DB, "INSERT INTO invoices (body) VALUES ('after restore')")  # the serial default works again
    assert db.execute(DB, "SELECT max(id) FROM invoices") == [(5,)]
    assert db.execute(DB, "SELECT count(*) FROM pg_indexes WHERE tablename = 'invoices'") == [(2,)]
    assert db.execute(DB, "SELECT count(*) FROM pg_constraint WHERE conrelid = 'invoice_lines'::regclass AND "
                          "contype = 'f'") == [(1,)]


def test_an_approved_delete_and_truncate_in_a_transaction_come_back(proxy: RunningProxy, db: PgServer) -> None:
    asyncpg = pytest.importorskip("asyncpg")
    from blastwall.snapshots import base

    fresh_table(db, "events", 6)
    before = rows_of(db, "events")

    async def attempt(sql: str) -> str:
        conn = await asyncpg.connect(proxy.dsn(), timeout=10)
        try:
            await conn.fetch(sql)  # extended protocol
            return ""
        except asyncpg.PostgresError as exc:
            return str(exc)
        finally:
            await conn.close()

    rid = request_id(asyncio.run(attempt("DELETE FROM events")))
    approve(rid)
    assert asyncio.run(attempt("DELETE FROM events")) == ""
    assert rows_of(db, "events") == []
    db.execute(DB, "INSERT INTO events (id, body) VALUES (100, 'added later')")
    (snap,) = [s for s in base.list_snapshots() if s.request_id == rid]
    _, what = base.restore(snap.id)
    assert "put 6 rows back into public.events" in what
    assert rows_of(db, "events") == [*before, (100, "added later", 7)]

    r = psql("-c", "BEGIN", "-c", "TRUNCATE events", "-c", "COMMIT", port=proxy.port)
    rid = request_id(r.stderr)
    approve(rid)
    r = psql("-c", "BEGIN", "-c", "TRUNCATE events", "-c", "SELECT 1", "-c", "COMMIT", port=proxy.port)
    assert r.returncode == 0, r.stderr
    assert rows_of(db, "events") == []
    (snap,) = [s for s in base.list_snapshots() if s.request_id == rid]
    base.restore(snap.id)
    assert len(rows_of(db, "events")) == 7


def test_no_snapshot_no_run_unless_snapshots_are_optional(db: PgServer, home: dict[str, str], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    db.password_role("bw_scram", PASSWORD)
    db.execute(DB, "DROP SCHEMA IF EXISTS scram_own CASCADE; CREATE SCHEMA scram_own AUTHORIZATION bw_scram; "
                   "REVOKE CREATE ON DATABASE proxyapp FROM PUBLIC")
    with psycopg.connect(db.dsn(DB, user=f"bw_scram:{PASSWORD}"), autocommit=True) as conn:
        conn.execute("CREATE TABLE scram_own.notes (id int); INSERT INTO scram_own.notes VALUES (1), (2)")
    p = RunningProxy(db)
    try:
        with psycopg.connect(p.dsn(user="bw_scram", password=PASSWORD), autocommit=True) as conn:
            with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as err:
                conn.execute("TRUNCATE scram_own.notes")
            approve(request_id(str(err.value)))
            with pytest.raises(psycopg.errors.SystemError) as err:
                conn.execute("TRUNCATE scram_own.notes")
            assert "could not save what it destroys first, so it was not run" in str(err.value)
            assert "permission denied" in str(err.value)
            store = open_store()
            try:
                (entry,) = [r for r in store.audit_rows() if r.kind == "snapshot"]
                assert "permission denied" in entry.data
            finally:
                store.close()
            assert conn.execute("SELECT count(*) FROM scram_own.notes").fetchone() == (2,)
            with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as err:  # the grant was used
                conn.execute("TRUNCATE scram_own.notes")
            rid = request_id(str(err.value))
    finally:
        p.close()
    write_policy(tmp_path, monkeypatch, BASE_POLICY + "[snapshots]\nrequired = false\n")
    approve(rid)
    p = RunningProxy(db)
    try:
        with psycopg.connect(p.dsn(user="bw_scram", password=PASSWORD), autocommit=True) as conn:
            conn.execute("TRUNCATE scram_own.notes")
            assert conn.execute("SELECT count(*) FROM scram_own.notes").fetchone() == (0,)
    finally:
        p.close()


def test_an_admin_connection_dumps_with_pg_dump(db: PgServer, home: dict[str, str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from blastwall.snapshots import base

    monkeypatch.setenv("BW_TEST_ADMIN_DSN", db.dsn("postgres"))
    fresh_table(db, "archive", 5)
    before = rows_of(db, "archive")
    p = RunningProxy(db, admin_dsn_env="BW_TEST_ADMIN_DSN")
    try:
        with p.connect() as conn:
            with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as err:
                conn.execute("DELETE FROM archive WHERE id > 1")
            approve(request_id(str(err.value)))
            conn.execute("DELETE FROM archive WHERE id > 1")
    finally:
        p.close()
    (snap,) = list(base.list_snapshots())
    assert snap.meta["mode"] == "dump" and snap.location.endswith("dump.pgdump") and snap.size_bytes > 0
    assert rows_of(db, "archive") == before[:1]
    _, what = base.restore(snap.id)
    assert "put 4 rows back" in what
    assert rows_of(db, "archive") == before


# --- authentication and hostile input --------------------------------------------------------------


@pytest.mark.parametrize("method", ["scram-sha-256", "md5"])
def test_password_authentication_passes_through(proxy: RunningProxy, db: PgServer, method: str) -> None:
    role = "bw_" + method.split("-")[0]
    db.password_role(role, PASSWORD, method)
    with psycopg.connect(proxy.dsn(user=role, password=PASSWORD), connect_timeout=10) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (role,)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(proxy.dsn(user=role, password="wrong"), connect_timeout=10)
    kind = "SCRAM" if method.startswith("scram") else "md5"
    assert db.execute("postgres", f"SELECT rolpassword LIKE '{kind}%' FROM pg_authid WHERE rolname = '{role}'") == \
        [(True,)]


def _raw(port: int, payload: bytes, *, startup: bool = True) -> bytes:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        if startup:
            params = b"user\x00postgres\x00database\x00" + DB.encode() + b"\x00\x00"
            s.sendall(struct.pack("!II", len(params) + 8, 3 << 16) + params)
            got = b""
            while not got.endswith(b"Z\x00\x00\x00\x05I"):
                chunk = s.recv(65536)
                assert chunk, got
                got += chunk
        s.sendall(payload)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk
    finally:
        s.close()


@pytest.mark.parametrize("payload, startup, expect", [
    (struct.pack("!I", 4), False, b"invalid startup packet length"),
    (struct.pack("!II", 8, 1234), False, b"unsupported frontend protocol"),
    (b"Q" + struct.pack("!I", 2), True, b"malformed message"),
    (b"Q" + struct.pack("!I", 0x7FFFFFF0) + b"SELECT", True, b"larger than blastwall reads"),
    (b"P" + struct.pack("!I", 9) + b"ab\x00c\x00", True, b"malformed"),
    (b"Q" + struct.pack("!I", 9) + b"SELECT", True, b"malformed message: missing string terminator"),
])
def test_hostile_bytes_close_only_their_connection(proxy: RunningProxy, payload: bytes, startup: bool,
                                                   expect: bytes) -> None:
    with proxy.connect() as other:
        assert other.execute("SELECT 1").fetchone() == (1,)
        reply = _raw(proxy.port, payload, startup=startup)
        assert expect in reply and reply.startswith(b"E")
        assert other.execute("SELECT 2").fetchone() == (2,)


def test_tls_is_refused_and_the_client_falls_back(proxy: RunningProxy) -> None:
    with psycopg.connect(proxy.dsn() + "?sslmode=prefer", connect_timeout=10) as conn:
        assert conn.pgconn.ssl_in_use is False
    with pytest.raises(psycopg.OperationalError, match="SSL"):
        psycopg.connect(proxy.dsn() + "?sslmode=require", connect_timeout=10)


def test_replication_and_too_many_connections_are_refused(db: PgServer, home: dict[str, str]) -> None:
    p = RunningProxy(db, max_connections=2)
    try:
        with pytest.raises(psycopg.OperationalError, match="replication"):
            psycopg.connect(p.dsn() + "?replication=database", connect_timeout=10)
        with p.connect(), p.connect(), pytest.raises(psycopg.OperationalError, match="too many clients"):
            p.connect()
    finally:
        p.close()


def test_the_command_line_starts_serves_and_stops(db: PgServer, home: dict[str, str]) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "blastwall.doors.pg_proxy", "--upstream",
                             f"{db.host}:{db.port}", "--listen", "127.0.0.1:0"],
                            stderr=subprocess.PIPE, text=True, env=home)
    try:
        line = proc.stderr.readline() if proc.stderr else ""
        m = re.search(r"listening on 127\.0\.0\.1:(\d+) -> 127\.0\.0\.1:(\d+)", line)
        assert m and int(m.group(2)) == db.port, line
        r = psql("-A", "-t", "-c", "SELECT 40 + 2", port=int(m.group(1)), env=home)
        assert r.stdout.strip() == "42", r.stderr
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        assert "stopped" in (proc.stderr.read() if proc.stderr else "")
    finally:
        if proc.poll() is None:
            proc.kill()
