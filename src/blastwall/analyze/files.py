"""The file analyzer: reads of secret-bearing files, and writes rated by what the file is.

    analyze_read(".env", scope)                      -> [Finding(effect=READ_SECRET, severity=LOW)]
    analyze_read("docs/notes.md", scope)             -> [Finding(rule_id="file.read:scanned", HIGH)]
                                                        (when `blastwall secrets scan` found a token there)
    analyze_write(".claude/settings.json", ..., scope) -> [Finding(effect=MODIFY_GUARD, severity=HIGH)]

Writes to blastwall's own files or to an agent's hook settings are `modify_guard` (an agent may
not edit its guard). A write to a file that runs later (a migration, a CI pipeline, a script)
is also judged by the destructive steps it adds (`analyze/later/`). Other writes take the path's class from `paths.classify` and its
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
from collections.abc import Callable
from typing import Any

from blastwall.analyze import globs
from blastwall.analyze.base import Scope
from blastwall.analyze.credentials import content_findings, known_file
from blastwall.analyze.paths import classify, migration_presumed_new, posix_form
from blastwall.analyze.ruleset import load_table
from blastwall.locations import home_dirs, inside, installation
from blastwall.memo import once
from blastwall.model import Effect, Finding, Severity

__all__ = ["analyze_read", "analyze_write", "guard_findings", "guess_root", "project_root", "scanned_under"]

_OTHER_HOMES = re.compile(r"^(~|\$HOME|\$\{HOME\}|/home/[^/]+|/Users/[^/]+|/root)(?:/|$)")
_CONTENT_KINDS = ("secret", "data", "history")


@functools.cache
def _table() -> dict[str, Any]:
    return load_table("files")


def _rows(field: str) -> list[dict[str, Any]]:
    return [r for r in _table()["rule"] if field in r]


@functools.cache
def _matching_rows(field: str, guard: bool | None) -> tuple[tuple[dict[str, Any], Callable[[str], bool]], ...]:
    """The rows with `field` globs (only those that are (True) or are not (False) blastwall's
    own files, by `guard`), each with one predicate for its globs (`_matches`), built once."""
    return tuple((r, globs.matcher(tuple(r[field]), fold=True, double_star=True)) for r in _rows(field)
                 if guard is None or bool(r.get("guard")) is guard)


@functools.cache
def _any_matching_row(field: str, guard: bool | None) -> Callable[[str], bool]:
    """Whether any of `_matching_rows(field, guard)` matches: one predicate for all their globs."""
    patterns = tuple(g for row, _ in _matching_rows(field, guard) for g in row[field])
    return globs.matcher(patterns, fold=True, double_star=True)


def _home_end(path: str, homes: tuple[str, ...] | None = None) -> int:
    """Where the home folder ends in `path` (0 when it is not in one): `~`, `$HOME`, the folder
    `$HOME` and the passwd entry name (also with symlinks resolved), and other users' homes.
    `homes`: `home_dirs()`, when the caller has it."""
    for home in home_dirs() if homes is None else homes:
        if path == home or path.startswith(home + "/"):
            return len(home)
    m = _OTHER_HOMES.match(path)
    return m.end(1) if m else 0


def normalize(path: str, cwd: str | None) -> str:
    """A comparable form: home folders as `~`, relative paths joined to `cwd`, `..` resolved."""
    return _normalized(path, cwd, home_dirs())


@functools.lru_cache(maxsize=4096)
def _normalized(path: str, cwd: str | None, homes: tuple[str, ...]) -> str:
    """`normalize` for the home folders `homes` (a pure function of its arguments: remembered)."""
    raw = posix_form(path.strip()).replace("\\", "/")
    end = _home_end(raw, homes)
    if end:
        rest = raw[end:]
        return "~" + (posixpath.normpath(rest) if rest.strip("/") else "")
    if not raw.startswith("/") and cwd:
        raw = posixpath.join(cwd, raw)
    norm = posixpath.normpath(raw) if raw else raw
    if not norm.startswith(("/", "~")):
        norm = "/" + norm if norm not in (".", "") else "/"
    end = _home_end(norm, homes)
    return "~" + norm[end:] if end else norm


def _matches(norm: str, patterns: list[str]) -> bool:
    """`norm` matches one of `patterns`, case-insensitively; `**/X` also matches X at the top."""
    return globs.matcher(tuple(patterns), fold=True, double_star=True)(norm.casefold())


def _variants(path: str, scope: Scope) -> list[str]:
    """The normalized path, plus where it really points when it is a symlink on this machine."""
    norm = normalize(path, scope.cwd)
    out = [norm]
    if scope.read_files:
        try:
            real = real_path(os.path.expanduser(norm))
            if real and normalize(real, None) != norm:
                out.append(normalize(real, None))
        except (OSError, ValueError):
            pass
    return out


def real_path(path: str) -> str:
    """`os.path.realpath(path)`, asked of the file system once per check (blastwall.memo: the
    analyzers of one check look up the same paths)."""
    return once(("os.path.realpath", path), lambda: os.path.realpath(path))


def _finding(row: dict[str, Any], target: str, *, severity: Severity | None = None, label: str = "",
             verb: str = "reads") -> Finding:
    return Finding(
        rule_id=str(row["id"]),
        effect=Effect(row["effect"]),
        severity=severity if severity is not None else Severity.parse(str(row["severity"])),
        reason=str(row["reason"]).format(target=target, label=label, verb=verb),
        target=target,
        reversible=bool(row.get("reversible", False)),
        safer=str(row.get("safer", "")),
        source=target[:200],
    )


def analyze_read(path: str, scope: Scope, *, verb: str = "reads") -> list[Finding]:
    """A read of a secret-bearing file is `read_secret`: of blastwall's own keys, credentials and
    store (CRITICAL), of a file the secret scanner listed, a known credential file or a file
    whose content holds a credential (HIGH, credentials.py), or of a file whose name says it
    holds secrets (LOW). A file that could not be checked is `unverified` (ask). The policy
    decides ([secrets] in policy/defaults.toml). `verb` says how the file is read, for the
    reason ("cat prints")."""
    if not str(path or "").strip():
        return []
    variants = _variants(path, scope)
    guarded = _first_row_of(variants, path, "read_globs", guard=True, verb=verb)
    if guarded:
        return guarded
    listed = scanned_entry(path, scope)
    if listed is not None:
        return [_finding(_scanned_row(), path, label=_found_label(listed), verb=verb)]
    if ".git" in path and scope.read_files:  # git's object store: every committed blob, compressed
        from blastwall.analyze.gitreads import objects_findings

        held = objects_findings(path, scope, verb)
        if held:
            return held
    base = posixpath.basename(normalize(path, scope.cwd)).casefold()
    if _not_secret_name()(base):
        return content_findings(path, scope, verb)
    return (known_file(path, scope, verb, variants) or content_findings(path, scope, verb)
            or _first_row_of(variants, path, "read_globs", guard=False, verb=verb))


@functools.cache
def _not_secret_name() -> Callable[[str], bool]:
    """Whether a casefolded base name matches one of `[read] not_globs` (casefolded)."""
    return globs.matcher(tuple(str(g).casefold() for g in _table()["read"]["not_globs"]))


def _scanned_row() -> dict[str, Any]:
    return next(r for r in _table()["rule"] if r.get("scanned"))


def _base(scope: Scope) -> str | None:
    """The folder relative paths start from: the working directory, or this process's when
    blastwall may look at the machine and the action did not say."""
    if scope.cwd:
        return scope.cwd
    if scope.read_files:
        try:
            return os.getcwd()
        except OSError:
            return None
    return None


@functools.lru_cache(maxsize=4)
def _listed(where: str, stamp: object) -> dict[str, Any]:
    from blastwall.secrets import found

    return {normalize(p, None): e for p, e in found.entries(where or None).items()}


def listed_files(scope: Scope) -> dict[str, Any]:
    """The scanner's list, keyed by normalized path (`~/...` for home folders); looked up once
    per check (blastwall.memo: every read of a check asks for it)."""
    return once(("secrets.listed", scope.secrets_list), lambda: _listed_files(scope.secrets_list))


def _listed_files(secrets_list: str) -> dict[str, Any]:
    where = _found().list_path(secrets_list or None)
    try:
        st = os.stat(where)
    except (OSError, ValueError):
        return {}
    return _listed(secrets_list, (where, st.st_mtime, st.st_size))


@functools.cache
def _found() -> Any:
    """blastwall.secrets.found (the scanner's list), imported on the first read and kept."""
    from blastwall.secrets import found

    return found


def scanned_entry(path: str, scope: Scope) -> Any:
    """The scanner's entry for `path` (or for where it really points), or None."""
    listed = listed_files(scope)
    if not listed:
        return None
    base = _base(scope)
    for norm in _variants(path, scope._replace(cwd=base)):
        if norm in listed:
            return listed[norm]
    return None


def scanned_under(folder: str, scope: Scope, *, hidden: bool = True) -> list[str]:
    """Listed files inside `folder` (a recursive search, an archive of it), as normalized paths;
    without `hidden`, those under a dot-folder or named with a dot are left out (`rg` skips them)."""
    listed = listed_files(scope)
    if not listed:
        return []
    root = normalize(folder, _base(scope))
    prefix = root.rstrip("/") + "/"
    out = []
    for norm in listed:
        if norm == root or norm.startswith(prefix):
            rest = norm[len(prefix):] if norm.startswith(prefix) else posixpath.basename(norm)
            if hidden or not any(part.startswith(".") for part in rest.split("/")):
                out.append(norm)
    return sorted(out)


def _article(name: str) -> str:
    return ("an " if name[:1].lower() in "aeiou" else "a ") + name


def _found_label(entry: Any) -> str:
    from blastwall.analyze.ruleset import load_table

    names = {str(r["id"]): str(r["name"]) for r in load_table("secret_formats")["format"]}
    kinds = sorted({_article(names[f]) if f in names else "a credential" for f in entry.formats}) or ["a credential"]
    lines = ", ".join(str(n) for n in entry.lines[:5])
    where = f" (line {lines})" if len(entry.lines) == 1 else f" (lines {lines})" if lines else ""
    return " and ".join(kinds) + where


def guard_findings(path: str, scope: Scope, *, removes: bool = False) -> list[Finding]:
    """`modify_guard` when `path` is blastwall's own file, its installation, code Python or git
    runs by itself, or an agent's hook settings (any door that writes, deletes or moves a path
    asks this). `removes`: the path goes away with all it holds (rm -r, mv of its source), so a
    folder holding blastwall's installation counts too."""
    if not str(path or "").strip():
        return []
    return _first_row(path, scope, "globs") or _installation_findings(path, scope, removes=removes)


def absolute(path: str, scope: Scope) -> str:
    """`path` as an absolute, normalized path: `~` and `$HOME` from the environment, relative
    paths from the working directory; "" when it cannot be known."""
    raw = posix_form(path.strip()).replace("\\", "/")
    for var in ("${HOME}", "$HOME"):
        if raw == var or raw.startswith(var + "/"):
            raw = "~" + raw[len(var):]
    if raw == "~" or raw.startswith("~/"):
        homes = home_dirs()
        if not homes:
            return ""
        raw = (os.environ.get("HOME") or homes[-1]).rstrip("/") + raw[1:]
    if not raw.startswith("/"):
        base = _base(scope)
        if not base or "$" in raw or raw.startswith("~"):
            return ""
        raw = posixpath.join(base, raw)
    return posixpath.normpath(raw)


def _installation_findings(path: str, scope: Scope, *, removes: bool) -> list[Finding]:
    if scope.cwd is None and not posix_form(path.strip()).startswith(("/", "~", "$HOME", "${HOME}")):
        return []  # a relative path with no working directory (a batch line) is nobody's folder here
    full = absolute(path, scope)
    if not full:
        return []
    candidates = [full]
    if scope.read_files:
        try:
            real = real_path(full)
        except (OSError, ValueError):
            real = full
        if real != full:
            candidates.append(real)
    places = installation()
    roots, prefixes = _installation_index(places)
    for candidate in candidates:
        if not removes and candidate not in roots and not candidate.startswith(prefixes):
            continue  # inside none of them (what `inside` below would find, in one C call)
        for root, label in places:
            if inside(candidate, root) or (removes and inside(root, candidate)):
                return [_finding(_by_id("file.write:blastwall-install"), path, label=label)]
    return []


@functools.lru_cache(maxsize=4)
def _installation_index(places: tuple[tuple[str, str], ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The places of `installation()` as a set and as folder prefixes (`root/`)."""
    return frozenset(root for root, _ in places), tuple(root.rstrip("/") + "/" for root, _ in places)


def _first_row(path: str, scope: Scope, field: str, *, guard: bool | None = None, verb: str = "reads") -> list[Finding]:
    """The finding of the first row whose `field` globs match the path (or where it points);
    `guard` keeps only the rows that are (True) or are not (False) blastwall's own files."""
    return _first_row_of(_variants(path, scope), path, field, guard=guard, verb=verb)


def _first_row_of(variants: list[str], path: str, field: str, *, guard: bool | None = None,
                  verb: str = "reads") -> list[Finding]:
    """`_first_row` over the path's `_variants`, computed once by the caller."""
    rows = _matching_rows(field, guard)
    any_row = _any_matching_row(field, guard)
    for norm in variants:
        folded = norm.casefold()
        if not any_row(folded):  # most paths match no row: one test instead of one per row
            continue
        for row, test in rows:
            if test(folded):
                return [_finding(row, path, verb=verb)]
    return []


def analyze_write(path: str, content: object, scope: Scope, *, edits: object = None, deleted: bool = False,
                  append: bool = False, may_create: bool = True, partial: bool = False,
                  known_new: bool = False) -> list[Finding]:
    """A write rated by what the path is, plus, for a file that runs later (a migration, a CI
    pipeline, a script: `analyze/later/`), the destructive steps the write adds to it.
    `may_create`: the tool makes the file when it is missing (a write, not an edit of a file
    that must be there). `known_new`: the caller saw on this machine that the file is not there
    and its folder is (`new_here`): a creation, where the place allows one (`creatable`)."""
    if not str(path or "").strip():
        return []
    guarded = guard_findings(path, scope)
    if guarded:
        return guarded
    return _path_findings(path, scope, may_create=may_create and edits is None, known_new=known_new,
                          append=append and edits is None, edit=_targeted(edits)) + _later_findings(
        path, content, scope, edits=edits, deleted=deleted, append=append, partial=partial) + (
        shown_by_edit(path, scope) if edits is not None else [])


_OLD_TEXT_KEYS = ("old", "oldText", "old_text", "old_string", "oldString", "old_str")


def _targeted(edits: object) -> bool:
    """Replacements that each name the text they replace (`[{"old": "## Setup", "new": ...}]`)."""
    return isinstance(edits, list) and bool(edits) and all(
        isinstance(e, dict) and any(isinstance(e.get(k), str) and e[k] for k in _OLD_TEXT_KEYS) for e in edits)


def shown_by_edit(path: str, scope: Scope) -> list[Finding]:
    """An edit tool answers with the lines around its change (Claude Code's Edit, MCP
    `edit_file`'s diff): an edit of a file holding a credential shows it."""
    from blastwall.analyze.credentials import content_findings

    return [f for f in content_findings(path, scope, "the edit shows the lines around its change in")
            if f.rule_id != "file.read:unchecked"]


def _later_findings(path: str, content: object, scope: Scope, *, edits: object, deleted: bool,
                    append: bool, partial: bool) -> list[Finding]:
    from blastwall.analyze.later.written import written_findings

    return written_findings(path, content, scope, edits=edits, deleted=deleted, append=append, partial=partial)


def _path_findings(path: str, scope: Scope, *, may_create: bool = True, known_new: bool = False,
                   append: bool = False, edit: bool = False) -> list[Finding]:
    """`append`: the write adds to the end of the file; in a place where a new file would be a
    creation (`creatable`: not hidden home folders, not system folders) it loses nothing. `edit`:
    a targeted edit (search and replace), whose loss is the old text the call itself holds."""
    root = project_root(scope)
    seen = path if root == scope.cwd or path.startswith(("/", "~", "$")) else posixpath.join(scope.cwd or "", path)
    pc = classify(seen, root or guess_root(path, home=True, edit=edit))._replace(path=path)
    if known_new and may_create and creatable(pc):
        return [_finding(_by_id("file.write:new-file"), path, label=pc.label)]
    if append and creatable(pc) and pc.kind not in ("secret", "history"):
        return [_finding(_by_id("file.write:append"), path, label=pc.label)]
    row = _kind_row(pc.kind)
    severity = pc.severity("overwrite")
    if pc.kind in _CONTENT_KINDS:
        there = _existence(path, scope, root)
        if there is False:
            return [_finding(_by_id("file.write:new-file"), path, label=pc.label)]
        if there is None and may_create and pc.kind == "history" and migration_presumed_new(path):
            return [_finding(_by_id("file.write:new-migration"), path, label=pc.label)]
    return [_finding(row, path, severity=max(severity, Severity.parse(row["severity"])) if pc.kind in _CONTENT_KINDS
                     else severity, label=pc.label)]


# Places where a file proven new is a creation, not an overwrite: the project and ordinary home
# folders. Hidden home folders (shell start-up files, ~/.ssh, ~/.config autostart and units) and
# system folders hold configuration that runs later: a new file there still asks.
_CREATABLE = frozenset({"project", "project_glob", "tracked", "regenerable", "temp", "home", "data", "secret", "history"})


def creatable(pc: Any) -> bool:
    """A new file at `pc` (a PathClass) destroys nothing and plants nothing that runs by itself."""
    if pc.kind not in _CREATABLE:
        return False
    parts = [p for p in posix_form(pc.path.strip()).replace("\\", "/").split("/") if p not in ("", ".", "..")]
    return pc.kind != "home" or not any(p.startswith(".") for p in parts)


def new_here(path: str, scope: Scope) -> bool:
    """`path` provably names no file yet on this machine: its folder is here and it is not. A path
    of another machine (Windows), with a variable, or relative without a working directory cannot
    be told."""
    raw = path.strip()
    if not scope.read_files or not raw or posix_form(raw) != raw or "$" in raw or "`" in raw:
        return False
    raw = os.path.expanduser(raw)
    full = raw if raw.startswith("/") else os.path.join(scope.cwd, raw) if scope.cwd else ""
    if not full:
        return False
    full = os.path.normpath(full)
    try:
        return not os.path.lexists(full) and os.path.isdir(os.path.dirname(full))
    except (OSError, ValueError):
        return False


def project_root(scope: Scope) -> str | None:
    """The project a working directory belongs to: the git work tree that holds it (found by
    looking for `.git` in it and its parents), else the working directory itself."""
    cwd = scope.cwd
    if not cwd or not scope.read_files:
        return cwd
    folder = posixpath.normpath(cwd)
    try:
        while True:
            if os.path.lexists(posixpath.join(folder, ".git")):
                return folder if folder != "/" else cwd
            parent = posixpath.dirname(folder)
            if parent == folder:
                return cwd
            folder = parent
    except (OSError, ValueError):
        return cwd


def guess_root(path: str, *, home: bool = False, edit: bool = False) -> str | None:
    """Without a working directory, an absolute path under a top-level folder that is not a
    system, home or temp folder (`/workspace/app/...`, `/srv`-less container roots) is taken
    to be inside a project rooted at that folder; with `home` (a write, never a delete), under a
    home folder, a path with a project's shape (`_home_project`; `edit`: a targeted edit). A
    Windows path is read as the POSIX path it is classified as (`C:\\Users\\dev\\source\\repos\\x` ->
    `/Users/dev/source/repos/x`); only one under a user's folder: another Windows folder
    (`C:\\Windows\\...`, `D:\\data\\...`) is no project's shape."""
    if path[1:2] == ":":
        from blastwall.analyze.paths import posix_form

        path = posix_form(path)
        if not path.startswith("/Users/"):
            return None
    parts = [p for p in path.strip().split("/") if p]
    if not path.strip().startswith("/") or len(parts) < 2:
        return None
    home_folder = re.match(r"^(/home/[^/]+|/Users/[^/]+|/root)/", path.strip())
    if home_folder:
        if not home:
            return None
        return _home_project(path.strip(), home_folder.group(1),
                             [p for p in path.strip()[home_folder.end():].split("/") if p], edit=edit)
    top = "/" + parts[0]
    probe = classify(top + "/x", None)
    return top if probe.kind == "system" and top not in _system_tops() else None


def _home_project(path: str, home: str, below: list[str], *, edit: bool = False) -> str | None:
    """The project a file under a home folder is in, when its path has a project's shape
    (rules/paths.toml `[project_shape]`): `/home/dev/acme/api/src/app.ts` -> `/home/dev/acme/api`.
    A targeted edit (search and replace: the old text is in the call, so undoing it is
    another edit) of source or a document in any folder below home is a project edit too:
    `/home/dev/acme-api/README.md` -> `/home/dev/acme-api`."""
    shape = load_table("paths")["project_shape"]
    if len(below) < (2 if edit else 3) or any(p.startswith(".") or p in ("..", "*") or "$" in p for p in below) or \
            below[0] in shape["personal"]:
        return None
    ext = below[-1].rsplit(".", 1)[1].lower() if "." in below[-1] else ""
    folders = set(shape["folders"])
    text_here = ext in shape["text"] and (edit or below[0] in shape["tops"] or
                                          any(p in folders for p in below[1:-1]))
    if ext not in shape["code"] and not text_here:
        return None
    return posixpath.join(home, *below[:min(2, len(below) - 1)])


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


def _existence(path: str, scope: Scope, root: str | None) -> bool | None:
    """Whether the file is there now: True, False (provably missing: the project it would be in
    exists), or None when that cannot be told here."""
    if not scope.read_files:
        return None
    raw = os.path.expanduser(path)
    full = raw if raw.startswith("/") else os.path.join(scope.cwd, raw) if scope.cwd else ""
    if not full or "$" in full:
        return None
    try:
        if os.path.lexists(full):
            return True
        base = root or scope.cwd or ""
        inside = bool(base) and os.path.normpath(full).startswith(base.rstrip("/") + "/")
        return False if inside and os.path.isdir(base) else None
    except (OSError, ValueError):
        return None
