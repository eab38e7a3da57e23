"""The file analyzer: reads of secret-bearing files, and writes rated by what the file is.

    analyze_read(".env", scope)                      -> [Finding(effect=READ_SECRET, severity=LOW)]
    analyze_write(".claude/settings.json", ..., scope) -> [Finding(effect=MODIFY_GUARD, severity=HIGH)]

Writes to blastwall's own files or to an agent's hook settings are `modify_guard` (an agent may
not edit its guard). Other writes take the path's class from `paths.classify` and its
`overwrite` rating: applied migrations, secrets, data files and paths outside the project ask;
project files are allowed. A secret, data or history path that provably does not exist yet
(its project folder exists on disk, the file does not) is a new file, not an overwrite.
Rows: `rules/files.toml`.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
from typing import Any

from blastwall.analyze import globs
from blastwall.analyze.base import Scope
from blastwall.analyze.paths import PathClass, classify
from blastwall.analyze.ruleset import load_table
from blastwall.model import Effect, Finding, Severity

__all__ = ["analyze_read", "analyze_write"]

_HOME = re.compile(r"^(?:~|\$HOME|\$\{HOME\}|/home/[^/]+|/Users/[^/]+|/root)(?=/|$)")
_CONTENT_KINDS = ("secret", "data", "history")


@functools.cache
def _table() -> dict[str, Any]:
    return load_table("files")


def _rows(field: str) -> list[dict[str, Any]]:
    return [r for r in _table()["rule"] if field in r]


def normalize(path: str, cwd: str | None) -> str:
    """A comparable form: home folders as `~`, relative paths joined to `cwd`, `..` resolved."""
    raw = path.strip().replace("\\", "/")
    m = _HOME.match(raw)
    if m:
        rest = raw[m.end():]
        return "~" + (posixpath.normpath(rest) if rest.strip("/") else "")
    if not raw.startswith("/") and cwd:
        raw = posixpath.join(cwd, raw)
    norm = posixpath.normpath(raw) if raw else raw
    if not norm.startswith(("/", "~")):
        norm = "/" + norm if norm not in (".", "") else "/"
    home = _HOME.match(norm)
    return "~" + norm[home.end():] if home else norm


def _matches(norm: str, patterns: list[str]) -> bool:
    low = norm.casefold()
    for g in patterns:
        g = g.casefold()
        if globs.match(low, g):
            return True
        if g.startswith("**/") and globs.match(low, g[3:]):
            return True
    return False


def _variants(path: str, scope: Scope) -> list[str]:
    """The normalized path, plus where it really points when it is a symlink on this machine."""
    norm = normalize(path, scope.cwd)
    out = [norm]
    if scope.read_files:
        try:
            real = os.path.realpath(os.path.expanduser(norm))
            if real and normalize(real, None) != norm:
                out.append(normalize(real, None))
        except (OSError, ValueError):
            pass
    return out


def _finding(row: dict[str, Any], target: str, *, severity: Severity | None = None, label: str = "") -> Finding:
    return Finding(
        rule_id=str(row["id"]),
        effect=Effect(row["effect"]),
        severity=severity if severity is not None else Severity.parse(str(row["severity"])),
        reason=str(row["reason"]).format(target=target, label=label),
        target=target,
        reversible=bool(row.get("reversible", False)),
        safer=str(row.get("safer", "")),
        source=target[:200],
    )


def analyze_read(path: str, scope: Scope) -> list[Finding]:
    """A read of a secret-bearing file is `read_secret` (LOW: policy decides whether to refuse it)."""
    if not str(path or "").strip():
        return []
    base = posixpath.basename(normalize(path, scope.cwd)).casefold()
    if any(globs.match(base, g.casefold()) for g in _table()["read"]["not_globs"]):
        return []
    return _first_row(path, scope, "read_globs")


def guard_findings(path: str, scope: Scope) -> list[Finding]:
    """`modify_guard` when `path` is blastwall's own file or an agent's hook settings (any door
    that writes, deletes or moves a path asks this)."""
    if not str(path or "").strip():
        return []
    return _first_row(path, scope, "globs")


def _first_row(path: str, scope: Scope, field: str) -> list[Finding]:
    """The finding of the first row whose `field` globs match the path (or where it points)."""
    for norm in _variants(path, scope):
        for row in _rows(field):
            if _matches(norm, row[field]):
                return [_finding(row, path)]
    return []


def analyze_write(path: str, content: object, scope: Scope) -> list[Finding]:
    """A write rated by what the path is (`content` is not needed to rate it)."""
    if not str(path or "").strip():
        return []
    guarded = guard_findings(path, scope)
    if guarded:
        return guarded
    pc = classify(path, scope.cwd or _guess_root(path))
    row = _kind_row(pc.kind)
    severity = pc.severity("overwrite")
    if pc.kind in _CONTENT_KINDS and _provably_new(path, pc, scope):
        return [_finding(_by_id("file.write:new-file"), path, label=pc.label)]
    return [_finding(row, path, severity=max(severity, Severity.parse(row["severity"])) if pc.kind in _CONTENT_KINDS
                     else severity, label=pc.label)]


def _guess_root(path: str) -> str | None:
    """Without a working directory, an absolute path under a top-level folder that is not a
    system, home or temp folder (`/workspace/app/...`, `/srv`-less container roots) is taken
    to be inside a project rooted at that folder."""
    parts = [p for p in path.strip().split("/") if p]
    if not path.strip().startswith("/") or len(parts) < 2:
        return None
    top = "/" + parts[0]
    probe = classify(top + "/x", None)
    return top if probe.kind == "system" and top not in _system_tops() else None


@functools.cache
def _system_tops() -> frozenset[str]:
    return frozenset(load_table("paths")["system"]["top"]) | frozenset(load_table("paths")["system"]["temp"])


def _kind_row(kind: str) -> dict[str, Any]:
    for row in _rows("kind"):
        kinds = row["kind"] if isinstance(row["kind"], list) else [row["kind"]]
        if kind in kinds:
            return row
    return _by_id("file.write:dynamic")


def _by_id(rule_id: str) -> dict[str, Any]:
    return next(r for r in _table()["rule"] if r["id"] == rule_id)


def _provably_new(path: str, pc: PathClass, scope: Scope) -> bool:
    """The file does not exist, while the project it belongs to does (so nothing is overwritten)."""
    if not scope.read_files:
        return False
    full = os.path.expanduser(path if path.startswith(("/", "~")) or not scope.cwd else os.path.join(scope.cwd, path))
    root = scope.cwd if scope.cwd and full.startswith(scope.cwd.rstrip("/") + "/") else None
    try:
        if os.path.lexists(full):
            return False
        return bool(root) and os.path.isdir(root)  # type: ignore[arg-type]
    except (OSError, ValueError):
        return False
