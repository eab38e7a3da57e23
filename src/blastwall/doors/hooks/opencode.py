"""OpenCode: the `blastwall.js` plugin's `tool.execute.before` sends each call to this hook.

Input (written by the plugin): `{"tool", "sessionID", "callID", "args", "directory"}`. Guarded
tools: `bash` (`command`), `read` (`filePath`), `grep` (`pattern`, `path?`, `include?`: the ripgrep
search it runs, searches.py), `write` (`filePath`, `content`), `edit`
(`filePath`, `newString`), `multiedit` (`filePath`, `edits[].newString`), `patch` /
`apply_patch` (`patchText`; every file it touches) and MCP tools, which OpenCode names
`<server>_<tool>` with no prefix: any tool name with `_` that is not a built-in is checked as an
MCP call (server = text before the first `_`).

Answer (exit 0): `{"decision": "allow"|"ask"|"deny", "reason"}`. OpenCode cannot ask from this
hook, so the plugin throws (failing the tool call with the reason) on ask and deny, and also when
this process fails or prints something else. Input it cannot trust: deny JSON with exit 2.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from blastwall.doors.hooks import base
from blastwall.doors.hooks.base import BadInput, Door, HookResult, Outcome

# Built-in tools blastwall has no opinion on (they neither run commands nor write files).
NEUTRAL = frozenset({"glob", "list", "ls", "webfetch", "websearch", "codesearch", "task", "todowrite",
                     "todoread", "skill", "question", "invalid", "batch", "lsp_diagnostics", "lsp_hover", "lsp"})
WRITE_TOOLS = ("write", "edit", "multiedit")
PATCH_TOOLS = ("patch", "apply_patch")


class OpenCodeDoor(Door):
    agent = "opencode"

    def actions(self, data: dict[str, Any], env: Mapping[str, str]) -> list[Any]:
        tool = base.text_field(data, "tool")
        guarded = tool in ("bash", "read", "grep") or tool in WRITE_TOOLS or tool in PATCH_TOOLS
        if not guarded and (tool in NEUTRAL or "_" not in tool.strip("_")):
            return []
        args = base.object_field(data, "args")
        ctx = base.make_context(self.agent, cwd=base.optional_text(data, "directory"),
                                session=base.optional_text(data, "sessionID"), env=env)
        if tool == "bash":
            return [base.shell_action(base.text_field(args, "command", where="args"), ctx)]
        if tool == "read":
            return [base.read_action(base.text_field(args, "filePath", where="args"), ctx)]
        if tool == "grep":  # prints matching lines of every file under `path`: the ripgrep search it runs
            from blastwall.doors.hooks.searches import grep_action

            include = args.get("include") if isinstance(args.get("include"), str) else ""
            path = args.get("path") if isinstance(args.get("path"), str) and args.get("path") else "."
            return [grep_action(base.text_field(args, "pattern", where="args"), path, ctx, include=include)]
        if tool in PATCH_TOOLS:
            from blastwall.doors.hooks.patch import patch_files

            text = base.text_field(args, "patchText", where="args")
            return [base.write_action(f.path, f.content, ctx, edits=f.edits, deleted=f.deleted, partial=f.partial) for f in patch_files(text)]
        if tool in WRITE_TOOLS:
            actions = [base.write_action(base.text_field(args, "filePath", where="args"), _content(tool, args), ctx,
                                         edits=_edits(tool, args))]
            if tool == "multiedit":  # each edit may name its own file
                paths = {e["filePath"] for e in args["edits"] if isinstance(e.get("filePath"), str)} - {args["filePath"], ""}
                actions += [base.write_action(p, None, ctx) for p in sorted(paths)]
            return actions
        server, _, name = tool.strip("_").partition("_")
        return [base.mcp_action(server, name, args, ctx)]

    def no_opinion(self, data: dict[str, Any]) -> HookResult:
        return HookResult(0, base.dumps({"decision": "allow", "reason": ""}), "")

    def respond(self, outcome: Outcome, data: dict[str, Any]) -> HookResult:
        if outcome.decision == "allow":
            return self.no_opinion(data)
        reason = base.deny_message(outcome) if outcome.decision == "deny" else base.approval_message(outcome)
        return HookResult(0, base.dumps({"decision": outcome.decision, "reason": reason}), "")

    def fail_closed(self, reason: str) -> HookResult:
        message = base.failure_message(self.agent, reason)
        return HookResult(2, base.dumps({"decision": "deny", "reason": message}), message + "\n")


def _content(tool: str, args: Mapping[str, Any]) -> str | None:
    if tool == "write":
        return base.text_field(args, "content", required=False, where="args")
    if tool == "edit":
        return base.text_field(args, "newString", required=False, where="args")
    edits = args.get("edits")
    if not isinstance(edits, list) or not all(isinstance(e, dict) for e in edits):
        raise BadInput("`args.edits` is not a list of edits")
    return "\n".join(base.text_field(e, "newString", required=False, where="args.edits[]") for e in edits)


def _edits(tool: str, args: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """`edit` and `multiedit` as replacements (judged as a diff for files that run later)."""
    if tool == "edit":
        return [base.edit(base.text_field(args, "oldString", required=False, where="args"),
                          base.text_field(args, "newString", required=False, where="args"), args.get("replaceAll") is True)]
    if tool == "multiedit":
        own = args.get("filePath")
        return [base.edit(base.text_field(e, "oldString", required=False, where="args.edits[]"),
                          base.text_field(e, "newString", required=False, where="args.edits[]"), e.get("replaceAll") is True)
                for e in args["edits"] if e.get("filePath") in (None, "", own)] or None
    return None


DOOR = OpenCodeDoor()
