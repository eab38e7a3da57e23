"""MCP tools whose name starts with a read verb and names a terminal, process or shell as the thing
read (`read_terminal_output`) read it; tools that run something in it are still asked."""

from __future__ import annotations

from typing import Any

import pytest

import blastwall
from blastwall.engine import make_action


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def decision(tool: str, arguments: dict[str, Any]) -> str:
    payload = {"server": "term", "tool": tool, "arguments": arguments}
    return blastwall.check(make_action("mcp", payload, None)).decision.value


@pytest.mark.parametrize("tool", ["read_terminal_output", "get_terminal_output", "list_processes",
                                  "get_shell_history", "readTerminalOutput"])
def test_reads_allowed(tool: str) -> None:
    assert decision(tool, {"linesOfOutput": 50}) == "allow"


@pytest.mark.parametrize(("tool", "arguments"), [
    ("write_to_terminal", {"input": "dropdb shop"}),
    ("execute_terminal_command", {"input": "dropdb shop"}),
    ("read_and_execute_shell", {"input": "dropdb shop"}),
    ("run_terminal", {"input": "dropdb shop"}),
    ("terminal_exec", {"input": "dropdb shop"}),
    ("read_terminal_output", {"command": "rm -rf /srv/data"}),
])
def test_runs_asked(tool: str, arguments: dict[str, Any]) -> None:
    assert decision(tool, arguments) != "allow"


@pytest.mark.parametrize("tool", ["write_to_terminal", "execute_terminal_command", "run_terminal"])
def test_runs_with_text_it_cannot_read_asked(tool: str) -> None:
    assert decision(tool, {"payload": "anything"}) != "allow"
