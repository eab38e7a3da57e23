"""Which readers of the MCP analyzer a tool call meets (`mcp._content`).

A reader looks for code in a call's arguments (SQL, a command, a URL, a file path, a manifest).
Each has a gate here: a cheap test of the call's argument keys or its names' words against sets
built once per process from `rules/mcp.toml` (and the tables the reader uses). The invariant,
held by `tests/test_line_cost_mcp.py` over generated calls: a gate that says False means its
reader would find nothing (it returns None), so skipping it changes no finding. A gate may say
True for a call its reader then finds nothing in; it never says False for one it reads.

    sql(call)  -> True only when an argument is named like SQL (`sql`, `query`, `sqlStatements`...) or a
                  SQL client's tool (`pg_psql`) is given a command

`call` is `mcp._Call`: `server`, `tool`, `args`, and the words of both names as sets.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from blastwall.analyze.http.sniff import word_set
from blastwall.analyze.ruleset import load_table

if TYPE_CHECKING:
    from blastwall.analyze.mcp import _Call

__all__ = ["browser_code", "cells", "cli", "command", "cypher", "file", "git", "manifest", "mongo", "program", "provider",
           "redis", "search", "sniffed", "sql", "url"]


@functools.cache
def _keys(*names: str) -> frozenset[str]:
    """The `[generic]` lists `names` of `rules/mcp.toml` as one set."""
    generic = load_table("mcp")["generic"]
    return frozenset(k for name in names for k in generic[name])


def _given(call: _Call, *names: str) -> bool:
    """Whether the call has an argument named in one of the `[generic]` lists `names`."""
    return not _keys(*names).isdisjoint(call.args)


def sql(call: _Call) -> bool:
    """An argument named like SQL, or a SQL client's tool (`pg_psql`) given a command (`_sql_commands`)."""
    return _given(call, "sql_keys", "sql_list_keys", "query_keys") or (
        not _keys("sql_command_tool_words").isdisjoint(call.tool_words) and _given(call, "command_keys"))


def mongo(call: _Call) -> bool:
    return mongo_method(call.tool) is not None


def mongo_method(tool: str) -> str | None:
    """The Mongo shell method a MongoDB server's tool calls (`delete-many` -> deleteMany), or None."""
    method: str | None = load_table("mcp")["generic"]["mongo_tools"].get(tool.casefold().replace("-", "").replace(
        "_", ""))
    return method


def cypher(call: _Call) -> bool:
    from blastwall.analyze.mcp import _graph

    return _graph(call)


def redis(call: _Call) -> bool:
    from blastwall.analyze.mcp_redis import is_redis_server

    return is_redis_server(call.server_words)


def command(call: _Call) -> bool:
    """A command, an argv or a script argument, a tool that types into a terminal or runs a notebook
    cell; never a Redis server's (its commands are Redis commands)."""
    from blastwall.analyze.mcp_terminal import types_into_terminal

    return not redis(call) and not applescript(call) and (_given(call, "command_keys", "argv_keys", "script_keys")
                                or types_into_terminal(call.server, call.tool, call.args) or cells(call))


def applescript(call: _Call) -> bool:
    """An AppleScript server's or tool's call (`applescript_execute {"code_snippet": ...}`): its code
    is AppleScript (analyze/applescript.py), never a shell line."""
    return call.named(_keys("applescript_words")) and _given(call, "applescript_keys")


def cells(call: _Call) -> bool:
    """A notebook's or kernel's tool that runs a cell it is given (`mcp_cells.runs_cells`)."""
    from blastwall.analyze.mcp_cells import runs_cells

    return runs_cells(call)


def browser_code(call: _Call) -> bool:
    return call.named(_keys("browser_words")) and _given(call, "browser_code_keys")


def url(call: _Call) -> bool:
    return _given(call, "url_keys")


_COPY_MOVE = frozenset({"copy", "cp", "duplicate", "move", "rename", "mv"})


@functools.cache
def _file_keys() -> frozenset[str]:
    """What a filesystem tool names its files by: a path, a destination, `paths`, `files`."""
    return _keys("path_keys", "dest_keys") | {"paths", "files"}


def file(call: _Call) -> bool:
    """A copy or a move (its source and destination), or a path, paths or files; not a remote
    repository's or bucket's file (`remote_keys`)."""
    return not _given(call, "remote_keys") and (not _COPY_MOVE.isdisjoint(call.tool_words)
                                                or not _file_keys().isdisjoint(call.args))


def search(call: _Call) -> bool:
    return not call.tool_words.isdisjoint(("search", "grep", "find")) and _given(call, "pattern_keys")


def git(call: _Call) -> bool:
    return call.tool in load_table("mcp")["generic"]["git_tools"]


def cli(call: _Call) -> bool:
    from blastwall.analyze.mcp_cli import names_a_cli

    return names_a_cli(call.server, call.tool)


def program(call: _Call) -> bool:
    """A program named by an argument (`program`), a word of the tool's name or of the server's
    (`mcp_programs._program_of`), for a tool that is no git server's tool and no Redis server's."""
    from blastwall.analyze.mcp_programs import known_programs

    if git(call) or redis(call):
        return False
    known = known_programs()
    return _given(call, "program_keys") or any(
        name in known or not known.isdisjoint(word_set(name)) for name in (_lowered(call.tool), _lowered(call.server)))


def _lowered(name: str) -> str:
    return str(name or "").strip().lower()  # as `mcp_programs._name_words` reads a name


def sniffed(call: _Call) -> bool:
    """Strings under any key: any call with arguments, but a graph database's (Cypher) or a tool
    that stores or sends text (`prose_tool_words`)."""
    from blastwall.analyze.mcp_programs import prose_tool

    return bool(call.args) and not cypher(call) and not prose_tool(call.tool)


def provider(call: _Call) -> bool:
    """A provider's server or tool (`[generic.provider_apis]`) given a method and a path, or a
    string that may be a GraphQL mutation."""
    from blastwall.analyze.mcp_requests import may_send, provider_names

    names = provider_names()
    return not (names.isdisjoint(call.server_words) and names.isdisjoint(call.tool_words)) and may_send(call.args)


def manifest(call: _Call) -> bool:
    from blastwall.analyze.k8s_manifests import key_set

    return not key_set("manifest_keys").isdisjoint(call.args)

