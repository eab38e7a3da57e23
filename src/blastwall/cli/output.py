"""Output and argument helpers every command group shares: the consoles, verdict printing, the
payload of `--kind`, and the policy a command checks against."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from blastwall.cli.exits import EXIT_ALLOW, EXIT_ASK, EXIT_DENY, EXIT_USAGE
from blastwall.model import Decision, Verdict

# No automatic highlighting: it styles whatever looks like a number inside ids and paths
# (`bw-2jhtcd9p` printed as `bw-` + bold `2j` + `htcd9p`); styles come from markup only.
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
EXIT_FOR = {Decision.ALLOW: EXIT_ALLOW, Decision.ASK: EXIT_ASK, Decision.DENY: EXIT_DENY}
STYLE = {Decision.ALLOW: "bold green", Decision.ASK: "bold yellow", Decision.DENY: "bold red"}
KINDS = ("shell", "sql", "http", "mcp", "file_read", "file_write")


def load_payload(text: str, kind: str) -> Any:
    if kind in ("http", "mcp", "file_write"):
        try:
            return json.loads(text)
        except ValueError as exc:
            if kind == "file_write":
                return {"path": text}
            raise typer.BadParameter(f"--kind {kind} expects a JSON object ({exc})") from exc
    if kind == "file_read":
        return {"path": text}
    return text


def policy_for(policy_file: Path | None, cwd: str | None) -> Any:
    from blastwall.policy.engine import PolicyError, compile_layers, default_document
    from blastwall.policy.load import load_policy, read_document

    try:
        if policy_file is not None:
            return compile_layers([(str(policy_file), read_document(policy_file)), ("defaults", default_document())])
        return load_policy(cwd)
    except PolicyError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}\n  run `blastwall policy check` to see every problem")
        raise typer.Exit(EXIT_USAGE) from exc


def print_verdict(v: Verdict, action_text: str) -> None:
    out.print(f"[{STYLE[v.decision]}]{v.decision.value.upper()}[/]  {escape(action_text)}")
    for r in v.reasons:
        out.print(f"  - {escape(r)}")
    if v.rule_ids:
        out.print(f"  [dim]rules: {escape(', '.join(v.rule_ids))}[/dim]")
    safer = [f.safer for f in v.findings if f.safer and f.rule_id in v.rule_ids]
    if safer and v.decision is not Decision.ALLOW:
        out.print(f"  [cyan]safer:[/cyan] {escape(safer[0])}")
