"""Input an agent or a batch caller cannot make blastwall misread: through the real console script.

Duplicate keys (parsers disagree on which value wins), bytes that are not UTF-8, oversized and
deeply nested input: every answer blocks or asks with one line of reason, never allows, never a
traceback, and a bad batch line leaves the others alone. Payloads live only in these strings.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

RM = "rm -rf ~/data"
BW = [shutil.which("blastwall") or sys.executable, *([] if shutil.which("blastwall") else ["-m", "blastwall"])]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BLASTWALL_", "CLAUDE_", "CODEX_"))}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_STATE_HOME=str(tmp_path / "state"),
               BLASTWALL_DAEMON="off")
    return env


def _hook(agent: str, data: bytes, tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*BW, "hook", agent], input=data, capture_output=True, timeout=120, env=_env(tmp_path),
                          cwd=tmp_path)


def _claude(tool_input: bytes) -> bytes:
    return b'{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":' + tool_input + b"}"


CLAUDE_INPUTS = {
    "duplicate command": _claude(b'{"command":"' + RM.encode() + b'","command":"ls"}'),
    "duplicate tool_input": b'{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"'
                            + RM.encode() + b'"},"tool_input":{"command":"ls"}}',
    "duplicate tool_name": b'{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_name":"Read",'
                           b'"tool_input":{"command":"' + RM.encode() + b'","file_path":"a"}}',
    "not UTF-8": _claude(b'{"command":"ls \xff\xfe; ' + RM.encode() + b'"}'),
    "NUL in the command": _claude(json.dumps({"command": "ls\x00; " + RM}).encode()),
    "nested 2000 deep": _claude(json.dumps({"command": "echo " + "$(" * 2000 + RM + ")" * 2000}).encode()),
    "deep JSON": _claude(b'{"command":"ls","x":' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
}


@pytest.mark.parametrize("name", list(CLAUDE_INPUTS))
def test_claude_code_never_allows_what_it_cannot_read_one_way(name: str, tmp_path: Path) -> None:
    proc = _hook("claude-code", CLAUDE_INPUTS[name], tmp_path)
    text = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    assert "Traceback" not in text
    if proc.returncode == 2:
        assert proc.stderr.decode().count("\n") == 1 and "blastwall blocked" in proc.stderr.decode()
    else:
        assert proc.returncode == 0 and proc.stdout.strip(), (name, text)  # empty stdout would be an allow
        decision = json.loads(proc.stdout)["hookSpecificOutput"]["permissionDecision"]
        assert decision in ("ask", "deny"), (name, text)


@pytest.mark.parametrize(("agent", "payload"), [
    ("gemini", b'{"hook_event_name":"BeforeTool","tool_name":"run_shell_command","tool_input":{"command":"'
               + RM.encode() + b'","command":"ls"}}'),
    ("cursor", b'{"hook_event_name":"beforeShellExecution","command":"' + RM.encode() + b'","command":"ls"}'),
    ("codex", _claude(b'{"command":"' + RM.encode() + b'","command":"ls"}')),
])
def test_duplicate_keys_block_for_every_agent(agent: str, payload: bytes, tmp_path: Path) -> None:
    proc = _hook(agent, payload, tmp_path)
    assert proc.returncode == 2 and b"appears twice" in proc.stdout + proc.stderr, proc


@pytest.mark.parametrize("daemon", ["off", "on"])
def test_a_bad_batch_line_gets_its_own_answer(daemon: str, tmp_path: Path) -> None:
    lines = [json.dumps({"id": "a", "kind": "shell", "input": "ls"}).encode(),
             b'{"id":"dup","kind":"shell","input":"' + RM.encode() + b'","input":"ls"}',
             b'{"id":"bytes","kind":"shell","input":"ls \xff\xfe"}',
             json.dumps({"id": "list", "kind": "shell", "input": ["rm", "-rf", "/"]}).encode(),
             b"[" * 100_000 + b"]" * 100_000,
             json.dumps({"id": "b", "kind": "shell", "input": "ls"}).encode()]
    env = _env(tmp_path)
    if daemon == "on":  # the warm daemon reads the lines
        env.pop("BLASTWALL_DAEMON")
        subprocess.run([*BW, "daemon", "start"], capture_output=True, timeout=120, env=env, cwd=tmp_path, check=True)
    proc = subprocess.run([*BW, "check", "--batch", "-"], input=b"\n".join(lines) + b"\n", capture_output=True,
                          timeout=300, env=env, cwd=tmp_path)
    try:
        assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr
        rows = [json.loads(line) for line in proc.stdout.decode().splitlines()]
        assert [r["decision"] for r in rows] == ["allow", "ask", "ask", "ask", "ask", "allow"], rows
        assert [r["id"] for r in rows] == ["a", "dup", "bytes", "list", None, "b"]
    finally:
        if daemon == "on":
            subprocess.run([*BW, "daemon", "stop"], capture_output=True, timeout=60, env=env, cwd=tmp_path)
