"""Cursor: `hooks.json` command hooks (`version: 1`).

Events: `beforeShellExecution` (`command`, `cwd`), `beforeMCPExecution` (`tool_name`,
`tool_input` as a JSON string or an object, and the server's `url` or `command`),
`beforeReadFile` (`file_path`, `content`), and best effort `preToolUse` (`tool_name`,
`tool_input`: Shell, Read, Write, Edit, StrReplace, Delete, `MCP:<tool>`). Common fields:
`conversation_id`, `generation_id`, `hook_event_name`, `workspace_roots`.

Answers (exit 0): `{"continue": true, "permission": "allow"|"ask"|"deny", "user_message",
"agent_message"}`. `beforeReadFile` knows only allow/deny, so ask becomes deny with instructions.
Cursor's `ask` is advisory (its auto-review mode has been seen to run the command anyway); deny is
the reliable verdict. Allow is Cursor's neutral answer: its own allowlists still prompt.
Input it cannot trust and internal failures: a deny answer and exit 2 (a deny on its own).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from blastwall import strictjson
from blastwall.doors.hooks import base
from blastwall.doors.hooks.base import BadInput, Door, HookResult, Outcome

EVENTS = ("beforeShellExecution", "beforeMCPExecution", "beforeReadFile")
_READ_ONLY_EVENTS = ("beforeReadFile", "beforeTabFileRead")
_WRITE_TOOLS = ("Write", "Edit", "StrReplace", "Delete", "MultiEdit")
_PATH_KEYS = ("file_path", "path", "target_file", "filePath")


class CursorDoor(Door):
    agent = "cursor"

    def actions(self, data: dict[str, Any], env: Mapping[str, str]) -> list[Any]:
        event = _event(data)
        roots = data.get("workspace_roots")
        root = roots[0] if isinstance(roots, list) and roots and isinstance(roots[0], str) else None
        cwd = base.optional_text(data, "cwd") or root or env.get("CURSOR_PROJECT_DIR") or None
        ctx = base.make_context(self.agent, cwd=cwd, session=base.optional_text(data, "conversation_id"), env=env)
        if event == "beforeShellExecution":
            return [base.shell_action(base.text_field(data, "command"), ctx)]
        if event in _READ_ONLY_EVENTS:
            return [base.read_action(base.text_field(data, "file_path"), ctx)]
        if event == "beforeMCPExecution":
            server = base.optional_text(data, "url") or base.optional_text(data, "command") or ""
            return [base.mcp_action(server, base.text_field(data, "tool_name"), mcp_arguments(data.get("tool_input")), ctx)]
        if event == "preToolUse":
            return _pre_tool_use(data, ctx)
        return []

    def no_opinion(self, data: dict[str, Any]) -> HookResult:
        return HookResult(0, base.dumps({"continue": True, "permission": "allow"}), "")

    def respond(self, outcome: Outcome, data: dict[str, Any]) -> HookResult:
        decision = outcome.decision
        if decision == "allow":
            return self.no_opinion(data)
        if decision == "ask" and _event(data) in _READ_ONLY_EVENTS:
            message = base.approval_message(outcome)
            return HookResult(0, base.dumps(_answer("deny", message)), "")
        message = base.deny_message(outcome) if decision == "deny" else base.ask_message(outcome)
        return HookResult(0, base.dumps(_answer(decision, message)), "")

    def fail_closed(self, reason: str) -> HookResult:
        message = base.failure_message(self.agent, reason)
        return HookResult(2, base.dumps(_answer("deny", message)), message + "\n")


def _answer(permission: str, message: str) -> dict[str, Any]:
    return {"continue": True, "permission": permission, "user_message": message, "agent_message": message}


def _event(data: Mapping[str, Any]) -> str:
    event = data.get("hook_event_name")
    if isinstance(event, str) and event:
        return event
    if event is not None:
        raise BadInput("`hook_event_name` is not a string")
    # Older payloads carry no event name; the fields say which event it is.
    if "tool_name" in data:
        return "beforeMCPExecution"
    if "file_path" in data:
        return "beforeReadFile"
    if "command" in data:
        return "beforeShellExecution"
    raise BadInput("`hook_event_name` is missing")


def mcp_arguments(tool_input: Any) -> dict[str, Any]:
    """Cursor sends MCP arguments as a JSON string (documented) or an object (seen in practice)."""
    if tool_input is None or tool_input == "":
        return {}
    if isinstance(tool_input, str):
        try:
            tool_input = strictjson.loads(tool_input)
        except (ValueError, RecursionError) as exc:
            raise BadInput("`tool_input` is a string that is not JSON") from exc
    if not isinstance(tool_input, dict):
        raise BadInput(f"`tool_input` is a {type(tool_input).__name__}, not an object")
    return tool_input


def _pre_tool_use(data: Mapping[str, Any], ctx: Any) -> list[Any]:
    tool = base.text_field(data, "tool_name")
    if tool.startswith("MCP:"):
        return [base.mcp_action("", tool[4:], mcp_arguments(data.get("tool_input")), ctx)]
    if tool not in ("Shell", "Read") and tool not in _WRITE_TOOLS:
        return []
    tool_input = base.object_field(data, "tool_input")
    if tool == "Shell":
        return [base.shell_action(base.text_field(tool_input, "command", where="tool_input"), ctx)]
    path = next((tool_input[k] for k in _PATH_KEYS if isinstance(tool_input.get(k), str) and tool_input[k]), None)
    if path is None:
        raise BadInput("`tool_input` names no file path")
    if tool == "Read":
        return [base.read_action(path, ctx)]
    content = next((tool_input[k] for k in ("content", "new_string", "contents") if isinstance(tool_input.get(k), str)), None)
    if tool == "Delete":
        return [base.write_action(path, None, ctx, deleted=True)]
    old = tool_input.get("old_string")
    edits = [base.edit(old, content, tool_input.get("replace_all") is True)] \
        if isinstance(old, str) and isinstance(tool_input.get("new_string"), str) else None
    return [base.write_action(path, content, ctx, edits=edits, partial=tool != "Write")]


DOOR = CursorDoor()
