"""Agent hook doors: real payloads, each agent's answer shape, fail-closed input, fuzzing, end to end."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blastwall.doors.hooks import AGENTS, HookResult, run_hook
from blastwall.doors.hooks.base import MAX_HOOK_INPUT, FixedChecker
from blastwall.doors.hooks.patch import patch_targets

ROOT = Path(__file__).resolve().parents[1]
PAYLOADS = sorted((Path(__file__).parent / "payloads").glob("*.json"))
RANK = {"allow": 0, "ask": 1, "deny": 2}


def load(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    doc = json.loads(path.read_text())
    return {k: v for k, v in doc.items() if not k.startswith("_")}, {k: v for k, v in doc.items() if k.startswith("_")}


def raw(obj: Any) -> bytes:
    return json.dumps(obj).encode()


def answer(agent: str, result: HookResult, payload: dict[str, Any] | None = None) -> str:
    """What the agent does with the hook's answer: allow / ask / deny. Asserts the protocol shape."""
    assert isinstance(result, HookResult)
    assert result.exit_code in (0, 2), result
    assert "Traceback" not in result.stdout + result.stderr
    event = (payload or {}).get("hook_event_name")
    if result.exit_code == 2:
        assert result.stderr.strip(), "exit 2 needs a reason on stderr"
        if agent in ("cursor", "gemini", "opencode"):  # they read stdout too: it must agree
            out = json.loads(result.stdout)
            assert out.get("permission", out.get("decision")) == "deny"
        else:
            assert result.stdout == ""
        return "deny"
    if agent in ("claude-code", "codex", "gemini") and result.stdout == "":
        return "allow"
    out = json.loads(result.stdout)
    assert isinstance(out, dict)
    if agent in ("claude-code", "codex"):
        if "systemMessage" in out and "hookSpecificOutput" not in out:
            assert agent == "claude-code" and event == "PermissionRequest"
            return "ask"  # the dialog shows; blastwall adds its reason
        hso = out["hookSpecificOutput"]
        if hso["hookEventName"] == "PermissionRequest":
            assert hso["decision"]["behavior"] == "deny" and hso["decision"]["message"]
            return "deny"
        assert hso["hookEventName"] == "PreToolUse"
        decision = hso["permissionDecision"]
        assert decision in (("ask", "deny") if agent == "claude-code" else ("deny",))
        assert hso["permissionDecisionReason"].strip()
        return decision
    if agent == "cursor":
        assert out["continue"] is True
        decision = out["permission"]
        assert decision in RANK
        if event == "beforeReadFile":
            assert decision != "ask"
        if decision != "allow":
            assert out["user_message"] and out["agent_message"]
        return decision
    if agent == "gemini":
        decision = out["decision"]
        assert decision in ("ask", "deny") and out["reason"]
        return decision
    assert agent == "opencode"
    decision = out["decision"]
    assert decision in RANK and isinstance(out["reason"], str)
    if decision != "allow":
        assert out["reason"]
    return decision


def seen_by(agent: str, engine_decision: str, payload: dict[str, Any]) -> str:
    """What the agent should see for an engine decision under the default approvals mode
    (`auto`): an agent that reliably asks a human gets the ask; the others are held with an
    approval request (a deny that names the request)."""
    if engine_decision == "ask" and not asks_a_human(agent, payload):
        return "deny"
    return engine_decision


def asks_a_human(agent: str, payload: dict[str, Any]) -> bool:
    if agent == "claude-code":
        return payload.get("permission_mode") not in ("bypassPermissions", "dontAsk", "auto")
    return agent == "gemini"


# --- real payloads ----------------------------------------------------------------------------


def test_payload_corpus_covers_every_agent():
    agents = {load(p)[1]["_agent"] for p in PAYLOADS}
    assert agents == set(AGENTS)
    for p in PAYLOADS:
        assert load(p)[1]["_source"], p.name


@pytest.mark.parametrize("path", PAYLOADS, ids=lambda p: p.stem)
def test_payload_becomes_the_right_actions(path: Path):
    payload, meta = load(path)
    checker = FixedChecker("allow")
    result = run_hook(meta["_agent"], raw(payload), checker=checker, env={})
    assert answer(meta["_agent"], result, payload) == "allow"
    assert len(checker.seen) == meta["_actions"]
    for action in checker.seen:
        assert action.surface.value == meta["_surface"]
        assert action.context.agent == meta["_agent"]
        if action.surface.value == "shell":
            assert isinstance(action.payload, str) and action.payload
        elif action.surface.value == "mcp":
            assert action.payload["server"] and action.payload["tool"]
            assert isinstance(action.payload["arguments"], dict)
        else:
            assert action.payload["path"]


@pytest.mark.parametrize("decision", ["ask", "deny"])
@pytest.mark.parametrize("path", PAYLOADS, ids=lambda p: p.stem)
def test_payload_answer_shape_for_each_decision(path: Path, decision: str):
    payload, meta = load(path)
    agent = meta["_agent"]
    reasons = ("rm deletes / (the root filesystem)", "second reason", "third reason")
    result = run_hook(agent, raw(payload), checker=FixedChecker(decision, reasons), env={})
    expected = seen_by(agent, decision, payload) if meta["_actions"] else "allow"
    assert answer(agent, result, payload) == expected
    if expected != "allow":
        text = result.stdout + result.stderr
        assert "rm deletes / (the root filesystem)" in text and "second reason" in text
        assert "third reason" not in text  # first two reasons only
        assert "blastwall explain" in text


@pytest.mark.parametrize("path", PAYLOADS, ids=lambda p: p.stem)
def test_payload_with_the_real_engine(path: Path):
    payload, meta = load(path)
    agent, expect = meta["_agent"], meta["_expect"]
    got = answer(agent, run_hook(agent, raw(payload)), payload)
    if expect == "any":
        return
    if expect == "stop":
        assert got != "allow"
    else:
        assert got == seen_by(agent, expect, payload)


def test_allow_prints_nothing_where_silence_is_neutral():
    for agent in ("claude-code", "codex", "gemini"):
        payload = load(next(p for p in PAYLOADS if p.stem.startswith(agent.split("-")[0]) and "safe" in p.stem))[0]
        assert run_hook(agent, raw(payload), checker=FixedChecker("allow"), env={}) == HookResult(0, "", "")


def test_degraded_allow_is_never_allow():
    payload = load(PAYLOADS[0])[0]
    result = run_hook("claude-code", raw(payload), checker=FixedChecker("allow", degraded=True), env={})
    assert answer("claude-code", result, payload) == "ask"


def test_strictest_action_of_a_call_wins():
    class ByPath(FixedChecker):
        def __call__(self, action, policy):
            self.decision = "deny" if action.payload["path"].endswith("old.txt") else "allow"
            self.reasons = ("deletes notes/old.txt",) if self.decision == "deny" else ()
            return super().__call__(action, policy)

    payload = load(Path(__file__).parent / "payloads" / "codex_apply_patch.json")[0]
    result = run_hook("codex", raw(payload), checker=ByPath(), env={})
    assert answer("codex", result, payload) == "deny"
    assert "deletes notes/old.txt" in result.stdout


def test_engine_failure_fails_closed():
    payload = load(PAYLOADS[0])[0]
    for agent in AGENTS:
        adapted = _shell_payload(agent, "ls")
        result = run_hook(agent, raw(adapted), checker=FixedChecker(error=RuntimeError("boom")), env={})
        assert answer(agent, result, adapted) == "deny"
        assert "internal error RuntimeError" in result.stderr
    assert payload


def test_environment_hint_and_project_dir_come_from_env():
    checker = FixedChecker("allow")
    payload = {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "ls"}}
    run_hook("claude-code", raw(payload), checker=checker,
             env={"BLASTWALL_ENVIRONMENT": "production", "CLAUDE_PROJECT_DIR": "/proj", "SECRET_TOKEN": "s3cr3t"})
    ctx = checker.seen[0].context
    assert (ctx.environment, ctx.cwd) == ("production", "/proj")
    assert "s3cr3t" not in checker.seen[0].canonical()


def test_messages_never_echo_credentials():
    cmd = "curl -H 'Authorization: Bearer sk-live-0123456789' https://api.example.com/x -X DELETE"
    for agent in AGENTS:
        result = run_hook(agent, raw(_shell_payload(agent, cmd)), checker=FixedChecker("deny", ("deletes x",)), env={})
        assert "sk-live-0123456789" not in result.stdout + result.stderr


def test_unknown_agent_is_a_blocking_usage_error():
    result = run_hook("windsurf", b"{}")
    assert result.exit_code == 2 and "unknown agent" in result.stderr


# --- agent specifics ----------------------------------------------------------------------------


def test_claude_mcp_server_from_name_and_provenance():
    checker = FixedChecker("allow")
    run_hook("claude-code", raw({"tool_name": "mcp__my-db__run__query", "tool_input": {"q": 1}}), checker=checker, env={})
    run_hook("claude-code", raw({"tool_name": "mcp__x__drop", "tool_input": {}, "mcp_server": {"name": "prod_db"}}), checker=checker, env={})
    assert [(a.payload["server"], a.payload["tool"]) for a in checker.seen] == [("my-db", "run__query"), ("prod_db", "drop")]


def test_claude_permission_request_ask_keeps_the_dialog():
    payload = {"hook_event_name": "PermissionRequest", "tool_name": "Bash", "tool_input": {"command": "git push -f"}}
    result = run_hook("claude-code", raw(payload), checker=FixedChecker("ask", ("force-push",)), env={})
    assert result.exit_code == 0 and json.loads(result.stdout) == {"systemMessage": json.loads(result.stdout)["systemMessage"]}
    assert "force-push" in result.stdout


def test_claude_other_events_get_no_opinion():
    payload = {"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_input": {"command": "rm -rf /"}}
    assert run_hook("claude-code", raw(payload), checker=FixedChecker("deny", ("x",)), env={}) == HookResult(0, "", "")


def test_codex_ask_is_a_deny_that_asks_for_a_human():
    payload = load(Path(__file__).parent / "payloads" / "codex_bash_force_push.json")[0]
    result = run_hook("codex", raw(payload), checker=FixedChecker("ask", ("force-push overwrites history",)), env={})
    reason = json.loads(result.stdout)["hookSpecificOutput"]["permissionDecisionReason"]
    assert "human" in reason and "force-push overwrites history" in reason


def test_codex_patch_targets():
    text = load(Path(__file__).parent / "payloads" / "codex_apply_patch.json")[0]["tool_input"]["command"]
    assert patch_targets(text) == [("docs/hello.md", "# Hello"), ("src/app.py", "    return 'bookings v2'"), ("notes/old.txt", None)]
    moved = "*** Begin Patch\n*** Update File: a.py\n*** Move to: b.py\n@@\n+x\n*** End Patch"
    assert patch_targets(moved) == [("a.py", None), ("b.py", "x")]


@pytest.mark.parametrize("tool_input", [{"command": "no patch here"}, {"command": "*** Add File: \n+x"}, {}, "", 3])
def test_codex_unreadable_patch_fails_closed(tool_input: Any):
    payload = {"hook_event_name": "PreToolUse", "tool_name": "apply_patch", "tool_input": tool_input}
    assert answer("codex", run_hook("codex", raw(payload), checker=FixedChecker("allow"), env={}), payload) == "deny"


def test_cursor_read_ask_becomes_deny_with_instructions():
    payload = load(Path(__file__).parent / "payloads" / "cursor_read_env.json")[0]
    result = run_hook("cursor", raw(payload), checker=FixedChecker("ask", ("reads a secret file",)), env={})
    out = json.loads(result.stdout)
    assert out["permission"] == "deny" and "human" in out["user_message"]


def test_cursor_mcp_tool_input_that_is_not_json_fails_closed():
    payload = {"hook_event_name": "beforeMCPExecution", "tool_name": "q", "tool_input": "{not json", "url": "http://x"}
    assert answer("cursor", run_hook("cursor", raw(payload), checker=FixedChecker("allow"), env={}), payload) == "deny"


def test_cursor_infers_the_event_of_older_payloads():
    checker = FixedChecker("allow")
    run_hook("cursor", raw({"command": "ls", "cwd": "/repo"}), checker=checker, env={})
    run_hook("cursor", raw({"file_path": "/repo/a", "content": ""}), checker=checker, env={})
    assert [a.surface.value for a in checker.seen] == ["shell", "file_read"]


def test_gemini_mcp_uses_context_not_the_flat_name():
    payload = load(Path(__file__).parent / "payloads" / "gemini_mcp.json")[0]
    checker = FixedChecker("allow")
    run_hook("gemini", raw(payload), checker=checker, env={})
    assert (checker.seen[0].payload["server"], checker.seen[0].payload["tool"]) == ("my_db", "run_query")


def test_opencode_unprefixed_mcp_and_neutral_tools():
    checker = FixedChecker("allow")
    for tool in ("todowrite", "webfetch", "customtool", "github_delete_repository"):
        run_hook("opencode", raw({"tool": tool, "args": {}, "directory": "/repo"}), checker=checker, env={})
    assert [(a.payload["server"], a.payload["tool"]) for a in checker.seen] == [("github", "delete_repository")]


# --- input blastwall cannot trust ---------------------------------------------------------------

JUNK = [
    b"", b"   ", b"not json", b"[1, 2, 3]", b'"a string"', b"42", b"null", b"\xff\xfe\x00binary\x80",
    b'{"tool_name": ', b"[" * 100_000 + b"]" * 100_000, b"{" + b" " * (5 * 1024 * 1024) + b"}",
]


@pytest.mark.parametrize("agent", AGENTS)
@pytest.mark.parametrize("data", JUNK, ids=lambda d: repr(d[:12]) + f"+{len(d)}")
def test_junk_input_fails_closed(agent: str, data: bytes):
    result = run_hook(agent, data, checker=FixedChecker("allow"), env={})
    assert answer(agent, result) == "deny"
    assert "blastwall blocked" in result.stderr and result.stderr[-1] == "\n" and result.stderr.count("\n") == 1


BAD_SHAPES = {
    "claude-code": [{}, {"tool_name": 3, "tool_input": {}}, {"tool_name": "Bash"}, {"tool_name": "Bash", "tool_input": []},
                    {"tool_name": "Bash", "tool_input": {"command": 7}}, {"tool_name": "Read", "tool_input": {}},
                    {"tool_name": "mcp__nameonly", "tool_input": {}}, {"hook_event_name": 5, "tool_name": "Bash"}],
    "codex": [{}, {"tool_name": None}, {"tool_name": "Bash", "tool_input": {"command": ""}},
              {"tool_name": "apply_patch", "tool_input": {"command": ["x"]}}],
    "cursor": [{}, {"hook_event_name": "beforeShellExecution"}, {"hook_event_name": "beforeShellExecution", "command": ["rm"]},
               {"hook_event_name": "beforeReadFile"}, {"hook_event_name": "beforeMCPExecution", "tool_input": "{}"},
               {"hook_event_name": "beforeMCPExecution", "tool_name": "t", "tool_input": "[1]"}],
    "gemini": [{}, {"tool_name": "run_shell_command"}, {"tool_name": "run_shell_command", "tool_input": {"command": None}},
               {"tool_name": "read_many_files", "tool_input": {"paths": "a"}}, {"tool_name": "mcp_x", "tool_input": {}}],
    "opencode": [{}, {"tool": "bash"}, {"tool": "bash", "args": {"command": 1}}, {"tool": "read", "args": {}},
                 {"tool": "multiedit", "args": {"filePath": "a", "edits": "x"}}, {"tool": 5, "args": {}}],
}


@pytest.mark.parametrize(("agent", "payload"), [(a, p) for a, ps in BAD_SHAPES.items() for p in ps])
def test_wrong_shapes_fail_closed(agent: str, payload: dict[str, Any]):
    result = run_hook(agent, raw(payload), checker=FixedChecker("allow"), env={})
    assert answer(agent, result, payload) == "deny"


def test_oversized_input_is_refused_before_parsing():
    big = raw({"tool_name": "Bash", "tool_input": {"command": "x" * (MAX_HOOK_INPUT + 10)}})
    checker = FixedChecker("allow")
    result = run_hook("claude-code", big, checker=checker, env={})
    assert answer("claude-code", result) == "deny" and "larger than 4 MiB" in result.stderr and not checker.seen


# --- fuzzing ------------------------------------------------------------------------------------

KEYS = ["tool_name", "tool_input", "hook_event_name", "cwd", "session_id", "command", "file_path", "tool", "args",
        "directory", "mcp_context", "mcp_server", "paths", "content", "url", "filePath", "patchText", "edits"]
NAMES = ["Bash", "Read", "Write", "Edit", "MultiEdit", "NotebookEdit", "apply_patch", "mcp__a__b", "run_shell_command",
         "read_file", "read_many_files", "write_file", "replace", "mcp_s_t", "bash", "read", "write", "edit", "multiedit",
         "patch", "x_y", "PreToolUse", "PermissionRequest", "BeforeTool", "beforeShellExecution", "beforeMCPExecution",
         "beforeReadFile", "preToolUse", "MCP:t", "Shell"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30), st.sampled_from(NAMES))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=5)),
    max_leaves=20)
payloads = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(agent=st.sampled_from(AGENTS), data=st.binary(max_size=300))
def test_fuzz_random_bytes(agent: str, data: bytes):
    result = run_hook(agent, data, checker=FixedChecker("allow"), env={})
    decision = answer(agent, result)
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        parsed = None
    if not isinstance(parsed, dict):
        assert decision == "deny"  # junk is never allowed


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(agent=st.sampled_from(AGENTS), payload=payloads, decision=st.sampled_from(["allow", "ask", "deny"]))
def test_fuzz_structured_payloads(agent: str, payload: dict[str, Any], decision: str):
    checker = FixedChecker(decision, ("a reason",))
    result = run_hook(agent, raw(payload), checker=checker, env={})
    got = answer(agent, result, payload)
    if checker.seen and decision != "allow":
        assert got != "allow"  # a blastwall objection always reaches the agent


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(agent=st.sampled_from(AGENTS), command=st.text(max_size=80))
def test_fuzz_commands_through_the_real_engine(agent: str, command: str):
    payload = _shell_payload(agent, command)
    answer(agent, run_hook(agent, json.dumps(payload).encode("utf-8", "surrogatepass")), payload)


def _shell_payload(agent: str, command: str) -> dict[str, Any]:
    if agent in ("claude-code", "codex"):
        return {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": command}, "cwd": "/repo"}
    if agent == "gemini":
        return {"hook_event_name": "BeforeTool", "tool_name": "run_shell_command", "tool_input": {"command": command}, "cwd": "/repo"}
    if agent == "cursor":
        return {"hook_event_name": "beforeShellExecution", "command": command, "cwd": "/repo"}
    return {"tool": "bash", "args": {"command": command}, "directory": "/repo"}


# --- processes ----------------------------------------------------------------------------------


def _blastwall_exe() -> str | None:
    local = Path(sys.executable).with_name("blastwall")
    return str(local) if local.exists() else shutil.which("blastwall")


def _run(cmd: list[str], data: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(cmd, input=data, capture_output=True, timeout=60, check=False, cwd=ROOT)


def test_console_script_end_to_end():
    exe = _blastwall_exe()
    if exe is None:
        pytest.skip("the blastwall console script is not installed")
    payload = load(Path(__file__).parent / "payloads" / "claude_bash_rm_root.json")[0]
    proc = _run([exe, "hook", "claude-code"], raw(payload))
    result = HookResult(proc.returncode, proc.stdout.decode(), proc.stderr.decode())
    assert answer("claude-code", result, payload) == "deny"
    junk = _run([exe, "hook", "claude-code"], b"\x00\xff garbage")
    assert junk.returncode == 2 and b"blastwall blocked" in junk.stderr and b"Traceback" not in junk.stderr
    safe = load(Path(__file__).parent / "payloads" / "claude_bash_safe.json")[0]
    assert _run([exe, "hook", "claude-code"], raw(safe)).stdout == b""


@pytest.mark.skipif(not (ROOT / "src" / "blastwall" / "__main__.py").exists(), reason="no blastwall/__main__.py")
@pytest.mark.parametrize("agent", AGENTS)
def test_python_m_blastwall_hook(agent: str):
    payload = _shell_payload(agent, "rm -rf /")
    proc = _run([sys.executable, "-m", "blastwall", "hook", agent], raw(payload))
    result = HookResult(proc.returncode, proc.stdout.decode(), proc.stderr.decode())
    assert answer(agent, result, payload) == "deny"


def test_hook_import_stays_light():
    code = ("import sys; from blastwall.doors.hooks import run_hook; "
            "heavy = [m for m in ('typer', 'rich', 'blastwall.engine', 'blastwall.analyze', 'blastwall.cli.app') if m in sys.modules]; "
            "print(','.join(heavy))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert proc.stdout.strip() == ""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_opencode_plugin_blocks_allows_and_fails_closed(tmp_path: Path):
    from blastwall.doors.install import plugin_source

    def run_plugin(command: str, tool: str, args: dict[str, Any]) -> dict[str, Any]:
        plugin = tmp_path / "blastwall.mjs"
        plugin.write_text(plugin_source(command))
        driver = tmp_path / "driver.mjs"
        driver.write_text(
            "import { BlastwallPlugin } from './blastwall.mjs';\n"
            "const hooks = await BlastwallPlugin({ directory: process.cwd() });\n"
            f"const output = {{ args: {json.dumps(args)} }};\n"
            "try { await hooks['tool.execute.before']("
            f"{{ tool: {json.dumps(tool)}, sessionID: 's', callID: 'c' }}, output);"
            " console.log(JSON.stringify({ ok: true })); }\n"
            "catch (e) { console.log(JSON.stringify({ ok: false, message: e.message })); }\n")
        proc = subprocess.run(["node", str(driver)], capture_output=True, text=True, timeout=90, check=True, cwd=ROOT)
        return json.loads(proc.stdout.strip().splitlines()[-1])

    hook = f"{json.dumps(sys.executable)} -m blastwall hook opencode"
    assert run_plugin(hook, "bash", {"command": "ls"}) == {"ok": True}
    blocked = run_plugin(hook, "bash", {"command": "rm -rf /"})
    assert blocked["ok"] is False and "blastwall blocked" in blocked["message"]
    broken = run_plugin("exit 1", "bash", {"command": "ls"})
    assert broken["ok"] is False and "could not check" in broken["message"]
    env_ok = os.environ.get("PATH")
    assert env_ok


# --- the approvals wait fits inside the agent's hook timeout (doors/hooks/budget.py) -----------------


def _wait_policy(**approvals: Any) -> Any:
    from blastwall.policy.engine import compile_layers, default_document

    return compile_layers([("test", {"approvals": approvals}), ("defaults", default_document())])


def test_a_wait_longer_than_the_timeout_allows_is_cut_and_the_rest_of_the_policy_kept():
    import time

    from blastwall.approvals.settings import settings_of
    from blastwall.doors.hooks.budget import Budget, fit_wait

    policy = _wait_policy(mode="wait", wait="2m", expires="2h")
    budget = Budget(30, time.monotonic())
    cut_policy, cut = fit_wait(policy, budget)
    assert cut is not None and 21.0 <= cut <= 22.0  # 30 s - 5 s margin - 3 s reserve, less the time since start
    settings = settings_of(cut_policy)
    assert settings.wait_s == cut and settings.mode == "wait" and settings.expires_s == 7200
    assert cut_policy.rules == policy.rules and settings_of(policy).wait_s == 120  # the original is unchanged
    with_notify, cut2 = fit_wait(_wait_policy(mode="wait", wait="2m", notify={"desktop": True}), budget)
    assert cut2 is not None and cut2 <= cut - 2.9  # notifications go out before the wait begins


@pytest.mark.parametrize("approvals, budget_s", [({"mode": "wait", "wait": 10}, 30), ({"mode": "defer", "wait": 300}, 30),
                                                 ({"mode": "wait", "wait": 300}, None), ({"mode": "wait", "wait": 0}, 3)])
def test_a_wait_that_fits_or_does_not_apply_is_left_alone(approvals: dict[str, Any], budget_s: int | None):
    import time

    from blastwall.doors.hooks.budget import Budget, fit_wait

    policy = _wait_policy(**approvals)
    budget = None if budget_s is None else Budget(budget_s, time.monotonic())
    assert fit_wait(policy, budget) == (policy, None)


@pytest.mark.parametrize("timeout_s, answer_by, wait_until", [(3, 2, 1), (30, 25, 22), (600, 595, 580)])
def test_the_budget_table(timeout_s: int, answer_by: float, wait_until: float):
    from blastwall.doors.hooks.budget import Budget, longest_wait_s, timeout_for_wait

    b = Budget(timeout_s, 0.0)
    assert (b.answer_by, b.wait_until) == (answer_by, wait_until)
    assert longest_wait_s(timeout_s) == max(0, wait_until - 1)
    assert timeout_for_wait(120) == 140 and timeout_for_wait(540) == 561 and timeout_for_wait(600) is None
