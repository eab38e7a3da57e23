"""Git commands that print committed content, as reads of the files they print.

    history_findings(argv("git show HEAD~3"), scope, "git show prints")
        -> [Finding("file.read:credential", target="ops/notes.md (committed, 3f1c2b4)")]

A credential committed once stays in the repository's objects whatever the work tree says now,
and `git show`, `log -p`, `diff`, `format-patch`, `cat-file`, `archive`, `blame REV`, `grep REV`,
`stash show -p`, `range-diff`, `fast-export` and `bundle` print (or pack) it. `git add` of a file
git does not track yet (or ignores, `-f`) puts it there: a read of that file. For each, the blobs
the command would print are asked of git with the same revisions and paths (secrets/history.py:
plumbing, read-only, the agent's words only ever as revisions and paths), and each blob is
checked for credentials like a file (cached by its id in blastwall's index). A change against the
work tree is a read of the work-tree file. Commands that print no content (`--stat`,
`--name-only`, `log` without a patch, `cat-file -t`) read nothing.

Needs disk access and permission to run git (`scope.read_files` and `scope.probe`): a batch
without `--probe` judges git reads by the paths they name only.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import NamedTuple

from blastwall import rx
from blastwall.analyze.base import Scope
from blastwall.analyze.shell.ir import Word
from blastwall.model import Finding

# git's own options before the subcommand that take a value
_GLOBAL_VALUES = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--super-prefix", "--config-env",
                            "--exec-path", "--list-cmds"})
# options of the reading subcommands that take the next word as their value (for all of them,
# and for some only: `-f` is grep's pattern file but `add --force`)
_VALUES = frozenset({"-n", "--max-count", "-L", "-S", "-G", "--format", "--pretty", "--since", "--until", "--after",
                     "--before", "--author", "--committer", "--grep", "--skip", "-O", "--stat-width", "--abbrev",
                     "--encoding", "--date", "--decorate-refs", "--decorate-refs-exclude", "--exclude", "--prefix",
                     "--output", "--remote", "--contents", "--ignore-rev", "--ignore-revs-file", "--to", "--from",
                     "--in-reply-to", "--subject-prefix", "--signature", "--base", "--interdiff", "--range-diff",
                     "--creation-factor"})
_SUB_VALUES = {"grep": frozenset({"-e", "-f", "-A", "-B", "-C", "--max-depth", "--threads"}),
               "format-patch": frozenset({"-o", "--output-directory"}),
               "archive": frozenset({"-o"}),
               "difftool": frozenset({"-x", "--extcmd", "-t", "--tool"}),
               "worktree": frozenset({"-b", "-B", "--reason", "--orphan"}),
               "clone": frozenset({"-b", "--branch", "-o", "--origin", "--depth", "--reference", "--separate-git-dir",
                                   "-c", "--config", "--template", "-u", "--upload-pack", "-j", "--jobs", "--filter",
                                   "--shallow-since", "--shallow-exclude", "--bundle-uri", "--server-option"}),
               "checkout-index": frozenset({"--prefix", "--stage"}),
               "instaweb": frozenset({"-d", "--httpd", "-p", "--port", "-b", "--browser", "-m", "--module-path"}),
               "daemon": frozenset(),
               "add": frozenset(), "stage": frozenset()}
_PATCH_FLAGS = ("-p", "-u", "--patch", "-U", "--unified", "--word-diff", "--color-words", "--cc", "--full-diff",
                "--patch-with-stat", "--patch-with-raw", "-L")
_NO_PATCH = ("-s", "--no-patch", "--stat", "--numstat", "--shortstat", "--name-only", "--name-status", "--raw",
             "--summary", "--dirstat", "--quiet", "-q", "--check")
_REV_SELECT = ("--all", "--branches", "--tags", "--remotes", "--reflog", "-g", "--walk-reflogs", "--glob",
               "--root")
_COUNT = rx.compile(r"^-(?:[0-9]+)$")
READERS = frozenset({"show", "log", "reflog", "whatchanged", "format-patch", "send-email", "diff", "difftool", "diff-tree",
                     "diff-index", "diff-files", "range-diff", "blame", "annotate", "cat-file", "archive",
                     "fast-export", "bundle", "stash", "grep", "add", "stage", "request-pull", "worktree", "clone",
                     "checkout-index", "instaweb", "daemon"})
# Commands that put committed content back in the work tree or the index: a later command on the
# same line that reads a file there (`git checkout HEAD~3 -- notes.md && cat notes.md`) reads
# what history held (every version of the file, for all blastwall can tell).
WRITERS = frozenset({"checkout", "switch", "restore", "reset", "revert", "cherry-pick", "merge", "pull", "rebase",
                     "read-tree", "am", "apply", "stash", "worktree", "clone", "checkout-index", "bisect"})


class GitArgs(NamedTuple):
    sub: str
    flags: list[str]
    values: dict[str, str]
    revs: list[str]  # positionals before `--`
    paths: list[str]  # after `--`
    dynamic: bool  # a word blastwall could not resolve
    chdir: list[str]  # `git -C DIR`
    dashdash: bool = False  # the command separates revisions from paths itself
    git_dir: str = ""  # `git --git-dir=DIR` (or GIT_DIR= on the line)

    def paths_on_disk(self, here: str) -> GitArgs:
        """Without `--`, git takes a word that names no revision but an existing path as a path."""
        if self.dashdash or self.sub in ("cat-file", "archive", "stash", "bundle", "grep", "add", "stage",
                                         "blame", "annotate", "worktree", "clone", "checkout-index", "request-pull",
                                         "instaweb", "daemon"):
            return self
        paths = [r for r in self.revs if ".." not in r and ":" not in r and os.path.exists(os.path.join(here, r))]
        return self._replace(revs=[r for r in self.revs if r not in paths], paths=self.paths + paths)


def parse(argv: list[Word]) -> GitArgs | None:
    """`git [global options] SUB [args]` split into what git will take as what."""
    words = argv[1:]
    chdir: list[str] = []
    git_dir = ""
    i = 0
    while i < len(words) and words[i].text.startswith("-"):
        t = words[i].text
        name = t.split("=", 1)[0]
        if name == "--git-dir":
            git_dir = t.split("=", 1)[1] if "=" in t else (words[i + 1].text if i + 1 < len(words) else "")
        if name in _GLOBAL_VALUES and "=" not in t:
            if name == "-C" and i + 1 < len(words):
                chdir.append(words[i + 1].text)
            i += 2
            continue
        i += 1
    if i >= len(words):
        return None
    sub = words[i].text
    flags: list[str] = []
    values: dict[str, str] = {}
    revs: list[str] = []
    paths: list[str] = []
    dynamic = False
    rest = words[i + 1:]
    j, after = 0, False
    while j < len(rest):
        w = rest[j]
        dynamic = dynamic or w.dynamic or w.path_class is not None or w.selects is not None  # xargs' {stdin}
        t = w.text
        if after:
            paths.append(t)
        elif t == "--":
            after = True
        elif t.startswith("-") and t != "-":
            flags.append(t)
            if "=" in t and t.startswith("--"):
                k, _, v = t.partition("=")
                values[k] = v
            elif (t in _VALUES or t in _SUB_VALUES.get(sub, ())) and j + 1 < len(rest):
                values[t] = rest[j + 1].text
                j += 1
            elif len(t) > 2 and t[:2] in ("-n", "-U", "-L", "-S", "-G", "-O"):
                values[t[:2]] = t[2:]
        else:
            revs.append(t)
        j += 1
    return GitArgs(sub, flags, values, revs, paths, dynamic, chdir, after, git_dir)


def _has(flags: list[str], names: tuple[str, ...]) -> bool:
    return any(f == n or f.startswith(n + "=") or (n in ("-U", "-L") and f.startswith(n)) for f in flags for n in names)


# ---- what each subcommand prints -----------------------------------------------------------
Blobs = list[tuple[str, str]]  # (path, blob id; "" = the work-tree file)


def _counted(g: GitArgs) -> list[str]:
    """The revision-selection options git is given back: counts and ref globs (never the agent's
    other options)."""
    out: list[str] = []
    for f in g.flags:
        if _COUNT.match(f):
            out += ["-n", f[1:]]
        elif f.split("=", 1)[0] in _REV_SELECT and (f.split("=", 1)[0] != "--glob" or "=" in f):
            out.append(f)
    count = g.values.get("-n") or g.values.get("--max-count")
    if count and count.isdigit():
        out += ["-n", count]
    return out


def _log(git: object, g: GitArgs, revs: list[str], paths: list[str]) -> Blobs | None:
    return git.raw("log", "-m", "--format=", *_counted(g), "--end-of-options", *revs, "--", *paths)  # type: ignore[attr-defined]


def _show(git: object, g: GitArgs) -> Blobs | None:
    patch = not _has(g.flags, _NO_PATCH) or _has(g.flags, ("-p", "-u", "--patch"))
    out: Blobs = []
    for obj in g.revs or ["HEAD"]:
        if ":" in obj and ".." not in obj:
            blob = git.blob(obj)  # type: ignore[attr-defined]
            out += [blob] if blob else []
        elif ".." in obj:
            if patch:
                out += _log(git, g, [obj], g.paths) or []
        else:
            blob = git.blob(obj)  # type: ignore[attr-defined]
            if blob:
                out.append(blob)
            elif patch:
                out += git.raw("diff-tree", "-r", "--root", "-m", "--no-commit-id", "--end-of-options", obj,  # type: ignore[attr-defined]
                               "--", *g.paths) or []
    return out


def _log_patch(git: object, g: GitArgs) -> Blobs | None:
    if not _has(g.flags, _PATCH_FLAGS):
        return []
    paths = list(g.paths)
    line_range = g.values.get("-L", "")
    if ":" in line_range:
        paths.append(line_range.rsplit(":", 1)[1])
    return _log(git, g, g.revs, paths)


def _reflog(git: object, g: GitArgs) -> Blobs | None:
    """`git reflog [show] -p`: `git log -g -p` over the reflog's entries."""
    revs = [r for r in g.revs if r not in ("show",)]
    if revs[:1] in (["expire"], ["delete"], ["exists"]):
        return []
    return _log_patch(git, g._replace(revs=revs, flags=[*g.flags, "-g"]))


def _format_patch(git: object, g: GitArgs) -> Blobs | None:
    revs = list(g.revs)
    counted = any(_COUNT.match(f) for f in g.flags) or "-n" in g.values
    if not counted and len(revs) == 1 and ".." not in revs[0] and "--root" not in g.flags:
        revs = [f"{revs[0]}..HEAD"]
    return _log(git, g, revs or ["HEAD"], g.paths)


def _diff(git: object, g: GitArgs) -> Blobs | None:
    if g.sub == "diff" and _has(g.flags, _NO_PATCH) and not _has(g.flags, ("-p", "-u", "--patch")):
        return []
    if "--no-index" in g.flags:
        return [(p, "") for p in g.revs + g.paths]
    cached = [f for f in g.flags if f in ("--cached", "--staged", "--merge-base") or (f == "--root" and g.sub == "diff-tree")]
    sub = "diff" if g.sub in ("diff", "difftool") else g.sub
    return git.raw(sub, *cached, *(["-r"] if sub == "diff-tree" else []), "--end-of-options", *g.revs,  # type: ignore[attr-defined]
                   "--", *g.paths)


def _blame(git: object, g: GitArgs) -> Blobs | None:
    """`blame REV path`, `annotate path REV`, `blame --reverse A..B path`: the file as each
    revision (or either end of a range) the command names holds it."""
    words = g.revs + g.paths
    if "--contents" in g.values:
        return [(g.values["--contents"], "")]
    if len(words) < 2:
        return []  # the work-tree file: a read of the path, judged as such
    revs = [e for w in words for e in (w.replace("...", "..").split("..") if ".." in w else [w]) if e] or ["HEAD"]
    out: Blobs = []
    for rev in dict.fromkeys(revs[:4]):
        for path in dict.fromkeys(words[:4]):
            if path == rev or ".." in path:
                continue
            blob = git.blob(f"{rev}:./{path}" if not path.startswith("/") else f"{rev}:{path}")  # type: ignore[attr-defined]
            out += [(path, blob[1])] if blob else []
    return out


def _cat_file(git: object, g: GitArgs) -> Blobs | None:
    if any(f.startswith("--batch") and not f.startswith("--batch-check") for f in g.flags):
        return git.all_blobs()  # type: ignore[attr-defined]  # the objects come from stdin
    if any(f in ("-t", "-s", "-e") for f in g.flags) and "-p" not in g.flags:
        return []
    out: Blobs = []
    for obj in g.revs:
        if obj in ("blob", "tree", "commit", "tag"):
            continue
        blob = git.blob(obj)  # type: ignore[attr-defined]
        out += [blob] if blob else []
    return out


def _archive(git: object, g: GitArgs) -> Blobs | None:
    remote = g.values.get("--remote")
    if (remote is not None and not _local(git, remote)) or "--list" in g.flags or "-l" in g.flags or not g.revs:
        return []
    return git.tree_blobs(g.revs[0], [*g.revs[1:], *g.paths])  # type: ignore[attr-defined]


def _everything(git: object, g: GitArgs) -> Blobs | None:
    if g.sub == "bundle" and (not g.revs or g.revs[0] != "create"):
        return []
    return git.all_blobs()  # type: ignore[attr-defined]


def _stash(git: object, g: GitArgs) -> Blobs | None:
    if not g.revs or g.revs[0] in ("push", "save"):
        return _stash_push(git, g)
    if g.revs[0] != "show" or not _has(g.flags, ("-p", "-u", "--patch")):
        return []
    ref = g.revs[1] if len(g.revs) > 1 else "stash@{0}"
    out = git.raw("diff-tree", "-r", "-m", "--no-commit-id", "--end-of-options", ref) or []  # type: ignore[attr-defined]
    if _has(g.flags, ("--include-untracked", "--only-untracked")) or "-u" in g.flags:
        out += git.tree_blobs(f"{ref}^3") or []  # type: ignore[attr-defined]  # the untracked files it stored
    return out


def _stash_push(git: object, g: GitArgs) -> Blobs | None:
    """`git stash -u` / `--all` stores untracked (and, with --all, ignored) files in the
    repository's objects, where `stash show -p -u` and `show stash^3` print them."""
    every = _has(g.flags, ("-a", "--all"))
    untracked = every or _has(g.flags, ("-u", "--include-untracked"))
    if not untracked:
        return []
    listed = git.text("ls-files", "-z", "--others", *([] if every else ["--exclude-standard"]), "--full-name",  # type: ignore[attr-defined]
                      "--", *g.paths) or ""
    return [(p, "") for p in listed.split("\0") if p][:2000]


def _local(git: object, where: str) -> bool:
    """Whether `where` (a remote or clone source) is a repository on this machine."""
    if where.startswith("file://"):
        return True
    if "://" in where or (":" in where and not where.startswith(("/", ".", "~"))):
        return False
    full = os.path.normpath(os.path.join(git.repo, os.path.expanduser(where)))  # type: ignore[attr-defined]
    return os.path.isdir(full)


def _worktree(git: object, g: GitArgs) -> Blobs | None:
    """`git worktree add PATH [REV]`: a copy of the tree at REV."""
    if not g.revs or g.revs[0] != "add" or len(g.revs) < 2:
        return []
    rev = g.revs[2] if len(g.revs) > 2 else "HEAD"
    return git.tree_blobs(rev)  # type: ignore[attr-defined]


def _clone(git: object, g: GitArgs) -> Blobs | None:
    """`git clone SRC [DEST]` of a repository on this machine copies every object it holds."""
    if not g.revs or not _local(git, g.revs[0]):
        return []
    src = g.revs[0][7:] if g.revs[0].startswith("file://") else g.revs[0]
    from blastwall.secrets.history import Git

    other = Git(os.path.normpath(os.path.join(git.repo, os.path.expanduser(src))), git.deadline)  # type: ignore[attr-defined]
    return [(f"{p} (in {g.revs[0]})", s) for p, s in (other.all_blobs() or [])]


def _checkout_index(git: object, g: GitArgs) -> Blobs | None:
    """`git checkout-index [--stdout] [-a | PATHS]`: the index's copy of the files."""
    paths = [] if _has(g.flags, ("-a", "--all")) else (g.revs + g.paths)
    if not paths and not _has(g.flags, ("-a", "--all")) and "--stdin" not in g.flags:
        return []
    return _index_blobs(git, paths)


def _index_blobs(git: object, paths: list[str]) -> Blobs:
    listed = git.text("ls-files", "-s", "-z", "--full-name", "--", *paths) or ""  # type: ignore[attr-defined]
    out: Blobs = []
    for entry in listed.split("\0"):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and path:
            out.append((path, parts[1]))
    return out


def _request_pull(git: object, g: GitArgs) -> Blobs | None:
    """`git request-pull -p START URL [END]`: the patch of START..END."""
    if "-p" not in g.flags or not g.revs:
        return []
    end = g.revs[2] if len(g.revs) > 2 else "HEAD"
    return _log(git, g, [f"{g.revs[0]}..{end}"], [])


def _serves(git: object, g: GitArgs) -> Blobs | None:
    """`git instaweb`, `git daemon`: the repository served to anyone who connects."""
    if _has(g.flags, ("--stop", "--restart", "--inetd")) and g.sub == "instaweb":
        return []
    return git.all_blobs()  # type: ignore[attr-defined]


def _grep(git: object, g: GitArgs) -> Blobs | None:
    revs = g.revs if ("-e" in g.values or "-f" in g.values) else g.revs[1:]
    if "--no-index" in g.flags or "--untracked" in g.flags:
        return []  # the work tree: searched as files
    out: Blobs = []
    for rev in revs:
        out += git.tree_blobs(rev, g.paths) or []  # type: ignore[attr-defined]
    return out


def _add(git: object, g: GitArgs) -> Blobs | None:
    """`git add` of files git does not track yet (or ignores, with -f) copies them into the
    repository's objects, where `git show`, `diff --cached` and every clone print them."""
    if any(f in ("-u", "--update") for f in g.flags) or not (g.revs or g.paths or "-A" in g.flags or "--all" in g.flags):
        return []
    force = [f for f in g.flags if f in ("-f", "--force")]
    listed = git.text("add", "--dry-run", "--ignore-missing", *force, "--", *(g.revs + g.paths))  # type: ignore[attr-defined]
    if not listed:
        return []
    adding = [line[5:-1] for line in listed.splitlines() if line.startswith("add '") and line.endswith("'")]
    tracked = set((git.text("ls-files", "-z", "--full-name", "--", *adding) or "").split("\0")) if adding else set()  # type: ignore[attr-defined]
    prefix = (git.text("rev-parse", "--show-prefix") or "").strip()  # type: ignore[attr-defined]
    return [(prefix + p, "") for p in adding if prefix + p not in tracked]


_PRINTS: dict[str, Callable[[object, GitArgs], Blobs | None]] = {
    "add": _add, "stage": _add,
    "show": _show, "log": _log_patch, "reflog": _reflog, "whatchanged": _log_patch, "format-patch": _format_patch,
    "send-email": _format_patch, "diff": _diff, "difftool": _diff, "diff-tree": _diff, "diff-index": _diff,
    "diff-files": _diff, "range-diff": lambda git, g: _log(git, g, g.revs, g.paths), "blame": _blame,
    "annotate": _blame, "cat-file": _cat_file, "archive": _archive, "fast-export": _everything,
    "bundle": _everything, "stash": _stash, "grep": _grep, "request-pull": _request_pull, "worktree": _worktree,
    "clone": _clone, "checkout-index": _checkout_index, "instaweb": _serves, "daemon": _serves,
}


# ---- findings --------------------------------------------------------------------------------
def history_findings(argv: list[Word], scope: Scope, verb: str, assigns: dict[str, Word] | None = None, *,
                     everything: bool = False) -> list[Finding]:
    """Findings for the committed content a git command prints (empty without disk access and
    permission to run git). Revisions or paths blastwall cannot resolve (`git show $(git
    rev-list --all)`) may name any object: every blob in the repository counts; so does a read
    of the index or work tree after an earlier command on the line rewrote them from history
    (`everything`)."""
    if not (scope.read_files and scope.probe):
        return []
    g = parse(argv)
    if g is None or g.sub not in _PRINTS:
        return []
    named_dir = (assigns or {}).get("GIT_DIR")
    if named_dir is not None and not g.git_dir:
        g = g._replace(git_dir=named_dir.text, dynamic=g.dynamic or named_dir.dynamic)
    from blastwall.analyze.credentials import _deadline, _findings, content, finding, resolve
    from blastwall.secrets.history import Git, OutOfTime, check_blobs

    here = resolve(".", scope)
    if not here:
        return []
    for d in g.chdir:
        here = os.path.normpath(os.path.join(here, os.path.expanduser(d)))
    if not os.path.isdir(here):
        return []
    g = g.paths_on_disk(here)
    git_dir = os.path.normpath(os.path.join(here, os.path.expanduser(g.git_dir))) if g.git_dir else ""
    git = Git(here, _deadline(scope), git_dir=git_dir)
    try:
        blobs = git.all_blobs() if (g.dynamic or everything) and _PRINTS[g.sub] is not _add else \
            _PRINTS[g.sub](git, g)
        if not blobs:
            return []  # no content printed, not a repository, or arguments git refuses
        held = check_blobs(git, [(p, s) for p, s in blobs if s])
        top = (git.text("rev-parse", "--show-toplevel") or here).strip() if any(not s for _, s in blobs) else here
    except OutOfTime:
        return [finding("unchecked", f"the repository's history ({g.sub})",
                        "blastwall ran out of time asking git what it prints; retry in a moment", verb)]
    from blastwall.analyze.files import _found_label
    from blastwall.secrets.index import UNCHECKED

    out: list[Finding] = []
    for path, sha, found in held[:10]:
        shown = f"{path} as committed ({sha[:7]})"
        if found.state == UNCHECKED:
            out.append(finding("unchecked", shown, found.why, verb))
        else:
            out.append(finding("content", shown, _found_label(found), verb))
    for path in dict.fromkeys(p for p, s in blobs if not s):
        base = here if "--no-index" in g.flags or "--contents" in g.values else top
        full = path if path.startswith("/") else os.path.normpath(os.path.join(base, path))
        if os.path.isdir(full):  # `diff --no-index ops docs`: every file in the folders
            from blastwall.analyze.credentials import tree_findings

            out.extend(tree_findings(full, scope, verb) or [])
            continue
        got = content(full, scope)
        if got is not None:
            out.extend(_findings(path, got[0], got[1], verb, None))
    return out[:10]


def rewritten_findings(path: str, scope: Scope, verb: str) -> list[Finding]:
    """A read of `path` after an earlier command on the line put history back in the work tree
    (`git checkout HEAD~3 -- notes.md && cat notes.md`): every committed version of it."""
    if not (scope.read_files and scope.probe) or not rewrote_history(scope):
        return []
    argv = [Word.lit(t) for t in ("git", "log", "-p", "--all", "--", path)]
    return history_findings(argv, scope, f"{verb} (as an earlier git command on the line may have restored it)")


def rewrote_history(scope: Scope) -> bool:
    """Whether a git command earlier on the line may have put committed content back in the work
    tree or the index."""
    from blastwall.analyze.shell.names import program_name

    for cmd, _ in scope.earlier:
        argv = getattr(cmd, "argv", None)
        if not argv or program_name(argv[0].text) != "git":
            continue
        g = parse(argv)
        if g is not None and g.sub in WRITERS and not (g.sub == "stash" and g.revs[:1] in (["list"], ["show"])):
            return True
    return False


_OBJECTS = rx.compile(r"^(.*?)/\.git/(?:modules/.+/)?objects(?:/|$)")


def objects_findings(path: str, scope: Scope, verb: str) -> list[Finding]:
    """A read of git's object store itself (`zlib-flate -uncompress < .git/objects/ab/cd...`,
    `cat .git/objects/pack/*.pack`): its files are every blob in the repository, compressed."""
    if not (scope.read_files and scope.probe) or ".git" not in path:
        return []
    from blastwall.analyze.credentials import resolve

    full = resolve(path, scope)
    m = _OBJECTS.match(full or "")
    if m is None:
        return []
    from blastwall.memo import once

    repo = m.group(1) or "/"
    argv = [Word.lit(t) for t in ("git", "-C", repo, "fast-export", "--all")]
    found = once(("git.objects", repo), lambda: history_findings(argv, scope, verb))
    return [f._replace(reason=f.reason.replace("git fast-export", verb)) for f in found]


__all__ = ["READERS", "WRITERS", "objects_findings", "history_findings", "parse", "rewritten_findings", "rewrote_history"]
