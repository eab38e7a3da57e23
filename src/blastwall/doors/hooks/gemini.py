"""Gemini CLI: `BeforeTool` command hooks in `settings.json`.

Input: `{session_id, transcript_path, cwd, hook_event_name, timestamp, tool_name, tool_input,
mcp_context?}`. Guarded tools: `run_shell_command` (`command`), `read_file` (`file_path`),
`read_many_files` (`paths`: files, folders or globs, each read whole: searches.py), `grep_search` /
`search_file_content` (`pattern`, `dir_path?`, `include?`: checked as the ripgrep search it is),
`write_file` (`file_path`, `content`), `replace`
(`file_path`, `new_string`) and MCP tools `mcp_<server>_<tool>`, named by
`mcp_context.server_name` / `tool_name` (the flat name is ambiguous when a server name has `_`).

Answers (exit 0, stdout holds only JSON): allow -> nothing (Gemini's own confirmations still
apply); ask -> `{"decision": "ask"}` (forces Gemini's confirmation; the reason is shown in it);
deny -> `{"decision": "deny", "reason", "systemMessage"}` (reason goes to the agent).
Input it cannot trust and internal failures: the deny JSON with exit 2 (Gemini blocks on either).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from blastwall.doors.hooks import base
from blastwall.doors.hooks.base import BadInput, Door, HookResult, Outcome

MATCHER = "run_shell_command|read_file|read_many_files|grep_search|search_file_content|write_file|replace|mcp_.*"
SEARCH_TOOLS = ("grep_search", "search_file_content")
_PATH_KEYS = ("file_path", "absolute_path", "path")


class GeminiDoor(Door):
    agent = "gemini"

    def actions(self, data: dict[str, Any], env: Mapping[str, str]) -> list[Any]:
        if not base.handles_event(data, ("BeforeTool",), "BeforeTool"):
            return []
        tool = base.text_field(data, "tool_name")
        guarded = ("run_shell_command", "read_file", "read_many_files", "write_file", "replace", *SEARCH_TOOLS)
        if tool not in guarded and not tool.startswith("mcp_") and not isinstance(data.get("mcp_context"), dict):
            return []
        tool_input = base.object_field(data, "tool_input")
        cwd = base.optional_text(data, "cwd") or env.get("GEMINI_CWD") or env.get("GEMINI_PROJECT_DIR") or None
        ctx = base.make_context(self.agent, cwd=cwd, session=base.optional_text(data, "session_id"), env=env)
        if tool == "run_shell_command":
            return [base.shell_action(base.text_field(tool_input, "command", where="tool_input"), ctx)]
        if tool == "read_file":
            return [base.read_action(_path(tool_input), ctx)]
        if tool == "read_many_files":
            paths = tool_input.get("paths")
            if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p for p in paths):
                raise BadInput("`tool_input.paths` is not a list of paths")
            from blastwall.doors.hooks.searches import tree_read_action

            return [tree_read_action(p, ctx) for p in paths]  # a path may be a folder or a glob
        if tool in SEARCH_TOOLS:
            from blastwall.doors.hooks.searches import grep_action

            pattern = base.text_field(tool_input, "pattern", where="tool_input")
            where = next((tool_input[k] for k in ("dir_path", "path", "absolute_path")
                          if isinstance(tool_input.get(k), str) and tool_input[k]), ".")
            include = tool_input.get("include") if isinstance(tool_input.get("include"), str) else ""
            return [grep_action(pattern, where, ctx, include=include)]
        if tool == "write_file":
            return [base.write_action(_path(tool_input), base.text_field(tool_input, "content", required=False, where="tool_input"), ctx)]
        if tool == "replace":
            new = base.text_field(tool_input, "new_string", required=False, where="tool_input")
            old = base.text_field(tool_input, "old_string", required=False, where="tool_input")
            return [base.write_action(_path(tool_input), new, ctx, edits=[base.edit(old, new)])]
        return [base.mcp_action(*_mcp_name(tool, data.get("mcp_context")), tool_input, ctx)]

    def can_ask(self, data: dict[str, Any]) -> bool:
        return True  # `decision: "ask"` forces Gemini's confirmation dialog

    def respond(self, outcome: Outcome, data: dict[str, Any]) -> HookResult:
        if outcome.decision == "allow":
            return HookResult(0, "", "")
        if outcome.decision == "ask":
            message = base.ask_message(outcome)
            return HookResult(0, base.dumps({"decision": "ask", "reason": message, "systemMessage": message}), "")
        message = base.deny_message(outcome)
        return HookResult(0, base.dumps({"decision": "deny", "reason": message, "systemMessage": message}), "")

    def fail_closed(self, reason: str) -> HookResult:
        message = base.failure_message(self.agent, reason)
        return HookResult(2, base.dumps({"decision": "deny", "reason": message, "systemMessage": message}), message + "\n")


def _path(tool_input: Mapping[str, Any]) -> str:
    for key in _PATH_KEYS:
        value = tool_input.get(key)
        if isinstance(value, str) and value:
            return value
    raise BadInput("`tool_input.file_path` is missing")


def _mcp_name(tool: str, context: Any) -> tuple[str, str]:
    if isinstance(context, dict):
        server, name = context.get("server_name"), context.get("tool_name")
        if isinstance(server, str) and server and isinstance(name, str) and name:
            return server, name
    return base.split_prefixed(tool, "mcp_", "_")


DOOR = GeminiDoor()
