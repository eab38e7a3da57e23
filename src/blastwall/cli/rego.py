"""What the commands show of the Rego layers: `explain` (which layer decided what, and which rule
definitions held), `policy input` (the input document) and `policy test` (Rego `test_` rules)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rich.markup import escape

from blastwall.cli.output import STYLE


def layer_lines(answers: tuple[Any, ...]) -> list[str]:
    """Rich-markup lines for `blastwall explain`, one block per Rego layer."""
    lines: list[str] = []
    for a in answers:
        head = f"  [bold]{escape(a.label)}[/bold] [dim]({a.mode}, {a.elapsed_ms:.2f} ms)[/dim]"
        if a.problem:
            lines.append(f"{head}: [red]could not decide[/red]: {escape(a.problem)}")
            continue
        decision = a.answer.decision
        said = f"[{STYLE[decision]}]{decision.value}[/] by rule {escape(a.answer.rule)}" if decision else \
            "no decision (data.blastwall.decision is undefined)"
        extra = f", {a.answer.approvers} approvers" if a.answer.approvers else ""
        lines.append(f"{head}: {said}{extra}")
        for r in a.answer.reasons:
            lines.append(f"    - {escape(r)}")
        if a.fired:
            lines.append(f"    rules that held: {escape('; '.join(_short(w) for w in a.fired))}")
        if a.decision_id:
            lines.append(f"    OPA decision id {escape(a.decision_id)}")
    return lines


def layers_json(answers: tuple[Any, ...]) -> list[dict[str, Any]]:
    return [{
        "layer": a.label, "kind": a.kind, "mode": a.mode,
        "decision": a.answer.decision.value if a.answer.decision else None,
        "rule": a.answer.rule, "reasons": list(a.answer.reasons), "approvers": a.answer.approvers,
        "rules_held": list(a.fired), "decision_id": a.decision_id, "problem": a.problem or None,
        "elapsed_ms": a.elapsed_ms,
    } for a in answers]


def _short(where: str) -> str:
    """`deny at /abs/path/policy.rego:12` with the path relative to here when it is below."""
    name, _, path = where.partition(" at ")
    try:
        rel = os.path.relpath(path)
    except ValueError:
        rel = path
    return f"{name} at {rel if not rel.startswith('..') else path}"


def rego_sets(paths: list[Path], policy: Any) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """The Rego file sets `policy test` runs: each named file or folder (every *.rego below), or,
    when none is named, each Rego layer of the policy (its files and data). (label, files, data)."""
    out: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
    for p in paths:
        if p.is_dir():
            files = tuple(sorted(str(f) for f in p.rglob("*.rego") if f.is_file()))
            out.append((str(p), files, ()))
        else:
            out.append((str(p), (str(p),), ()))
    if paths:
        return out
    from blastwall.policy.rego_config import RegoLayer, layers

    for layer in layers(policy):
        if isinstance(layer, RegoLayer):
            folders = {os.path.dirname(f) for f in layer.files}
            tests = {str(t) for d in folders for t in Path(d).glob("*_test.rego")}  # tests beside the policy
            out.append((layer.label, tuple(sorted(set(layer.files) | tests)), layer.data))
    return out
