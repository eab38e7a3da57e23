"""Reads of credentials by what the file is and what it holds, for the file analyzer.

    known_file("~/.aws/credentials", scope)          -> [Finding("file.read:credential-file", HIGH)]
    content_findings("ops/notes.md", scope)          -> [Finding("file.read:credential", HIGH)]
                                                        (it holds RAILWAY_API_TOKEN=<uuid>; no scan ran)
    tree_findings(".", scope, "grep searches", ...)  -> one finding per file under `.` holding one

Known credential files are rows of data (`[[known]]` of rules/files.toml). Every other file a
read reaches is checked for credentials on the way (secrets/content.py, cached by file version
in blastwall's index), a folder searched recursively through the index (secrets/tree.py). A file
that could not be checked is `file.read:unchecked` (ask), never a pass. All of it needs disk
access (`scope.read_files`); without it, names decide (files.py's rows).

A search (`grep PATTERN`, `rg`, Claude's Grep) only prints the lines its pattern matches and
their context: a file whose credential lines the pattern provably cannot reach is not a read of
the credential (search.py decides, and says "reaches" whenever it is not sure).
"""

from __future__ import annotations

import functools
import os
import posixpath
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from blastwall import rx
from blastwall.analyze import globs
from blastwall.analyze.base import Scope
from blastwall.model import Effect, Finding, Severity

if TYPE_CHECKING:  # pragma: no cover
    from blastwall.analyze.search import Search
    from blastwall.secrets.index import Found

TREE_BUDGET_S = 1.5  # of a recursive read's walk, within the analysis budget
MARGIN_S = 0.25  # left of the analysis budget for everything after the walk
MAX_FINDINGS = 10
REQUIRES_BYTES = 1024 * 1024


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return load_table("files")


def _row(flag: str) -> dict[str, Any]:
    return next(r for r in _table()["rule"] if r.get(flag))


@functools.cache
def _known() -> tuple[tuple[tuple[str, ...], rx.Pattern | None, str], ...]:
    return tuple((tuple(str(g).casefold() for g in k["read_globs"]),
                  rx.compile(k["requires"]) if k.get("requires") else None, str(k["label"]))
                 for k in _table()["known"])


def finding(flag: str, target: str, label: str, verb: str) -> Finding:
    row = _row(flag)
    return Finding(rule_id=str(row["id"]), effect=Effect(row["effect"]), severity=Severity.parse(str(row["severity"])),
                   reason=str(row["reason"]).format(target=target, label=label, verb=verb), target=target,
                   safer=str(row.get("safer", "")), source=target[:200])


_PROC_CWD = rx.compile(r"^/proc/(?:self|thread-self|[0-9]+)(?:/task/[0-9]+)?/cwd(?:/|$)")


@functools.cache
def _files() -> Any:
    """The file analyzer's module (it imports this one on its own import), kept once loaded."""
    from blastwall.analyze import files

    return files


def resolve(path: str, scope: Scope) -> str:
    """`path` as an absolute path on this machine ("" when it cannot be known): `~`, `$HOME`,
    `$PWD` (the folder the command runs in) and relative paths resolved. A relative path of an
    action that does not say where it runs names no file blastwall can look at."""
    raw = path.strip()
    here = scope.shell_dir if scope.shell_dir and scope.shell_dir.startswith("/") else scope.cwd
    for var in ("${PWD}", "$PWD"):
        if here and (raw == var or raw.startswith(var + "/")):
            raw = here.rstrip("/") + raw[len(var):]
    proc = _PROC_CWD.match(raw) if raw.startswith("/proc/") else None  # the pattern's own start, tested first
    if proc and here:  # the reading process's own folder (`/proc/self/cwd/.env`), not blastwall's
        raw = here.rstrip("/") + "/" + raw[proc.end():]
    elif raw.startswith(("/proc/self/root/", "/proc/thread-self/root/")):
        raw = "/" + raw.split("/root/", 1)[1]
    if not here and not raw.startswith(("/", "~", "$HOME", "${HOME}")):
        return ""  # the action does not say where it runs (a batch line without context.cwd)
    return _files().absolute(raw, scope)


# ---- known credential files -----------------------------------------------------------------
def known_file(path: str, scope: Scope, verb: str, variants: list[str] | None = None) -> list[Finding]:
    """`file.read:credential-file` when `path` (or where it points) is a known credential file.
    `variants`: the path's `files._variants`, when the caller has them already."""
    for norm in _files()._variants(path, scope) if variants is None else variants:  # noqa: SLF001
        low = norm.casefold()
        if not _any_hint()(low):
            continue  # no pattern's literal run is in it: none of the tests below can hold
        for patterns, requires, label in _known_hinted():
            # every literal run of a glob is in what it matches: no pattern compiled for the others
            if not any(hint in low and _glob_match(low, g) for hint, g in patterns):
                continue
            if requires is not None and not _holds(path, requires, scope):
                continue
            return [finding("known", path, label, verb)]
    return []


@functools.cache
def _known_hinted() -> tuple[tuple[tuple[tuple[str, str], ...], rx.Pattern | None, str], ...]:
    """`_known()` with each glob beside its longest literal run (`_hint`), worked out once."""
    return tuple((tuple((_hint(g), g) for g in patterns), requires, label) for patterns, requires, label in _known())


@functools.cache
def _any_hint() -> Callable[[str], object]:
    """Whether any known file pattern's literal run (`_hint`) is in a casefolded path, in one pass."""
    hints = {hint for patterns, _, _ in _known_hinted() for hint, _ in patterns}
    if "" in hints:  # a pattern with no literal run: every path may match it
        return lambda low: True
    return rx.compile("|".join(rx.escape(h) for h in sorted(hints))).search


def _glob_match(low: str, g: str) -> bool:
    return globs.match(low, g) or (g.startswith("**/") and globs.match(low, g[3:]))


@functools.lru_cache(maxsize=1024)
def _hint(g: str) -> str:
    """The glob's longest run of literal characters."""
    plain = rx.sub(r"\[[^\]]*\]", "*", g[3:] if g.startswith("**/") else g)  # a [class] is one character
    runs = rx.split(r"[*?\[\]]", plain)
    return max(runs, key=len) if runs else ""


def _holds(path: str, requires: rx.Pattern, scope: Scope) -> bool:
    """True when the file's text matches `requires` (False without disk access or a file)."""
    if not scope.read_files:
        return False
    full = resolve(path, scope)
    if not full:
        return False
    try:
        with open(full, "rb") as f:
            data = f.read(REQUIRES_BYTES)
    except (OSError, ValueError):
        return False
    return requires.search(data.decode("utf-8", "replace")) is not None


# ---- what a file holds ----------------------------------------------------------------------
def content(path: str, scope: Scope) -> tuple[str, Found] | None:
    """(absolute path, what it holds), or None without disk access or a knowable path."""
    if not scope.read_files:
        return None
    full = resolve(path, scope)
    if not full:
        return None
    from blastwall.secrets.content import check

    found = check(full, deadline=_deadline(scope))
    index_ahead(scope)
    return full, found


_AHEAD: set[str] = set()
AHEAD_VAR = "BLASTWALL_INDEX_AHEAD"  # "off": index only what reads reach (the test suite)


def index_ahead(scope: Scope) -> None:
    """The first read from a project starts indexing it whole in the background (once per
    process and project; never for `/` or a home folder itself, nor without permission to start
    processes), so a search of it later is answered from the index."""
    root = scope.cwd
    if not root or not scope.probe or root in _AHEAD or os.environ.get(AHEAD_VAR) == "off":
        return
    _AHEAD.add(root)
    from blastwall.locations import home_dirs

    if root == "/" or root in home_dirs() or not os.path.isdir(root):
        return
    try:
        from blastwall.secrets.index import open_index
        from blastwall.secrets.tree import complete_later

        idx = open_index()
        if idx is not None and idx.walked(root) is None:
            complete_later(root)
    except Exception:  # noqa: BLE001 - indexing ahead is an optimization; reads are checked anyway
        return


def content_findings(path: str, scope: Scope, verb: str, search: Search | None = None) -> list[Finding]:
    """`file.read:credential` when the file holds a credential (and `search`, if given, may print
    it); `file.read:unchecked` when it could not be checked."""
    got = content(path, scope)
    if got is None:
        return []
    full, found = got
    return _findings(path, full, found, verb, search)


def _findings(shown: str, full: str, found: Found, verb: str, search: Search | None) -> list[Finding]:
    from blastwall.secrets.index import HOLDS, UNCHECKED

    if found.state == UNCHECKED:
        return [finding("unchecked", shown, found.why, verb)]
    if found.state != HOLDS or (search is not None and not search.reaches(full, found)):
        return []
    from blastwall.analyze.files import _found_label

    return [finding("content", shown, _found_label(found), verb)]


def _deadline(scope: Scope) -> float:
    now = time.monotonic()
    end = (scope.deadline or now + 2.0) - MARGIN_S
    return min(end, now + TREE_BUDGET_S)


# ---- what a recursive read reaches ----------------------------------------------------------
def tree_findings(folder: str, scope: Scope, verb: str, *, hidden: bool = True, keep: Any = None,
                  follow_links: bool = False, search: Search | None = None) -> list[Finding] | None:
    """A finding per file under `folder` that holds a credential (and, for a search, may print
    it); None without disk access. A walk cut short is finished in the background and asked
    about now. `keep(rel)` says whether the reader reads a file (its include/exclude options)."""
    if not scope.read_files:
        return None
    root = resolve(folder, scope)
    if not root:
        return None
    from blastwall.secrets.tree import complete_later, walk_and_check

    tree = walk_and_check(root, deadline=_deadline(scope), follow_links=follow_links, hidden=hidden)
    prefix = root.rstrip("/") + "/"
    out: list[Finding] = []
    for full, found in tree.holding:
        rel = full[len(prefix):] if full.startswith(prefix) else posixpath.basename(full)
        if keep is not None and not keep(rel):
            continue
        out.extend(_findings(_shown(folder, rel, full == root), full, found, verb, search))
    for full, why in tree.unchecked[:MAX_FINDINGS]:
        rel = full[len(prefix):] if full.startswith(prefix) else posixpath.basename(full)
        if keep is None or keep(rel):
            out.append(finding("unchecked", _shown(folder, rel, full == root), why, verb))
    if not tree.complete:
        running = scope.probe and complete_later(root)
        why = (f"it holds more than blastwall could check in time ({tree.files} files so far); "
               + ("blastwall is indexing it now, retry in a moment" if running else "retry in a moment"))
        out.append(finding("unchecked", folder, why, verb))
    return out[:MAX_FINDINGS]


def _shown(folder: str, rel: str, is_root: bool) -> str:
    if is_root:
        return folder
    return rel if folder in (".", "./") else posixpath.join(folder, rel)

