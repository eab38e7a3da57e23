"""`blastwall install`: wire blastwall into an agent's hooks, and `--status` of what is installed."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from blastwall.cli.exits import EXIT_ALLOW, EXIT_ERROR
from blastwall.cli.output import err, out

def install(
    agent: str | None = typer.Argument(None, help="claude-code | cursor | gemini | codex | opencode"),
    user: bool = typer.Option(False, "--user", help="Install for your user account instead of this project."),
    project: bool = typer.Option(False, "--project", help="Install into this project (default)."),
    uninstall: bool = typer.Option(False, "--uninstall", help="Remove blastwall's hook entries."),
    directory: Path = typer.Option(Path("."), "--dir", help="Project directory."),
    command: str | None = typer.Option(None, "--command", help="Hook command to write (default: this blastwall)."),
    timeout: int | None = typer.Option(None, "--timeout", help="The agent's hook timeout in seconds (default 30, "
                                       "3 to 600); an approvals wait is cut to fit inside it."),
    status: bool = typer.Option(False, "--status", help="Show what is installed (both scopes) and its timeouts."),
) -> None:
    """Wire blastwall into an agent's hook configuration (idempotent; backs up what it changes)."""
    from blastwall.doors.hooks import AGENTS
    from blastwall.doors.hooks.budget import DEFAULT_TIMEOUT_S, check_timeout
    from blastwall.doors.install import install as do_install

    if agent is not None and agent not in AGENTS:
        raise typer.BadParameter(f"unknown agent {agent!r}; use one of {', '.join(AGENTS)}")
    if status:
        if uninstall or command or timeout is not None or user or project:
            raise typer.BadParameter("--status takes only an agent and --dir")
        raise typer.Exit(_install_status(directory.resolve(), (agent,) if agent else AGENTS))
    if agent is None:
        raise typer.BadParameter(f"name the agent: one of {', '.join(AGENTS)} (or --status)")
    if user and project:
        raise typer.BadParameter("choose --user or --project, not both")
    if uninstall and timeout is not None:
        raise typer.BadParameter("--timeout has no meaning with --uninstall")
    try:
        timeout_s = check_timeout(DEFAULT_TIMEOUT_S if timeout is None else timeout)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--timeout") from exc
    try:
        report = do_install(agent, scope="user" if user else "project", project_dir=directory.resolve(),
                            uninstall=uninstall, command=command, timeout_s=timeout_s)
    except (ValueError, OSError) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_ERROR) from exc
    verb = "updated" if report.changed else "unchanged"
    out.print(f"[green]{agent}[/green]: {escape(report.path)} {verb}")
    if report.backup:
        out.print(f"  backup: {escape(report.backup)}")
    if report.message:
        out.print(f"  {escape(report.message)}")
    if report.timeout_note:
        out.print(f"  {escape(report.timeout_note)}")
    if not uninstall:
        note = _wait_note(directory.resolve(), agent, timeout_s)
        if note:
            out.print(f"  [yellow]{escape(note)}[/yellow]")


def _install_status(directory: Path, agents: tuple[str, ...]) -> int:
    """`blastwall install --status`: 0 when nothing installed needs attention, 1 otherwise."""
    from blastwall.doors.install_status import hook_status

    rows = hook_status(project_dir=directory, agents=agents)
    shown = [r for r in rows if r.installed or r.problem]
    if not shown:
        out.print("no blastwall hook is installed here (project) or for this user; `blastwall install <agent>` adds one")
        return EXIT_ALLOW
    for r in shown:
        style = "yellow" if r.problem else "green"
        out.print(f"[{style}]{r.agent}[/{style}] ({r.scope}) {escape(r.path)}: {escape(r.describe())}")
    return EXIT_ERROR if any(r.problem for r in shown) else EXIT_ALLOW


def _wait_note(directory: Path, agent: str, timeout_s: int) -> str:
    """A warning when this project's `[approvals] wait` is longer than the installed timeout allows."""
    from blastwall.doors.hooks.budget import longest_wait_s, timeout_for_wait

    try:
        from blastwall.approvals.settings import settings_of
        from blastwall.policy.load import load_policy

        settings = settings_of(load_policy(str(directory)))
    except Exception:  # noqa: BLE001 - `blastwall policy check` reports a bad policy; this is only advice
        return ""
    if settings.mode != "wait" or settings.wait_s <= longest_wait_s(timeout_s):
        return ""
    needed = timeout_for_wait(settings.wait_s)
    fix = f"`blastwall install {agent} --timeout {needed}` lets it wait that long" if needed else ""
    return (f"[approvals] wait is {settings.wait_s:g} s, but a hook with a {timeout_s} s timeout holds a call for "
            f"about {longest_wait_s(timeout_s):g} s at most; longer waits are cut to fit" + (f"; {fix}" if fix else ""))


def register(app: typer.Typer) -> None:
    app.command()(install)
