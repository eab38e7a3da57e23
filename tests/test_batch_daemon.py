"""`check --batch` through the warm daemon (daemon/batchop.py, daemon/batchclient.py): real
daemon processes, the real `blastwall` command.

The daemon's answers are byte for byte the in-process ones (the development corpora, malformed
lines, blank lines, bytes that are not UTF-8, line numbers across pieces); a daemon that does
not answer a piece cleanly costs no line (the rest is checked in-process); a policy edit decides
the very next batch; a broken policy is reported as `blastwall check` reports it.
"""

from __future__ import annotations

import io
import os
import signal
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from blastwall.daemon import batchclient, client, place, wire
from test_daemon import DENY_RM, daemon_env, start

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
ODD_LINES = (
    b'{"id": "a", "kind": "shell", "input": "rm -rf /srv/data"}\n'
    b"\n"
    b"not json at all\n"
    b'{"id": "b", "kind": "sql", "input": "DROP TABLE users"}\r\n'
    b'{"id": "c", "kind": "nope", "input": "x"}\n'
    b'{"id": "d", "kind": "shell", "input": "echo \xff\xfe caf\xc3\xa9"}\n'
    b"[1, 2]\n"
    b'{"id": "e", "kind": "shell"}\n'
    b'{"id": "f", "kind": "mcp", "input": {"server": "github", "tool": "delete_repository", "arguments": {}}}\n'
)
LAST_WITHOUT_NEWLINE = b'{"id": "g", "kind": "sql", "input": "SELECT 1"}'


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    yield from daemon_env(tmp_path)


def corpus_feed() -> bytes:
    rows = []
    for path in [SHARED / "dev.jsonl", *sorted((SHARED / "round2").glob("*.jsonl"))]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append(json.dumps({k: row[k] for k in ("id", "kind", "input", "context") if k in row}))
    return ("\n".join(rows) + "\n").encode()


def batch(env: dict[str, str], feed: bytes, *args: str, daemon: bool = True) -> subprocess.CompletedProcess[bytes]:
    e = {**env, "BLASTWALL_DAEMON": "on" if daemon else "off"}
    return subprocess.run([sys.executable, "-m", "blastwall", "check", "--batch", "-", *args], input=feed,
                          capture_output=True, env=e, timeout=300, cwd=str(Path(env["XDG_CONFIG_HOME"]).parent / "work"))


def decisions(out: bytes) -> dict[str, str]:
    return {row["id"]: row["decision"] for row in map(json.loads, out.decode().splitlines())}


@pytest.mark.skipif(not (SHARED / "dev.jsonl").exists(), reason="the development corpus is not beside the project")
def test_daemon_answers_equal_in_process_answers_byte_for_byte(env: dict[str, str]):
    feed = corpus_feed() + ODD_LINES + LAST_WITHOUT_NEWLINE
    alone = batch(env, feed, daemon=False)
    assert alone.returncode == 0, alone.stderr
    start(env)
    warm = batch(env, feed)
    assert warm.returncode == 0, warm.stderr
    assert warm.stdout == alone.stdout
    assert len(warm.stdout.splitlines()) == len([x for x in feed.splitlines() if x.strip()])


def test_pieces_keep_line_numbers_and_order(env: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    """The client's pieces are checked one after another; reasons about malformed lines number
    the lines of the whole input."""
    feed = ODD_LINES * 5
    alone = batch(env, feed, daemon=False).stdout
    start(env)
    monkeypatch.setattr(batchclient, "PIECE_LINES", 3)
    out = io.StringIO()
    monkeypatch.chdir(Path(env["XDG_CONFIG_HOME"]).parent / "work")
    assert batchclient.run(io.BytesIO(feed), out, probe=False, policy_cwd=None, env=env) == 0
    assert out.getvalue().encode() == alone
    assert b"line 39:" in alone  # the third line of the fifth copy (9 lines a copy)


def test_a_policy_edit_decides_the_very_next_batch(env: dict[str, str]):
    feed = b'{"id": "rm", "kind": "shell", "input": "rm -rf /srv/data"}\n'
    start(env)
    assert decisions(batch(env, feed).stdout)["rm"] == "ask"
    Path(env["BLASTWALL_POLICY"]).write_text(DENY_RM)
    assert decisions(batch(env, feed).stdout)["rm"] == "deny"


def test_a_broken_policy_is_reported_and_nothing_is_allowed(env: dict[str, str]):
    start(env)
    Path(env["BLASTWALL_POLICY"]).write_text("[[rule]]\nid = 1\n")
    proc = batch(env, b'{"id": "x", "kind": "shell", "input": "ls"}\n')
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert b"policy check" in proc.stderr


def test_first_batch_checks_in_process_and_starts_the_daemon(env: dict[str, str]):
    feed = b'{"id": "rm", "kind": "shell", "input": "rm -rf /srv/data"}\n'
    assert client.ping(env) is None
    proc = batch(env, feed)
    assert decisions(proc.stdout) == {"rm": "ask"}
    for _ in range(400):
        if client.ping(env):
            break
        time.sleep(0.05)
    assert client.ping(env), "the batch did not start a daemon for the next one"


def test_daemons_off_start_nothing(env: dict[str, str]):
    proc = batch(env, b'{"id": "rm", "kind": "shell", "input": "rm -rf /srv/data"}\n', daemon=False)
    assert decisions(proc.stdout) == {"rm": "ask"}
    time.sleep(1.0)
    assert client.ping(env) is None


@pytest.mark.parametrize("behaviour", ["close-after-accepting", "garbage", "allow-everything-unframed"])
def test_a_daemon_that_does_not_answer_cleanly_loses_no_line(env: dict[str, str], behaviour: str):
    """Something on the daemon's socket accepts the batch and then goes away, answers garbage, or
    answers a result without verdict lines: every line is still answered, in-process."""
    where = place.user_place(env)
    assert where is not None
    rogue = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    rogue.bind(where.socket)
    rogue.listen(8)
    feed = ODD_LINES

    def serve() -> None:
        rogue.settimeout(30)
        try:
            conn, _ = rogue.accept()
            conn.recv(1 << 20)
            conn.sendall(wire.pack_msg({"t": "accepted"}))
            if behaviour == "garbage":
                conn.sendall(b"\x00\x00\x00\x05hello")
            elif behaviour == "allow-everything-unframed":
                conn.sendall(wire.pack_msg({"t": "result", "ok": True, "lines": 9}))
            conn.close()
        except OSError:
            pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        proc = batch(env, feed)
    finally:
        rogue.close()
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == batch(env, feed, daemon=False).stdout
    assert decisions(proc.stdout)["a"] == "ask"


def test_batch_in_the_daemon_runs_with_the_callers_environment(env: dict[str, str], tmp_path: Path):
    """The daemon checks with the batch's environment, not its own: a policy named by the
    caller's BLASTWALL_POLICY decides."""
    start(env)
    other = tmp_path / "other.toml"
    other.write_text(DENY_RM)
    feed = b'{"id": "rm", "kind": "shell", "input": "rm -rf /srv/data"}\n'
    assert decisions(batch(env, feed).stdout)["rm"] == "ask"
    assert decisions(batch({**env, "BLASTWALL_POLICY": str(other)}, feed).stdout)["rm"] == "deny"


def test_batch_op_is_answered_by_the_daemon(env: dict[str, str]):
    """The op itself, on the wire: a result with the piece's verdicts and its line count."""
    start(env)
    where = place.user_place(env)
    assert where is not None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(where.socket)
    header: dict[str, Any] = {"v": wire.VERSION, "op": "batch", "cwd": "/", "env": dict(env), "policy_cwd": None,
                              "probe": False, "first": 10, "deadline_s": 30}
    sock.sendall(wire.pack_msg(header) + wire.pack(b"junk\n\n" + ODD_LINES.split(b"\n")[0] + b"\n"))
    deadline = time.monotonic() + 60
    assert wire.recv_msg(sock, deadline)["t"] == "accepted"
    msg = wire.recv_msg(sock, deadline, batchclient.MAX_RESULT)
    sock.close()
    assert msg["t"] == "result" and msg["ok"] is True and msg["lines"] == 3
    rows = [json.loads(x) for x in msg["out"].splitlines()]
    assert rows[0]["reasons"][0].startswith("line 10:") and rows[1]["id"] == "a" and rows[1]["decision"] == "ask"


LONG_RM = b"".join(b'{"id": "rm%d", "kind": "shell", "input": "rm -rf /srv/data%d"}\n' % (i, i) for i in range(400))


def _grandchildren(pid: int) -> set[int]:
    """The checkers the daemon's workers forked (Linux /proc)."""
    parents: dict[int, int] = {}
    for name in Path("/proc").iterdir():
        if name.name.isdigit():
            try:
                parents[int(name.name)] = int((name / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    workers = {p for p, pp in parents.items() if pp == pid}
    return {p for p, pp in parents.items() if pp in workers}


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_policy_edit_between_two_long_batches_decides_the_second(env: dict[str, str]):
    """A long batch is checked by the worker and a checker kept from the batch before: both
    load the policy afresh for the second batch."""
    daemon = start(env)["pid"]
    first = decisions(batch(env, LONG_RM).stdout)
    assert set(first.values()) == {"ask"} and len(first) == 400
    kept = _grandchildren(daemon)
    assert kept, "no checker was kept for the next batch"
    Path(env["BLASTWALL_POLICY"]).write_text(DENY_RM)
    second = decisions(batch(env, LONG_RM).stdout)
    assert set(second.values()) == {"deny"} and len(second) == 400
    assert kept <= _grandchildren(daemon)  # the same checker checked its share of the second batch


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_checker_killed_between_batches_is_replaced(env: dict[str, str]):
    daemon = start(env)["pid"]
    assert decisions(batch(env, LONG_RM).stdout) == decisions(batch(env, LONG_RM, daemon=False).stdout)
    kept = _grandchildren(daemon)
    assert kept
    for pid in kept:
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    proc = batch(env, LONG_RM + ODD_LINES)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == batch(env, LONG_RM + ODD_LINES, daemon=False).stdout
    fresh = _grandchildren(daemon)
    assert fresh and not fresh & kept
