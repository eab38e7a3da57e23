"""`blastwall secrets scan [PATH] [--json] [--exclude GLOB]... [--fix]`.

Reports every credential under PATH by file, line and kind, values masked, and records the
secret-bearing files in blastwall's list (`found.py`) so that agents' reads of them are refused
(`[secrets] found` in the policy). `--fix` is a human command: at an interactive terminal it
offers to move each value into the credential store and leave `${blastwall:NAME}` in its place.

Progress is shown on stderr when stderr is a terminal and the tree is large; stdout carries
only the report, so `--json` output stays clean in pipes.

Exit codes: 0 no credential found, 3 credentials found (so CI and pre-commit hooks can fail on
it), 2 usage error, 1 the scan itself failed.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import typer

from blastwall.cli.exits import EXIT_ASK, EXIT_ERROR, EXIT_USAGE

secrets_app = typer.Typer(help="Find credentials in a tree and keep agents from reading them.", no_args_is_help=True)

PROGRESS_MIN_FILES = 200


@secrets_app.callback()
def _group() -> None:
    """Find credentials in a tree and keep agents from reading them."""


def _fail(message: str, code: int = EXIT_ERROR) -> typer.Exit:
    print(f"error: {message}", file=sys.stderr)
    return typer.Exit(code)


def _configured_list(path: str) -> str | None:
    """The `[secrets] list` of the policy that applies at `path` (trusted layers only)."""
    from blastwall.policy.engine import PolicyError
    from blastwall.policy.load import load_policy

    folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    try:
        section = load_policy(folder).section("secrets")
    except PolicyError as exc:
        raise _fail(f"policy file is invalid ({exc}); `blastwall policy check` shows where", EXIT_USAGE) from exc
    value = section.get("list") if isinstance(section, dict) else None
    return str(value) if value else None


class _Progress:
    """A rich progress bar on stderr, started only for large trees at a terminal."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.task: Any = None

    def __call__(self, done: int, total: int, current: str) -> None:
        if self.bar is None:
            if total < PROGRESS_MIN_FILES or not sys.stderr.isatty():
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.bar = Progress(TextColumn("scanning"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.description}", markup=False),
                                console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("", total=total)
        self.bar.update(self.task, completed=done, description=current[-60:])
        if done >= total:
            self.bar.stop()


def entries_of(report: Any) -> dict[str, Any]:
    """The report's secret-bearing files as entries of the list (formats and lines, no values)."""
    from blastwall.secrets.found import Entry

    out: dict[str, Entry] = {}
    for hit in report.hits:
        old = out.get(hit.path)
        formats = tuple(dict.fromkeys((*(old.formats if old else ()), hit.format_id)))
        lines = tuple(sorted({*(old.lines if old else ()), hit.line}))
        out[hit.path] = Entry(hit.path, formats, lines)
    return out


def _print_report(report: Any, listed: str | None) -> None:
    """Plain lines (no markup, no wrapping): file:line, kind, masked value; then a summary."""
    for hit in report.hits:
        print(f"{hit.rel}:{hit.line}  {hit.name}  {hit.masked}")
    skipped = ", ".join(f"{n} {why}" for why, n in sorted(report.skipped.items()))
    print(f"{len(report.hits)} credential(s) in {len(report.files)} file(s); {len(report.scanned)} file(s) scanned"
          + (f" (walked past: {skipped})" if skipped else ""))
    if listed:
        print(f"listed in {listed}: agents' reads of these files are refused ([secrets] found in the policy)")
    if report.hits:
        print("to move the values into the credential store, run at a terminal: blastwall secrets scan --fix")


@secrets_app.command("scan")
def scan_cmd(
    path: str = typer.Argument(".", help="Folder or file to scan."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    exclude: list[str] = typer.Option([], "--exclude", "-x", help="Glob of paths to skip (repeatable): tests/, '*.md'."),
    fix: bool = typer.Option(False, "--fix", help="Move each value into the credential store (asks for each one)."),
    save: bool = typer.Option(True, "--save/--no-save", help="Record the secret-bearing files in blastwall's list."),
) -> None:
    """Find credentials; values are masked, never printed."""
    from blastwall.secrets import found
    from blastwall.secrets.scanner import scan

    if not os.path.exists(path):
        raise _fail(f"{path}: no such file or folder", EXIT_USAGE)
    if fix and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise _fail("--fix needs a human at an interactive terminal", EXIT_USAGE)
    configured = _configured_list(path)
    try:
        report = scan(path, exclude=exclude, progress=_Progress())
    except OSError as exc:
        raise _fail(f"cannot scan {path}: {exc.strerror or exc}") from exc
    if fix and report.hits:
        from blastwall.secrets.fix import fix_report

        report = fix_report(report, exclude=exclude)
    listed = None
    if save:
        try:
            listed = found.write_scan(report.root, report.scanned, entries_of(report), configured)
        except OSError as exc:
            raise _fail(f"cannot write the list of secret-bearing files: {exc.strerror or exc}") from exc
    if as_json:
        doc = report.to_dict()
        doc["list"] = listed
        print(json.dumps(doc, indent=1))
    else:
        _print_report(report, listed)
    if report.hits:
        raise typer.Exit(EXIT_ASK)


def register(app: typer.Typer) -> None:
    app.add_typer(secrets_app, name="secrets")


if __name__ == "__main__":  # `python -m blastwall.secrets.cli scan ...`, the same command outside the main CLI
    secrets_app()
