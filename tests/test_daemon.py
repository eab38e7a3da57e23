"""The warm checker (src/blastwall/daemon/): real daemon processes, real hook client processes.

Every failure of the daemon path gives a blocking answer or an in-process verdict, never an allow:
a daemon killed mid-check, a hung check, a daemon that never answers, a socket that is not ours,
a stale socket file. A policy edit decides the very next call; concurrent calls from two agents
get their own verdicts.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from blastwall.daemon import client, place, server, wire
from blastwall.doors.hook_command import bootstrap_paths, client_program

ROOT = Path(__file__).resolve().parents[1]
ALLOW_ALL = ''
DENY_RM = '[[rule]]\nid = "t.deny-rm"\neffect = "delete"\ndecision = "deny"\n'


def payload(command: str, cwd: str, agent: str = "claude-code") -> bytes:
    if agent == "claude-code":
        return json.dumps({"session_id": "s1", "transcript_path": "/tmp/t.jsonl", "cwd": cwd,
                           "hook_event_name": "PreToolUse", "tool_name": "Bash",
                           "tool_input": {"command": command}}).encode()
    if agent == "gemini":
        return json.dumps({"session_id": "s2", "transcript_path": "/tmp/t.json", "cwd": cwd,
                           "hook_event_name": "BeforeTool", "tool_name": "run_shell_command",
                           "tool_input": {"command": command}}).encode()
    raise ValueError(agent)


def decision(agent: str, proc: subprocess.CompletedProcess[bytes]) -> str:
    """allow | ask | deny, as the agent reads the hook process's answer."""
    out = proc.stdout.decode("ascii")  # the hook prints ASCII only
    proc.stderr.decode("ascii")
    if proc.returncode == 2:
        return "deny"
    assert proc.returncode == 0, proc.stderr
    if not out.strip():
        return "allow"
    data = json.loads(out)
    if agent == "claude-code":
        return data["hookSpecificOutput"]["permissionDecision"]
    return "deny" if data.get("decision") in ("deny", "block") else "allow"


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    yield from daemon_env(tmp_path)


def daemon_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A private configuration for one test's daemon; the daemon is stopped after it."""
    run = Path(tempfile.mkdtemp(prefix="bw-run-", dir="/tmp"))  # short: a socket path has ~100 bytes
    (tmp_path / "work").mkdir()
    policy = tmp_path / "policy.toml"
    policy.write_text(ALLOW_ALL)
    e = {k: v for k, v in os.environ.items() if not k.startswith(("BLASTWALL_", "CLAUDE_"))}
    e.update(XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_STATE_HOME=str(tmp_path / "state"),
             XDG_DATA_HOME=str(tmp_path / "data"), XDG_RUNTIME_DIR=str(run), BLASTWALL_POLICY=str(policy),
             BLASTWALL_DAEMON_IDLE="60")
    yield e
    client.stop(e)
    shutil.rmtree(run, ignore_errors=True)


def client_argv(form: str, agent: str, timeout: int | None) -> list[str]:
    """The hook process: the Python client (`python -m blastwall hook`) or the hook client in C as
    `install` writes it (doors/hook_command.py)."""
    tail = ["--timeout", str(timeout)] if timeout else []
    if form == "c":
        program = client_program(bootstrap_paths()[0])
        assert program is not None
        return [program, sys.executable, *bootstrap_paths(), "--", agent, *tail]
    return [sys.executable, "-m", "blastwall", "hook", agent, *tail]


@pytest.fixture(params=["python", "c"])
def form(request: pytest.FixtureRequest) -> str:
    """Each client: the Python one, and the C one (built by setup.py where a compiler is)."""
    if request.param == "c" and client_program(bootstrap_paths()[0]) is None:
        if shutil.which("cc") and os.environ.get("CI"):
            pytest.fail("a C compiler is here but the hook client in C was not built (pip install -e . builds it)")
        pytest.skip("the hook client in C was not built (no C compiler)")
    return str(request.param)


def hook(env: dict[str, str], command: str, *, agent: str = "claude-code", timeout: int | None = None,
         cwd: str | None = None, form: str = "python") -> subprocess.CompletedProcess[bytes]:
    args = client_argv(form, agent, timeout)
    where = cwd or str(Path(env["XDG_CONFIG_HOME"]).parent / "work")
    return subprocess.run(args, input=payload(command, where, agent), capture_output=True, env=env, timeout=60,
                          cwd=where)


def start(env: dict[str, str]) -> dict[str, Any]:
    subprocess.run([sys.executable, "-m", "blastwall", "daemon", "start"], env=env, check=True, timeout=60,
                   capture_output=True)
    pong = client.ping(env)
    assert pong and pong["t"] == "pong"
    return pong


def test_hook_through_daemon_matches_in_process(env: dict[str, str], form: str):
    start(env)
    commands = ["git status", "rm -rf /", "rm -rf ~", "psql -c 'DROP TABLE bookings'", "ls -la",
                "curl -X DELETE https://api.github.com/repos/o/r", "echo hi > notes.txt"]
    off = {**env, "BLASTWALL_DAEMON": "off"}
    for command in commands:
        warm, cold = hook(env, command, form=form), hook(off, command, form=form)
        assert decision("claude-code", warm) == decision("claude-code", cold), command
        assert warm.stdout == cold.stdout, command
    assert decision("claude-code", hook(env, "rm -rf /", form=form)) == "deny"


def test_first_call_starts_the_daemon_and_checks_in_process(env: dict[str, str], form: str):
    assert client.ping(env) is None
    assert decision("claude-code", hook(env, "rm -rf /", form=form)) == "deny"  # in-process: no daemon yet
    for _ in range(200):
        if client.ping(env):
            break
        time.sleep(0.05)
    assert client.ping(env), "the first hook call did not start the daemon"


def test_policy_edit_decides_the_very_next_call(env: dict[str, str], tmp_path: Path, form: str):
    start(env)
    work = tmp_path / "work"
    (work / "old.log").write_text("x")
    assert decision("claude-code", hook(env, "rm old.log", form=form)) == "allow"
    Path(env["BLASTWALL_POLICY"]).write_text(DENY_RM)
    assert decision("claude-code", hook(env, "rm old.log", form=form)) == "deny"
    Path(env["BLASTWALL_POLICY"]).write_text(ALLOW_ALL)
    assert decision("claude-code", hook(env, "rm old.log", form=form)) == "allow"


def test_concurrent_calls_from_two_agents_get_their_own_verdicts(env: dict[str, str], form: str):
    start(env)
    cases = [("claude-code", "rm -rf /", "deny"), ("gemini", "ls", "allow"), ("claude-code", "git status", "allow"),
             ("gemini", "rm -rf ~", "deny"), ("claude-code", "cat README.md", "allow"),
             ("gemini", "rm -rf /usr", "deny"), ("claude-code", "echo ok", "allow"),
             ("gemini", "rm -rf /etc", "deny")]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda c: (c, hook(env, c[1], agent=c[0], form=form)), cases))
    for (agent, command, expected), proc in results:
        got = decision(agent, proc)
        assert (got == "allow") == (expected == "allow"), (agent, command, got, proc.stderr)


def test_daemon_killed_mid_check_never_allows(env: dict[str, str], tmp_path: Path, form: str):
    """A check that waits for a human ([approvals] mode = "wait") is in flight when the daemon
    is killed: the client checks in-process instead, which also holds the call."""
    Path(env["BLASTWALL_POLICY"]).write_text('[approvals]\nmode = "wait"\nwait = "20s"\n')
    pong = start(env)
    results: list[subprocess.CompletedProcess[bytes]] = []
    t = threading.Thread(target=lambda: results.append(hook(env, "rm -rf /srv/data", timeout=6, form=form)))
    t.start()
    time.sleep(1.5)
    os.kill(int(pong["pid"]), signal.SIGKILL)
    t.join(60)
    assert results and decision("claude-code", results[0]) != "allow", results


def test_a_hung_check_is_answered_blocked_and_the_daemon_lives(tmp_path: Path):
    """The worker's check hangs (a stand-in for a runaway parse): the parent kills it at the
    deadline and answers "blocked"; the next call is served."""
    folder = tmp_path / "run"
    folder.mkdir(mode=0o700)
    where = place.Place(str(folder), str(folder / "d.sock"), str(folder / "d.lock"), str(folder / "d.log"))
    calls = {"n": 0}

    def runner(agent: str, raw: bytes) -> tuple[int, str, str]:
        if b"hang" in raw:
            time.sleep(3600)
        return 0, "", ""

    pid = os.fork()
    if pid == 0:  # the daemon under test, in its own process
        try:
            s = server.Server(where, idle_s=30, runner=runner)
            s.bind()
            s.serve()
        finally:
            os._exit(0)
    try:
        for _ in range(100):
            if os.path.exists(where.socket):
                break
            time.sleep(0.02)
        started = time.monotonic()
        answer = _ask_socket(where.socket, b"hang", timeout_s=3, started=started)
        assert answer["t"] == "answer" and answer["code"] == 2, answer
        assert "did not finish" in answer["err"]
        assert time.monotonic() - started < 5
        again = _ask_socket(where.socket, b"fine", timeout_s=3, started=time.monotonic())
        assert again == {"t": "answer", "code": 0, "out": "", "err": ""}
        calls["n"] += 1
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _ask_socket(path: str, raw: bytes, *, timeout_s: int, started: float) -> dict[str, Any]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    header = {"v": wire.VERSION, "op": "hook", "agent": "claude-code", "timeout_s": timeout_s, "started": started,
              "cwd": "/", "env": {}}
    sock.sendall(wire.pack_msg(header) + wire.pack(raw))
    deadline = time.monotonic() + 30
    assert wire.recv_msg(sock, deadline)["t"] == "accepted"
    while True:
        msg = wire.recv_msg(sock, deadline)
        if msg["t"] != "extend":
            sock.close()
            return msg


def test_a_daemon_that_never_answers_gets_an_in_process_check(env: dict[str, str], form: str):
    """Something listens on the daemon's socket but never accepts the call: in-process check."""
    where = place.user_place(env)
    assert where is not None
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.bind(where.socket)
    silent.listen(8)
    try:
        started = time.monotonic()
        proc = hook({**env, "BLASTWALL_DAEMON_IDLE": "1"}, "rm -rf /", form=form)
        assert decision("claude-code", proc) == "deny"
        assert decision("claude-code", hook(env, "ls", form=form)) == "allow"
        assert time.monotonic() - started < 20
    finally:
        silent.close()


def test_a_socket_that_is_not_ours_is_never_asked(env: dict[str, str], form: str):
    """A socket file owned by another user (planted, or a folder with loose permissions) is not
    used: the hook checks in-process."""
    where = place.user_place(env)
    assert where is not None
    rogue = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    rogue.bind(where.socket)
    rogue.listen(8)
    os.chown(where.socket, 65534, 65534)
    got: list[bytes] = []

    def answer_allow() -> None:  # a rogue checker that would allow everything
        rogue.settimeout(10)
        try:
            conn, _ = rogue.accept()
            got.append(conn.recv(65536))
            conn.sendall(wire.pack_msg({"t": "accepted"}) + wire.pack_msg({"t": "answer", "code": 0, "out": "", "err": ""}))
            conn.close()
        except OSError:
            pass

    t = threading.Thread(target=answer_allow, daemon=True)
    t.start()
    try:
        assert decision("claude-code", hook({**env, "BLASTWALL_DAEMON": "on"}, "rm -rf /", form=form)) == "deny"
        assert not got, "the client talked to a socket another user owns"
    finally:
        rogue.close()


def test_loose_runtime_folder_is_not_used(env: dict[str, str]):
    folder = Path(env["XDG_RUNTIME_DIR"]) / "blastwall"
    folder.mkdir(mode=0o700)
    folder.chmod(0o777)
    assert place.user_folder(env) != str(folder)
    folder.chmod(0o700)
    assert place.user_folder(env) == str(folder)


def test_stale_socket_file_gives_an_in_process_check_and_a_fresh_daemon(env: dict[str, str], form: str):
    where = place.user_place(env)
    assert where is not None
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(where.socket)
    dead.close()  # the file stays, nobody listens
    assert decision("claude-code", hook(env, "rm -rf /", form=form)) == "deny"
    for _ in range(200):
        if client.ping(env):
            break
        time.sleep(0.05)
    assert client.ping(env), "no daemon took the stale socket's place"


def test_peer_of_another_uid_is_refused(tmp_path: Path):
    folder = tmp_path / "run"
    folder.mkdir(mode=0o700)
    where = place.Place(str(folder), str(folder / "d.sock"), str(folder / "d.lock"), str(folder / "d.log"))
    s = server.Server(where, allowed_uids=frozenset({os.getuid() + 12345}), runner=lambda a, r: (0, "", ""))
    s.bind()
    t = threading.Thread(target=s.serve, daemon=True)
    t.start()
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(where.socket)
        msg = wire.recv_msg(sock, time.monotonic() + 5)
        assert msg["t"] == "refused"
    finally:
        s.stopping = True
        t.join(5)


def test_protocol_garbage_is_refused_and_the_daemon_lives(env: dict[str, str], form: str):
    start(env)
    where = place.user_place(env)
    assert where is not None
    for junk in (b"\xff\xff\xff\xff", wire.pack(b"\x00\x00\x00\x09not a msg") + wire.pack(b""),
                 wire.pack_msg({"v": 99, "op": "hook"}) + wire.pack(b"")):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(where.socket)
        sock.sendall(junk)
        try:
            msg = wire.recv_msg(sock, time.monotonic() + 5)
            assert msg["t"] in ("refused",), msg
        except wire.WireError:
            pass
        sock.close()
    assert client.ping(env)
    assert decision("claude-code", hook(env, "rm -rf /", form=form)) == "deny"


def test_hook_client_imports_only_the_standard_library():
    code = ("import sys; before = set(sys.modules); from blastwall.cli import hook; "
            "import blastwall.daemon.client; "
            "mods = sorted(m for m in set(sys.modules) - before if m.startswith('blastwall') or '.' not in m); "
            "print(' '.join(mods))")
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True,
                         timeout=60).stdout.split()
    ours = {m for m in out if m.startswith("blastwall")}
    assert ours <= {"blastwall", "blastwall.cli", "blastwall.cli.hook", "blastwall.cli.exits", "blastwall.daemon",
                    "blastwall.daemon.client", "blastwall.daemon.place", "blastwall.daemon.wire"}, ours
    third_party = {m for m in out if not m.startswith("blastwall") and m not in sys.stdlib_module_names
                   and not m.startswith("_")}
    assert not third_party, third_party


# --- Claude Code's HTTP hook ---------------------------------------------------------------------


@pytest.fixture()
def http_env(env: dict[str, str]) -> tuple[dict[str, str], Any]:
    from blastwall.daemon import httphook

    endpoint = httphook.create(os.path.join(env["XDG_CONFIG_HOME"], "blastwall"))
    start(env)
    return env, endpoint


def _post(endpoint: Any, body: bytes, *, token: str | None = None, host: str | None = None,
          path: str = "/hook/claude-code?timeout=30") -> Any:
    import httpx

    headers = {"X-Blastwall-Token": endpoint.token if token is None else token, "Content-Type": "application/json"}
    if host is not None:
        headers["Host"] = host
    return httpx.post(f"http://127.0.0.1:{endpoint.port}{path}", content=body, headers=headers, timeout=30)


def test_http_hook_answers_as_claude_code_reads_it(http_env: tuple[dict[str, str], Any]):
    env, endpoint = http_env
    work = str(Path(env["XDG_CONFIG_HOME"]).parent / "work")
    denied = _post(endpoint, payload("rm -rf /", work))
    assert denied.status_code == 200
    assert denied.json()["hookSpecificOutput"]["permissionDecision"] == "deny"
    allowed = _post(endpoint, payload("ls -la", work))
    assert allowed.status_code == 200 and allowed.json() == {}
    broken = _post(endpoint, b"{not json")
    assert broken.status_code == 200
    assert broken.json()["hookSpecificOutput"]["permissionDecision"] == "deny"


@pytest.mark.parametrize("case", ["no-token", "wrong-token", "rebinding-host", "wrong-path", "too-big"])
def test_http_hook_refuses_what_is_not_its_agent(http_env: tuple[dict[str, str], Any], case: str):
    env, endpoint = http_env
    body = payload("ls", "/tmp")
    kwargs: dict[str, Any] = {"no-token": {"token": ""}, "wrong-token": {"token": "0" * 64},
                              "rebinding-host": {"host": f"evil.example:{endpoint.port}"},
                              "wrong-path": {"path": "/hook/cursor"}, "too-big": {}}[case]
    if case == "too-big":
        body = b'{"x": "' + b"a" * (4 * 1024 * 1024 + 10) + b'"}'
    r = _post(endpoint, body, **kwargs)
    assert r.status_code in (403, 404, 413), (case, r.status_code, r.text)
    assert client.ping(env), "the daemon died"
