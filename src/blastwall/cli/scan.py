"""`blastwall scan [PATH...]`: destructive steps in files that run later (migrations, CI
pipelines, scripts, cron, systemd, Kubernetes, Terraform), for CI and pre-commit.

Exit codes: 0 nothing destructive found, 1 destructive steps found, 2 error (no such folder,
git failed, an unknown `--diff` base, an invalid policy).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer
from rich.markup import escape

from blastwall.cli.output import err, out, policy_for
from blastwall.model import Decision

EXIT_CLEAN, EXIT_FOUND, EXIT_ERROR = 0, 1, 2
_STYLE = {Decision.DENY: "bold red", Decision.ASK: "bold yellow"}


def scan(
    paths: list[Path] | None = typer.Argument(None, help="Files or folders to scan (default: the current folder)."),
    diff: str | None = typer.Option(None, "--diff", metavar="BASE", help="Only what changed since the merge base "
                                    "with BASE (a branch, tag or commit), judged as a diff: a step that was already "
                                    "there is not reported, a deleted Terraform block is."),
    sarif: Path | None = typer.Option(None, "--sarif", metavar="FILE", help="Also write SARIF 2.1.0 to FILE."),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON."),
    root: Path | None = typer.Option(None, "--root", help="Repository root (default: the git top level of the "
                                     "first path, or the current folder)."),
    policy_file: Path | None = typer.Option(None, "--policy", help="Use this policy file instead of the discovered ones."),
) -> None:
    """Find destructive steps in files that run later: migrations, CI workflows, Makefiles,
    package.json scripts, shell scripts, crontabs, systemd units, Kubernetes manifests, Terraform.

    Exit codes: 0 clean, 1 destructive steps found, 2 error.
    """
    from blastwall.scan import ScanError, scan_repo

    where = _root(root, paths)
    policy = policy_for(policy_file, where)
    try:
        result = scan_repo(where, base=diff, paths=[str(p) for p in paths] if paths else None, policy=policy)
    except ScanError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_ERROR) from exc
    except Exception as exc:  # noqa: BLE001 - exit 1 means "found"; blastwall's own failure is an error
        err.print(f"[red]error:[/red] blastwall failed while scanning ({type(exc).__name__}); "
                  "run with BLASTWALL_DEBUG=1 for details")
        if os.environ.get("BLASTWALL_DEBUG"):
            raise
        raise typer.Exit(EXIT_ERROR) from exc
    code = EXIT_FOUND if result.findings else EXIT_CLEAN
    if sarif is not None:
        from blastwall.scan.sarif import to_sarif

        try:
            sarif.write_text(json.dumps(to_sarif(result), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        except OSError as exc:
            err.print(f"[red]error:[/red] cannot write {escape(str(sarif))}: {exc.strerror}")
            raise typer.Exit(EXIT_ERROR) from exc
    if as_json:
        print(json.dumps({"root": result.root, "files": result.files, "exit": code,
                          "findings": [s.to_dict() for s in result.findings]}, ensure_ascii=False))
        raise typer.Exit(code)
    for s in result.findings:
        out.print(f"{escape(s.path)}:{s.line}: [{_STYLE[s.decision]}]{s.decision.value}[/] "
                  f"[dim]{escape(s.finding.rule_id)}[/dim] {escape(s.finding.reason)}", highlight=False, soft_wrap=True)
    noun = "file" if result.files == 1 else "files"
    if result.findings:
        out.print(f"{len(result.findings)} destructive step(s) in {result.files} {noun} that run later", highlight=False)
    else:
        out.print(f"no destructive steps in {result.files} {noun} that run later", highlight=False)
    raise typer.Exit(code)


def _root(root: Path | None, paths: list[Path] | None) -> str:
    if root is not None:
        return str(root)
    import subprocess

    start = str(paths[0]) if paths else "."
    start = start if os.path.isdir(start) else os.path.dirname(os.path.abspath(start))
    try:
        done = subprocess.run(["git", "-C", start, "rev-parse", "--show-toplevel"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return start
    top = done.stdout.decode().strip()
    return top if done.returncode == 0 and top else start


def register(app: typer.Typer) -> None:
    app.command()(scan)
