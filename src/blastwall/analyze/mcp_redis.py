"""A Redis server's MCP tools, judged as the Redis command they send, so the tool and redis-cli agree.

    redis_argv("rename", {"old_key": "a", "new_key": "b"}, "command") -> [["RENAME", "a", "b"]]
    redis_argv("execute_command", {"command": "SWAPDB 0 1"}, "command") -> [["SWAPDB", "0", "1"]]

A server is a Redis server when a word of its name is one of `rules/mcp.toml` `[generic]
redis_words`. A command given as text (`command_keys`; a one-word command with an `args` list) is
split as redis-cli splits a line; a tool named after a Redis command (`rename`, `expire`, `copy`)
sends that command with its arguments' values in the order given. Any other tool of the server is
judged by its name as before.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from blastwall.analyze.ruleset import load_table

__all__ = ["is_redis_server", "redis_argv"]


@functools.cache
def _words() -> frozenset[str]:
    return frozenset(load_table("mcp")["generic"]["redis_words"])


def is_redis_server(server_words: Iterable[str]) -> bool:
    return not _words().isdisjoint(server_words)


def _known(command: str) -> bool:
    redis = load_table("sql")["redis"]
    name = command.upper()
    return name in redis["commands"] or name in redis["argued"] or name in redis["expiry"]


def _value(v: Any) -> list[str] | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (str, int, float)):
        return [str(v)]
    if isinstance(v, list) and all(isinstance(x, (str, int, float)) and not isinstance(x, bool) for x in v):
        return [str(x) for x in v]
    return None


def _command_list(v: list[Any]) -> list[list[str]] | None:
    """A list given for a command: one argv (`["DEL", "k"]`), command lines (`["SET a 1", "FLUSHALL"]`)
    or a pipeline of argvs and lines (Upstash `run_multiple_redis_commands`: `[["SET", "a", "1"],
    ["FLUSHALL"]]`). Anything else in it (a number, an object) makes it unreadable: None."""
    from blastwall.analyze.sql.nosql import split_redis

    if all(isinstance(x, str) for x in v):
        if any(c.isspace() for c in v[0].strip()):  # whole lines, as redis-cli reads them
            return [argv for line in v if line.strip() for argv in split_redis(line)]
        return [[str(x) for x in v]]
    out: list[list[str]] = []
    for item in v:
        if isinstance(item, str) and item.strip():
            out += split_redis(item)
        elif isinstance(item, list) and item and all(isinstance(x, (str, int, float)) and not isinstance(x, bool)
                                                     for x in item):
            out.append([str(x) for x in item])
        else:
            return None
    return out or None


def redis_argv(tool: str, args: dict[str, Any], command_keys: list[str]) -> list[list[str]] | None:
    """The Redis commands the call sends, or None when it names none."""
    from blastwall.analyze.sql.nosql import split_redis

    for k in command_keys:
        v = args.get(k)
        if isinstance(v, str) and v.strip():
            extra = _value(args.get("args"))
            if extra is not None and len(v.split()) == 1:
                return [[v.strip(), *extra]]
            return split_redis(v)
        if isinstance(v, list) and v:
            sent = _command_list(v)
            if sent is not None:
                return sent
    if not _known(tool):
        return None
    argv = [tool.upper()]
    for v in args.values():
        parts = _value(v)
        if parts is not None:
            argv += parts
    return [argv]
