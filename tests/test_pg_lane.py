"""The pg-proxy's data planes (lanes.py): the compiled one frames steady-state traffic itself and
hands the session only what it reads, so what a client gets must not depend on how its bytes
are cut into TCP segments, or on which plane relays them.

Each case sends a stream of protocol messages (simple and extended queries, pipelines, COPY,
large rows, ParameterStatus changes, a refused statement) through the proxy, cut at random
places, and compares the answers with the same stream sent to the server directly (or, for a
refusal, with the same stream sent through the proxy in one piece).
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pg import PgServer, postgres  # noqa: F401  (the session fixture)
from test_pg_proxy import DB, RunningProxy, db, home  # noqa: F401  (fixtures)

from blastwall.doors.pg_proxy import shapes, wire
from blastwall.doors.pg_proxy.guard import Cache, Guard
from blastwall.doors.pg_proxy.lanes import Lane, guarded, planes, resolve
from blastwall.policy.load import load_policy


@pytest.fixture(params=planes())
def running(request: pytest.FixtureRequest, db: PgServer, home: dict[str, str],  # noqa: F811
            monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningProxy]:
    monkeypatch.setenv("BLASTWALL_PG_PLANE", request.param)
    db.execute(DB, "DROP TABLE IF EXISTS lane_t; CREATE TABLE lane_t (n int PRIMARY KEY, body text);"
                   "INSERT INTO lane_t SELECT g, 'row ' || g FROM generate_series(1, 50) g;"
                   "DROP TABLE IF EXISTS lane_victim; CREATE TABLE lane_victim (n int)")
    p = RunningProxy(db)
    yield p
    p.close()


# --- a minimal frontend ----------------------------------------------------------------------------

def msg(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("!I", len(body) + 4) + body


def q(sql: str) -> bytes:
    return msg(b"Q", sql.encode() + b"\0")


def parse(sql: str, name: bytes = b"") -> bytes:
    return msg(b"P", name + b"\0" + sql.encode() + b"\0" + struct.pack("!H", 0))


def bind(value: str, stmt: bytes = b"") -> bytes:
    v = value.encode()
    return msg(b"B", b"\0" + stmt + b"\0" + struct.pack("!HHI", 0, 1, len(v)) + v + struct.pack("!H", 0))


EXECUTE = msg(b"E", b"\0" + struct.pack("!I", 0))
DESCRIBE = msg(b"D", b"P\0")
SYNC = msg(b"S", b"")

# (bytes, how many ReadyForQuery the server sends for them)
UNITS: list[tuple[bytes, int]] = [
    (q("SELECT 1"), 1),
    (q("SELECT n, body FROM lane_t WHERE n = 7"), 1),
    (q("SELECT n, body FROM lane_t WHERE n = 23"), 1),  # the same shape: a cache hit by mask
    (q("SELECT n FROM lane_t WHERE n IN (3, 4, 5) ORDER BY n"), 1),
    (q("SELECT repeat('x', 300000)"), 1),  # one DataRow over several reads
    (q("SET application_name = 'lane'"), 1),  # a ParameterStatus from the server
    (q("COPY (SELECT g, repeat('y', 50) FROM generate_series(1, 2000) g) TO STDOUT"), 1),
    (q("SELECT 1; SELECT 2"), 1),
    (q("BEGIN"), 1), (q("COMMIT"), 1),
    (parse("SELECT $1::int + 1") + bind("41") + DESCRIBE + EXECUTE + SYNC, 1),
    (parse("SELECT body FROM lane_t WHERE n = $1::int") + bind("9") + EXECUTE + bind("10") + EXECUTE + SYNC, 1),
    (parse("SELECT 1/0") + bind("") + EXECUTE + SYNC, 1),  # an error from the server skips to the Sync
    (msg(b"H", b""), 0),  # Flush
]
REFUSED = (q("DROP TABLE lane_victim"), 1)


def connect(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(wire.startup_message({"user": "postgres", "database": DB}))
    read_until(s, 1)
    return s


def read_until(s: socket.socket, readies: int, slow: bool = False, stop: bytes = b"Z") -> list[tuple[bytes, bytes]]:
    """The server's messages up to the `readies`-th ReadyForQuery (or `stop`), as (type, body)."""
    buf, out, seen = b"", [], 0
    while seen < readies:
        while len(buf) >= 5 and len(buf) >= 1 + struct.unpack("!I", buf[1:5])[0]:
            end = 1 + struct.unpack("!I", buf[1:5])[0]
            kind, body, buf = buf[:1], buf[5:end], buf[end:]
            out.append((kind, body))
            if kind == stop:
                seen += 1
                if seen == readies:
                    assert not buf, f"bytes after the last {stop!r}"
                    return out
        chunk = s.recv(4096 if slow else 1 << 20)
        assert chunk, f"the connection closed after {out[-3:]}"
        buf += chunk
        if slow:
            time.sleep(0.0005)
    return out


def normal(messages: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """What must be the same on every path: no ParameterStatus/BackendKeyData/notices, and an
    error as its SQLSTATE alone."""
    out = []
    for kind, body in messages:
        if kind in (b"S", b"K", b"N"):
            continue
        if kind == b"E":
            fields = dict((f[:1], f[1:]) for f in body.split(b"\0") if f)
            body = fields.get(b"C", b"")
        out.append((kind, body))
    return out


def send_cut(s: socket.socket, data: bytes, cuts: list[int]) -> None:
    at = 0
    for cut in sorted({c % (len(data) + 1) for c in cuts}):
        if cut > at:
            s.sendall(data[at:cut])
            time.sleep(0.001)  # so that the pieces arrive as separate reads
            at = cut
    s.sendall(data[at:])


def run(port: int, stream: bytes, readies: int, cuts: list[int], slow: bool = False) -> list[tuple[bytes, bytes]]:
    """Send the stream in pieces while reading the answers, as a pipelining client does (a client
    that sends everything before reading anything can stall both sides on full socket buffers)."""
    import threading

    s = connect(port)
    failed: list[BaseException] = []

    def send() -> None:
        try:
            send_cut(s, stream, cuts)
        except OSError as exc:
            failed.append(exc)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        got = normal(read_until(s, readies, slow))
        sender.join(20)
        assert not failed, failed
        return got
    finally:
        s.close()


units = st.lists(st.sampled_from(UNITS), min_size=1, max_size=8)
cuts = st.lists(st.integers(min_value=0, max_value=1 << 16), max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chosen=units, cut=cuts, slow=st.booleans())
def test_answers_do_not_depend_on_segments_or_plane(running: RunningProxy, db: PgServer,  # noqa: F811
                                                    chosen: list[tuple[bytes, int]], cut: list[int],
                                                    slow: bool) -> None:
    stream = b"".join(u for u, _ in chosen) + q("SELECT 'end'")
    readies = sum(n for _, n in chosen) + 1
    direct = run(db.port, stream, readies, [])
    assert run(running.port, stream, readies, cut, slow) == direct


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=units, after=units, cut=cuts)
def test_a_refusal_in_a_stream_is_the_same_whatever_the_segments(running: RunningProxy, db: PgServer,  # noqa: F811
                                                                  before: list[tuple[bytes, int]],
                                                                  after: list[tuple[bytes, int]],
                                                                  cut: list[int]) -> None:
    chosen = [*before, REFUSED, *after]
    stream = b"".join(u for u, _ in chosen) + q("SELECT 'end'")
    readies = sum(n for _, n in chosen) + 1
    whole = run(running.port, stream, readies, [])
    assert (b"E", b"55000") in whole  # held for approval, not run
    assert run(running.port, stream, readies, cut) == whole
    assert db.execute(DB, "SELECT count(*) FROM lane_victim") == [(0,)]


def test_a_slow_reader_gets_every_byte_and_others_go_on(running: RunningProxy) -> None:
    big = connect(running.port)
    other = connect(running.port)
    try:
        big.sendall(q("SELECT repeat('z', 6000000)") + q("SELECT 'after'"))
        time.sleep(0.3)  # the proxy's buffer to this client passes its high-water mark meanwhile
        other.sendall(q("SELECT 'other'"))
        assert (b"D", struct.pack("!HI", 1, 5) + b"other") in read_until(other, 1)
        got = read_until(big, 2, slow=False)
        rows = [body for kind, body in got if kind == b"D"]
        assert len(rows[0]) == 6 + 6000000 and rows[0].endswith(b"z" * 100)
        assert rows[1].endswith(b"after")
    finally:
        big.close()
        other.close()


def test_a_large_copy_in_streams_through(running: RunningProxy, db: PgServer) -> None:  # noqa: F811
    s = connect(running.port)
    try:
        s.sendall(q("CREATE TEMP TABLE lane_in (n int, body text)"))
        read_until(s, 1)
        s.sendall(q("COPY lane_in FROM STDIN"))
        read_until(s, 1, stop=b"G")  # CopyInResponse
        rows = b"".join(b"%d\t%s\n" % (i, b"w" * 200) for i in range(20000))
        s.sendall(b"".join(msg(b"d", rows[i:i + 65536]) for i in range(0, len(rows), 65536)) + msg(b"c", b""))
        assert (b"C", b"COPY 20000\0") in read_until(s, 1)
        s.sendall(q("SELECT count(*), sum(length(body)) FROM lane_in"))
        assert (b"D", struct.pack("!HI", 2, 5) + b"20000" + struct.pack("!I", 7) + b"4000000") in read_until(s, 1)
    finally:
        s.close()


# --- the pieces ------------------------------------------------------------------------------------

@pytest.mark.skipif("compiled" not in planes(), reason="the compiled data plane is not built here")
@settings(max_examples=3000)
@given(st.lists(st.sampled_from(list(b"'\\0123456789aZ_ .,()=-\x80\xff")), max_size=48).map(bytes)
       | st.binary(max_size=64))
def test_the_compiled_mask_is_shapes_mask(sql: bytes) -> None:
    from blastwall.doors.pg_proxy import _lane

    assert _lane.mask(sql) == shapes.mask(sql)


def test_the_compiled_plane_is_built_where_there_is_a_compiler() -> None:
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler here: the pure-Python plane runs")
    assert "compiled" in planes(), "blastwall was installed with a C compiler but _lane.c was not built"
    assert Lane().compiled


def test_the_plane_can_be_chosen_and_a_wrong_choice_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BLASTWALL_PG_PLANE", raising=False)
    lane = Lane("python")
    assert not lane.compiled and lane.name == "python"
    lane.plane.stop()
    with pytest.raises(ValueError, match="one of auto, compiled, python"):
        Lane("fastest")
    monkeypatch.setenv("BLASTWALL_PG_PLANE", "python")
    assert resolve("compiled") == "python"  # the variable wins, as documented


def test_a_reload_empties_the_caches_open_sessions_hold(home: dict[str, str]) -> None:  # noqa: F811
    guard = Guard(load_policy(None), cwd=None)
    try:
        cache: Cache = guard.cache_for(("ctx", "UTF8", False))
        cache.add(b"SELECT 1")
        assert b"SELECT 1" in cache and cache.table
        guard.clear()
        assert b"SELECT 1" not in cache and not cache.table
    finally:
        guard.close()


def test_an_error_in_a_handler_closes_only_that_connection(caplog: pytest.LogCaptureFixture) -> None:
    closed: list[str] = []

    def broken(data: bytes) -> None:
        raise RuntimeError("a bug")

    guarded(broken, lambda: closed.append("closed"))(b"Q")
    assert closed == ["closed"] and "internal error" in caplog.text
    guarded(lambda: None, lambda: closed.append("again"))()
    assert closed == ["closed"]


frames = st.lists(st.one_of(
    st.tuples(st.integers(0, 255), st.binary(max_size=40)).map(lambda t: bytes([t[0]]) + struct.pack(
        "!I", len(t[1]) + 4) + t[1]),  # well framed, any type
    st.tuples(st.integers(0, 255), st.integers(0, 0xFFFFFFFF), st.binary(max_size=16)).map(
        lambda t: bytes([t[0]]) + struct.pack("!I", t[1]) + t[2]),  # any length
    st.sampled_from([u for u, _ in UNITS]),
), max_size=10)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=frames, cut=cuts)
def test_hostile_streams_close_at_most_their_own_connection(running: RunningProxy, junk: list[bytes],
                                                            cut: list[int]) -> None:
    bystander = connect(running.port)
    try:
        s = connect(running.port)
        try:
            try:
                send_cut(s, b"".join(junk), cut)
                s.settimeout(0.3)
                while s.recv(1 << 16):
                    pass
            except (TimeoutError, OSError):
                pass  # closed by the proxy, or still waiting for more: both are fine for this one
        finally:
            s.close()
        bystander.sendall(q("SELECT 'still here'"))
        assert (b"C", b"SELECT 1\0") in read_until(bystander, 1)
    finally:
        bystander.close()


def test_closed_connections_leave_no_socket_behind(running: RunningProxy) -> None:
    def open_fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    def one() -> None:
        s = connect(running.port)
        s.sendall(q("SELECT n FROM lane_t WHERE n = 3") + q("SELECT repeat('q', 100000)"))
        read_until(s, 2)
        s.close()

    one()
    time.sleep(0.2)
    before = open_fds()
    for _ in range(200):
        one()
    deadline = time.monotonic() + 10
    while open_fds() > before + 2 and time.monotonic() < deadline:  # the proxy sees each close soon after
        time.sleep(0.05)
    assert open_fds() <= before + 2


def test_fast_is_not_taken_while_data_waits_for_the_session() -> None:
    """Data the compiled plane read for the session waits for the session's lock; a `fast()` asked
    under that lock (another thread of the session: a decision finishing) is not taken, so the
    session keeps its framing (the bytes of a message still to come) for that data and asks again
    from its handler. Taking it, the session zeroed its skip and then misread the waiting data from
    the middle of a message ("malformed message (type 0, length 1)")."""
    pytest.importorskip("blastwall.doors.pg_proxy._lane")
    from blastwall.doors.pg_proxy.lanes import Lane

    lane = Lane("compiled")
    lane.plane.start()
    lock = threading.Lock()
    got: list[bytes] = []
    arrived = threading.Event()

    def on_data(data: bytes) -> None:
        got.append(data)
        arrived.set()

    agent, client_side = socket.socketpair()
    server_side, upstream = socket.socketpair()
    nothing = lambda: None  # noqa: E731
    ct = lane.pipe(client_side, lock, on_data, nothing, nothing, nothing)
    ut = lane.pipe(server_side, lock, lambda data: None, nothing, nothing, nothing)
    lane.link(ct, ut, lane.counts())
    ct.start()
    ut.start()
    try:
        with lock:  # the session, busy elsewhere
            agent.sendall(b"\x00\x01rest-of-a-message")
            time.sleep(1.0)  # the plane reads it and waits for this lock to hand it over
            assert not arrived.is_set()
            assert ct.fast(3, b"QP") is False
            assert not ct.is_fast
        assert arrived.wait(5)
        assert b"".join(got) == b"\x00\x01rest-of-a-message"  # the session's, with the session's framing
        assert ct.fast(0, b"QP") is True  # nothing waits now: taken
    finally:
        for s in (agent, upstream):
            s.close()
        ct.close()
        ut.close()
        lane.plane.stop()
