"""`python -m blastwall.doors.gateway [--config PATH] ...`: the gateway without the full CLI."""

from __future__ import annotations

import typer

from blastwall.doors.gateway.cli import gateway_app

if __name__ == "__main__":
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.add_typer(gateway_app, name="gateway")
    import sys

    app(args=["gateway", *sys.argv[1:]], prog_name="blastwall")
