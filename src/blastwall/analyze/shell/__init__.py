"""The shell analyzer: parse with tree-sitter-bash, resolve what runs, match rule tables.

    analyze_command("sudo rm -rf /", Scope())  ->  [Finding(rule_id="shell.fs:rm", ...)]

Anything it cannot resolve (a parse error, a command named by a variable, code piped from
the network) is a finding, never a pass.
"""

from __future__ import annotations

from blastwall.analyze.base import Scope, unknown
from blastwall.model import Finding


def analyze_command(text: str, scope: Scope) -> list[Finding]:
    from blastwall.analyze.shell.fsops import redirect_findings
    from blastwall.analyze.shell.parse import parse
    from blastwall.analyze.shell.resolve import analyze_simple

    if not text.strip():
        return []
    parsed = parse(text)
    out: list[Finding] = []
    for r in parsed.redirect_only:
        if r.op in (">", ">|", "&>") and r.target is not None:
            out.extend(redirect_findings(r.target, scope, text))
    for cmd in parsed.commands:
        out.extend(analyze_simple(cmd, scope))
    if parsed.errors:
        out.append(unknown("shell.parse:error", f"the command does not fully parse as bash ({parsed.errors[0]}); "
                           "a human must read it", text))
    return _dedupe(out)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, str]] = set()
    out: list[Finding] = []
    for f in findings:
        key = (f.rule_id, f.target, f.reason)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
