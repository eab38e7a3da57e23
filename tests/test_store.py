"""The store's contract, run unchanged against both backends.

Every test takes the `store` fixture twice: an SQLite file in a fresh temporary folder, and a
fresh database on the throwaway PostgreSQL cluster (tests/pg.py). The concurrency tests use
real processes, each opening its own store, released together by a barrier so they race.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import socket
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pg import PgServer, postgres  # noqa: F401  (the session fixture)

from blastwall.audit import record, verify
from blastwall.store import GrantRow, Request, Store, StoreError, open_store
from blastwall.store.base import APPROVED, DENIED, EXPIRED, PENDING, USED

BACKENDS = ["sqlite", "postgres"]
DIGEST_A, DIGEST_B = "a" * 64, "b" * 64
_databases = itertools.count()


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("BLASTWALL_DATABASE_URL", raising=False)


def _fresh_database(server: PgServer) -> str:
    name = f"bw_store_{os.getpid()}_{next(_databases)}"
    server.create_database(name)
    return server.dsn(name)


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a store nobody has opened yet (no file, or an empty database)."""
    if request.param == "sqlite":
        return "sqlite:///" + str(tmp_path / "db" / "blastwall.db")
    return _fresh_database(request.getfixturevalue("postgres"))


@pytest.fixture(scope="session")
def shared_postgres_url(postgres: PgServer) -> str:  # noqa: F811
    """One database for every `store` test on PostgreSQL, emptied before each (creating a
    database per test would be most of the run time)."""
    url = _fresh_database(postgres)
    open_store(url).close()
    return url


def _emptied(url: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(b"TRUNCATE bw_requests, bw_grants, bw_audit, bw_settings")
        conn.execute(b"UPDATE bw_audit_head SET seq = 0, hash = repeat('0', 64)")
    return url


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An open, empty store: a new SQLite file, or the shared PostgreSQL database emptied."""
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path / "db" / "blastwall.db")
    else:
        url = _emptied(request.getfixturevalue("shared_postgres_url"))
    s = open_store(url)
    try:
        yield s
    finally:
        s.close()


def make_request(request_id: str, digest: str = DIGEST_A, *, created_at: float | None = None,
                 expires_in: float = 3600.0, status: str = PENDING, **fields: Any) -> Request:
    now = time.time() if created_at is None else created_at
    values: dict[str, Any] = {
        "id": request_id, "digest": digest, "surface": "shell", "summary": "rm -rf build",
        "actions": ({"surface": "shell", "payload": "rm -rf build", "context": {"cwd": "/work"}},),
        "findings": ({"rule_id": "shell.rm:recursive", "severity": "high"},), "reasons": ("deletes a folder",),
        "agent": "claude-code", "session": "s-1", "cwd": "/work", "environment": None, "required": 1,
        "created_at": now, "expires_at": now + expires_in, "status": status,
    }
    values.update(fields)
    return Request(**values)


def make_grant(nonce: str, *, digest: str | None = DIGEST_A, request_id: str | None = "bw-one", scope: str = "once",
               created_at: float | None = None, expires_in: float = 900.0) -> GrantRow:
    now = time.time() if created_at is None else created_at
    return GrantRow(nonce=nonce, request_id=request_id, digest=digest, scope=scope, payload='{"v":1}',
                    signature="c2ln", key_id="0123456789abcdef", approver="alice", created_at=now,
                    expires_at=now + expires_in)


# --- requests --------------------------------------------------------------------------------


def test_a_request_reads_back_as_it_was_written(store: Store) -> None:
    plain = make_request("bw-plain")
    rich = make_request("bw-rich", DIGEST_B, environment="production", required=2, note="see ticket 7",
                        radius={"targets": [{"target": "db.orders", "environment": "production", "rows": 1200}]})
    store.add_request(plain)
    store.add_request(rich)
    assert store.get_request("bw-plain") == plain
    assert store.get_request("bw-rich") == rich
    assert store.get_request("bw-missing") is None
    assert rich.to_dict()["actions"] == list(rich.actions)


def test_a_request_id_is_unique(store: Store) -> None:
    store.add_request(make_request("bw-twice"))
    with pytest.raises(StoreError):
        store.add_request(make_request("bw-twice"))
    assert store.get_request("bw-twice") is not None  # the failed write left the store usable


def test_list_requests_filters_by_status_and_expiry(store: Store) -> None:
    now = time.time()
    store.add_request(make_request("bw-old", created_at=now - 30))
    store.add_request(make_request("bw-approved", created_at=now - 20, status=APPROVED))
    store.add_request(make_request("bw-denied", created_at=now - 10, status=DENIED))
    store.add_request(make_request("bw-expired", created_at=now - 7200))
    ids = lambda rows: [r.id for r in rows]
    assert ids(store.list_requests(now=now)) == ["bw-denied", "bw-approved", "bw-old"]  # newest first
    assert ids(store.list_requests(status=[PENDING], now=now)) == ["bw-old"]
    assert ids(store.list_requests(status=[PENDING, APPROVED], now=now)) == ["bw-approved", "bw-old"]
    assert ids(store.list_requests(status=[PENDING], now=now, include_expired=True)) == ["bw-old", "bw-expired"]
    assert ids(store.list_requests(limit=2, now=now)) == ["bw-denied", "bw-approved"]
    assert ids(store.list_requests(now=now + 3600)) == []  # everything has expired by then
    assert ids(store.list_requests(status=[USED], now=now, include_expired=True)) == []


def test_open_request_for_is_the_newest_open_one_and_latest_is_the_newest_of_all(store: Store) -> None:
    now = time.time()
    store.add_request(make_request("bw-first", created_at=now - 20))
    store.add_request(make_request("bw-second", created_at=now - 10))
    store.add_request(make_request("bw-other", DIGEST_B, created_at=now - 5, expires_in=1))
    open_one = store.open_request_for(DIGEST_A, now)
    assert open_one is not None and open_one.id == "bw-second"
    assert store.set_request_status("bw-second", DENIED, by="bob")
    open_one = store.open_request_for(DIGEST_A, now)
    assert open_one is not None and open_one.id == "bw-first"
    latest = store.latest_request_for(DIGEST_A)
    assert latest is not None and (latest.id, latest.status, latest.decided_by) == ("bw-second", DENIED, "bob")
    assert store.open_request_for(DIGEST_B, now) is None  # expired
    latest_b = store.latest_request_for(DIGEST_B)
    assert latest_b is not None and latest_b.id == "bw-other"  # latest ignores expiry
    assert store.open_request_for("c" * 64, now) is None and store.latest_request_for("c" * 64) is None
    assert store.open_request_for(DIGEST_A, now + 7200) is None


def test_set_request_status_moves_only_from_the_given_states(store: Store) -> None:
    store.add_request(make_request("bw-r"))
    assert store.set_request_status("bw-r", APPROVED, by="alice", note="ok for staging", only_from=(PENDING,))
    assert not store.set_request_status("bw-r", APPROVED, by="bob", only_from=(PENDING,))  # not pending any more
    r = store.get_request("bw-r")
    assert r is not None and (r.status, r.decided_by, r.note) == (APPROVED, "alice", "ok for staging")
    assert r.decided_at is not None and abs(r.decided_at - time.time()) < 60
    assert store.set_request_status("bw-r", USED)  # default: from pending or approved
    r = store.get_request("bw-r")
    assert r is not None and (r.status, r.decided_by, r.note) == (USED, "alice", "ok for staging")  # kept
    assert not store.set_request_status("bw-r", DENIED, by="mallory")  # used is final
    assert not store.set_request_status("bw-r", EXPIRED, only_from=())
    assert not store.set_request_status("bw-nobody", APPROVED)
    r = store.get_request("bw-r")
    assert r is not None and r.status == USED and r.open() is False


# --- grants ----------------------------------------------------------------------------------


def test_grants_are_found_by_digest_request_and_window(store: Store) -> None:
    now = time.time()
    store.add_grant(make_grant("n-2", created_at=now - 10))
    store.add_grant(make_grant("n-1", created_at=now - 20))
    store.add_grant(make_grant("n-used", created_at=now - 15))
    store.add_grant(make_grant("n-b", digest=DIGEST_B, request_id="bw-two", created_at=now - 5))
    store.add_grant(make_grant("w-open", digest=None, request_id=None, scope="window", created_at=now - 3))
    store.add_grant(make_grant("w-closed", digest=None, request_id=None, scope="window", created_at=now - 900,
                               expires_in=60))
    assert store.consume_grant("n-used", "agent:s-1")
    assert [g.nonce for g in store.grants_for(DIGEST_A)] == ["n-1", "n-2"]  # unused once-grants, oldest first
    assert [g.nonce for g in store.grants_for(DIGEST_B)] == ["n-b"]
    assert [g.nonce for g in store.grants_for_request("bw-one")] == ["n-1", "n-used", "n-2"]  # used ones too
    assert [g.nonce for g in store.window_grants(now)] == ["w-open"]
    assert store.window_grants(now + 3600) == []
    assert store.grants_for_request("bw-none") == [] and store.grants_for("c" * 64) == []
    assert store.grants_for(DIGEST_A)[0] == make_grant("n-1", created_at=now - 20)  # every column round-trips


def test_consume_grant_is_single_use(store: Store) -> None:
    store.add_grant(make_grant("n-once"))
    assert store.consume_grant("n-once", "claude-code:" + "x" * 400)
    assert not store.consume_grant("n-once", "someone-else")
    (row,) = store.grants_for_request("bw-one")
    assert row.used_at is not None and row.used_by is not None
    assert row.used_by.startswith("claude-code:") and len(row.used_by) == 200
    assert store.grants_for(DIGEST_A) == []
    assert not store.consume_grant("n-never-stored", "agent")
    with pytest.raises(StoreError):
        store.add_grant(make_grant("n-once"))  # a nonce is a primary key


# --- settings --------------------------------------------------------------------------------


def test_settings_put_get_delete_and_prefix(store: Store) -> None:
    assert store.setting("web.secret") is None
    store.put_setting("web.secret", "one")
    store.put_setting("web.secret", "two")
    assert store.setting("web.secret") == "two"
    store.put_setting("web_session:abc", "alice")
    store.put_setting("webXsession:abc", "not a web_session")
    store.put_setting("Web_session:ABC", "upper case")
    store.put_setting("web_session:def", "bob")
    assert store.settings_with_prefix("web_session:") == {"web_session:abc": "alice", "web_session:def": "bob"}
    assert store.settings_with_prefix("web%") == {}  # the prefix is text, not a pattern
    store.put_setting("100%:off", "x")
    assert store.settings_with_prefix("100%") == {"100%:off": "x"}
    assert len(store.settings_with_prefix("")) == 6
    store.delete_setting("web_session:abc")
    store.delete_setting("never-set")
    assert store.setting("web_session:abc") is None
    assert store.settings_with_prefix("web_session:") == {"web_session:def": "bob"}


def test_setting_or_create_keeps_the_first_value(store: Store) -> None:
    calls: list[int] = []

    def make() -> str:
        calls.append(1)
        return f"value-{len(calls)}"

    assert store.setting_or_create("server.key", make) == "value-1"
    assert store.setting_or_create("server.key", make) == "value-1"
    assert calls == [1]
    store.put_setting("preset", "kept")
    assert store.setting_or_create("preset", make) == "kept" and calls == [1]


# --- opening ---------------------------------------------------------------------------------


def test_the_schema_is_created_on_first_use_and_a_reopened_store_keeps_everything(store_url: str) -> None:
    kept = make_request("bw-kept")
    first = open_store(store_url)
    try:
        assert first.list_requests(include_expired=True) == [] and first.audit_head() == (0, "0" * 64)
        first.add_request(kept)
        first.add_grant(make_grant("n-kept"))
        first.put_setting("k", "v")
        for i in range(3):
            record(first, "verdict", DIGEST_A, {"i": i})
        head = first.audit_head()
    finally:
        first.close()
    again, also = open_store(store_url), open_store(store_url)  # reopening, and two at once
    try:
        assert again.get_request("bw-kept") == kept
        assert [g.nonce for g in again.grants_for(DIGEST_A)] == ["n-kept"] and again.setting("k") == "v"
        assert again.audit_head() == head and head[0] == 3
        assert record(also, "verdict", DIGEST_A, {"i": 3}).seq == 4  # the chain goes on
        report = verify(again)
        assert report.ok and report.entries == 4, report.problems
    finally:
        again.close()
        also.close()


def test_the_sqlite_file_is_private(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "state"
    s = open_store(f"sqlite:///{folder}/blastwall.db")
    try:
        record(s, "verdict", None, {"decision": "allow"})
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
        for name in os.listdir(folder):  # the database and its -wal / -shm companions
            assert stat.S_IMODE(os.stat(folder / name).st_mode) == 0o600, name
        assert (folder / "blastwall.db").exists()
    finally:
        s.close()


def test_the_default_store_lives_in_the_state_folder(tmp_path: Path) -> None:
    s = open_store()
    try:
        assert s.url == "sqlite:///" + str(tmp_path / "state" / "blastwall" / "blastwall.db")
    finally:
        s.close()


@pytest.mark.parametrize("url, message", [
    ("mysql://root:hunter2@db/app", "unsupported store URL 'mysql'; use sqlite:///PATH or postgresql://"),
    ("sqlite://relative.db", "unsupported store URL 'sqlite'"),
    ("/var/lib/blastwall.db", "unsupported store URL '/var/lib/blastwall.db'"),
])
def test_a_bad_url_is_a_store_error_that_says_what_to_use(url: str, message: str) -> None:
    with pytest.raises(StoreError) as err:
        open_store(url)
    assert message in str(err.value) and "hunter2" not in str(err.value)


def test_an_unusable_sqlite_path_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(StoreError, match="cannot open the blastwall store at .*a-file"):
        open_store(f"sqlite:///{tmp_path}/a-file/blastwall.db")
    (tmp_path / "junk.db").write_bytes(b"this is not an SQLite database, not even close" * 100)
    with pytest.raises(StoreError, match="cannot open the blastwall store at .*junk.db"):
        open_store(f"sqlite:///{tmp_path}/junk.db")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_postgres_is_a_quick_store_error() -> None:
    pytest.importorskip("psycopg")
    t0 = time.monotonic()
    with pytest.raises(StoreError) as err:
        open_store(f"postgresql://blastwall:hunter2@127.0.0.1:{_closed_port()}/blastwall")
    assert time.monotonic() - t0 < 5
    text = str(err.value)
    assert text.startswith("cannot open the blastwall store on PostgreSQL (") and "BLASTWALL_DATABASE_URL" in text
    assert "hunter2" not in text


def test_a_missing_postgres_database_is_a_store_error(postgres: PgServer) -> None:  # noqa: F811
    with pytest.raises(StoreError, match='cannot open the blastwall store on PostgreSQL .*"no_such_db"'):
        open_store(postgres.dsn("no_such_db"))


# --- many processes --------------------------------------------------------------------------

Worker = Callable[..., Any]


def _child(fn: Worker, barrier: Any, results: Any, index: int, args: tuple[Any, ...]) -> None:
    try:
        results.put((index, True, fn(barrier, *args)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the test
        results.put((index, False, f"{type(exc).__name__}: {exc}"))


def in_processes(fn: Worker, arg_lists: list[tuple[Any, ...]], timeout: float = 60.0) -> list[Any]:
    """Run `fn(barrier, *args)` in one process per entry; their results, in entry order."""
    forks = "fork" in multiprocessing.get_all_start_methods()  # fast; spawn where there is no fork
    ctx = multiprocessing.get_context("fork") if forks else multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(len(arg_lists)), ctx.Queue()
    procs = [ctx.Process(target=_child, args=(fn, barrier, results, i, a)) for i, a in enumerate(arg_lists)]
    for p in procs:
        p.start()
    try:
        out: dict[int, Any] = {}
        for _ in procs:
            index, ok, value = results.get(timeout=timeout)
            assert ok, f"process {index} failed: {value}"
            out[index] = value
        return [out[i] for i in range(len(arg_lists))]
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()


def _consume(barrier: Any, url: str, nonce: str, who: str) -> bool:
    s = open_store(url)
    try:
        barrier.wait(timeout=30)
        return s.consume_grant(nonce, who)
    finally:
        s.close()


def _append(barrier: Any, url: str, writer: int, count: int) -> list[int]:
    s = open_store(url)
    try:
        barrier.wait(timeout=30)
        return [record(s, "verdict", f"writer-{writer}", {"writer": writer, "i": i}).seq for i in range(count)]
    finally:
        s.close()


def _add_requests(barrier: Any, url: str, writer: int, count: int) -> int:
    barrier.wait(timeout=30)  # open at once too: the first opening creates the schema
    s = open_store(url)
    try:
        for i in range(count):
            s.add_request(make_request(f"bw-{writer}-{i}", f"{writer:02d}{i:062d}"))
            assert s.setting_or_create("server.secret", lambda w=writer: f"from-{w}").startswith("from-")
        return count
    finally:
        s.close()


def _secret(barrier: Any, url: str, writer: int) -> str:
    s = open_store(url)
    try:
        barrier.wait(timeout=30)
        return s.setting_or_create("server.secret", lambda: f"from-{writer}")
    finally:
        s.close()


def test_processes_racing_for_one_grant_exactly_one_wins(store: Store) -> None:
    for round_ in range(3):
        store.add_grant(make_grant(f"n-race-{round_}"))
        wins = in_processes(_consume, [(store.url, f"n-race-{round_}", f"p{i}") for i in range(8)])
        assert wins.count(True) == 1 and wins.count(False) == 7
        (row,) = [g for g in store.grants_for_request("bw-one") if g.nonce == f"n-race-{round_}"]
        assert row.used_by == f"p{wins.index(True)}"


def test_concurrent_audit_appends_form_one_chain(store: Store) -> None:
    writers, count = 6, 30
    seqs = in_processes(_append, [(store.url, w, count) for w in range(writers)])
    assert sorted(s for mine in seqs for s in mine) == list(range(1, writers * count + 1))
    report = verify(store)
    assert report.ok, report.problems
    assert report.entries == writers * count and store.audit_head() == (writers * count, report.head)
    rows = list(store.audit_rows())
    assert [r.seq for r in rows] == list(range(1, writers * count + 1))
    for w in range(writers):  # each writer's entries are in the order it wrote them
        mine = [r for r in rows if r.ref == f"writer-{w}"]
        assert [r.seq for r in mine] == seqs[w]
        assert [r.to_dict()["data"]["i"] for r in mine] == list(range(count))


def test_concurrent_request_creation_loses_nothing(store_url: str) -> None:
    writers, count = 6, 25
    assert in_processes(_add_requests, [(store_url, w, count) for w in range(writers)]) == [count] * writers
    s = open_store(store_url)
    try:
        rows = s.list_requests(limit=1000)
        assert sorted(r.id for r in rows) == sorted(f"bw-{w}-{i}" for w in range(writers) for i in range(count))
        assert len({r.digest for r in rows}) == writers * count
        assert s.settings_with_prefix("server.")["server.secret"].startswith("from-")
    finally:
        s.close()


def test_setting_or_create_gives_every_process_the_same_value(store: Store) -> None:
    values = in_processes(_secret, [(store.url, w) for w in range(6)])
    assert len(set(values)) == 1 and values[0] == store.setting("server.secret")


def test_sqlite_waits_for_a_writer_instead_of_failing(tmp_path: Path) -> None:
    """A hook that arrives while another process holds the write lock waits its turn."""
    url = f"sqlite:///{tmp_path}/blastwall.db"
    open_store(url).close()
    holder = sqlite3.connect(tmp_path / "blastwall.db", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    s = open_store(url)
    try:
        threading.Timer(0.5, lambda: holder.execute("COMMIT")).start()
        t0 = time.monotonic()
        s.add_request(make_request("bw-waited"))
        assert 0.3 < time.monotonic() - t0 < 10 and s.get_request("bw-waited") is not None
    finally:
        s.close()
        holder.close()
