"""The hook process fails closed even when the analysis crashes or hangs: most agents let a
tool call proceed when a hook dies, so `blastwall hook` runs the check in a forked child. And it
answers before the agent's own hook timeout (`--timeout`, written by `blastwall install`) kills it,
also while it waits for a human's approval."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hookio import REQUEST_ID, private_env

from blastwall.cli import hook as cli
from blastwall.doors.hooks import run_hook

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")

ROOT = Path(__file__).resolve().parents[1]
PAYLOADS = Path(__file__).parent / "payloads"
PAYLOAD = {"claude-code": "claude_bash_force_push.json", "codex": "codex_bash_force_push.json",
           "gemini": "gemini_shell_force_push.json", "cursor": "cursor_shell_force_push.json"}


def _crash(agent: str, raw: bytes) -> tuple[int, str, str]:
    os.kill(os.getpid(), signal.SIGSEGV)
    return 0, "", ""  # pragma: no cover


def _hang(agent: str, raw: bytes) -> tuple[int, str, str]:
    time.sleep(30)
    return 0, "", ""  # pragma: no cover


def test_crash_in_the_check_blocks() -> None:
    code, _, err = cli._isolated("claude-code", b"{}", _crash)
    assert code == 2
    assert "crashed" in err and "signal" in err


def test_hang_in_the_check_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "HOOK_DEADLINE_S", 0.5)
    t0 = time.monotonic()
    code, _, err = cli._isolated("claude-code", b"{}", _hang)
    assert code == 2 and "did not finish" in err
    assert time.monotonic() - t0 < 10


def test_normal_answers_pass_through() -> None:
    raw = (b'{"session_id":"s","cwd":"/tmp","hook_event_name":"PreToolUse","tool_name":"Bash",'
           b'"tool_input":{"command":"rm -rf /"},"tool_use_id":"t"}')
    isolated = cli._isolated("claude-code", raw)
    direct = run_hook("claude-code", raw)
    assert isolated == (direct.exit_code, direct.stdout, direct.stderr)


# --- the agent's hook timeout (`blastwall hook <agent> --timeout N`, written by `blastwall install`) ---

def _wants_more_then_hangs(agent: str, raw: bytes) -> tuple[int, str, str]:
    from blastwall.doors.hooks import base

    assert base._deadline_extender is not None and base._budget is not None
    base._deadline_extender(60)  # "I wait for a human": the watchdog must still answer by the timeout
    time.sleep(30)
    return 0, "", ""  # pragma: no cover


def test_the_watchdog_answers_before_the_agents_timeout_even_when_asked_for_more() -> None:
    from blastwall.doors.hooks.budget import Budget

    budget = Budget(3, time.monotonic())
    code, out, err = cli._isolated("claude-code", b"{}", _wants_more_then_hangs, budget=budget)
    assert code == 2 and out == "" and "did not finish" in err and "hook timeout is 3 s" in err
    assert time.monotonic() - budget.started < 2.5  # 3 s minus the 1 s margin, and nothing after it


def test_without_a_timeout_the_hook_keeps_the_old_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "HOOK_DEADLINE_S", 0.5)
    code, _, err = cli._isolated("claude-code", b"{}", _hang)
    assert code == 2 and "did not finish" in err and "hook timeout" not in err


@pytest.mark.parametrize("args", [["claude-code", "--timeout", "1"], ["claude-code", "--timeout", "601"],
                                  ["claude-code", "--timeout", "x"], ["claude-code", "--timeout"],
                                  ["claude-code", "--wait", "3"], ["windsurf", "--timeout", "30"]])
def test_a_bad_hook_command_line_blocks(args: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "blastwall", "hook", *args], input="{}", capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 2 and proc.stdout == "" and "usage: blastwall hook" in proc.stderr  # exit 2 blocks


# A real install into a temporary project, then the hook run the way the agent runs it: the command
# from the agent's own config through a shell, killed when the agent's own timeout (from the same
# config, in the agent's unit) runs out. A killed hook would let Claude Code, Gemini CLI and Codex
# proceed, so the hook must answer first.

@pytest.fixture()
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Private config and state folders and a policy that makes an ask wait 40 s for a human;
    returns the hook's environment."""
    return private_env(tmp_path, monkeypatch, '[approvals]\nmode = "wait"\nwait = "40s"\n')


def _installed(agent: str, project: Path, timeout_s: int) -> tuple[str, float]:
    """Install for real; (the command, the agent's timeout in seconds) read back from its config."""
    from blastwall.doors.install import config_path, install

    install(agent, project_dir=project, command=f"{shlex.quote(sys.executable)} -m blastwall", timeout_s=timeout_s)
    doc = json.loads((project / config_path(agent, "project")).read_text())
    if agent == "cursor":
        handler = doc["hooks"]["beforeShellExecution"][0]
    else:
        handler = doc["hooks"]["BeforeTool" if agent == "gemini" else "PreToolUse"][0]["hooks"][0]
    return handler["command"], handler["timeout"] / (1000 if agent == "gemini" else 1)


def _payload(agent: str, cwd: Path) -> str:
    doc = {k: v for k, v in json.loads((PAYLOADS / PAYLOAD[agent]).read_text()).items() if not k.startswith("_")}
    doc["cwd"] = str(cwd)
    return json.dumps(doc)


def _start_as_agent(command: str, payload: str, env: dict[str, str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(["/bin/sh", "-c", command], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert proc.stdin is not None
    proc.stdin.write(payload)
    proc.stdin.close()
    proc.stdin = None
    return proc


def _answer(agent: str, out: str) -> tuple[str, str]:
    """(decision, reason) as the agent reads the hook's stdout (exit 0)."""
    if not out.strip():
        return "allow", ""
    doc = json.loads(out)
    if agent in ("claude-code", "codex"):
        return doc["hookSpecificOutput"]["permissionDecision"], doc["hookSpecificOutput"]["permissionDecisionReason"]
    if agent == "cursor":
        return doc["permission"], doc.get("agent_message", "")
    return doc["decision"], doc.get("reason", "")


@pytest.mark.parametrize("agent", sorted(PAYLOAD))
def test_a_waiting_hook_defers_before_the_agents_timeout(agent: str, tmp_path: Path, state: dict[str, str]):
    command, agent_timeout = _installed(agent, tmp_path / "project", 3)
    assert command.endswith(f"hook {agent} --timeout 3") and agent_timeout == 3
    t0 = time.monotonic()
    proc = _start_as_agent(command, _payload(agent, tmp_path / "work"), state)
    out, err = proc.communicate(timeout=agent_timeout)  # the agent's own limit: TimeoutExpired fails the test
    elapsed = time.monotonic() - t0
    assert proc.returncode == 0, err
    decision, reason = _answer(agent, out)
    assert decision == "deny" and "holding this command for a human's approval" in reason, out
    rid = REQUEST_ID.search(reason)
    assert rid, reason
    assert elapsed < agent_timeout - 0.5, f"answered after {elapsed:.2f} s"
    from blastwall.store import open_store

    assert open_store().get_request(rid.group(0)).status == "pending"  # the identical retry passes once approved


def test_a_grant_in_time_lets_the_waiting_hook_through(tmp_path: Path, state: dict[str, str]):
    from blastwall.approvals import decide, keys
    from blastwall.store import open_store

    public = keys.generate("alice", None)
    _, private = keys.load_private("alice", None)
    command, agent_timeout = _installed("claude-code", tmp_path / "project", 8)
    store = open_store()
    t0 = time.monotonic()
    proc = _start_as_agent(command, _payload("claude-code", tmp_path / "work"), state)
    request = None
    while request is None and time.monotonic() - t0 < agent_timeout:
        request = next(iter(store.list_requests(status=["pending"])), None)
        time.sleep(0.05)
    assert request is not None, "no approval request appeared"
    decide.approve(store, request.id, private, public, approver="alice")
    out, err = proc.communicate(timeout=max(0.1, agent_timeout - (time.monotonic() - t0)))
    assert proc.returncode == 0 and _answer("claude-code", out) == ("allow", ""), out + err
    assert time.monotonic() - t0 < agent_timeout - 1
    assert store.get_request(request.id).status == "used"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_opencode_plugin_gets_the_defer_before_its_own_timer(tmp_path: Path, state: dict[str, str]):
    from blastwall.doors.install import install

    project = tmp_path / "project"
    install("opencode", project_dir=project, command=f"{shlex.quote(sys.executable)} -m blastwall", timeout_s=3)
    plugin = project / ".opencode/plugin/blastwall.js"
    (project / ".opencode/plugin/blastwall.mjs").write_text(plugin.read_text())
    driver = project / "driver.mjs"
    driver.write_text(
        "import { BlastwallPlugin } from './.opencode/plugin/blastwall.mjs';\n"
        "const hooks = await BlastwallPlugin({ directory: process.argv[2] });\n"
        "const t0 = Date.now();\n"
        "try { await hooks['tool.execute.before']({ tool: 'bash', sessionID: 's', callID: 'c' },"
        " { args: { command: 'git push --force origin main' } }); console.log(JSON.stringify({ ok: true })); }\n"
        "catch (e) { console.log(JSON.stringify({ ok: false, message: e.message, ms: Date.now() - t0 })); }\n")
    proc = subprocess.run(["node", str(driver), str(tmp_path / "work")], capture_output=True, text=True, timeout=60,
                          env=state, cwd=ROOT, check=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["ok"] is False and "holding this command for a human's approval" in result["message"], result
    assert "timed out" not in result["message"] and result["ms"] < 2500
