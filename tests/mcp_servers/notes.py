"""A small MCP server over stdio for the proxy tests and the benchmark.

Every tool it runs appends one line to the file named by NOTES_LOG (when set), so a test can
tell which calls reached the server. `crash` exits the process without answering.
"""

from __future__ import annotations

import json
import os
import sys
import time

from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations

server = MCPServer("notes")
NOTES = {"todo": "buy milk", "ideas": "a guard for agents"}


def _ran(tool: str, **arguments: object) -> None:
    log = os.environ.get("NOTES_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"tool": tool, "arguments": arguments}) + "\n")


@server.tool(annotations=ToolAnnotations(read_only_hint=True))
def read_note(name: str) -> str:
    """Read one note."""
    _ran("read_note", name=name)
    return NOTES.get(name, "")


@server.tool(annotations=ToolAnnotations(read_only_hint=True))
def ping() -> str:
    """A cheap call (benchmark)."""
    return "pong"


@server.tool(annotations=ToolAnnotations(destructive_hint=True))
def compact_notebook(notebook: str) -> str:
    """Rewrite a notebook in place (only its annotation says it is destructive)."""
    _ran("compact_notebook", notebook=notebook)
    return f"compacted {notebook}"


@server.tool(annotations=ToolAnnotations(destructive_hint=True))
def delete_all_notes() -> str:
    """Delete every note."""
    _ran("delete_all_notes")
    NOTES.clear()
    return "deleted"


@server.tool()
def run_sql(sql: str) -> str:
    """Run SQL against the notes database."""
    _ran("run_sql", sql=sql)
    return "ok"


@server.tool()
def exec(command: str) -> str:
    """Run a shell command (it only records it)."""
    _ran("exec", command=command)
    return f"ran {command}"


@server.tool()
def sleep(seconds: float) -> str:
    """Sleep, then answer (to show calls overlap)."""
    time.sleep(seconds)
    _ran("sleep", seconds=seconds)
    return "slept"


@server.tool()
def crash() -> str:
    """Exit the server process at once with status 3."""
    sys.stdout.flush()
    os._exit(3)


if __name__ == "__main__":
    server.run("stdio")
