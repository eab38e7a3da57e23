"""`blastwall install`: wire blastwall into an agent's hooks, and `--status` of what is installed."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from blastwall.cli.exits import EXIT_ALLOW, EXIT_ERROR, EXIT_USAGE
from blastwall.cli.output import err, out

def install(
    agent: str | None = typer.Argument(None, help="claude-code | cursor | gemini | codex | opencode"),
    user: bool = typer.Option(False, "--user", help="Install for your user account instead of this project."),
    project: bool = typer.Option(False, "--project", help="Install into this project (default)."),
    uninstall: bool = typer.Option(False, "--uninstall", help="Remove blastwall's hook entries."),
    directory: Path = typer.Option(Path("."), "--dir", help="Project directory."),
    command: str | None = typer.Option(None, "--command", help="Hook command to write (default: this interpreter, "
                                       "by absolute path, on blastwall's hook entry; needs no PATH)."),
    timeout: int | None = typer.Option(None, "--timeout", help="The agent's hook timeout in seconds (default 30, "
                                       "3 to 600); an approvals wait is cut to fit inside it."),
    status: bool = typer.Option(False, "--status", help="Show what is installed (both scopes) and its timeouts, and "
                                "run each installed hook on a harmless canary."),
    http: bool = typer.Option(False, "--http", help="claude-code, user scope: Claude Code calls the daemon over HTTP "
                              "(no process per call) when its version can block on a failed HTTP hook."),
    system: bool = typer.Option(False, "--system", help="As root: run the checker as its own OS user, keep its state "
                                "out of the agents' reach and write the agents' managed settings (docs/system-mode.md)."),
    for_users: list[str] = typer.Option([], "--for", help="With --system: a user whose agents blastwall guards "
                                        "(repeatable; default: the user who ran sudo)."),
    managed_only: bool = typer.Option(False, "--managed-hooks-only", help="With --system: Claude Code then runs "
                                      "managed hooks only (users' own hooks are ignored)."),
    approver_keys: list[str] = typer.Option([], "--approver-key", help="With --system: trust this approver public "
                                            "key (repeatable); its fingerprint is shown for a human to confirm."),
) -> None:
    """Wire blastwall into an agent's hook configuration (idempotent; backs up what it changes)."""
    if system:
        if http or status or command:
            raise typer.BadParameter("--system takes an agent, --for, --timeout, --managed-hooks-only and --uninstall")
        raise typer.Exit(_install_system(agent, for_users, uninstall=uninstall, timeout=timeout,
                                         managed_only=managed_only, approver_keys=approver_keys))
    if for_users or managed_only or approver_keys:
        raise typer.BadParameter("--for, --managed-hooks-only and --approver-key go with --system")
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
    if http and (agent != "claude-code" or project or uninstall or command):
        raise typer.BadParameter("--http is for claude-code in the user's settings (the handler holds this machine's "
                                 "endpoint token, which does not belong in a project file)")
    try:
        if http:
            from blastwall.doors.install_http import install_http

            report = install_http(home=None, timeout_s=timeout_s, project_dir=directory.resolve())
        else:
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


def _install_system(agent: str | None, for_users: list[str], *, uninstall: bool, timeout: int | None,
                    managed_only: bool, approver_keys: list[str]) -> int:
    """`blastwall install --system`: 0 when done, 1 when a step failed (the message says which)."""
    import os
    import sys

    from blastwall.doors import system_install

    agents = (agent,) if agent else tuple(system_install.MANAGED) + tuple(system_install.NOT_MANAGED)
    users = list(for_users) or [u for u in (os.environ.get("SUDO_USER"),) if u]
    try:
        for path in approver_keys:  # a human confirms each key by its fingerprint
            key = system_install.read_approver_key(path)
            out.print(f"approver key [bold]{escape(key.name)}[/bold] from {escape(path)}\n  fingerprint {key.key_id}")
            if not sys.stdin.isatty():
                err.print("[red]error:[/red] registering an approver key needs a human at an interactive terminal")
                return EXIT_USAGE
            if not typer.confirm("  is this the fingerprint the approver sees in `blastwall keys list`?"):
                return EXIT_USAGE
        if uninstall:
            report = system_install.uninstall_system(agents=agents)
        else:
            report = system_install.install_system(users, agents=agents, timeout_s=timeout or 30,
                                                   managed_hooks_only=managed_only,
                                                   approver_keys=tuple(approver_keys))
    except (system_install.SystemInstallError, OSError, ValueError) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        return EXIT_ERROR
    for step in report.steps:
        out.print(f"[green]ok[/green] {escape(step)}")
    for note in report.notes:
        out.print(f"[yellow]note[/yellow] {escape(note)}")
    return EXIT_ALLOW


def _install_status(directory: Path, agents: tuple[str, ...]) -> int:
    """`blastwall install --status`: 0 when nothing installed needs attention, 1 otherwise (a
    timeout that does not fit, a command that would not start or does not block a canary)."""
    from blastwall.doors.install_status import hook_status, probe

    rows = hook_status(project_dir=directory, agents=agents)
    if "claude-code" in agents:
        from blastwall.doors.install_http import support

        out.print(f"[dim]claude-code HTTP hook (install --http): {escape(support()[1])}[/dim]")
    shown = [r for r in rows if r.installed or r.problem]
    if not shown:
        out.print("no blastwall hook is installed here (project) or for this user; `blastwall install <agent>` adds one")
        return EXIT_ALLOW
    bad = False
    for r in shown:
        broken = probe(r, project_dir=directory)
        style = "red" if broken else "yellow" if r.problem else "green"
        bad = bad or bool(broken or r.problem)
        out.print(f"[{style}]{r.agent}[/{style}] ({r.scope}) {escape(r.path)}: {escape(r.describe())}")
        if r.installed:
            out.print(f"  command: {escape(r.command or '?')}")
        if broken:
            out.print(f"  [red]{escape(broken)}[/red]; `blastwall install {r.agent}"
                      f"{' --user' if r.scope == 'user' else ''}` writes a command that starts")
    return EXIT_ERROR if bad else EXIT_ALLOW


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
