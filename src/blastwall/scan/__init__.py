"""`blastwall scan`: the analysis of files that run later, over a repository or a change.

    result = scan_repo("/repo")                      # every file that runs later, as it is now
    result = scan_repo("/repo", base="origin/main")  # what the change since origin/main adds
    result.findings -> [ScanFinding(path="migrations/0002.sql", line=3, decision=ASK, finding=...)]

Each file whose kind runs later (`analyze/later/`) is read and judged like a write of it: with a
base, against its text at the base (a step that was there already is not new, a Terraform
block that the change deletes is a finding); without one, against nothing (every step counts).
The policy decides each finding as it would for an agent's write; what it allows is not
reported. A file that cannot be read, or a base git does not know, is an error (`ScanError`),
never a clean result.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from blastwall.analyze.base import AnalysisError, Scope
from blastwall.model import Decision, Finding
from blastwall.scan.files import Candidate, ScanError, changed_files, repo_files

__all__ = ["ScanError", "ScanFinding", "ScanResult", "scan_repo"]


class ScanFinding(NamedTuple):
    path: str  # relative to the scanned root, forward slashes
    line: int
    decision: Decision
    kind: str  # the file kind ("github-actions", "sql-migration", ...)
    finding: Finding

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "decision": self.decision.value, "kind": self.kind,
                **self.finding.to_dict()}


class ScanResult(NamedTuple):
    root: str
    files: int  # files that run later and were read
    findings: list[ScanFinding]


def scan_repo(root: str, *, base: str | None = None, paths: list[str] | None = None, policy: Any = None) -> ScanResult:
    """Findings in the files under `root` (or only `paths`) that run later; with `base`, only
    the files changed since the merge base with `base`, judged as a diff."""
    root = os.path.abspath(root)
    if not os.path.isdir(root):
        raise ScanError(f"{root} is not a folder")
    candidates = changed_files(root, base, paths) if base else repo_files(root, paths)
    if policy is None:
        from blastwall.policy.load import load_policy

        policy = load_policy(root)
    out: list[ScanFinding] = []
    files = 0
    for cand in candidates:
        found = _scan_one(root, cand, policy)
        if found is None:
            continue
        files += 1
        out.extend(found)
    out.sort(key=lambda s: (s.path, s.line, -s.finding.severity))
    return ScanResult(root, files, out)


def _scan_one(root: str, cand: Candidate, policy: Any) -> list[ScanFinding] | None:
    """The reported findings of one file; None when the file does not run later."""
    from blastwall.analyze.later.change import located_change, worded
    from blastwall.analyze.later.kinds import kind_of

    sample = cand.after if cand.after is not None else cand.before or ""
    kind = kind_of(cand.path, sample)
    if kind is None:
        return None
    if cand.too_large:
        return [_large(cand, kind.name, policy)]
    scope = Scope.start(cwd=root, read_files=True, probe=False)  # steps never look at this machine (later/)
    try:
        _, located = located_change(cand.path, cand.before, cand.after, scope)
    except (AnalysisError, RecursionError, ValueError) as exc:  # fail closed: reported, never a clean file
        from blastwall.analyze.later.kinds import rule_finding

        why = str(exc) if isinstance(exc, AnalysisError) else type(exc).__name__
        f = rule_finding("later.file:unanalyzed", f"{cand.path} ({why})")
        return [ScanFinding(cand.path, 1, Decision.ASK, kind.name, f)]
    out = []
    for loc in located:
        f = worded(loc, kind, cand.path)
        decision, _ = policy.decide(f, surface="file_write")
        if decision is not Decision.ALLOW:
            out.append(ScanFinding(cand.path, loc.line, decision, kind.name, f))
    return out


def _large(cand: Candidate, kind: str, policy: Any) -> ScanFinding:
    from blastwall.analyze.later.kinds import rule_finding

    f = rule_finding("later.file:too-large", cand.path)
    return ScanFinding(cand.path, 1, policy.decide(f, surface="file_write")[0], kind, f)
