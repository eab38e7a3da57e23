"""`blastwall policy check|trust|test`: validate, trust and test policy files."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer
from rich.markup import escape

from blastwall.cli.exits import EXIT_ALLOW, EXIT_ASK, EXIT_USAGE
from blastwall.cli.output import err, out, policy_for
from blastwall.model import Decision

policy_app = typer.Typer(help="Validate and test policy files.", no_args_is_help=True)


@policy_app.command("check")
def policy_check(
    files: list[Path] | None = typer.Argument(None, help="Policy files (default: the ones that apply here)."),
    cwd: str | None = typer.Option(None, "--cwd"),
) -> None:
    """Validate policy files; errors name the file and line."""
    from blastwall.policy.load import policy_files
    from blastwall.policy.validate import validate_files

    paths = list(files) if files else [Path(p) for p in policy_files(cwd)]
    if not paths:
        out.print("no policy files found; the built-in defaults apply")
        raise typer.Exit(EXIT_ALLOW)
    problems = validate_files(paths)
    for p in problems:
        err.print(p, style="red", markup=False, highlight=False)
    from blastwall.policy.load import untrusted_entries

    untrusted = untrusted_entries(cwd)
    if untrusted:
        out.print(f"[yellow]note:[/yellow] {escape(untrusted[0])} is not trusted; these entries are ignored until "
                  "a human runs `blastwall policy trust`:")
        for d in untrusted[1]:
            out.print(f"  - {escape(d)}")
    if problems:
        raise typer.Exit(EXIT_USAGE)
    out.print(f"[green]ok[/green]: {escape(', '.join(str(p) for p in paths))}")


@policy_app.command("trust")
def policy_trust(
    file: Path | None = typer.Argument(None, help="The project's blastwall.toml (default: the one that applies here)."),
) -> None:
    """Let this project's policy file loosen blastwall (a human at a terminal only).

    Until then a project file can only tighten: rules that allow, lenient [severity] entries and
    Cedar's authoritative mode are ignored. Editing the file withdraws the trust.
    """
    from blastwall.policy.engine import default_document
    from blastwall.policy.load import project_file, read_document, user_config_dir
    from blastwall.policy.trust import tighten_only, trust

    target = str(file) if file else project_file(None)
    if not target or not os.path.isfile(target):
        err.print("[red]error:[/red] no project blastwall.toml here; name the file")
        raise typer.Exit(EXIT_USAGE)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        err.print("[red]error:[/red] trusting a policy needs a human at an interactive terminal")
        raise typer.Exit(EXIT_USAGE)
    dropped = tighten_only(read_document(target), default_document())[1]
    out.print(f"{escape(target)} loosens blastwall with:")
    for d in dropped or ["(nothing: it only tightens)"]:
        out.print(f"  - {escape(d)}")
    answer = typer.prompt("Type 'trust' to let this exact file loosen blastwall", default="", show_default=False)
    if answer.strip() != "trust":
        out.print("not trusted")
        raise typer.Exit(EXIT_ASK)
    digest = trust(target, str(user_config_dir()))
    out.print(f"[green]trusted[/green] {escape(target)} (sha256 {digest[:16]}...)")


@policy_app.command("test")
def policy_test(
    examples: Path = typer.Argument(..., help="JSONL examples: {\"kind\", \"input\", \"expect\": allow|ask|deny}."),
    policy_file: Path | None = typer.Option(None, "--policy"),
) -> None:
    """Run a policy against example actions and report the ones that decide differently."""
    from blastwall.engine import check_action, make_action

    policy = policy_for(policy_file, None)
    failures = total = 0
    for number, line in enumerate(examples.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        total += 1
        try:
            row = json.loads(line)
            verdict = check_action(make_action(row.get("kind", "shell"), row["input"], row.get("context")), policy)
            expect = Decision(row["expect"])
        except (ValueError, KeyError, TypeError) as exc:
            failures += 1
            err.print(f"{examples}:{number}: bad example ({exc})", markup=False)
            continue
        if verdict.decision is not expect:
            failures += 1
            out.print(f"[red]FAIL[/red] {escape(str(examples))}:{number}: expected {expect.value}, got "
                      f"{verdict.decision.value}: {escape(json.dumps(row['input'])[:80])} "
                      f"({escape('; '.join(verdict.reasons)[:100])})")
    out.print(f"{total - failures}/{total} examples decided as expected")
    raise typer.Exit(EXIT_USAGE if failures else EXIT_ALLOW)


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
