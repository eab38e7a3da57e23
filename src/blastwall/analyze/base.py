"""What every analyzer shares: the scope an analysis runs in and the finding helpers.

Analyzers are pure functions `text/payload + Scope -> list[Finding]`. They may call each other
(a shell command that runs SQL hands the SQL to the SQL analyzer) through `Scope.deeper()`,
which bounds recursion. Anything an analyzer cannot resolve is a finding, never a pass.
"""

from __future__ import annotations

import os
import time
from typing import NamedTuple

from blastwall.model import Effect, Finding, Severity

MAX_DEPTH = 8
MAX_INPUT = 256 * 1024  # bytes of text an analyzer will look at; more is itself a finding
DEFAULT_BUDGET_S = 2.0


class AnalysisError(Exception):
    """Raised when an analyzer gives up; the engine turns it into a degraded `ask`."""


class Scope(NamedTuple):
    """Where and how deep an analysis runs.

    `cwd` lets analyzers resolve relative paths and read scripts/SQL files the action names
    (`read_files`); `origin` says how the text reached this analyzer ("psql -c", "ssh prod-1");
    `secrets_list` is where `blastwall secrets scan` keeps the files it found credentials in.
    """

    cwd: str | None = None
    depth: int = 0
    read_files: bool = True
    origin: str = ""
    environment: str | None = None
    shell_dir: str | None = None  # where a `cd` earlier on the command line moved to
    deadline: float = 0.0  # time.monotonic() after which analysis gives up; 0 = start of first deeper()
    secrets_list: str = ""  # the secret scanner's list of secret-bearing files ("" = its default place)
    sourced: tuple[str, ...] = ()  # secret files `source`d earlier on the command line (their values are set)
    probe: bool = True  # may ask a program (git) about the working directory; off in `check --batch` without --probe
    earlier: tuple[tuple[object, str | None], ...] = ()  # (command, shell_dir) run before on this line: files they wrote
    traced: bool = False  # the shell prints what it runs (`set -x`, `set -v`, `bash -x`): a sourced file's lines too
    mounts: tuple[tuple[str, str], ...] = ()  # (path in a container, path here) a container command sees (`-v $PWD:/w`)
    stdin: object = None  # the command whose stdin code given to a shell inherits (`... | sh -c 'sh'`, `... | ssh h sh`)
    stops_on_error: bool = True  # a failed SQL statement ends the script (False: `psql -f` without ON_ERROR_STOP)
    env: tuple[tuple[str, object], ...] = ()  # the environment a shell given code runs with (`export X=1; bash -c CODE`)

    def deeper(self, origin: str = "", **changes: object) -> Scope:
        if self.depth + 1 > MAX_DEPTH:
            raise AnalysisError(f"nesting deeper than {MAX_DEPTH} levels")
        now = time.monotonic()
        deadline = self.deadline or now + DEFAULT_BUDGET_S
        if now > deadline:
            raise AnalysisError("analysis ran out of its time budget")
        joined = f"{self.origin} > {origin}" if self.origin and origin else (origin or self.origin)
        return self._replace(depth=self.depth + 1, origin=joined, deadline=deadline, **changes)  # type: ignore[arg-type]

    @classmethod
    def start(cls, **fields: object) -> Scope:
        """A top-level scope whose time budget starts now."""
        return cls(deadline=time.monotonic() + DEFAULT_BUDGET_S, **fields)  # type: ignore[arg-type]


def on_this_machine(path: str, scope: Scope, *, in_shell_dir: bool = False) -> str | None:
    """`path` as a path on this machine (`~` expanded, a relative one joined to the working
    directory, or to where an earlier `cd` on the line moved with `in_shell_dir`); None when files
    may not be read or a relative path has no directory to start from."""
    if not scope.read_files:
        return None
    full = os.path.expanduser(path)
    if os.path.isabs(full):
        return full
    base = (scope.shell_dir or scope.cwd) if in_shell_dir else scope.cwd
    return os.path.join(base, full) if base else None


def unknown(rule_id: str, reason: str, source: str = "", severity: Severity = Severity.MEDIUM) -> Finding:
    """A finding for something the analyzer could not resolve (fail closed)."""
    return Finding(
        rule_id=rule_id,
        effect=Effect.UNKNOWN_CODE,
        severity=severity,
        reason=reason,
        source=source[:200],
        confidence=0.5,
    )


def dedupe(findings: list[Finding]) -> list[Finding]:
    """Findings in order, each (rule, target, reason, source) once. Two commands doing the same
    thing stay two findings: where each one acts may differ (`dropdb app_test; dropdb -h db
    app_test`), and each is placed on its own (environment/)."""
    seen: set[tuple[str, str, str, str]] = set()
    out: list[Finding] = []
    for f in findings:
        key = (f.rule_id, f.target, f.reason, f.source)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
