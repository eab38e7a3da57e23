"""The `blastwall mcp-proxy` command: `register(app)` adds it to a typer application."""

from __future__ import annotations

import os
import secrets

import typer

AGENT = "mcp-proxy"
HELP = """Run an MCP server over stdio behind blastwall: every tool call is checked first.

Use it as the server command in the MCP client's configuration:

    blastwall mcp-proxy --name fs -- npx -y @modelcontextprotocol/server-filesystem /path

Allowed calls go to the server untouched; blocked ones (and calls held for a human's approval)
never reach it and come back to the model as a tool error saying why. Everything else in the
protocol passes as it is. Diagnostics go to stderr; stdout carries only the protocol.
"""


def mcp_proxy(
    command: list[str] = typer.Argument(..., metavar="-- SERVER [ARGS]...", help="The MCP server to run."),
    name: str | None = typer.Option(None, "--name", help="Server name for policy rules and the audit log "
                                                         "(default: read from the command, e.g. filesystem)."),
    cwd: str | None = typer.Option(None, "--cwd", help="Folder the server's paths are judged against "
                                                       "(default: the current folder)."),
    agent: str = typer.Option(AGENT, "--agent", help="Agent name in actions, policy rules and the audit log."),
    session: str | None = typer.Option(None, "--session", help="Session id (default: one per proxy process). "
                                                               "Approvals bind to it."),
) -> None:
    """Run an MCP server over stdio behind blastwall: every tool call is checked first."""
    raise typer.Exit(run(command, name=name, cwd=cwd, agent=agent, session=session))


def run(command: list[str], *, name: str | None = None, cwd: str | None = None, agent: str = AGENT,
        session: str | None = None) -> int:
    from blastwall.doors.hooks.base import make_context
    from blastwall.doors.mcp_proxy.guard import Guard
    from blastwall.doors.mcp_proxy.names import server_name
    from blastwall.doors.mcp_proxy.relay import run_relay

    argv = command[1:] if command[:1] == ["--"] else command
    context = make_context(agent or AGENT, cwd=os.path.abspath(cwd or os.getcwd()),
                           session=session or f"mcp-{secrets.token_hex(4)}", env=os.environ)
    return run_relay(argv, Guard(name or server_name(argv), context))


def register(app: typer.Typer) -> None:
    app.command("mcp-proxy", help=HELP, context_settings={"allow_extra_args": True,
                                                          "ignore_unknown_options": True})(mcp_proxy)
