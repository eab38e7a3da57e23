"""Prove that an installed hook blocks: run it exactly as the agent would, with a canary.

    result = run_canary("claude-code", ["/bin/sh", "-c", installed_command], project_dir="/src/app")
    result.blocks, result.answer.decision, result.answer.detail, result.elapsed_ms

The canary is a tool call that names a destructive action on a device that does not exist
(`mkfs.ext4 /dev/blastwall-canary-<random>`): the built-in policy denies it on every door, and
nothing would happen even if it ran (blastwall's hook never runs it anyway). It is sent in the
agent's real payload shape (tests/payloads/), from the project folder, with the variables the
agent sets, through what the agent spawns (`/bin/sh -c COMMAND`, or the argv of OpenCode's
plugin). The answer is read the way the agent reads it (`read_answer`): a hook that answers
nothing, crashes, exits 127, or times out lets the agent proceed, so it does not block.

A canary is checked like any tool call: it leaves a verdict in the audit log (a `deny`, so no
approval request), which is how a human can tell that a doctor run reached the checker.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
from collections.abc import Mapping
from typing import Any, NamedTuple

CANARY = "mkfs.ext4 /dev/blastwall-canary-{token}"
DEFAULT_TIMEOUT_S = 15.0


class Answer(NamedTuple):
    """A hook's answer as the agent reads it."""

    blocks: bool
    decision: str  # "deny", "ask", "allow", or "failed" (the hook did not answer in the protocol)
    detail: str


class CanaryResult(NamedTuple):
    agent: str
    argv: tuple[str, ...]
    canary: str  # the canary command sent
    answer: Answer
    elapsed_ms: float

    @property
    def blocks(self) -> bool:
        return self.answer.blocks


def canary_command(token: str | None = None) -> str:
    return CANARY.format(token=token or secrets.token_hex(6))


def payload(agent: str, command: str, project_dir: str) -> dict[str, Any]:
    """The agent's own payload shape for a shell tool call of `command` in `project_dir`."""
    session = "blastwall-doctor"
    if agent == "claude-code":
        return {"session_id": session, "transcript_path": os.path.join(project_dir, ".blastwall-canary.jsonl"),
                "cwd": project_dir, "permission_mode": "default", "hook_event_name": "PreToolUse",
                "tool_name": "Bash", "tool_input": {"command": command, "description": "blastwall doctor canary"},
                "tool_use_id": "toolu_blastwall_canary"}
    if agent == "cursor":
        return {"conversation_id": session, "generation_id": session, "model": "blastwall-doctor",
                "hook_event_name": "beforeShellExecution", "cursor_version": "blastwall-doctor",
                "workspace_roots": [project_dir], "user_email": None, "command": command, "cwd": project_dir}
    if agent == "gemini":
        return {"session_id": session, "transcript_path": "", "cwd": project_dir, "hook_event_name": "BeforeTool",
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                "tool_name": "run_shell_command", "tool_input": {"command": command, "description": "canary"}}
    if agent == "codex":
        return {"session_id": session, "turn_id": "canary", "transcript_path": None, "cwd": project_dir,
                "hook_event_name": "PreToolUse", "model": "blastwall-doctor", "permission_mode": "default",
                "tool_name": "Bash", "tool_input": {"command": command}, "tool_use_id": "call-blastwall-canary"}
    if agent == "opencode":
        return {"tool": "bash", "sessionID": session, "callID": "call_blastwall_canary",
                "args": {"command": command, "description": "blastwall doctor canary"}, "directory": project_dir}
    raise ValueError(f"unknown agent {agent!r}")


def agent_env(agent: str, project_dir: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment the agent gives its hooks: its own, plus the project variables it sets."""
    out = dict(os.environ if env is None else env)
    extra = {"claude-code": {"CLAUDE_PROJECT_DIR": project_dir},
             "gemini": {"GEMINI_PROJECT_DIR": project_dir, "GEMINI_CWD": project_dir,
                        "CLAUDE_PROJECT_DIR": project_dir},
             "cursor": {"CURSOR_PROJECT_DIR": project_dir}}.get(agent, {})
    out.update(extra)
    return out


def run_canary(agent: str, argv: list[str] | tuple[str, ...], *, project_dir: str,
               env: Mapping[str, str] | None = None, timeout_s: float = DEFAULT_TIMEOUT_S,
               command: str | None = None) -> CanaryResult:
    """Run `argv` (what the agent spawns for its hook) on a canary tool call; never raises."""
    canary = command or canary_command()
    data = json.dumps(payload(agent, canary, project_dir)).encode()
    started = time.monotonic()
    try:
        proc = subprocess.run(list(argv), input=data, capture_output=True, cwd=project_dir,
                              env=agent_env(agent, project_dir, env), timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        ms = (time.monotonic() - started) * 1000
        return CanaryResult(agent, tuple(argv), canary, Answer(False, "failed", f"no answer within {timeout_s:g} s; "
                            f"{_proceeds(agent)}"), ms)
    except OSError as exc:
        ms = (time.monotonic() - started) * 1000
        return CanaryResult(agent, tuple(argv), canary, Answer(False, "failed", f"cannot start it ({exc}); "
                            f"{_proceeds(agent)}"), ms)
    ms = (time.monotonic() - started) * 1000
    answer = read_answer(agent, proc.returncode, proc.stdout.decode("utf-8", "replace"),
                         proc.stderr.decode("utf-8", "replace"))
    return CanaryResult(agent, tuple(argv), canary, answer, ms)


def _proceeds(agent: str) -> str:
    if agent == "opencode":
        return "OpenCode's plugin then fails every tool call, but blastwall checked nothing"
    if agent == "cursor":
        return "Cursor then blocks only where `failClosed` is set"
    return f"{agent} then lets the tool call proceed"


def _json(text: str) -> Any:
    try:
        return json.loads(text) if text.strip() else None
    except ValueError:
        return None


def _last_line(text: str) -> str:
    lines = [x for x in text.strip().splitlines() if x.strip()]
    return lines[-1][:200] if lines else ""


def _reason(doc: Any, stderr: str) -> str:
    """The reason the hook gave, in any agent's shape, cut short."""
    if isinstance(doc, dict):
        hso = doc.get("hookSpecificOutput")
        for value in ((hso or {}).get("permissionDecisionReason") if isinstance(hso, dict) else None,
                      doc.get("reason"), doc.get("agent_message")):
            if isinstance(value, str) and value.strip():
                return value.strip()[:200]
    return _last_line(stderr) or "no reason given"


def read_answer(agent: str, code: int, stdout: str, stderr: str) -> Answer:
    """What the agent does with a hook's exit code and output (agent-hooks.md, per agent)."""
    doc = _json(stdout)
    if agent == "opencode":
        # The plugin proceeds only on exit 0 with {"decision": "allow"}; it throws on anything
        # else, but only blastwall's own deny or ask means that something was checked.
        decision = doc.get("decision") if isinstance(doc, dict) else None
        if (decision in ("deny", "ask") and code in (0, 2)) or (code == 2 and stderr.strip()):
            return Answer(True, "deny", f"the plugin fails the call: {_reason(doc, stderr)}")
        if decision == "allow" and code == 0:
            return Answer(False, "allow", "answered allow")
        return Answer(False, "failed", f"exit {code}, {_last_line(stderr) or 'no answer'}; {_proceeds(agent)}")
    if code == 2:
        if agent == "codex" and not stderr.strip():
            return Answer(False, "failed", "exit 2 without a reason on stderr, which Codex ignores")
        return Answer(True, "deny", f"exit 2: {_reason(doc, stderr)}")
    if code != 0:
        return Answer(False, "failed", f"exit {code} ({_last_line(stderr) or 'no message'}): {_proceeds(agent)}")
    if doc is None:
        what = "no answer" if not stdout.strip() else "output that is not JSON"
        return Answer(False, "allow", f"exit 0 with {what}: {agent} proceeds")
    if not isinstance(doc, dict):
        return Answer(False, "allow", f"exit 0 with a JSON {type(doc).__name__}: {agent} proceeds")
    if agent in ("claude-code", "codex"):
        hso = doc.get("hookSpecificOutput")
        decision = hso.get("permissionDecision") if isinstance(hso, dict) else None
        reason = hso.get("permissionDecisionReason") if isinstance(hso, dict) else None
        if decision == "deny" and (agent == "claude-code" or (isinstance(reason, str) and reason.strip())):
            return Answer(True, "deny", f"permissionDecision deny: {_reason(doc, stderr)}")
        if decision == "ask" and agent == "claude-code":
            return Answer(True, "ask", "permissionDecision ask (Claude Code asks the user)")
        return Answer(False, "allow", f"permissionDecision {decision or 'absent'}: {agent} proceeds")
    if agent == "gemini":
        decision = doc.get("decision")
        if decision in ("deny", "block"):
            return Answer(True, "deny", f"decision {decision}: {_reason(doc, stderr)}")
        if decision == "ask":
            return Answer(True, "ask", "decision ask (Gemini CLI asks the user)")
        return Answer(False, "allow", f"decision {decision or 'absent'}: Gemini CLI proceeds")
    if agent == "cursor":
        permission = doc.get("permission")
        if permission == "deny":
            return Answer(True, "deny", f"permission deny: {_reason(doc, stderr)}")
        if permission == "ask":
            return Answer(False, "ask", "permission ask, which Cursor does not reliably enforce")
        return Answer(False, "allow", f"permission {permission or 'absent'}: Cursor proceeds")
    raise ValueError(f"unknown agent {agent!r}")
