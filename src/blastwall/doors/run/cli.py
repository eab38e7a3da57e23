"""`blastwall run [--profile NAME] -- AGENT [ARGS]`: registered by cli/app.py.

Exit status: the agent's own once it runs; 125 when the sandbox cannot be built here (the
message names the nearest weaker mode); 126 when the hook inside the sandbox does not block the
canary; 127 when the command is not found; 2 for a request or profile that cannot be used.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

HELP = """Run an agent where the worst it can do is undoable.

    blastwall run -- claude
    blastwall run --profile web -- codex
    blastwall run --agent claude-code -- ./my-agent.sh

The agent runs in blastwall's sandbox (project read-write, home hidden but for its own config,
credentials masked, tokens out of its environment); its network goes through blastwall: its
model API and package registries by name, provider APIs only through the credential gateway,
databases only through the pg-proxy, everything else refused and logged. Its hooks are
installed for the session and proven with a canary first. A journal outside the sandbox keeps
the project as it was before every action: `blastwall undo --before ID` brings it back. A
summary is printed at the end. See docs/run.md.
"""


def run(
    command: list[str] = typer.Argument(..., metavar="-- AGENT [ARGS]...", help="The agent command to run."),
    profile: str | None = typer.Option(None, "--profile", "-p", help="A \\[run.profiles.NAME] of a trusted "
                                                                     "blastwall.toml (default: `default` if any)."),
    agent: str | None = typer.Option(None, "--agent", help="The hook protocol to install when the command's name "
                                                           "does not say it (claude-code, codex, gemini, cursor, "
                                                           "opencode)."),
    project: Path | None = typer.Option(None, "--project", help="The folder the agent may change (default: the "
                                                                "current folder)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No banner at the start (the summary is printed)."),
) -> None:
    """Run an agent in blastwall's sandbox, with its network, hooks and a journal to undo from."""
    from blastwall.doors.run.knowledge import ProfileError, load_profile
    from blastwall.doors.run.session import RunRequest, run_session

    argv = list(command[1:] if command[:1] == ["--"] else command)
    if not argv:
        sys.stderr.write("blastwall run: name the agent after --, e.g. blastwall run -- claude\n")
        raise typer.Exit(2)
    where = str(project or os.getcwd())
    try:
        chosen = load_profile(profile, where)
    except ProfileError as exc:
        sys.stderr.write(f"blastwall run: {exc}\n")
        raise typer.Exit(2) from None
    req = RunRequest(command=tuple(argv), project=where, cwd=os.getcwd(), env=dict(os.environ), profile=chosen,
                     agent=agent or "", interactive=sys.stdin.isatty(), quiet=quiet)
    raise typer.Exit(run_session(req))


def register(app: typer.Typer) -> None:
    app.command("run", help=HELP, context_settings={"allow_extra_args": True,
                                                    "ignore_unknown_options": True})(run)
