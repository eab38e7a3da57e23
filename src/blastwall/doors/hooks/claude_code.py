"""Claude Code: `PreToolUse` (and `PermissionRequest`) command hooks.

Input: `{session_id, transcript_path, cwd, hook_event_name, tool_name, tool_input, tool_use_id,
permission_mode, mcp_server?}`. Guarded tools: Bash (shell), Read (file read), the searches Grep,
Glob and LS (below), Write / Edit / MultiEdit / NotebookEdit (file write) and
`mcp__<server>__<tool>`.

Searches read a folder or a tree, so they go through the read checks:
- Grep (`pattern`, `path?`, `glob?`, `type?`) prints lines of the files under `path` (default:
  the working directory). Claude Code runs ripgrep for it, so it is checked as the `rg` command
  it amounts to (`rg --hidden -e PATTERN [--glob G] [--type T] -- PATH`): the shell read
  analyzer knows which secret-bearing files a recursive search reaches. Every output mode counts
  as a read: a search that only names the matching files still tells, pattern by pattern, what a
  secret holds.
- Glob (`pattern`, `path?`) and LS (`path`) list names: a read of the folder (`path`, or the
  literal folder an absolute `pattern` starts with). A Glob with neither lists the working
  directory: no opinion.

Answers (exit 0, JSON on stdout):
- allow: nothing at all. blastwall's allow means "no objection", so Claude Code's own permission
  rules and prompts still apply; blastwall never auto-approves.
- ask:   `hookSpecificOutput.permissionDecision: "ask"`; the reason is shown in the user's prompt.
  In `bypassPermissions`, `dontAsk` and `auto` modes no human sees that prompt, so an ask becomes
  a blastwall approval request (approvals/gate.py) and the call is held with its id.
- deny:  `hookSpecificOutput.permissionDecision: "deny"`; the reason is shown to Claude. A `Read`
  refused only because the file holds credentials is instead pointed at a redacted view of it
  (`permissionDecision: "allow"` with `updatedInput.file_path` set to the view and a note in
  `additionalContext`: doors/hooks/views.py), so Claude keeps working without the values.
For `PermissionRequest` (the dialog is about to show): deny -> `decision.behavior: "deny"`; ask ->
nothing (the dialog itself is the question) plus a `systemMessage` with blastwall's reason.
Input it cannot trust and internal failures: exit 2 with the reason on stderr, which blocks the
call even if nothing on stdout is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from blastwall.doors.hooks import base
from blastwall.doors.hooks.base import BadInput, Door, HookResult, Outcome

EVENTS = ("PreToolUse", "PermissionRequest")
WRITE_TOOLS = ("Write", "Edit", "MultiEdit", "NotebookEdit")
MATCHER = "Bash|Read|NotebookRead|Grep|Glob|LS|Write|Edit|MultiEdit|NotebookEdit|mcp__.*"
SEARCH_TOOLS = ("Grep", "Glob", "LS")
NO_PROMPT_MODES = ("bypassPermissions", "dontAsk", "auto")


def tool_actions(agent: str, data: Mapping[str, Any], env: Mapping[str, str], project_var: str) -> list[Any]:
    """Claude-shaped `tool_name` + `tool_input` -> actions (shared with Codex for its Claude aliases)."""
    tool = base.text_field(data, "tool_name")
    if not (tool in ("Bash", "Read", "NotebookRead") or tool in SEARCH_TOOLS or tool in WRITE_TOOLS
            or tool.startswith("mcp__")):
        return []
    tool_input = base.object_field(data, "tool_input")
    cwd = base.optional_text(data, "cwd") or env.get(project_var) or None
    ctx = base.make_context(agent, cwd=cwd, session=base.optional_text(data, "session_id"), env=env)
    if tool == "Bash":
        return [base.shell_action(base.text_of(tool_input.get("command"), label="tool_input.command"), ctx)]
    if tool == "Read":
        return [base.read_action(base.text_field(tool_input, "file_path", where="tool_input"), ctx)]
    if tool == "NotebookRead":  # older versions' notebook reader: a read of the file it names
        return [base.read_action(base.text_field(tool_input, "notebook_path", where="tool_input"), ctx)]
    if tool in SEARCH_TOOLS:
        return search_actions(tool, tool_input, ctx)
    if tool.startswith("mcp__"):
        server, name = base.split_prefixed(tool, "mcp__", "__")
        provenance = data.get("mcp_server")
        if isinstance(provenance, dict) and isinstance(provenance.get("name"), str) and provenance["name"]:
            server = provenance["name"]
        return [base.mcp_action(server, name, tool_input, ctx)]
    return [write_from_tool(tool, tool_input, ctx)]


def search_actions(tool: str, tool_input: Mapping[str, Any], ctx: Any) -> list[Any]:
    """Grep as the ripgrep command it runs; Glob and LS as reads of the folder they list."""
    path = base.text_field(tool_input, "path", required=tool == "LS", where="tool_input")
    if tool == "Grep":
        import shlex

        pattern = base.text_field(tool_input, "pattern", where="tool_input")
        words = ["rg", "--hidden", "-e", pattern]
        for key, flag in (("glob", "--glob"), ("type", "--type")):
            value = base.text_field(tool_input, key, required=False, where="tool_input")
            if value:
                words += [flag, value]
        words += _search_options(tool_input)
        return [base.shell_action(shlex.join([*words, "--", path or "."]), ctx)]
    if tool == "Glob" and not path:
        pattern = base.text_field(tool_input, "pattern", where="tool_input")
        path = _literal_folder(pattern) if pattern.startswith(("/", "~")) else ""
    return [base.read_action(path, ctx)] if path else []


def _search_options(tool_input: Mapping[str, Any]) -> list[str]:
    """Grep's options that widen what it prints (case, context lines, multiline), as rg's: the
    read analyzer decides by them whether the pattern can reach a credential's line."""
    words: list[str] = []
    if tool_input.get("-i") is True:
        words.append("-i")
    for key in ("-A", "-B", "-C", "context"):
        value = tool_input.get(key)
        if value is None or value is False:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            words += ["-C", "1000000"]  # not a count blastwall understands: every line counts
        elif value:
            words += ["-A" if key == "-A" else "-B" if key == "-B" else "-C", str(value)]
    if tool_input.get("multiline"):
        words.append("-U")
    return words


def _literal_folder(pattern: str) -> str:
    """The folder an absolute glob starts with: `/etc/ssl/**/*.pem` -> `/etc/ssl`."""
    parts = []
    for part in pattern.split("/"):
        if any(c in part for c in "*?[{"):
            break
        parts.append(part)
    else:
        parts = parts[:-1]  # a pattern without wildcards names a file: list its folder
    return "/".join(parts) or "/"


def write_from_tool(tool: str, tool_input: Mapping[str, Any], ctx: Any) -> Any:
    if tool == "NotebookEdit":
        path = base.text_field(tool_input, "notebook_path", where="tool_input")
        return base.write_action(path, base.text_field(tool_input, "new_source", required=False, where="tool_input"), ctx)
    path = base.text_field(tool_input, "file_path", where="tool_input")
    if tool == "Write":
        return base.write_action(path, base.text_field(tool_input, "content", required=False, where="tool_input"), ctx)
    if tool == "MultiEdit":
        edits = tool_input.get("edits")
        if not isinstance(edits, list) or not all(isinstance(e, dict) for e in edits):
            raise BadInput("`tool_input.edits` is not a list of edits")
        pairs = [base.edit(base.text_field(e, "old_string", required=False, where="tool_input.edits[]"),
                           base.text_field(e, "new_string", required=False, where="tool_input.edits[]"),
                           e.get("replace_all") is True) for e in edits]
        return base.write_action(path, "\n".join(p["new"] for p in pairs), ctx, edits=pairs)
    new = base.text_field(tool_input, "new_string", required=False, where="tool_input")
    old = base.text_field(tool_input, "old_string", required=False, where="tool_input")
    return base.write_action(path, new, ctx, edits=[base.edit(old, new, tool_input.get("replace_all") is True)])


class ClaudeCodeDoor(Door):
    agent = "claude-code"

    def actions(self, data: dict[str, Any], env: Mapping[str, str]) -> list[Any]:
        if not base.handles_event(data, EVENTS, "PreToolUse"):
            return []  # installed on another event: not a tool call blastwall decides
        return tool_actions(self.agent, data, env, "CLAUDE_PROJECT_DIR")

    def can_ask(self, data: dict[str, Any]) -> bool:
        # The permission prompt is skipped or decided without a human in these modes.
        return data.get("permission_mode") not in NO_PROMPT_MODES

    def rewrites_reads(self, data: dict[str, Any]) -> bool:
        return data.get("hook_event_name", "PreToolUse") == "PreToolUse" and data.get("tool_name") == "Read"

    def respond(self, outcome: Outcome, data: dict[str, Any]) -> HookResult:
        if data.get("hook_event_name") == "PermissionRequest":
            return self._permission_request(outcome)
        if outcome.rewrite and outcome.decision == "allow":
            tool_input = data.get("tool_input") if isinstance(data.get("tool_input"), dict) else {}
            note = outcome.reasons[0] if outcome.reasons else ""
            return HookResult(0, base.dumps({"hookSpecificOutput": {
                "hookEventName": "PreToolUse", "permissionDecision": "allow", "permissionDecisionReason": note,
                "updatedInput": {**tool_input, **outcome.rewrite}, "additionalContext": note}}), "")
        if outcome.decision == "allow":
            return HookResult(0, "", "")
        reason = base.deny_message(outcome) if outcome.decision == "deny" else base.ask_message(outcome)
        out = {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": outcome.decision,
                                      "permissionDecisionReason": reason}}
        return HookResult(0, base.dumps(out), "")

    def _permission_request(self, outcome: Outcome) -> HookResult:
        if outcome.decision == "deny":
            out: dict[str, Any] = {"hookSpecificOutput": {"hookEventName": "PermissionRequest", "decision": {
                "behavior": "deny", "message": base.deny_message(outcome)}}}
            return HookResult(0, base.dumps(out), "")
        if outcome.decision == "ask":
            return HookResult(0, base.dumps({"systemMessage": base.ask_message(outcome)}), "")
        return HookResult(0, "", "")

    def fail_closed(self, reason: str) -> HookResult:
        return HookResult(2, "", base.failure_message(self.agent, reason) + "\n")


DOOR = ClaudeCodeDoor()
