"""MCP tools judged by what their arguments do: Redis pipelines (a list of commands, each judged as a
Redis command), text editors whose `command` names the edit (a write is a file write), Terraform
Cloud runs (a destroy run asks), browser tools that type a confirmation or run JavaScript, and a git
server's clean judged as the shell's `git clean` (a dry run passes)."""

from __future__ import annotations

from typing import Any

import pytest

import blastwall
from blastwall.engine import make_action


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def mcp(server: str, tool: str, arguments: dict[str, Any]) -> blastwall.Verdict:
    return blastwall.check(make_action("mcp", {"server": server, "tool": tool, "arguments": arguments}, None))


# ---- Redis pipelines -------------------------------------------------------------------------
MULTI = "redis_database_run_multiple_redis_commands"
REDIS_ASKED = [
    ("upstash", MULTI, {"database_rest_url": "https://us1-x.upstash.io", "commands": [["FLUSHALL"]]}),
    ("upstash", MULTI, {"commands": [["SET", "a", "1"], ["flushdb"]]}),
    ("upstash", MULTI, {"commands": ["SET a 1", "FLUSHALL ASYNC"]}),
    ("upstash", MULTI, {"commands": [["DEL", "orders:1"]]}),
    ("upstash", MULTI, {"commands": [["GET", "a"], "CONFIG SET dir /var/www"]}),
    ("upstash", MULTI, {"commands": [{"cmd": "FLUSHALL"}]}),  # not readable: asked
    ("upstash", MULTI, {"commands": [["GET", "a"], [["FLUSHALL"]]]}),
    ("valkey", "pipeline", {"commands": [["unlink", "k1", "k2"], ["SWAPDB", "0", "1"]]}),
    ("redis", "execute", {"commands": ["GET a", "flushall"]}),
    ("redis", "execute", {"command": ["FLUSHDB"]}),
]
REDIS_PASSED = [
    ("upstash", MULTI, {"commands": [["SET", "a", "1"], ["GET", "a"]]}),
    ("upstash", MULTI, {"commands": [["KEYS", "user:*"], ["TTL", "user:1"]]}),
    ("upstash", MULTI, {"commands": ["GET a", "HGETALL h"]}),
    ("upstash", "redis_database_run_single_redis_command", {"command": ["SCAN", "0"]}),
]


@pytest.mark.parametrize(("server", "tool", "arguments"), REDIS_ASKED)
def test_each_command_of_a_redis_pipeline_is_judged(server: str, tool: str, arguments: dict) -> None:
    v = mcp(server, tool, arguments)
    assert v.decision.value != "allow", v.reasons


@pytest.mark.parametrize(("server", "tool", "arguments"), REDIS_PASSED)
def test_redis_pipelines_of_reads_and_writes_pass(server: str, tool: str, arguments: dict) -> None:
    v = mcp(server, tool, arguments)
    assert v.decision.value == "allow", v.reasons
