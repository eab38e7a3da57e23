"""`blastwall daemon start|status|stop`: the warm checker (blastwall/daemon/).

The first hook call starts the daemon when it is not running, and it exits after
`BLASTWALL_DAEMON_IDLE` seconds without calls (default 900), so these commands are for humans
and for `doctor`. `status` exits 0 when a daemon answers, 1 when none does.
"""

from __future__ import annotations

import json
import os
import time

import typer
from rich.markup import escape

from blastwall.cli.exits import EXIT_ALLOW, EXIT_ERROR
from blastwall.cli.output import out

daemon_app = typer.Typer(help="The warm checker that answers hook calls (started by the first call).",
                         no_args_is_help=True)


@daemon_app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Print the status as JSON.")) -> None:
    """Say whether a daemon serves this user and configuration, as whom, and where."""
    report = describe(dict(os.environ))
    if as_json:
        print(json.dumps(report))
    elif report["running"]:
        out.print(f"[green]running[/green]: pid {report['pid']} as uid {report['uid']} ({report['mode']} mode), "
                  f"socket {escape(str(report['socket']))}, blastwall {report['version']}")
    else:
        out.print(f"[yellow]not running[/yellow]: the next hook call starts it ({escape(str(report['socket']))})")
    raise typer.Exit(EXIT_ALLOW if report["running"] else EXIT_ERROR)


def describe(env: dict[str, str]) -> dict[str, object]:
    """What `status` and `doctor` report: running or not, pid, uid, mode, socket."""
    from blastwall.daemon import client, place

    system = place.system_mode()
    where = place.system_place() if system else place.user_place(env, create=False)
    pong = client.ping(env, system=system)
    report: dict[str, object] = {"running": bool(pong and pong.get("t") == "pong"),
                                 "mode": "system" if system else "user",
                                 "socket": where.socket if where else None,
                                 "enabled": system or place.enabled(env)}
    if pong and pong.get("t") == "pong":
        report.update(pid=pong.get("pid"), uid=pong.get("uid"), version=pong.get("version"),
                      mode=pong.get("mode"), since=pong.get("since"))
    return report


@daemon_app.command("start")
def start(foreground: bool = typer.Option(False, "--foreground", help="Run in this process (logs on stderr)."),
          idle: float | None = typer.Option(None, "--idle", help="Exit after this many seconds without calls."),
          system: bool = typer.Option(False, "--system", help="As root: start the system-mode daemon (it runs as "
                                      "the service user; `install --system` sets it up).")) -> None:
    """Start the daemon for this user and configuration (no-op when one runs)."""
    from blastwall.daemon import client, server

    if system:
        from blastwall.doors import system_install

        try:
            out.print(system_install.start_daemon(system_install.safe_interpreter()))
        except (system_install.SystemInstallError, OSError) as exc:
            out.print(f"[red]error:[/red] {escape(str(exc))}")
            raise typer.Exit(EXIT_ERROR) from exc
        raise typer.Exit(EXIT_ALLOW)
    env = dict(os.environ)
    if foreground:
        raise typer.Exit(server.serve_user(env, idle_s=idle))
    if client.ping(env):
        out.print("already running")
        raise typer.Exit(EXIT_ALLOW)
    if idle is not None:
        env["BLASTWALL_DAEMON_IDLE"] = str(idle)
    client.spawn(env)
    for _ in range(2400):  # a cold start imports and warms everything: seconds, tens on a busy machine
        time.sleep(0.05)
        if client.ping(env):
            out.print("[green]started[/green]")
            raise typer.Exit(EXIT_ALLOW)
    out.print("[red]the daemon did not start[/red]; `blastwall daemon start --foreground` shows why")
    raise typer.Exit(EXIT_ERROR)


@daemon_app.command("stop")
def stop() -> None:
    """Stop the daemon (the next hook call starts it again)."""
    from blastwall.daemon import client

    if client.stop(dict(os.environ)):
        out.print("stopped")
        raise typer.Exit(EXIT_ALLOW)
    out.print("not running")
    raise typer.Exit(EXIT_ERROR)


def register(app: typer.Typer) -> None:
    app.add_typer(daemon_app, name="daemon")
