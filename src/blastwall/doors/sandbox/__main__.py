"""`python -m blastwall.doors.sandbox [OPTIONS] -- AGENT ARGS...`: the sandbox on its own."""

from __future__ import annotations

import typer

from blastwall.doors.sandbox.cli import register

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
register(app)

if __name__ == "__main__":
    app()
