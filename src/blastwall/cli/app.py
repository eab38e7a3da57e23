"""The typer application behind `blastwall`: every command group registers itself here.

Nothing imports this module but `blastwall.cli.main` (and tests); the hook entry never does.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    help="blastwall: a deterministic guard between AI coding agents and everything they can destroy.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

# One module per command group, each with `register(app)`; order is the order of `--help`.
GROUPS = ("blastwall.cli.check", "blastwall.cli.scan", "blastwall.cli.install", "blastwall.cli.policy", "blastwall.cli.daemon",
          "blastwall.cli.approvals", "blastwall.cli.audit",
          "blastwall.approvals.web.cli", "blastwall.doors.mcp_proxy.cli", "blastwall.snapshots.cli",
          "blastwall.doors.exec", "blastwall.doors.pg_proxy.cli", "blastwall.doors.gateway.cli",
          "blastwall.credentials.cli", "blastwall.secrets.cli", "blastwall.doors.sandbox.cli",
          "blastwall.doors.run.cli", "blastwall.doctor", "blastwall.radius.rehearse")

for _module in GROUPS:
    importlib.import_module(_module).register(app)
