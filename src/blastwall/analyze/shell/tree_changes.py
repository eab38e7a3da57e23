"""A script or task file as it is when it runs, after earlier commands of the line changed the tree.

    git checkout release && sh deploy.sh   deploy.sh as the branch release holds it (git cat-file)
    git pull && ./x.sh                     what the pull brings cannot be known: x.sh is unknown
    tar xf a.tar -C build/ && sh ok.sh     ok.sh is outside build/: read from disk as usual
    git checkout -b topic && make deploy   a new branch at HEAD: the Makefile stays as it is

`as_run(path, scope)` is None when no earlier command of the line (Scope.earlier) may change the
file, else its text as it will be (`ScriptText.text`) or why it cannot be known (`ScriptText.why`,
naming the earlier command). Which commands change the tree is data (rules/tree_changes.toml):
git subcommands, archive unpackers and patch, other version control systems, copies into a folder
holding the file, downloads saved under the file's name. A git checkout, switch, restore, reset
--hard or stash is replayed on the file's blob ids: git refuses to switch over local changes and
keeps a file whose blob the two revisions share. Git runs read-only (secrets/history.Git: no
hooks, no pager, no fsmonitor), within the check's deadline; it is asked only when probes are on.
A file the earlier command names itself (`curl -o ok.sh URL`) is replayed by scripts.py first.
"""

from __future__ import annotations

import functools
import os
import posixpath
from typing import Any, NamedTuple

from blastwall.analyze.base import Scope
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.analyze.shell.names import program_name

MAX_DEPTH = 3
_UNKNOWN = None
_GLOB = ("*", "?", "[")


class Text(NamedTuple):
    text: str | None
    why: str = ""


class Change(NamedTuple):
    """What one earlier command does to the file: `ref` None is content blastwall cannot know."""

    what: str  # the command as written, for reasons
    ref: str | None = None  # the revision the file comes from; "" the index
    kind: str = "unknown"  # "switch" (a branch checkout), "paths" (files restored), "reset" (tree set to ref),
    # "either" (`git checkout X`: a switch when X is a revision, else the file X from the index), "refs"
    force: bool = False  # a switch that discards local changes
    where: str = ""  # the folder the git command runs in (absolute)


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return load_table("tree_changes")


def as_run(path: str, scope: Scope) -> Text | None:
    """The file at `path` (as the reader names it, after the `cd`s before it) as it is when the
    command runs, or None when no earlier command on the line may change it."""
    if not scope.earlier or not path or "$" in path:
        return None
    base = scope.cwd or os.getcwd()
    full = os.path.normpath(os.path.join(base, os.path.expanduser(path)))
    changes: list[Change] = []
    for cmd, shell_dir in scope.earlier:
        if isinstance(cmd, SimpleCommand):
            here = os.path.normpath(os.path.join(base, os.path.expanduser(shell_dir))) if shell_dir else base
            changes.extend(_changes(*_real_argv(cmd), cmd.source, full, here, 0))
    changes = _in_repository(changes, full, scope)
    if not changes:
        return None
    if len(scope.earlier) >= _max_earlier() - 1:
        return Text(None, "an earlier command on this line may change it (the line has more than blastwall keeps)")
    unknown = next((c for c in changes if c.ref is None), None)
    if unknown is not None:
        return Text(None, f"an earlier command on this line ({_short(unknown.what)}) may change it with content "
                          "blastwall cannot know")
    return _replayed(full, changes, scope)


def read_as_run(path: str, scope: Scope) -> str | None:
    """The text of a file a command runs or applies (a SQL file, a manifest, a playbook) as it is when
    the command runs: at the revision an earlier checkout names, None when an earlier command may
    change it with content blastwall cannot know, else as on disk (stdin.read_file)."""
    from blastwall.analyze.shell.stdin import read_file

    changed = as_run(path, scope) if scope.earlier and scope.read_files else None
    return changed.text if changed is not None else read_file(path, scope)


def _in_repository(changes: list[Change], full: str, scope: Scope) -> list[Change]:
    """The changes that reach the file: a git command changes only its own repository's work tree
    (`git -C ../other pull`), and none when it runs outside a repository (git fails). Without
    probes every git command may reach it."""
    if not (scope.read_files and scope.probe) or not any(c.where for c in changes):
        return changes
    from blastwall.secrets.history import OutOfTime

    real = os.path.realpath(full)
    tops: dict[str, str | None] = {}
    kept: list[Change] = []
    for c in changes:
        if c.where:
            try:
                if c.where not in tops:
                    found = _repo(c.where, scope)
                    tops[c.where] = found.top if found else None
            except OutOfTime:
                tops[c.where] = "/"
            top = tops[c.where]
            if top is None or not _under(real, top):
                continue
            if c.kind == "submodule" and not any(_under(real, os.path.join(top, p)) for p in _submodules(top)):
                continue
        kept.append(c)
    return kept


def _submodules(top: str) -> list[str]:
    """The folders .gitmodules names (`path = lib/x`); `.` (everything) when it cannot be read."""
    from blastwall.analyze.shell.stdin import read_file

    path = os.path.join(top, ".gitmodules")
    if not os.path.exists(path):
        return []
    text = read_file(path, Scope(cwd=top))
    if text is None:
        return ["."]
    return [line.split("=", 1)[1].strip() for line in text.splitlines()
            if line.strip().startswith("path") and "=" in line and line.split("=", 1)[0].strip() == "path"]


def _max_earlier() -> int:
    from blastwall.analyze.shell import MAX_EARLIER

    return MAX_EARLIER


def _short(source: str) -> str:
    one = " ".join(source.split())
    return one if len(one) <= 60 else one[:57] + "..."


def _real_argv(cmd: SimpleCommand) -> tuple[list[Word], bool]:
    """The program's words, its wrappers taken off, and whether a wrapper adds words it reads at run
    time (`echo main | xargs git checkout`)."""
    from blastwall.analyze.shell.wrappers import peel

    argv = list(cmd.argv)
    appended = False
    for _ in range(8):
        peeled = peel(argv) if argv else None
        if peeled is None or not peeled.argv:
            break
        appended = appended or program_name(argv[0].text) in _table()["appenders"]
        argv = list(peeled.argv)
    return argv, appended


def _changes(argv: list[Word], appended: bool, source: str, full: str, here: str, depth: int) -> list[Change]:
    """What the command `argv` may do to the file `full`, run in the folder `here` (`appended`: with
    more words that a wrapper adds at run time)."""
    if not argv:
        return []
    if argv[0].dynamic:
        return [Change(source)]  # a program named at run time
    name = program_name(argv[0].text)
    words = [w.text for w in argv[1:]]
    if appended and _changer(name, words):
        return [Change(source)]
    inner = _inner_code(name, words)
    if inner is not None:
        return _inner_changes(inner, source, full, here, depth)
    if name == "git":
        return _git(argv, source, full, here)
    if name in _table()["unpackers"]:
        return _unpacks(_table()["unpackers"][name], words, source, full, here)
    if name in _table()["vcs"]:
        rest = [w for w in words if not w.startswith("-")]
        return [Change(source)] if any(rest[:len(p)] == p for p in _table()["vcs"][name]) else []
    if name in _table()["copiers"]["programs"]:
        return _copies(name, argv[1:], source, full, here)
    base = posixpath.basename(full)
    for w in words:  # a download saved under its URL's name (`curl -O URL/ok.sh`, `wget URL/ok.sh`)
        if "://" in w and posixpath.basename(w.split("?", 1)[0].split("#", 1)[0].rstrip("/")) == base:
            return [Change(source)]
    return []


def _changer(name: str, words: list[str]) -> bool:
    """A program that may change the tree given other words: git but for its readers, unpackers,
    copies, other version control systems."""
    t = _table()
    if name == "git":
        sub = next((w for w in words if not w.startswith("-")), "")
        return sub not in t["git"]["readers"] or sub in t["git"]["ref_movers"]
    return name in t["unpackers"] or name in t["vcs"] or name in t["copiers"]["programs"]


def _inner_code(name: str, words: list[str]) -> str | None:
    """The code a shell (`bash -c CODE`) or `eval` runs."""
    from blastwall.analyze.shell.handlers import SHELLS

    if name == "eval":
        return " ".join(words)
    if name in SHELLS:
        for i, w in enumerate(words):
            if w.startswith("-") and not w.startswith("--") and "c" in w[1:] and i + 1 < len(words):
                return words[i + 1]
    return None


def _inner_changes(code: str, source: str, full: str, here: str, depth: int) -> list[Change]:
    if depth >= MAX_DEPTH:
        return [Change(source)]
    from blastwall.analyze.shell.parse import parse

    try:
        parsed = parse(code)
    except Exception:  # noqa: BLE001 - code that does not parse may do anything
        return [Change(source)]
    out: list[Change] = []
    for cmd in parsed.commands:
        for c in _changes(*_real_argv(cmd), cmd.source, full, here, depth + 1):
            out.append(c if c.ref is not None else c._replace(what=source))
    return out


def _under(full: str, folder: str) -> bool:
    return full == folder or full.startswith(folder.rstrip("/") + "/")


def _option_values(words: list[str], names: list[str]) -> list[str]:
    """The values of the options `names` (`-C DIR`, `--directory=DIR`, `-oDIR`, `-CDIR`)."""
    out: list[str] = []
    for i, w in enumerate(words):
        for n in names:
            if w == n and i + 1 < len(words):
                out.append(words[i + 1])
            elif n.startswith("--") and w.startswith(n + "="):
                out.append(w[len(n) + 1:])
            elif not n.startswith("--") and w.startswith(n) and len(w) > len(n) and len(n) == 2:
                out.append(w[2:])
    return out


def _unpacks(row: dict[str, Any], words: list[str], source: str, full: str, here: str) -> list[Change]:
    """An archive unpacked (or a patch applied) into its folder: a file below it may change."""
    if any(w in row.get("never", ()) for w in words):
        return []
    letters = str(row.get("letters", ""))
    modes = row.get("modes", ())
    subs = row.get("subcommands", ())
    if letters or modes or subs:
        first = next((w for w in words if not w.startswith("-")), "")
        bundles = [w.lstrip("-") for w in words if not w.startswith("--") and w[:1] == "-"]
        if words and not words[0].startswith("-"):
            bundles.append(words[0])  # tar xzf: the first word is the bundle
        unpacks = any(w in modes for w in words) or (bool(letters) and any(
            c in b for b in bundles for c in letters if b.isalpha())) or first in subs
        if not unpacks:
            return []
    dirs = _option_values(words, list(row.get("dirs", ())))
    if any("$" in d or "`" in d for d in dirs):
        return [Change(source)]
    folders = [os.path.normpath(os.path.join(here, os.path.expanduser(d))) for d in dirs] or [here]
    return [Change(source)] if any(_under(full, f) for f in folders) else []


def _copies(name: str, args: list[Word], source: str, full: str, here: str) -> list[Change]:
    """`cp SRC... DIR`, `mv`, `rsync`: each source lands at DIR/its name; a new DIR is the copy."""
    words = [w for w in args if not w.text.startswith("-")]
    target_dir = _option_values([w.text for w in args], ["-t", "--target-directory"])
    if target_dir:
        dest, sources = target_dir[-1], words
    elif len(words) >= 2:
        dest, sources = words[-1].text, words[:-1]
    else:
        return []
    if name == "rclone":
        sources = sources[1:]  # rclone copy SRC DST: the first word is its subcommand
    if "$" in dest or "`" in dest:
        return [Change(source)] if sources else []
    dest_full = os.path.normpath(os.path.join(here, os.path.expanduser(dest)))
    if not _under(full, dest_full):
        return []
    is_dir = os.path.isdir(dest_full) or dest.endswith("/") or len(sources) > 1 or bool(target_dir)
    if not is_dir:
        return [Change(source)]  # DEST becomes the copy (a new folder: what the source holds)
    contents = name in _table()["copiers"]["contents_with_slash"]
    for s in sources:
        text = s.text
        if s.dynamic or "$" in text or any(g in text for g in _GLOB) or text.endswith(("/.", "/*")) or (
                contents and text.endswith("/")):
            return [Change(source)]  # what lands in DEST itself cannot be named
        landed = os.path.join(dest_full, posixpath.basename(text.rstrip("/")))
        if _under(full, landed):
            return [Change(source)]
    return []


# ---- git -------------------------------------------------------------------------------------------
def _git(argv: list[Word], source: str, full: str, here: str) -> list[Change]:
    words = [w.text for w in argv[1:]]
    i = 0
    where = here
    while i < len(words) and words[i].startswith("-"):
        w = words[i]
        if w in ("-C",) and i + 1 < len(words):
            if argv[i + 2].dynamic or "$" in words[i + 1]:
                return [Change(source)]
            where = os.path.normpath(os.path.join(where, os.path.expanduser(words[i + 1])))
            i += 2
            continue
        if w in ("-c",) and i + 1 < len(words):
            i += 2
            continue
        if w.startswith(("--git-dir", "--work-tree", "--namespace")):
            return [Change(source)]  # another repository or work tree: where it writes is not this one
        i += 1
    if i >= len(words):
        return []
    sub, rest = words[i], words[i + 1:]
    t = _table()["git"]
    if sub in t["readers"]:
        return [Change(source, "", "refs", where=where)] if sub in t["ref_movers"] and _moves_refs(sub, rest) else []
    if sub in t["ref_movers"]:
        return [Change(source, "", "refs", where=where)]
    if sub in ("checkout", "switch"):
        return _checkout(sub, rest, source, full, where)
    if sub == "restore":
        return _restore(rest, source, full, where)
    if sub == "reset":
        hard = "--hard" in rest
        if not hard and not any(w in ("--merge", "--keep") for w in rest):
            return []  # soft, mixed, paths: the index and refs only
        revs = [w for w in rest if not w.startswith("-")]
        if not hard or len(revs) > 1:
            return [Change(source)]
        return [Change(source, revs[0] if revs else "HEAD", "reset", where=where)]
    if sub == "stash":
        verb = next((w for w in rest if not w.startswith("-")), "push")
        if verb in t["stash_readers"]:
            return []
        if verb in t["stash_unknown"] or any(w in ("-u", "--include-untracked", "-a", "--all", "-p", "--patch")
                                             for w in rest):
            return [Change(source)]
        return [Change(source, "HEAD", "reset", where=where)]
    if sub == "apply" and any(w in t["apply_readers"] for w in rest) and "--apply" not in rest:
        return []
    if sub == "submodule":
        return [Change(source, kind="submodule", where=where)]  # only files in a submodule's folder
    return [Change(source, where=where)]


def _moves_refs(sub: str, rest: list[str]) -> bool:
    """`git fetch` and `git remote update` move remote-tracking refs (and local ones with `a:b`);
    `git branch -f`, `git tag -f`, `git update-ref` move the ones named."""
    if sub == "fetch":
        return True
    if sub == "remote":
        return bool(rest) and rest[0] in ("update", "prune", "set-head")
    if sub in ("branch", "tag"):
        return any(w in ("-f", "--force", "-m", "-M", "-c", "-C") or (w.startswith("-") and "f" in w[1:])
                   for w in rest if not w.startswith("--") or w == "--force")
    return True


def _checkout(sub: str, rest: list[str], source: str, full: str, where: str) -> list[Change]:
    t = _table()["git"]
    force = False
    new_branch = False
    positionals: list[str] = []
    paths: list[str] | None = None
    i = 0
    while i < len(rest):
        w = rest[i]
        if w == "--":
            paths = rest[i + 1:]
            break
        if w in t["new_branch"]:
            new_branch = True
            i += 2
            continue
        if w in t["force"]:
            force = True
        elif w in t["value_options"]:
            i += 1
        elif w.startswith("-") and w not in t["plain_options"] and "=" not in w:
            return [Change(source)]  # -m (merge), -p (patch), --ours: content blastwall does not replay
        elif not w.startswith("-"):
            positionals.append(w)
        i += 1
    if sub == "switch" or new_branch or paths is None and len(positionals) <= 1:
        if not positionals:
            return []  # `git checkout -b new`: a new branch at HEAD, the files as they are
        ref = "@{-1}" if positionals[0] == "-" else positionals[0]
        if paths is None and sub == "checkout" and not new_branch and ref != "@{-1}":
            named = bool(_paths("", positionals, source, full, where))
            return [Change(source, ref, "either" if named else "maybe-switch", force, where)]
        return [Change(source, ref, "switch", force, where)]
    ref = positionals[0] if positionals else ""
    return _paths(ref, (paths or []) + positionals[1:] if paths is not None else positionals[1:], source, full, where)


def _restore(rest: list[str], source: str, full: str, where: str) -> list[Change]:
    staged = any(w in ("-S", "--staged") for w in rest)
    worktree = any(w in ("-W", "--worktree") for w in rest)
    if staged and not worktree:
        return []
    src = _option_values(rest, ["-s", "--source"])
    ref = src[-1] if src else ("HEAD" if staged else "")
    skip = {i + 1 for i, w in enumerate(rest) if w in ("-s", "--source")}
    paths = [w for i, w in enumerate(rest) if i not in skip and not w.startswith("-")]
    if any(w.startswith("-") and w not in ("-S", "--staged", "-W", "--worktree", "-q", "--quiet", "--", "--overlay",
                                          "--no-overlay") and not w.startswith(("-s", "--source")) for w in rest):
        return [Change(source)]
    found = _paths(ref, paths, source, full, where)
    return [c._replace(kind="paths" if staged else "restore") if c.ref is not None else c for c in found]


def _paths(ref: str, pathspecs: list[str], source: str, full: str, where: str) -> list[Change]:
    """Files restored from `ref` (the index when ""): only those the pathspecs name change."""
    if not pathspecs:
        return []
    for spec in pathspecs:
        if spec.startswith(":") or "$" in spec:
            return [Change(source)]  # a magic pathspec, a variable: any file
        spec_full = os.path.normpath(os.path.join(where, os.path.expanduser(spec)))
        if _under(full, spec_full) or (any(g in spec for g in _GLOB) and _glob_names(spec_full, full)):
            return [Change(source, ref, "paths", True, where)]
    return []


def _glob_names(pattern: str, full: str) -> bool:
    import fnmatch

    return fnmatch.fnmatch(full, pattern) or fnmatch.fnmatch(full, pattern.rstrip("/") + "/*")


# ---- replaying git's changes on the file's blobs -----------------------------------------------------
class _Repo(NamedTuple):
    git: Any
    top: str
    known: dict[str, tuple[str, str] | None]  # object lookups (`_objects`)


def _replayed(full: str, changes: list[Change], scope: Scope) -> Text | None:
    """The file after the line's checkouts, restores and resets (all of known revisions)."""
    if not (scope.read_files and scope.probe):
        return Text(None, f"an earlier command on this line ({_short(changes[0].what)}) may change it, and blastwall "
                          "does not run git for this check")
    from blastwall.secrets.history import OutOfTime

    try:
        return _replay(full, changes, scope)
    except OutOfTime:
        return Text(None, f"an earlier command on this line ({_short(changes[0].what)}) may change it, and blastwall "
                          "ran out of time asking git how")


def _repo(where: str, scope: Scope) -> _Repo | None:
    """The repository a git command run in `where` works on (its top folder), once per check."""
    from blastwall.memo import once

    return once(("tree_changes.repo", where), lambda: _find_repo(where, scope))


def _find_repo(where: str, scope: Scope) -> _Repo | None:
    from blastwall.analyze.credentials import _deadline as check_deadline
    from blastwall.secrets.history import Git

    git = Git(where, check_deadline(scope))
    top = git.text("rev-parse", "--show-toplevel")
    return _Repo(git, os.path.realpath(top.strip()), {}) if top else None


def _objects(repo: _Repo, specs: list[str]) -> None:
    """Look up `specs` (`REV:path`, `:path`, `REV^{commit}`) in one `git cat-file --batch-check`:
    repo.known[spec] is (id, type), or None when git names no object."""
    wanted = [s for s in dict.fromkeys(specs) if s not in repo.known]
    if not wanted:
        return
    code, out = repo.git.run("cat-file", "--batch-check=%(objectname) %(objecttype)",
                             stdin="".join(f"{s}\n" for s in wanted).encode("utf-8", "surrogateescape"))
    lines = out.decode("utf-8", "replace").splitlines() if code == 0 else []
    for i, spec in enumerate(wanted):
        parts = lines[i].split() if i < len(lines) else []
        repo.known[spec] = (parts[0], parts[1]) if len(parts) == 2 and parts[1] != "missing" else None


def _replay(full: str, changes: list[Change], scope: Scope) -> Text | None:
    moved = False
    repo: _Repo | None = None
    real = os.path.realpath(full)
    steps: list[Change] = []
    for c in changes:
        if c.kind == "refs":
            moved = True
            continue
        here = _repo(c.where, scope)
        if here is None or not _under(real, here.top):
            continue  # not a repository (git fails), or another one than the file's
        if repo is not None and here.top != repo.top:
            return Text(None, f"an earlier command on this line ({_short(c.what)}) may change it")
        repo = here
        if moved and c.ref:
            return Text(None, f"an earlier command on this line ({_short(c.what)}) checks out a revision that a git "
                              "command before it may have moved")
        steps.append(c)
    if repo is None:
        return None
    if _linked(full, repo.top):
        return Text(None, f"an earlier command on this line ({_short(steps[0].what)}) may change it, and it is reached "
                          "through a link the checkout may point elsewhere")
    rel = os.path.relpath(real, repo.top)
    bad = next((c for i, c in enumerate(steps) if c.ref and not _plain_ref(c.ref) or i and _head_relative(c.ref or "")
                and any(s.kind in ("switch", "reset", "either", "maybe-switch") for s in steps[:i])), None)
    if bad is not None or not rel.isprintable():
        bad = bad or steps[0]
        return Text(None, f"an earlier command on this line ({_short(bad.what)}) names a revision blastwall does "
                          "not read here")
    _objects(repo, [f"HEAD:{rel}", f":{rel}", *(f"{c.ref}:{rel}" for c in steps if c.ref),
                    *(f"{c.ref}^{{commit}}" for c in steps if c.ref)])
    return _apply_steps(repo, rel, real, steps)


def _apply_steps(repo: _Repo, rel: str, real: str, steps: list[Change]) -> Text | None:
    """Replay `steps` on the file's blob ids: HEAD's, the index's and the work tree's."""
    current = _blob(repo, f"HEAD:{rel}")  # the blob HEAD holds for the file (as the line moves HEAD)
    index = _blob(repo, f":{rel}")
    content: str | None = "disk"  # the file: "disk", a blob id, or None when it is gone
    source: tuple[str, str] | None = None  # (revision, path) the content was read from, for its mode
    dirty: bool | None = None  # the file differs from HEAD's blob (computed when needed)
    for c in steps:
        blob = _blob(repo, f"{c.ref}:{rel}") if c.ref else index
        if c.kind in ("either", "maybe-switch"):  # `git checkout X`: a branch when X is a revision, else a file
            if _is_rev(repo, c.ref or ""):
                c = c._replace(kind="switch")
            elif c.kind == "maybe-switch":  # no revision here (`git checkout feature` may make it from a remote's)
                return Text(None, f"an earlier command on this line ({_short(c.what)}) checks out a revision this "
                                  "repository does not hold as named")
            else:
                c, blob = c._replace(ref="", kind="paths"), index
        elif c.ref and blob is None and not _is_rev(repo, c.ref):
            return Text(None, f"an earlier command on this line ({_short(c.what)}) names a revision this repository "
                              "does not hold as named")
        if c.kind in ("paths", "restore"):
            if blob is not None:
                content, dirty, source = blob, blob != current, (c.ref, rel)
                index = blob if c.kind == "paths" else index
            continue
        if c.kind == "switch" and not c.force and blob == current:
            continue  # the same blob in both: git keeps the file as it is
        if c.kind == "switch" and not c.force:
            if dirty is None:
                dirty = _dirty(repo, content, _disk_bytes(real), current) or index != current
            if dirty:
                return Text(None, f"an earlier command on this line ({_short(c.what)}) switches over its local "
                                  "changes, which git may refuse or keep")
        if blob is None:
            content = None if current is not None else content  # a tracked file the revision does not hold
        else:
            content, source = blob, (c.ref or "HEAD", rel)
        current, index, dirty = blob, blob, False  # HEAD moves to the revision (a stash leaves it, on the same blob)
    if content == "disk":
        return None
    if content is None:
        return Text(None, f"an earlier command on this line ({_short(steps[-1].what)}) removes it")
    if source is not None and _mode(repo, *source) == "120000":
        return Text(None, f"an earlier command on this line ({_short(steps[-1].what)}) makes it a link")
    data = repo.git.run("cat-file", "blob", content)[1]
    from blastwall.analyze.shell.stdin import MAX_FILE

    if len(data) > MAX_FILE:
        return Text(None, "it is too large to read")
    return Text(data.decode("utf-8", "replace"))


def _head_relative(ref: str) -> bool:
    """A revision named from HEAD or the reflog (`HEAD~1`, `@`, `@{-1}`): after an earlier checkout
    on the line it names another commit than it does now."""
    return ref.startswith("HEAD") or "@" in ref or ref.startswith(("ORIG_HEAD", "FETCH_HEAD", "MERGE_HEAD"))


def _linked(full: str, top: str) -> bool:
    """A folder or the file on the way from the repository's top to `full` is a symbolic link (a
    checkout may change where it points)."""
    p = os.path.normpath(full)
    for _ in range(64):
        if os.path.islink(p) and _under(os.path.realpath(os.path.dirname(p)), top):
            return True
        parent = os.path.dirname(p)
        if parent == p:
            break
        p = parent
    return False


def _mode(repo: _Repo, ref: str, rel: str) -> str:
    """The mode git records for `rel` at `ref` (the index when ""): 120000 for a link."""
    if ref:
        out = repo.git.text("ls-tree", "--full-tree", "--end-of-options", ref, "--", rel) or ""
    else:
        out = repo.git.text("ls-files", "-s", "--", rel) or ""
    return out.split(" ", 1)[0] if out else ""


def _plain_ref(ref: str) -> bool:
    """A revision written as one word git reads only as a revision (no `REV:path`, no option)."""
    return ref.isprintable() and not ref.startswith("-") and not any(c in ref for c in ": \t")


def _is_rev(repo: _Repo, ref: str) -> bool:
    _objects(repo, [ref + "^{commit}"])
    return repo.known.get(ref + "^{commit}") is not None


def _blob(repo: _Repo, spec: str) -> str | None:
    _objects(repo, [spec])
    found = repo.known.get(spec)
    return found[0] if found and found[1] == "blob" else None


def _disk_bytes(path: str) -> bytes | None:
    from blastwall.analyze.shell.stdin import MAX_FILE

    try:
        if not os.path.isfile(path) or os.path.getsize(path) > MAX_FILE:
            return None
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def _dirty(repo: _Repo, content: str | None, disk: bytes | None, head: str | None) -> bool:
    """Whether the file differs from HEAD's blob (git then refuses to switch over it)."""
    if content != "disk":
        return content != head
    if head is None:
        return disk is not None  # an untracked file where the revision has one: git refuses
    if disk is None:
        return True
    return repo.git.run("cat-file", "blob", head)[1] != disk
