"""Codex CLI: `PreToolUse` command hooks (Claude-compatible input).

Input: `{session_id, turn_id, transcript_path, cwd, hook_event_name, model, permission_mode,
tool_name, tool_input, tool_use_id}`. Guarded tools: `Bash` (`tool_input.command`),
`apply_patch` (`tool_input.command` is the patch text; every file it adds, updates, moves or
deletes is checked as a file write) and `mcp__<server>__<tool>`. Codex has no read tool (reads go
through `Bash`).

Answers: allow -> nothing (Codex rejects a bare `allow`). Codex cannot ask from `PreToolUse`
(`ask` is ignored and the call proceeds), so both ask and deny become
`permissionDecision: "deny"` with a non-empty reason that tells the agent a human must do it.
Input it cannot trust and internal failures: exit 2 with a non-empty stderr reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from blastwall.doors.hooks import base
from blastwall.doors.hooks.base import BadInput, Door, HookResult, Outcome
from blastwall.doors.hooks.claude_code import WRITE_TOOLS, tool_actions

MATCHER = "Bash|apply_patch|mcp__.*"
_PATCH_KEYS = ("command", "input", "patch", "patchText")


class CodexDoor(Door):
    agent = "codex"

    def actions(self, data: dict[str, Any], env: Mapping[str, str]) -> list[Any]:
        if not base.handles_event(data, ("PreToolUse",), "PreToolUse"):
            return []
        tool = base.text_field(data, "tool_name")
        if tool in WRITE_TOOLS:
            return self._alias(data, env)
        if tool != "apply_patch":
            return tool_actions(self.agent, data, env, "CODEX_PROJECT_DIR")
        ctx = base.make_context(self.agent, cwd=base.optional_text(data, "cwd"),
                                session=base.optional_text(data, "session_id"), env=env)
        from blastwall.doors.hooks.patch import patch_files

        return [base.write_action(f.path, f.content, ctx, edits=f.edits, deleted=f.deleted,
                                   partial=f.partial)
                for f in patch_files(patch_text(data.get("tool_input")))]

    def _alias(self, data: dict[str, Any], env: Mapping[str, str]) -> list[Any]:
        # `Write`/`Edit` are matcher aliases of apply_patch; accept either input shape.
        tool_input = data.get("tool_input")
        if isinstance(tool_input, dict) and any(isinstance(tool_input.get(k), str) and "*** " in tool_input[k] for k in _PATCH_KEYS):
            return self.actions({**data, "tool_name": "apply_patch"}, env)
        return tool_actions(self.agent, data, env, "CODEX_PROJECT_DIR")

    def respond(self, outcome: Outcome, data: dict[str, Any]) -> HookResult:
        if outcome.decision == "allow":
            return HookResult(0, "", "")
        reason = base.deny_message(outcome) if outcome.decision == "deny" else base.approval_message(outcome)
        out = {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny",
                                      "permissionDecisionReason": reason}}
        return HookResult(0, base.dumps(out), "")

    def fail_closed(self, reason: str) -> HookResult:
        return HookResult(2, "", base.failure_message(self.agent, reason) + "\n")


def patch_text(tool_input: Any) -> str:
    """The patch of an `apply_patch` call: `tool_input.command` (or `input`/`patch`), or a bare string."""
    if isinstance(tool_input, str) and tool_input:
        return tool_input
    if isinstance(tool_input, dict):
        for key in _PATCH_KEYS:
            value = tool_input.get(key)
            if isinstance(value, str) and value:
                return value
        raise BadInput("`tool_input.command` (the patch) is missing")
    raise BadInput("`tool_input` is missing or not an object")


DOOR = CodexDoor()
