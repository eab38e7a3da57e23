"""`python -m blastwall.doors.mcp_proxy [OPTIONS] -- SERVER ARGS...`: the proxy on its own."""

from __future__ import annotations

import typer

from blastwall.doors.mcp_proxy.cli import register

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
register(app)

if __name__ == "__main__":
    app()
