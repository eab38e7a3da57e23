"""SQL, HTTP and MCP classes of the fourteenth round: each class is a table of everyday spellings that
pass and the look-alikes an agent that wants the destructive action would try next, which are asked."""

from __future__ import annotations

from typing import Any

import pytest

from verdicts import decide


def mcp(decision_of: Any) -> str:
    return decide(decision_of, "mcp")


# ---- an MCP tool given a program and its argument list runs `command args...` (analyze/mcp.py) -------

def run(command: str, args: list[str], tool: str = "run_command", server: str = "mcp-server-commands",
        **more: Any) -> dict[str, Any]:
    return {"server": server, "tool": tool, "arguments": {"command": command, "args": args, **more}}


PROGRAM_ARGS_SAFE = [
    run("bash", ["-c", "ls -la && git status"]),
    run("sh", ["-c", "rabbitmqctl list_queues -q name | grep ^orders"]),
    run("git", ["log", "--oneline", "-5"]),
    run("rabbitmqctl", ["list_queues", "name", "messages"]),
    run("ls", ["-la", "/tmp"], tool="execute"),
]
PROGRAM_ARGS_ASKED = [
    run("bash", ["-c", "rabbitmqctl list_queues -q name | grep ^orders | xargs -n1 rabbitmqctl purge_queue"]),
    run("sh", ["-c", "rabbitmqctl delete_queue orders"]),
    run("rabbitmqctl", ["purge_queue", "orders"]),
    run("rabbitmqctl", ["force_reset"]),
    run("rabbitmqctl", ["delete_vhost", "/prod"]),
    run("rm", ["-rf", "/home/dev/data"]),
    run("/bin/bash", ["-c", "rm -rf ~/data"]),
    run("bash", ["-lc", "git push --force origin main"]),
    run("zsh", ["-c", "dropdb orders"], tool="execute"),
    {"server": "shell", "tool": "run", "arguments": {"cmd": "git", "argv": ["reset", "--hard", "HEAD~3"]}},
    run("env", ["FOO=1", "rm", "-rf", "/srv/app"]),
]


@pytest.mark.parametrize("call", PROGRAM_ARGS_SAFE)
def test_program_and_args_that_read_pass(call: dict[str, Any]) -> None:
    assert mcp(call) == "allow", call


@pytest.mark.parametrize("call", PROGRAM_ARGS_ASKED)
def test_program_and_args_that_destroy_ask(call: dict[str, Any]) -> None:
    assert mcp(call) != "allow", call
