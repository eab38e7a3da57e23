"""`blastwall policy check|trust|test|input`: validate, trust and test policy files, and show the
input document Rego policies see."""

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
        err.print(p, style="red", markup=False, highlight=False, soft_wrap=True)
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
    document = read_document(target)
    dropped = tighten_only(document, default_document())[1]
    out.print(f"{escape(target)} loosens blastwall with:")
    for d in dropped or ["(nothing: it only tightens)"]:
        out.print(f"  - {escape(d)}")
    from blastwall.policy.rego_config import named_files

    named = named_files(document.get("policy"), target) if isinstance(document.get("policy"), dict) else []
    if named:
        out.print("and the Rego files it names, trusted with it (editing one withdraws the trust):")
        for name in named:
            out.print(f"  - {escape(name)}")
    answer = typer.prompt("Type 'trust' to let this exact file loosen blastwall", default="", show_default=False)
    if answer.strip() != "trust":
        out.print("not trusted")
        raise typer.Exit(EXIT_ASK)
    digest = trust(target, str(user_config_dir()))
    out.print(f"[green]trusted[/green] {escape(target)} (sha256 {digest[:16]}...)")


@policy_app.command("test")
def policy_test(
    paths: list[Path] | None = typer.Argument(None, help="JSONL examples ({\"kind\", \"input\", \"expect\": "
                                              "allow|ask|deny}) and Rego files or folders whose test_ rules to run."),
    policy_file: Path | None = typer.Option(None, "--policy"),
    cwd: str | None = typer.Option(None, "--cwd"),
) -> None:
    """Run a policy against example actions, and Rego `test_` rules, and report what fails.

    Without Rego paths, the tests of the policy's own Rego layers run (its files, and the
    *_test.rego files beside them).
    """
    policy = policy_for(policy_file, cwd)
    given = list(paths or [])
    examples = [p for p in given if not (p.is_dir() or p.suffix == ".rego")]
    failures, total = _run_examples(examples, policy)
    from blastwall.cli.rego import rego_sets
    from blastwall.policy.rego_config import LayerError

    try:
        sets = rego_sets([p for p in given if p.is_dir() or p.suffix == ".rego"], policy)
    except LayerError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_USAGE) from exc
    rego_failures, rego_total = _run_rego_tests(sets)
    if examples:
        out.print(f"{total - failures}/{total} examples decided as expected")
    if sets:
        out.print(f"{rego_total - rego_failures}/{rego_total} Rego tests passed")
    if not examples and not sets:
        err.print("[red]error:[/red] nothing to test: name JSONL examples or Rego files, or configure [policy.rego]")
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(EXIT_USAGE if failures or rego_failures or not total + rego_total else EXIT_ALLOW)


def _run_examples(files: list[Path], policy: object) -> tuple[int, int]:
    from blastwall.engine import check_action, make_action

    failures = total = 0
    for examples in files:
        try:
            lines = examples.read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            err.print(f"[red]error:[/red] cannot read {escape(str(examples))} ({escape(type(exc).__name__)})")
            raise typer.Exit(EXIT_USAGE) from exc
        for number, line in enumerate(lines, 1):
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
    return failures, total


def _run_rego_tests(sets: list[tuple[str, tuple[str, ...], tuple[str, ...]]]) -> tuple[int, int]:
    from blastwall.policy import rego

    failures = total = 0
    for label, files, data in sets:
        try:
            results = rego.run_tests(rego.read_sources(files), rego.read_sources(data))
        except rego.RegoProblem as exc:
            failures += 1
            total += 1
            out.print(f"[red]ERROR[/red] {escape(label)}: {escape(str(exc))}")
            continue
        if not results:
            out.print(f"[yellow]no test_ rules[/yellow] in {escape(label)}")
        for t in results:
            total += 1
            if t.passed:
                out.print(f"[green]PASS[/green] {escape(t.name)} [dim]({escape(t.where)})[/dim]")
            else:
                failures += 1
                why = f": {t.error}" if t.error else ""
                out.print(f"[red]FAIL[/red] {escape(t.name)} [dim]({escape(t.where)})[/dim]{escape(why)}")
    return failures, total


@policy_app.command("input")
def policy_input(
    action: str | None = typer.Argument(None, help="The action: a shell command, SQL, or JSON for http/mcp/file_*. "
                                        "Read from stdin when omitted."),
    kind: str = typer.Option("shell", "--kind", "-k", help="shell | sql | http | mcp | file_read | file_write"),
    cwd: str | None = typer.Option(None, "--cwd", help="Working directory the action runs in."),
    agent: str | None = typer.Option(None, "--agent"),
    environment: str | None = typer.Option(None, "--env", help="Environment hint (e.g. production)."),
    session: str | None = typer.Option(None, "--session"),
    policy_file: Path | None = typer.Option(None, "--policy"),
    redact: bool = typer.Option(False, "--redact", help="Mask credentials, as an OPA server receives it."),
) -> None:
    """Print the input document Rego policies see for an action (docs/rego-input.schema.json)."""
    from blastwall.cli.check import terminal_cwd
    from blastwall.cli.output import KINDS, load_payload
    from blastwall.engine import explain_action, make_action
    from blastwall.policy.rego_input import build, production_names

    if kind not in KINDS:
        raise typer.BadParameter(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}", param_hint="--kind")
    text = action if action is not None else sys.stdin.read()
    cwd = cwd if cwd is not None else terminal_cwd()
    context = {k: v for k, v in {"cwd": cwd, "agent": agent, "environment": environment, "session": session}.items()
               if v}
    policy = policy_for(policy_file, cwd)
    act = make_action(kind, load_payload(text, kind), context)
    verdict, details = explain_action(act, policy, locate=False)
    doc = details.rego_input
    if doc is None:
        doc = build(act, details.decisions, degraded=verdict.degraded, production=production_names(policy))
    if redact:
        from blastwall.policy.opa import redacted

        doc = redacted(doc)
    print(json.dumps(doc, indent=2, ensure_ascii=False, default=str))


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
