"""`blastwall gateway` (serve) and `blastwall gateway token add NAME` (human-only)."""

from __future__ import annotations

import sys

import typer

from blastwall.cli.exits import EXIT_ERROR, EXIT_USAGE

HELP = ("Serve the HTTP gateway for provider APIs: agents call it with a gateway token, blastwall checks every "
        "request (pre-flight and approvals included) and forwards the allowed ones with the real credential, which "
        "the agent never sees. Configuration: the \\[gateway] table of --config, $BLASTWALL_POLICY or "
        "~/.config/blastwall/blastwall.toml (never a project's file); see docs/gateway.md.")

gateway_app = typer.Typer(help=HELP, invoke_without_command=True)
token_app = typer.Typer(help="Gateway tokens for agents (human-only).", no_args_is_help=True)
gateway_app.add_typer(token_app, name="token")

CONFIG = typer.Option(None, "--config", "-c", help="Policy file with the \\[gateway] table (default: $BLASTWALL_POLICY, "
                                                   "else ~/.config/blastwall/blastwall.toml).")


def _fail(message: str, code: int = EXIT_ERROR) -> typer.Exit:
    print(f"error: {message}", file=sys.stderr)
    return typer.Exit(code)


@gateway_app.callback()
def gateway(ctx: typer.Context, config: str | None = CONFIG,
            listen: str | None = typer.Option(None, "--listen", help="HOST:PORT or unix:/path (default: \\[gateway] "
                                                                      "listen, else 127.0.0.1:8766)."),
            check: bool = typer.Option(False, "--check", help="Validate the configuration and credentials, then exit."),
            quiet: bool = typer.Option(False, "--quiet", "-q", help="No per-request log lines.")) -> None:
    """Serve the gateway (unless a subcommand is given)."""
    if ctx.invoked_subcommand is not None:
        return
    from blastwall.doors.gateway.serve import GatewayError, prepare, serve

    try:
        prepared = prepare(config)
    except GatewayError as exc:
        raise _fail(str(exc), EXIT_USAGE) from exc
    cfg = prepared.cfg
    where = listen or cfg.listen
    routes = ", ".join(f"{r.name} -> {r.upstream}" for r in cfg.routes.values())
    print(f"blastwall gateway: {len(cfg.routes)} route(s) ({routes}); {len(cfg.agents)} agent(s); config {cfg.source}",
          file=sys.stderr)
    if check:
        return
    if not where.startswith("unix:"):
        host = where.rpartition(":")[0].strip("[]")
        if host not in ("127.0.0.1", "::1", "localhost"):
            print(f"blastwall gateway: warning: listening on {host}, not loopback; every machine that can reach it "
                  "only needs a gateway token", file=sys.stderr)
    print(f"blastwall gateway: listening on {where}", file=sys.stderr)
    try:
        serve(prepared, listen=listen, log_level="warning" if quiet else "info")
    except OSError as exc:
        raise _fail(f"cannot listen on {where} ({exc.strerror or exc})") from exc


@token_app.command("add")
def token_add(name: str = typer.Argument(..., help="Agent name (it appears in the audit log and policy rules)."),
              route: list[str] = typer.Option([], "--route", "-r", help="Route the agent may use (repeatable; "
                                                                         "default: every route)."),
              read_only: list[str] = typer.Option([], "--read-only", help="Route the agent may only read "
                                                                           "(repeatable)."),
              config: str | None = CONFIG) -> None:
    """Mint a gateway token for an agent: prints it once, records only its sha256 in the config."""
    from blastwall.doors.gateway.config import config_path
    from blastwall.doors.gateway.tokens import TokenError, add_agent

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise _fail("creating a gateway token needs a human at an interactive terminal", EXIT_USAGE)
    path = config_path(config)
    try:
        token = add_agent(path, name, routes=route or None, read_only=read_only or None)
    except TokenError as exc:
        raise _fail(str(exc)) from exc
    print(f"gateway token for {name} (shown once; {path} keeps only its sha256):\n\n  {token}\n")
    print("Give it to the agent as its provider token (e.g. RAILWAY_API_TOKEN, GH_TOKEN) and point the agent's\n"
          "base URL at the gateway (docs/gateway.md). Restart the gateway to load it.")


def register(app: typer.Typer) -> None:
    app.add_typer(gateway_app, name="gateway")
