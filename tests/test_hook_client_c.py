"""The hook client in C (src/blastwall/daemon/hookc.c, built by setup.py): real processes.

It must give the same answer as the Python client, byte for byte; find the same daemon the Python
client finds for any environment; print ASCII only; and for everything it does not handle itself,
become the Python client with the payload it already read. The only answers it makes up are
blocking ones. `BLASTWALL_HOOK_FALLBACK=block` turns every fallback into a block, which proves that
an answer came from the warm checker.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import string
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blastwall.daemon import place, wire
from blastwall.doors.hook_command import bootstrap_paths, client_program
from test_daemon import daemon_env, decision, payload, start

PATHS = bootstrap_paths()
PROGRAM = os.environ.get("BLASTWALL_TEST_HOOK_CLIENT") or client_program(PATHS[0])  # a sanitized build: tests/sanitize
if PROGRAM is None:
    if shutil.which("cc") and os.environ.get("CI"):
        raise RuntimeError("a C compiler is here but the hook client in C was not built (pip install -e . builds it)")
    pytest.skip("the hook client in C was not built (no C compiler)", allow_module_level=True)


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    yield from daemon_env(tmp_path)


def run_c(env: dict[str, str], raw: bytes, *, agent: str = "claude-code", timeout: int | None = 30,
          extra: list[str] | None = None, cwd: str | None = None) -> subprocess.CompletedProcess[bytes]:
    tail = ["--timeout", str(timeout)] if timeout else []
    args = [PROGRAM, sys.executable, *PATHS, "--", agent, *tail, *(extra or [])]
    where = cwd or str(Path(env["XDG_CONFIG_HOME"]).parent / "work")
    return subprocess.run(args, input=raw, capture_output=True, env=env, timeout=60, cwd=where)


def run_py(env: dict[str, str], raw: bytes, *, agent: str = "claude-code") -> subprocess.CompletedProcess[bytes]:
    where = str(Path(env["XDG_CONFIG_HOME"]).parent / "work")
    return subprocess.run([sys.executable, "-m", "blastwall", "hook", agent, "--timeout", "30"], input=raw,
                          capture_output=True, env={**env, "BLASTWALL_DAEMON": "off"}, timeout=60, cwd=where)


COMMANDS = ["git status", "rm -rf /", "rm -rf ~", "psql -c 'DROP TABLE bookings'", "ls -la",
            "curl -X DELETE https://api.github.com/repos/o/r", "echo hi > notes.txt", "git push --force origin main",
            "echo caf\u00e9 \u2603 \U0001f600", "echo '\udcff lone surrogate'"]


def test_answers_come_from_the_warm_checker_and_match_the_python_client(env: dict[str, str]):
    start(env)
    work = str(Path(env["XDG_CONFIG_HOME"]).parent / "work")
    warm_only = {**env, "BLASTWALL_HOOK_FALLBACK": "block"}
    for command in COMMANDS:
        raw = json.dumps({"session_id": "s1", "transcript_path": "/tmp/t.jsonl", "cwd": work,
                          "hook_event_name": "PreToolUse", "tool_name": "Bash",
                          "tool_input": {"command": command}}).encode("utf-8", "surrogatepass")
        c, py = run_c(warm_only, raw), run_py(env, raw)
        assert b"BLASTWALL_HOOK_FALLBACK" not in c.stderr, (command, c.stderr)
        assert c.returncode == py.returncode, (command, c.stderr, py.stderr)
        c.stdout.decode("ascii")  # ASCII only, like the Python client
        if py.stdout.strip():
            assert json.loads(c.stdout) == json.loads(py.stdout), command
        else:
            assert c.stdout == py.stdout, command
        assert decision("claude-code", c) == decision("claude-code", py), command
    assert decision("gemini", run_c(warm_only, payload("rm -rf /", work, "gemini"), agent="gemini")) == "deny"


def test_without_a_daemon_it_becomes_the_python_client_with_the_payload(env: dict[str, str]):
    work = str(Path(env["XDG_CONFIG_HOME"]).parent / "work")
    off = {**env, "BLASTWALL_DAEMON": "off"}
    assert decision("claude-code", run_c(off, payload("rm -rf /", work))) == "deny"
    assert decision("claude-code", run_c(off, payload("ls", work))) == "allow"
    # and with fallbacks refused, the same call blocks instead of running unchecked
    proc = run_c({**off, "BLASTWALL_HOOK_FALLBACK": "block"}, payload("ls", work))
    assert proc.returncode == 2 and b"BLASTWALL_HOOK_FALLBACK=block" in proc.stderr


def test_a_refusal_after_the_payload_was_read_hands_the_whole_payload_on(env: dict[str, str]):
    """The checker refuses after the client read stdin: the Python client gets the payload (a
    memfd as its stdin), is refused too, and checks in-process."""
    where = place.user_place(env)
    assert where is not None
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(where.socket)
    listener.listen(8)
    seen: list[int] = []

    def refuse() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.settimeout(10)
            reader = wire.FrameReader((wire.MAX_HEADER, wire.MAX_PAYLOAD))
            try:
                while not reader.feed(conn.recv(1 << 20)):
                    pass
                seen.append(len(reader.frames[1]))
                conn.sendall(wire.pack_msg({"t": "refused", "why": "test"}))
            except (OSError, wire.WireError):
                pass
            conn.close()

    threading.Thread(target=refuse, daemon=True).start()
    work = str(Path(env["XDG_CONFIG_HOME"]).parent / "work")
    try:
        for command, expected in (("ls", "allow"), ("rm -rf /", "deny")):
            doc = json.loads(payload(command, work))
            doc["padding"] = "x" * 300_000  # over a pipe's buffer: the payload must survive the exec
            raw = json.dumps(doc).encode()
            assert decision("claude-code", run_c(env, raw)) == expected
            assert seen and seen[-1] == len(raw)
    finally:
        listener.close()


def test_an_environment_it_cannot_reproduce_goes_to_the_python_client(env: dict[str, str]):
    start(env)
    work = str(Path(env["XDG_CONFIG_HOME"]).parent / "work")
    args = [PROGRAM, sys.executable, *PATHS, "--", "claude-code", "--timeout", "30"]
    odd = {k.encode(): v.encode() for k, v in env.items()}
    odd[b"NOT_UTF8"] = b"\xff\xfe"
    blocked = subprocess.run(args, input=payload("ls", work), capture_output=True, timeout=60, cwd=work,
                             env={**odd, b"BLASTWALL_HOOK_FALLBACK": b"block"})
    assert blocked.returncode == 2  # it did not send what the Python client would not
    proc = subprocess.run(args, input=payload("rm -rf /", work), capture_output=True, env=odd, timeout=60, cwd=work)
    assert decision("claude-code", proc) == "deny"


@pytest.mark.parametrize("argv", [[], ["claude-code"], ["relative/python", "/x", "--", "claude-code"],
                                  ["/usr/bin/python3", "--", "claude-code"]])
def test_a_broken_command_line_blocks(argv: list[str]):
    proc = subprocess.run([PROGRAM, *argv], input=b"{}", capture_output=True, timeout=30)
    assert proc.returncode == 2 and b"usage" in proc.stderr


@pytest.mark.parametrize("tail", [["windsurf"], ["claude-code", "--timeout", "9999"], ["claude-code", "--bogus"]])
def test_arguments_it_does_not_know_get_the_python_clients_answer(env: dict[str, str], tail: list[str]):
    proc = subprocess.run([PROGRAM, sys.executable, *PATHS, "--", *tail], input=b"{}", capture_output=True,
                          env=env, timeout=60)
    assert proc.returncode == 2 and (b"usage" in proc.stderr or b"timeout" in proc.stderr), proc.stderr


def test_a_missing_interpreter_blocks(env: dict[str, str]):
    proc = subprocess.run([PROGRAM, "/nonexistent/python3", *PATHS, "--", "claude-code"], input=b"{}",
                          capture_output=True, env={**env, "BLASTWALL_DAEMON": "off"}, timeout=30)
    assert proc.returncode == 2 and b"blastwall blocked this tool call" in proc.stderr


@contextlib.contextmanager
def silent_checker(env: dict[str, str]) -> Iterator[None]:
    """Something on the daemon's socket that accepts a call and then never answers; the
    connection stays open (a closed one would be "went away", and a fallback)."""
    where = place.user_place(env)
    assert where is not None
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(where.socket)
    listener.listen(4)
    held: list[socket.socket] = []

    def accept_and_hold() -> None:
        conn, _ = listener.accept()
        held.append(conn)
        conn.sendall(wire.pack_msg({"t": "accepted"}))

    threading.Thread(target=accept_and_hold, daemon=True).start()
    try:
        yield
    finally:
        listener.close()
        for conn in held:
            conn.close()


def test_a_checker_that_accepts_and_never_answers_blocks_by_the_deadline(env: dict[str, str]):
    with silent_checker(env):
        started = time.monotonic()
        proc = run_c(env, payload("ls", str(Path(env["XDG_CONFIG_HOME"]).parent / "work")), timeout=3)
        assert proc.returncode == 2 and b"did not finish" in proc.stderr, proc.stderr
        assert time.monotonic() - started < 10


def test_a_signal_blocks(env: dict[str, str]):
    with silent_checker(env):
        proc = subprocess.Popen([PROGRAM, sys.executable, *PATHS, "--", "claude-code", "--timeout", "30"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        assert proc.stdin is not None and proc.stderr is not None
        proc.stdin.write(b"{}")
        proc.stdin.close()
        time.sleep(1.0)
        proc.terminate()
        proc.wait(timeout=30)
        err = proc.stderr.read()
        assert proc.returncode == 2 and b"stopped by signal" in err, err


_KEYS = st.sampled_from(["HOME", "BLASTWALL_POLICY", "BLASTWALL_STATE", "BLASTWALL_DEBUG", "BLASTWALL_DAEMON_IDLE",
                         "XDG_CONFIG_HOME", "XDG_CONFIG_HOMEX", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME",
                         "BLASTWALL_", "PATH", "LANG", "BLASTWALL_HOOK_FALLBACK"])
_VALUES = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=st.dictionaries(_KEYS, _VALUES, max_size=6), runtime=st.sampled_from(["run", "", "relative", "long"]))
def test_it_finds_the_socket_the_python_client_finds(env: dict[str, str], extra: dict[str, str], runtime: str):
    e = {**env, **extra}
    if runtime == "":
        e.pop("XDG_RUNTIME_DIR", None)
    elif runtime == "relative":
        e["XDG_RUNTIME_DIR"] = "relative/run"
    elif runtime == "long":
        e["XDG_RUNTIME_DIR"] = "/tmp/" + "d" * 90
    folder = place.user_folder(e)  # the Python client creates the folder it uses
    expected = place.user_place(e)
    proc = subprocess.run([PROGRAM, "--socket", sys.executable, *PATHS, "--", "claude-code"], capture_output=True,
                          env=e, timeout=30)
    if expected is None or folder is None:
        assert proc.returncode == 1
    else:
        assert proc.returncode == 0 and proc.stdout.decode().strip() == expected.socket


def test_the_socket_key_does_not_depend_on_printable_ascii_only(env: dict[str, str]):
    for value in ("caf\u00e9", "\u2603", "\U0001f600", string.punctuation):
        e = {**env, "BLASTWALL_POLICY": value}
        place.user_folder(e)
        proc = subprocess.run([PROGRAM, "--socket", sys.executable, *PATHS, "--", "claude-code"],
                              capture_output=True, env=e, timeout=30)
        assert proc.stdout.decode().strip() == place.user_place(e).socket  # type: ignore[union-attr]
