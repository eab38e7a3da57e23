"""HTTP and MCP classes: message queues that consume, Kafka retention, CMS mutations and their dry
runs, browser page scripts that click destructive controls, expired task/log cleanups, alert
silences, read-only query languages, moves that cannot overwrite, and a shell's script on stdin."""

from __future__ import annotations

from typing import Any

from tests.verdicts import allowed_and_asked, decide


def judge(line: tuple[str, Any]) -> str:
    kind, payload = line
    return decide(payload, kind)


def mcp(server: str, tool: str, **arguments: Any) -> tuple[str, Any]:
    return ("mcp", {"server": server, "tool": tool, "arguments": arguments})


def http(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[str, Any]:
    payload: dict[str, Any] = {"method": method, "url": url}
    if body is not None:
        payload["body"] = body
    if headers:
        payload["headers"] = headers
    return ("http", payload)


# ---- a program's standard input is its script ------------------------------------------------------

STDIN_SAFE = [
    mcp("mcp-server-commands", "run_process", command_line="bash", input="git status\ngit log --oneline -5\n"),
    mcp("commands", "run_command", command="sh", stdinText="ls -la\n"),
    mcp("commands", "run_process", command_line="psql -d app_dev", input="SELECT count(*) FROM users;"),
]
STDIN_ASKED = [
    mcp("mcp-server-commands", "run_process", command_line="bash", input="git fetch\ngit clean -ffdx\n"),
    mcp("commands", "run_process", command_line="sh", input="rm -rf ~/projects\n"),
    mcp("commands", "run_command", command="bash -s", standard_input="git push --force origin main"),
    mcp("commands", "run_process", command_line="psql -d app", input="DROP TABLE users;"),
    mcp("commands", "run_process", command_line="/bin/bash", input="cd /srv && \\rm -r data"),
]
test_stdin_safe, test_stdin_asked = allowed_and_asked(STDIN_SAFE, STDIN_ASKED, judge)
