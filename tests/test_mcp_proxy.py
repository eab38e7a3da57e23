"""`blastwall mcp-proxy`: a real MCP client (the official SDK) talks to a real MCP server
(tests/mcp_servers/notes.py) through the proxy; raw JSON-RPC over pipes covers the relay's
edges (malformed, oversized and batched lines, cancellation, signals, the server's exit)."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from blastwall.doors.mcp_proxy import wire
from blastwall.doors.mcp_proxy.guard import Guard
from blastwall.doors.mcp_proxy.names import server_name
from blastwall.doors.mcp_proxy.state import ToolHints
from blastwall.model import Context

SERVERS = Path(__file__).parent / "mcp_servers"
NOTES = str(SERVERS / "notes.py")
ECHO = str(SERVERS / "echo.py")
INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}


# --- the environment: private XDG folders, a policy file, the server's side-effect log ------


class Home:
    def __init__(self, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tmp = tmp
        self.log = tmp / "server-ran.jsonl"
        self.policy = tmp / "policy.toml"
        self.stderr = tmp / "proxy-stderr.txt"
        self.project = tmp / "project"
        self.project.mkdir()
        self.env = {"XDG_CONFIG_HOME": str(tmp / "config"), "XDG_STATE_HOME": str(tmp / "state"),
                    "NOTES_LOG": str(self.log)}
        for k, v in self.env.items():
            monkeypatch.setenv(k, v)
        monkeypatch.delenv("BLASTWALL_DATABASE_URL", raising=False)
        monkeypatch.delenv("BLASTWALL_POLICY", raising=False)
        self.monkeypatch = monkeypatch

    def use_policy(self, text: str) -> None:
        self.policy.write_text(text)
        self.env["BLASTWALL_POLICY"] = str(self.policy)
        self.monkeypatch.setenv("BLASTWALL_POLICY", str(self.policy))

    def proxy_argv(self, *server: str, name: str = "notes") -> list[str]:
        return [sys.executable, "-m", "blastwall.doors.mcp_proxy", "--name", name, "--cwd", str(self.project),
                "--session", "test-session", "--", *server]

    def ran(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def proc_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BLASTWALL_") or k.startswith("BLASTWALL_DAEMON")}
        return env | self.env

    def pending_requests(self) -> list[Any]:
        from blastwall.store import open_store

        store = open_store()
        try:
            return store.list_requests(status=["pending"])
        finally:
            store.close()

    def approve(self, request_id: str) -> None:
        from blastwall.approvals import decide, keys
        from blastwall.store import open_store

        if not keys.key_files():
            keys.generate("alice", None)
        public, private = keys.load_private("alice", None)
        store = open_store()
        try:
            decide.approve(store, request_id, private, public, approver="alice")
        finally:
            store.close()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    return Home(tmp_path, monkeypatch)


# --- a real client ---------------------------------------------------------------------------


def with_client(home: Home, body: Any, *server: str) -> Any:
    """Run `body(session)` with the SDK's stdio client connected to the proxy in front of `server`."""
    argv = home.proxy_argv(*(server or (sys.executable, NOTES)))
    params = StdioServerParameters(command=argv[0], args=argv[1:], env=home.proc_env())
    out: dict[str, Any] = {}

    async def main() -> None:
        with open(home.stderr, "a") as errlog:
            async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as session:
                with anyio.fail_after(60):
                    await session.initialize()
                    out["result"] = await body(session)

    anyio.run(main)
    return out["result"]


def text_of(result: Any) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content)


def request_id_in(text: str) -> str:
    import re

    m = re.search(r"Approval request (bw-[a-z0-9]+)", text)
    assert m, text
    return m.group(1)


def test_a_real_client_lists_tools_and_calls_a_safe_one(home: Home):
    async def body(s: ClientSession) -> Any:
        tools = await s.list_tools()
        return [t.name for t in tools.tools], await s.call_tool("read_note", {"name": "todo"})

    names, result = with_client(home, body)
    assert {"read_note", "delete_all_notes", "run_sql", "exec"} <= set(names)
    assert result.is_error is False
    assert text_of(result) == "buy milk"
    assert home.ran() == [{"tool": "read_note", "arguments": {"name": "todo"}}]


def test_destructive_calls_never_reach_the_server(home: Home):
    async def body(s: ClientSession) -> Any:
        await s.list_tools()
        return {name: await s.call_tool(name, args) for name, args in [
            ("delete_all_notes", {}),
            ("run_sql", {"sql": "DROP TABLE users"}),
            ("exec", {"command": "rm -rf /"}),
            ("compact_notebook", {"notebook": "work"}),
        ]}

    results = with_client(home, body)
    for name, result in results.items():
        assert result.is_error is True, name
        assert text_of(result).startswith("blastwall "), name
        assert result.meta["blastwall/decision"] in ("ask", "deny"), name
    assert "rm deletes /" in text_of(results["exec"]) and "blocked" in text_of(results["exec"])
    assert results["exec"].meta["blastwall/decision"] == "deny"
    assert "DROP TABLE" in text_of(results["run_sql"])
    request_id_in(text_of(results["run_sql"]))
    assert results["delete_all_notes"].meta["blastwall/state"] == "pending"
    # compact_notebook is judged only by its destructiveHint: the proxy passed the annotation on
    assert "mcp.annotations:destructive" in results["compact_notebook"].meta["blastwall/rules"]
    assert home.ran() == []


def test_defer_mode_the_identical_retry_passes_once_approved(home: Home):
    home.use_policy('[approvals]\nmode = "defer"\n')

    async def body(s: ClientSession) -> Any:
        first = await s.call_tool("run_sql", {"sql": "DROP TABLE users"})
        rid = request_id_in(text_of(first))
        assert home.ran() == []
        await anyio.to_thread.run_sync(home.approve, rid)
        retry = await s.call_tool("run_sql", {"sql": "DROP TABLE users"})
        again = await s.call_tool("run_sql", {"sql": "DROP TABLE users"})
        return first, retry, again

    first, retry, again = with_client(home, body)
    assert first.is_error and first.meta["blastwall/state"] == "pending"
    assert retry.is_error is False and text_of(retry) == "ok"
    assert home.ran() == [{"tool": "run_sql", "arguments": {"sql": "DROP TABLE users"}}]
    assert again.is_error and again.meta["blastwall/state"] == "pending"  # a grant is single-use


def test_wait_mode_holds_the_call_while_other_calls_go_on(home: Home):
    home.use_policy('[approvals]\nmode = "wait"\nwait = 30\n')

    async def body(s: ClientSession) -> Any:
        held: dict[str, Any] = {}

        async def drop_table() -> None:
            held["result"] = await s.call_tool("run_sql", {"sql": "DROP TABLE users"})

        async with anyio.create_task_group() as tg:
            tg.start_soon(drop_table)
            requests: list[Any] = []
            for _ in range(200):
                requests = await anyio.to_thread.run_sync(home.pending_requests)
                if requests:
                    break
                await anyio.sleep(0.05)
            assert len(requests) == 1
            meanwhile = [await s.call_tool("read_note", {"name": "ideas"}) for _ in range(3)]
            assert "result" not in held
            assert [r.is_error for r in meanwhile] == [False, False, False]
            await anyio.to_thread.run_sync(home.approve, requests[0].id)
        return held["result"]

    result = with_client(home, body)
    assert result.is_error is False and text_of(result) == "ok"
    ran = [r["tool"] for r in home.ran()]
    assert ran == ["read_note"] * 3 + ["run_sql"]


# --- raw JSON-RPC over pipes -----------------------------------------------------------------


class Raw:
    """The proxy driven line by line."""

    def __init__(self, home: Home, *server: str) -> None:
        self.err = open(home.stderr, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(home.proxy_argv(*server), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.err, env=home.proc_env())
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        self.raw_out: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.raw_out.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def send(self, msg: Any) -> None:
        assert self.proc.stdin is not None
        data = msg if isinstance(msg, bytes) else json.dumps(msg).encode() + b"\n"
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def recv(self, timeout: float = 20.0) -> bytes:
        line = self.lines.get(timeout=timeout)
        assert line is not None, "the proxy closed its output"
        return line

    def recv_json(self, timeout: float = 20.0) -> Any:
        return json.loads(self.recv(timeout))

    def silent(self, seconds: float) -> bool:
        try:
            line = self.lines.get(timeout=seconds)
        except queue.Empty:
            return True
        self.lines.put(line)
        return False

    def close(self, timeout: float = 20.0) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        code = self.proc.wait(timeout=timeout)
        self.err.close()
        return code

    def __enter__(self) -> Raw:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not self.err.closed:
            self.err.close()


def call(msg_id: Any, tool: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "method": "tools/call", "params": {"name": tool, "arguments": arguments or {}}}


def test_everything_but_a_blocked_call_passes_byte_for_byte(home: Home):
    lines = [
        b'{"jsonrpc": "2.0",   "id": "a", "method": "ping"}\n',
        b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n',
        b'{"jsonrpc":"2.0","id":9,"result":{"action":"accept","content":{}}}\n',  # answer to a server request
        b'{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"read_note","arguments":{"name":"t\\u00f6do"}}}\n',
        b'[{"jsonrpc":"2.0","id":4,"method":"ping"}]\n',
    ]
    with Raw(home, sys.executable, ECHO) as p:
        for line in lines:
            p.send(line)
        got = {p.recv() for _ in lines}
        assert got == set(lines)
        assert p.close() == 0
    assert b"Traceback" not in home.stderr.read_bytes()


def test_malformed_and_ambiguous_lines_get_json_rpc_errors_and_the_relay_goes_on(home: Home):
    with Raw(home, sys.executable, ECHO) as p:
        p.send(b"this is not json\n")
        answer = p.recv_json()
        assert (answer["id"], answer["error"]["code"]) == (None, -32700)
        assert answer["error"]["message"].startswith("Parse error")
        p.send(b"\xff\xfe{}\n")
        assert p.recv_json()["error"]["code"] == -32700
        dup = b'{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"exec","arguments":' \
              b'{"command":"rm -rf /","command":"ls"}}}\n'
        p.send(dup)
        answer = p.recv_json()
        assert answer["id"] is None and answer["error"]["code"] == -32600 and "appears twice" in answer["error"]["message"]
        p.send({"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"arguments": {}}})
        assert p.recv_json()["error"]["code"] == -32602
        p.send({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "exec", "arguments": ["ls"]}})
        assert p.recv_json()["error"]["code"] == -32602
        p.send(b"\n   \n")
        p.send({"jsonrpc": "2.0", "id": 8, "method": "ping"})
        assert p.recv_json() == {"jsonrpc": "2.0", "id": 8, "method": "ping"}  # the echo server got it
        assert p.close() == 0
    err = home.stderr.read_text()
    assert "Traceback" not in err


def test_oversized_lines_are_refused_from_the_client_and_streamed_from_the_server(home: Home):
    huge = b'{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"exec","arguments":{"command":"echo ' \
           + b"A" * (wire.MAX_LINE + 10) + b'"}}}\n'
    with Raw(home, sys.executable, ECHO) as p:
        p.send(huge)
        answer = p.recv_json(timeout=60)
        assert answer["id"] == 11 and answer["error"]["code"] == -32600 and "limit" in answer["error"]["message"]
        p.send({"big": wire.MAX_LINE + 1000})
        p.send({"jsonrpc": "2.0", "id": 12, "method": "ping"})
        big = p.recv(timeout=60)
        assert len(big) == wire.MAX_LINE + 1001 and big.startswith(b'{"pad":"xxx') and big.endswith(b'"}\n')
        assert p.recv_json()["id"] == 12
        assert p.close() == 0
    assert "larger than" in home.stderr.read_text()


def test_blocked_calls_in_a_batch_and_as_notifications(home: Home):
    with Raw(home, sys.executable, ECHO) as p:
        p.send([{"jsonrpc": "2.0", "id": 1, "method": "ping"}, call(2, "exec", {"command": "rm -rf /"})])
        answers = {a["id"]: a for a in p.recv_json()}
        assert answers[1]["error"]["code"] == -32600
        assert answers[2]["result"]["isError"] is True
        p.send({"jsonrpc": "2.0", "method": "tools/call", "params": {"name": "exec", "arguments": {"command": "rm -rf /"}}})
        p.send([call(3, "read_note", {"name": "todo"})])
        assert p.recv_json() == [call(3, "read_note", {"name": "todo"})]  # allowed batch: passed untouched
        assert p.silent(0.3)
        assert p.close() == 0
    assert "sent as a notification" in home.stderr.read_text()


def test_a_cancelled_waiting_call_is_dropped_and_its_approval_kept_for_the_retry(home: Home):
    home.use_policy('[approvals]\nmode = "wait"\nwait = 30\n')
    drop = call(7, "run_sql", {"sql": "DROP TABLE users"})
    with Raw(home, sys.executable, NOTES) as p:
        p.send(INIT)
        assert p.recv_json()["id"] == 0
        p.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        p.send(drop)
        deadline = time.time() + 20
        while not home.pending_requests():
            assert time.time() < deadline
            time.sleep(0.05)
        p.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 7, "reason": "user"}})
        p.send({"jsonrpc": "2.0", "id": 8, "method": "ping"})
        assert p.recv_json() == {"jsonrpc": "2.0", "id": 8, "result": {}}
        time.sleep(0.5)  # the gate notices the cancellation at its next poll
        home.approve(home.pending_requests()[0].id)
        assert p.silent(1.0)  # nothing is answered for the cancelled call
        p.send({**drop, "id": 9})
        answer = p.recv_json()
        assert answer["id"] == 9 and answer["result"]["isError"] is False
        assert p.close() == 0
    assert [r["tool"] for r in home.ran()] == ["run_sql"]


def test_the_server_crashing_ends_the_proxy_with_its_status(home: Home):
    with Raw(home, sys.executable, NOTES) as p:
        p.send(INIT)
        p.recv_json()
        p.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        p.send(call(1, "crash"))
        assert p.proc.wait(timeout=20) == 3
        for line in p.raw_out:
            json.loads(line)  # stdout carries protocol only
    err = home.stderr.read_text()
    assert "exited with status 3" in err and "Traceback" not in err


def test_signals_are_forwarded_to_the_server(home: Home):
    with Raw(home, sys.executable, ECHO) as p:
        p.send({"jsonrpc": "2.0", "id": 1, "method": "ping"})
        p.recv()
        p.proc.send_signal(signal.SIGTERM)
        assert p.recv_json() == {"signal": signal.SIGTERM}
        assert p.proc.wait(timeout=20) == 7


def test_a_server_that_cannot_start(home: Home):
    with Raw(home, str(home.tmp / "no-such-server")) as p:
        assert p.proc.wait(timeout=20) == 127
        assert p.raw_out == []
    assert "cannot start the server" in home.stderr.read_text()


# --- the parts -------------------------------------------------------------------------------


@pytest.mark.parametrize(("argv", "name"), [
    (["npx", "-y", "@modelcontextprotocol/server-filesystem", "/srv"], "filesystem"),
    (["npx", "-y", "@supabase/mcp-server-supabase@latest", "--read-only"], "supabase"),
    (["uvx", "mcp-server-git", "--repository", "."], "git"),
    (["docker", "run", "-i", "--rm", "-e", "GITHUB_TOKEN", "ghcr.io/github/github-mcp-server"], "github"),
    (["python3", "tests/mcp_servers/notes.py"], "notes"),
    (["node", "/srv/railway-mcp/dist/index.js"], "railway"),
    (["env", "A=1", "npx", "-y", "@railway/mcp-server"], "railway"),
    (["npx", "mcp-remote", "https://mcp.linear.app/sse"], "linear"),
    (["/usr/local/bin/stripe-mcp"], "stripe"),
    (["mytool"], "mytool"),
])
def test_server_name_from_the_command(argv: list[str], name: str):
    assert server_name(argv) == name


def test_id_from_the_prefix_of_an_oversized_line():
    assert wire.id_from_prefix(b'{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"x":"AAAA') == 7
    assert wire.id_from_prefix(b'{ "id" : "a-1" , "params": {') == "a-1"
    assert wire.id_from_prefix(b'{"jsonrpc":"2.0","params":{"id":3,"x":"AAAA') is None  # nested, cut off
    assert wire.id_from_prefix(b'{"jsonrpc":"2.0","id":12') is None  # the id itself may be cut off
    assert wire.id_from_prefix(b'[{"id":1}') is None


def test_line_reader_splits_oversized_lines(tmp_path: Path):
    data = b"a\n" + b"b" * 50 + b"\nc"
    path = tmp_path / "in"
    path.write_bytes(data)
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = list(wire.LineReader(fd, limit=10).chunks())
    finally:
        os.close(fd)
    assert chunks[0] == ("line", b"a")
    assert chunks[-1] == ("line", b"c")
    assert chunks[-2][0] == "last" and all(k == "part" for k, _ in chunks[1:-2])
    assert b"".join(d for _, d in chunks[1:-1]) == b"b" * 50


def test_tool_hints_keep_only_what_the_analyzer_reads():
    hints = ToolHints()
    hints.expect(wire.id_key(2))
    assert hints.claim(wire.id_key(2)) and not hints.claim(wire.id_key(2))
    hints.learn({"tools": [{"name": "a", "annotations": {"destructiveHint": True, "title": "A"}},
                           {"name": "b", "annotations": {"readOnlyHint": "yes"}}, {"name": 3}]})
    assert hints.get("a") == {"destructiveHint": True} and hints.get("b") is None
    hints.learn({"tools": [{"name": "a"}]})  # the server dropped the annotation
    assert hints.get("a") is None


def test_guard_rulings(home: Home):
    guard = Guard("notes", Context(cwd=str(home.project), agent="mcp-proxy", session="s"))
    assert guard.check({"name": "read_note", "arguments": {"name": "todo"}}).forward is True
    assert guard.check({"name": "read_note"}).forward is True  # no arguments: {}
    denied = guard.check({"name": "exec", "arguments": {"command": "rm -rf /"}})
    assert (denied.forward, denied.decision) == (False, "deny") and "rm deletes /" in denied.text
    assert "blastwall explain --kind mcp" in denied.text
    assert guard.check({"name": ""}).rpc_error[0] == -32602
    cancelled = threading.Event()
    cancelled.set()
    assert guard.check({"name": "delete_all_notes", "arguments": {}}, cancelled).state == "cancelled"


def test_the_command_line_help_and_usage():
    import typer
    from typer.testing import CliRunner

    from blastwall.doors.mcp_proxy.cli import register

    app = typer.Typer()
    register(app)

    @app.command()
    def other() -> None:  # a second command, so mcp-proxy is a subcommand as in blastwall
        pass

    result = CliRunner().invoke(app, ["mcp-proxy", "--help"])
    assert result.exit_code == 0 and "--name" in result.output and "--session" in result.output
