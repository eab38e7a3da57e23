"""Checking actions: `check`, `explain`, `hook` (typer's spelling of the hook entry), `rules`, `demo`, `version`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from blastwall.cli.exits import EXIT_ALLOW, EXIT_USAGE
from blastwall.cli.output import EXIT_FOR, KINDS, STYLE, err, load_payload, out, policy_for, print_verdict

def check(
    action: str | None = typer.Argument(None, help="The action: a shell command, SQL, or JSON for http/mcp. Read from stdin when omitted."),
    kind: str = typer.Option("shell", "--kind", "-k", help="shell | sql | http | mcp | file_read | file_write"),
    as_json: bool = typer.Option(False, "--json", help="Print the verdict as JSON."),
    batch: str | None = typer.Option(None, "--batch", help="JSONL file (or - for stdin): one verdict line per input line."),
    cwd: str | None = typer.Option(None, "--cwd", help="Working directory the action runs in (default at a "
                                   "terminal: the current one; batch lines use their own context.cwd)."),
    agent: str | None = typer.Option(None, "--agent", help="Agent name, for agent-specific policy rules."),
    environment: str | None = typer.Option(None, "--env", help="Environment hint (e.g. production)."),
    policy_file: Path | None = typer.Option(None, "--policy", help="Use this policy file instead of the discovered ones."),
    probe: bool = typer.Option(False, "--probe", help="Let a batch run live probes and external CLIs (kubectl, git, "
                               "psql, provider APIs); without it a batch starts no process and asks no server."),
) -> None:
    """Check one action (or a batch) and print the verdict.

    Exit codes: 0 allow, 3 ask, 4 deny, 2 usage error, 1 internal error. With --batch: 0 when every line was processed.
    """
    from blastwall.engine import check_action, make_action

    policy = policy_for(policy_file, cwd)
    if batch is not None:
        from blastwall.batch import run_batch

        try:
            stream = sys.stdin if batch == "-" else open(batch, encoding="utf-8", errors="replace")
        except OSError as exc:
            err.print(f"[red]error:[/red] cannot read {escape(batch)}: {exc.strerror}")
            raise typer.Exit(EXIT_USAGE) from exc
        with stream:
            run_batch(stream, sys.stdout, policy, probe=probe)
        raise typer.Exit(EXIT_ALLOW)
    if kind not in KINDS:
        raise typer.BadParameter(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}", param_hint="--kind")
    text = action if action is not None else sys.stdin.read()
    payload = load_payload(text, kind)
    cwd = cwd if cwd is not None else terminal_cwd()
    context = {k: v for k, v in {"cwd": cwd, "agent": agent, "environment": environment}.items() if v}
    verdict = check_action(make_action(kind, payload, context), policy)
    if as_json:
        print(json.dumps(verdict.to_dict(), ensure_ascii=False))
    else:
        print_verdict(verdict, text if len(text) < 200 else text[:200] + "...")
    raise typer.Exit(EXIT_FOR[verdict.decision])


def explain(
    action: str = typer.Argument(..., help="The action to explain."),
    kind: str = typer.Option("shell", "--kind", "-k"),
    cwd: str | None = typer.Option(None, "--cwd"),
    as_json: bool = typer.Option(False, "--json"),
    policy_file: Path | None = typer.Option(None, "--policy"),
) -> None:
    """Show every finding, the policy rule that decided it, and the final verdict."""
    from blastwall.cli.rego import layer_lines, layers_json
    from blastwall.engine import explain_action, make_action

    cwd = cwd if cwd is not None else terminal_cwd()
    policy = policy_for(policy_file, cwd)
    verdict, details = explain_action(make_action(kind, load_payload(action, kind), {"cwd": cwd} if cwd else None),
                                      policy)
    rows = [(f, d, r) for f, (d, r, _) in zip(verdict.findings, details.decisions, strict=False)]  # after Cedar and Rego
    if len(rows) < len(verdict.findings):
        rows = [(f, *policy.decide(f, surface=kind)) for f in verdict.findings]
    if as_json:
        data = verdict.to_dict()
        data["decided_by"] = [{"rule_id": f.rule_id, "decision": d.value, "policy_rule": r} for f, d, r in rows]
        data["rego"] = layers_json(details.layers)
        data["stages_ms"] = dict(verdict.timings_ms)
        print(json.dumps(data, ensure_ascii=False))
        raise typer.Exit(EXIT_FOR[verdict.decision])
    table = Table(title="findings", show_lines=False)
    for col in ("rule", "effect", "severity", "target", "environment", "decision", "decided by"):
        table.add_column(col)
    for f, d, r in rows:
        table.add_row(escape(f.rule_id), f.effect.value, f.severity.name.lower(), escape(f.target[:40]),
                      escape(f.environment or "-"), f"[{STYLE[d]}]{d.value}[/]", escape(r))
    if rows:
        out.print(table)
    else:
        out.print("[dim]no findings: nothing in this action deletes, overwrites or runs unknown code[/dim]")
    shown: set[tuple[str, tuple[str, ...]]] = set()
    for f, _, _ in rows:  # the evidence for each target's environment (docs/environments.md)
        if f.evidence and (f.target, f.evidence) not in shown:
            shown.add((f.target, f.evidence))
            out.print(f"  [bold]environment[/bold] {escape(f.target or f.rule_id)}: {escape(f.environment or '-')}"
                      f" ({escape('; '.join(f.evidence))})")
    from blastwall.radius.policy import summaries

    for line in summaries([f.to_dict() for f in verdict.findings]):
        out.print(f"  [bold]blast radius[/bold] {escape(line)}")
    for line in layer_lines(details.layers):  # what each Rego layer answered, and which rules held
        out.print(line)
    print_verdict(verdict, action)
    timings = ", ".join(f"{k} {v:.2f}ms" for k, v in verdict.timings_ms)
    out.print(f"  [dim]stages: {timings}[/dim]")
    raise typer.Exit(EXIT_FOR[verdict.decision])


def hook(agent: str = typer.Argument(..., help="claude-code | cursor | gemini | codex | opencode"),
         timeout: int | None = typer.Option(None, "--timeout", help="The agent's hook timeout in seconds, as installed.")) -> None:
    """Answer an agent's pre-execution hook (reads the agent's JSON on stdin)."""
    from blastwall.cli.hook import run

    raise typer.Exit(run([agent] if timeout is None else [agent, "--timeout", str(timeout)]))


def rules(as_json: bool = typer.Option(False, "--json")) -> None:
    """List every rule blastwall knows, with its id, severity and reason."""
    from blastwall.analyze.ruleset import load_table, table_names

    rows = []
    for name in table_names():
        table = load_table(name)
        for key in ("rule", "fsop"):
            for r in table.get(key) or []:
                rows.append({"id": r["id"], "severity": r["severity"], "effect": r["effect"], "reason": r["reason"]})
    if as_json:
        print(json.dumps(rows))
        return
    t = Table(title=f"{len(rows)} rules")
    for col in ("id", "effect", "severity", "reason"):
        t.add_column(col)
    for r in rows:
        t.add_row(escape(r["id"]), r["effect"], r["severity"], escape(r["reason"][:70]))
    out.print(t)


def demo(as_json: bool = typer.Option(False, "--json", help="Machine-readable steps.")) -> None:
    """Play a realistic agent session through the real hook and show what was stopped and why."""
    from blastwall.demo import run_demo

    raise typer.Exit(run_demo(out, as_json=as_json))


def version() -> None:
    """Print blastwall's version."""
    from blastwall import __version__

    print(__version__)




def terminal_cwd() -> str | None:
    """At a terminal, an action is about the folder the human is in (`blastwall check 'rm -rf
    src'` shows the files it would delete); from a script, nothing is assumed."""
    import os

    if not sys.stdout.isatty():
        return None
    try:
        return os.getcwd()
    except OSError:
        return None


def register(app: typer.Typer) -> None:
    for command in (check, explain, hook, rules, demo, version):
        app.command()(command)
