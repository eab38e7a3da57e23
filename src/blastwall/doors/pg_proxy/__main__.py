"""`python -m blastwall.doors.pg_proxy ...`: the pg-proxy command on its own."""

from __future__ import annotations

import typer

from blastwall.doors.pg_proxy.cli import register

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
register(app)

if __name__ == "__main__":
    app(prog_name="blastwall pg-proxy")
