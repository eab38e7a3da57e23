"""Which files a scan reads, and their texts before and after the change.

A repository's files come from git (tracked and untracked, without ignored ones); a folder git
does not know is walked, skipping dependency and build folders. A change since `base` is git's
list of files that differ between the merge base of `base` and HEAD and the work tree (what a
pull request or a commit adds, uncommitted changes included: pre-commit runs on the staged text).
"""

from __future__ import annotations

import os
import subprocess
from typing import NamedTuple

MAX_FILE = 256 * 1024
GIT_TIMEOUT_S = 60
SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", "dist", "build", ".terraform",
                       "vendor", ".mypy_cache", ".pytest_cache", "target"})


class ScanError(Exception):
    """The scan cannot say what it was asked (no such folder, git failed, unknown base)."""


class Candidate(NamedTuple):
    path: str  # relative to the root, forward slashes
    before: str | None  # the text at the base (None: new file, or no base)
    after: str | None  # the text now ("" when the change deletes the file)
    too_large: bool = False


def _git(root: str, *args: str, check: bool = True) -> bytes:
    try:
        done = subprocess.run(["git", "-C", root, *args], capture_output=True, timeout=GIT_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ScanError(f"git {args[0]} failed ({type(exc).__name__})") from exc
    if check and done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ScanError(f"git {' '.join(args[:2])} failed: {message[-1] if message else done.returncode}")
    return done.stdout


def _in_git(root: str) -> bool:
    try:
        done = subprocess.run(["git", "-C", root, "rev-parse", "--is-inside-work-tree"], capture_output=True,
                              timeout=GIT_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.strip() == b"true"


def _read(root: str, rel: str) -> tuple[str | None, bool]:
    """(text, too large) of a file in the work tree; (None, False) when it is gone or binary."""
    full = os.path.join(root, rel)
    try:
        if os.path.islink(full) or not os.path.isfile(full):
            return None, False
        if os.path.getsize(full) > MAX_FILE:
            return None, True
        with open(full, "rb") as f:
            data = f.read(MAX_FILE)
    except OSError as exc:
        raise ScanError(f"cannot read {rel}: {exc.strerror}") from exc
    if b"\x00" in data[:8192]:
        return None, False
    return data.decode("utf-8", "replace"), False


def _under(rel: str, paths: list[str] | None, root: str) -> bool:
    if not paths:
        return True
    for p in paths:
        want = os.path.relpath(os.path.abspath(p), root).replace(os.sep, "/")
        if want in (".", "") or rel == want or rel.startswith(want.rstrip("/") + "/"):
            return True
    return False


def _listed(root: str) -> list[str]:
    if _in_git(root):
        out = _git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
        return sorted({p for p in out.decode("utf-8", "surrogateescape").split("\0") if p})
    found = []
    for here, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in names:
            found.append(os.path.relpath(os.path.join(here, name), root).replace(os.sep, "/"))
    return sorted(found)


def repo_files(root: str, paths: list[str] | None = None) -> list[Candidate]:
    from blastwall.analyze.later.kinds import kind_of

    out = []
    for rel in _listed(root):
        if not _under(rel, paths, root) or not _may_run_later(rel):
            continue
        text, large = _read(root, rel)
        if text is None and not large:
            continue
        if large or kind_of(rel, text or "") is not None:
            out.append(Candidate(rel, None, text, too_large=large))
    return out


def _may_run_later(rel: str) -> bool:
    """Screen by name before reading: kinds matched by globs alone, and files a sniffed kind may
    be (YAML, and files without an extension or with a shell's, for a #! line)."""
    from blastwall.analyze.later.kinds import kind_of

    if kind_of(rel, "") is not None:
        return True
    base = rel.rsplit("/", 1)[-1]
    return base.endswith((".yaml", ".yml")) or "." not in base


def changed_files(root: str, base: str, paths: list[str] | None = None) -> list[Candidate]:
    if not _in_git(root):
        raise ScanError(f"--diff needs a git repository; {root} is not in one")
    if base == "HEAD" and not _git(root, "rev-parse", "--verify", "--quiet", "HEAD", check=False).strip():
        return repo_files(root, paths)  # the first commit: everything in it is new
    merge_base = _git(root, "merge-base", base, "HEAD", check=False).decode().strip()
    if not merge_base:
        verified = _git(root, "rev-parse", "--verify", "--quiet", base + "^{commit}", check=False).decode().strip()
        if not verified:
            raise ScanError(f"git does not know {base!r} (fetch it first: git fetch origin {base})")
        merge_base = verified
    top = _git(root, "rev-parse", "--show-toplevel").decode().strip()
    raw = _git(root, "diff", "--name-status", "-z", "--no-renames", merge_base, "--", ".")
    parts = raw.decode("utf-8", "surrogateescape").split("\0")
    untracked = _git(root, "ls-files", "-z", "--others", "--exclude-standard").decode("utf-8", "surrogateescape")
    entries = [(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2) if parts[i]]
    entries += [("A", os.path.relpath(os.path.join(root, p), top).replace(os.sep, "/"))
                for p in untracked.split("\0") if p]
    out = []
    for status, top_rel in entries:
        rel = os.path.relpath(os.path.join(top, top_rel), root).replace(os.sep, "/")
        if rel.startswith("../") or not _under(rel, paths, root):
            continue
        before = None if status.startswith("A") else _at(root, merge_base, top_rel)
        if status.startswith("D"):
            after, large = "", False
        else:
            after, large = _read(root, rel)
            if after is None and not large:
                continue
        out.append(Candidate(rel, before, after, too_large=large))
    return out


def _at(root: str, commit: str, top_rel: str) -> str | None:
    data = _git(root, "show", f"{commit}:{top_rel}", check=False)
    if not data or b"\x00" in data[:8192] or len(data) > MAX_FILE:
        return None
    return data.decode("utf-8", "replace")
