"""`blastwall pg-proxy`: the command line of the PostgreSQL proxy (registered by cli/app.py)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

import typer

from blastwall.doors.pg_proxy.lanes import resolve
from blastwall.doors.pg_proxy.server import ProxyConfig, host_port
from blastwall.doors.pg_proxy.tls import context

EXIT_USAGE = 2


def register(app: typer.Typer) -> None:
    @app.command("pg-proxy")
    def pg_proxy(
        upstream: str = typer.Option(..., "--upstream",
                                     help="The real server: HOST:PORT, or its Unix-socket directory /DIR[:PORT]."),
        listen: str = typer.Option("127.0.0.1:6543", "--listen", help="Where agents connect, HOST:PORT."),
        environment: str | None = typer.Option(None, "--environment", "-e",
                                               help="Environment of every statement (default $BLASTWALL_ENVIRONMENT; "
                                                    "the policy's \\[inventory] places the server otherwise)."),
        cwd: Path | None = typer.Option(None, "--cwd", help="Directory whose blastwall.toml applies."),
        max_connections: int = typer.Option(100, "--max-connections", min=1, help="Client connections at once."),
        agent: str | None = typer.Option(None, "--agent", help="Agent name policy rules can match on."),
        admin_dsn_env: str | None = typer.Option(None, "--admin-dsn-env",
                                                 help="Variable holding blastwall's own connection string, for "
                                                      "pg_dump snapshots (default \\[pg_proxy] admin_dsn_env)."),
        upstream_tls: str = typer.Option("disable", "--upstream-tls",
                                         help="TLS to the server: disable, require, verify-ca, verify-full "
                                              "(as libpq's sslmode)."),
        upstream_ca: Path | None = typer.Option(None, "--upstream-ca",
                                                help="CA certificates (PEM) for verify-ca and verify-full "
                                                     "(default: the system's and certifi's)."),
        plane: str = typer.Option("auto", "--plane",
                                  help="Data plane: auto (the compiled one when it is built), compiled, python "
                                       "(default $BLASTWALL_PG_PLANE, else auto)."),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Log every refusal and snapshot."),
    ) -> None:
        """PostgreSQL wire-protocol proxy: every statement is checked before it reaches the server."""
        try:
            up_host, up_port = host_port(upstream, 5432)
            li_host, li_port = host_port(listen, 6543)
            resolve(plane)
            context(upstream_tls, str(upstream_ca) if upstream_ca else None)
        except (ValueError, OSError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_USAGE) from exc
        config = ProxyConfig(upstream_host=up_host, upstream_port=up_port, listen_host=li_host, listen_port=li_port,
                             max_connections=max_connections, plane=plane, upstream_tls=upstream_tls,
                             upstream_ca=str(upstream_ca) if upstream_ca else None)
        env = environment or os.environ.get("BLASTWALL_ENVIRONMENT") or None
        code = run(config, cwd=str(cwd) if cwd else None, environment=env, agent=agent, admin_dsn_env=admin_dsn_env,
                   verbose=verbose)
        raise typer.Exit(code)


def _load(cwd: str | None) -> Any:
    from blastwall.policy.load import load_policy

    return load_policy(cwd)


def run(config: ProxyConfig, *, cwd: str | None = None, environment: str | None = None, agent: str | None = None,
        admin_dsn_env: str | None = None, verbose: bool = False) -> int:
    """Serve until SIGINT or SIGTERM; SIGHUP reloads the policy. Returns the exit code."""
    from blastwall.doors.pg_proxy.guard import Guard
    from blastwall.doors.pg_proxy.safety import SafetyNet, settings_from
    from blastwall.doors.pg_proxy.server import serve
    from blastwall.policy.engine import PolicyError

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(message)s")
    try:
        policy = _load(cwd)
    except PolicyError as exc:
        typer.echo(f"error: {exc}\n  run `blastwall policy check` to see every problem", err=True)
        return EXIT_USAGE
    guard = Guard(policy, cwd=cwd or os.getcwd(), agent=agent, environment=environment)
    settings = settings_from(policy, admin_dsn_env=admin_dsn_env)
    safety = SafetyNet(settings)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)

        def reload() -> None:
            try:
                fresh = _load(cwd)
            except PolicyError as exc:
                typer.echo(f"blastwall pg-proxy: policy not reloaded, it is invalid: {exc}", err=True)
                return
            guard.policy = fresh
            guard.clear()
            safety.settings = settings_from(fresh, admin_dsn_env=admin_dsn_env)
            typer.echo("blastwall pg-proxy: policy reloaded", err=True)

        loop.add_signal_handler(signal.SIGHUP, reload)

        def ready(host: str, port: int) -> None:
            net = f"pg_dump via ${settings.admin_dsn_env}" if settings.admin_dsn_env else "in-session copies"
            parts = [f"environment {environment}"] if environment else []
            if config.upstream_tls != "disable":
                parts.append(f"TLS to the server: {config.upstream_tls}")
            parts += [f"snapshots: {net}{'' if settings.required else ' (not required)'}",
                      f"at most {config.max_connections} connections", f"{resolve(config.plane)} data plane"]
            typer.echo(f"blastwall pg-proxy listening on {host}:{port} -> {config.upstream_host}:"
                       f"{config.upstream_port} ({'; '.join(parts)})", err=True)

        await serve(config, guard, safety, stop, ready)

    try:
        asyncio.run(main())
    except OSError as exc:
        typer.echo(f"error: cannot listen on {config.listen_host}:{config.listen_port} ({exc.strerror or exc})",
                   err=True)
        return 1
    typer.echo("blastwall pg-proxy stopped", err=True)
    return 0
