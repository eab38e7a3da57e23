"""Files a delete or overwrite would destroy: how many, how large, and what git knows of them.

Each target is resolved the way snapshots resolve it (snapshots/where.py: `cd`, `~`, globs,
find's name patterns), walked without following links until the deadline, and its files sorted
by what git says: tracked and unchanged (git has them), modified or untracked-and-not-ignored
(work that exists nowhere else), ignored (regenerable when it is build output; `.env` is ignored
but not regenerable, not even in `build/`), or outside any repository. `irreplaceable=False`
only when every file is tracked-and-unchanged or regenerable.

What git says is not taken on trust where git can be told to look away: a file marked
`--assume-unchanged` or `--skip-worktree` counts as modified (git status hides its edits), and
git is asked with the stat checks its configuration may weaken set back (gitfacts.py).

An overwrite reaches through links (reach.py): a write into a link (`>`, `cp`, `tee`, code)
changes what it points to, and a file with other hard links changes under every name; a
folder link under the target is followed (`grep -R`, `find -L`). Only the editors that put a
new file in place (`sed -i`, `perl -i`, `mv`, `install`) replace a link instead.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import time
from collections.abc import Mapping
from typing import NamedTuple

from blastwall.model import Action, Finding, Surface
from blastwall.radius.base import MeasureContext, Radius, measurer
from blastwall.radius.gitfacts import OutOfTime
from blastwall.radius.reach import CHECK_EVERY, reach, walk, writes_through

__all__ = ["OutOfTime", "git", "measure_paths", "settled", "top_level"]

# Ignored paths that a build, an install or a test run makes again: a path component or file name.
REGENERABLE_DIRS = frozenset({
    "build", "dist", "out", "target", "node_modules", "__pycache__", ".pytest_cache", ".mypy_cache",
    ".ruff_cache", ".tox", ".nox", ".venv", "venv", ".next", ".nuxt", ".parcel-cache", ".turbo", ".gradle",
    "coverage", "htmlcov", ".eggs", "_build", "site", ".cache", "bin", "obj", "cmake-build-debug",
})
REGENERABLE_FILES = ("*.pyc", "*.pyo", "*.o", "*.a", "*.so", "*.class", "*.egg-info", ".coverage", "*.log", "*.tmp")
SAMPLE_EACH = 20  # files listed per state for the approver (Radius.items)
ITEMS = 20  # files listed in all, the states that lose work first
# The order an approver reads the files in: work that exists nowhere else first.
STATES = ("modified", "untracked", "ignored", "outside repo", "linked", "committed", "regenerable")


def git(repo: str, *args: str, ctx: MeasureContext, check: bool = True) -> str:
    """One read-only git command, killed at the deadline (raises OutOfTime); asked once per
    check (`ctx.git`)."""
    return ctx.facts().git(repo, *args, check=check)


def top_level(folder: str, ctx: MeasureContext) -> str | None:
    return ctx.facts().top_level(folder)


def regenerable(rel: str) -> bool:
    """Ignored build output by its place or name, unless the path itself names a secret, data or
    history (`build/.env`, `target/app.sqlite3`: no build makes them again)."""
    parts = rel.split("/")
    if not (any(p in REGENERABLE_DIRS for p in parts[:-1]) or any(fnmatch.fnmatch(parts[-1], g) for g in REGENERABLE_FILES)):
        return False
    folder, _, name = rel.rpartition("/")
    return not (_kept(name) or (folder and _kept(folder + "/\0")))


@functools.lru_cache(maxsize=8192)
def _kept(rel: str) -> bool:
    """A file name, or a folder (with a name that matches nothing), that names what no build
    makes again (asked per name and per folder: a tree of build output repeats both)."""
    from blastwall.analyze.paths import content_kind

    return content_kind(rel) in KEPT_KINDS


KEPT_KINDS = frozenset({"secret", "data", "history"})  # path classes no build output is (analyze/paths.py)


def classify(files: Mapping[str, int], roots: list[str], ctx: MeasureContext, project: str | None,
             sample: dict[str, list[str]] | None = None, *, shared: set[str] = frozenset(),  # type: ignore[assignment]
             tracked_only: bool = False) -> dict[str, int]:
    """Counts of `files` by what git knows of them (see the module docstring); with `sample`, the
    first SAMPLE_EACH files of each state are listed in it (state -> paths) for the approver.
    `shared`: files with other hard links (an overwrite changes every name: `linked`).
    `tracked_only`: only the files git tracks are the target (`git ls-files | xargs ...`): the
    others are left out of the counts."""
    def note(state: str, path: str) -> None:
        if sample is not None and len(got := sample.setdefault(state, [])) < SAMPLE_EACH:
            got.append(path)

    def skip(path: str) -> None:
        counts["files"] -= 1
        counts["bytes"] -= files[path]

    counts = dict.fromkeys(("files", "bytes", "tracked", "modified", "hidden", "untracked", "ignored", "regenerable",
                            "ignored_other", "outside_repo", "outside_project", "linked"), 0)
    counts["files"], counts["bytes"] = len(files), sum(files.values())
    if not files:
        return counts  # nothing to sort: no git question to ask
    by_repo: dict[str | None, list[str]] = {}
    for r in roots:
        by_repo.setdefault(top_level(r, ctx), []).append(r)
    for repo, rs in by_repo.items():
        mine = list(files) if len(by_repo) == 1 else \
            [p for p in files if any(p == r or p.startswith(r.rstrip("/") + "/") for r in rs)]
        if repo is None:
            counts["outside_repo"] += len(mine)
            for path in mine[:SAMPLE_EACH]:
                note("outside repo", path)
            continue
        if not mine:
            continue
        specs = [_spec(r, repo) for r in rs]
        tracked: dict[str, str] | None = None  # `git ls-files -v`, asked only for a file git's status does not mention
        status: dict[str, str] = {}
        raw = git(repo, "status", "--porcelain=v1", "-z", "--ignored", "--", *specs, ctx=ctx).split("\0")
        i = 0
        while i < len(raw):
            entry = raw[i]
            i += 1
            if len(entry) < 4:
                continue
            status[entry[3:]] = entry[:2]
            if entry[0] in "RC":
                i += 1  # the rename's source path
        real: dict[str, str] = {}  # folder -> its path in the repository (links resolved once per folder)
        for n, path in enumerate(mine):
            if n % CHECK_EVERY == 0 and time.monotonic() > ctx.deadline:
                raise OutOfTime(len(files))
            folder, name = os.path.split(path)
            if folder not in real:
                real[folder] = os.path.relpath(os.path.realpath(folder), repo).replace(os.sep, "/")
            rel = name if real[folder] == "." else f"{real[folder]}/{name}"
            code = _status_of(rel, status)
            if code in ("!!", "??") and tracked_only:
                skip(path)
            elif code == "!!":
                counts["ignored"] += 1
                kind = "regenerable" if regenerable(rel) else "ignored_other"
                counts[kind] += 1
                note("regenerable" if kind == "regenerable" else "ignored", path)
                if kind == "regenerable" and path in shared:
                    counts["linked"] += 1
                    note("linked", path)
            elif code == "??":
                counts["untracked"] += 1
                note("untracked", path)
            elif code:
                counts["modified"] += 1
                note("modified", path)
            else:
                if tracked is None:
                    tracked = _tracked(repo, specs, ctx)
                tag = tracked.get(rel)
                if tag is None and tracked_only:
                    skip(path)
                elif tag is None:
                    counts["untracked"] += 1  # not in git's answer at all: treat as work of its own
                    note("untracked", path)
                elif tag != "H":  # git is told not to look at it: its edits do not show in git status
                    counts["modified"] += 1
                    counts["hidden"] += 1
                    note("modified", path)
                else:
                    counts["tracked"] += 1
                    note("committed", path)
                    if path in shared:
                        counts["linked"] += 1
                        note("linked", path)
    if project:
        counts["outside_project"] = sum(1 for p in files if not (p == project or p.startswith(project + "/")))
    return counts


def _spec(root: str, repo: str) -> str:
    """`root` as git names it in `repo`: the folders on its way resolved as `top_level` resolves
    them, a link at its end left a link (git tracks the link, not what it points to)."""
    if os.path.isdir(root):
        return os.path.relpath(os.path.realpath(root), repo)
    folder, name = os.path.split(root)
    return os.path.relpath(os.path.join(os.path.realpath(folder), name), repo)


def _tracked(repo: str, specs: list[str], ctx: MeasureContext) -> dict[str, str]:
    """The files git tracks under `specs` -> their `git ls-files -v` tag: "H" cached, a lowercase
    letter for --assume-unchanged, "S" for --skip-worktree (neither shows its edits in status)."""
    out: dict[str, str] = {}
    for entry in git(repo, "ls-files", "-v", "-z", "--", *specs, ctx=ctx).split("\0"):
        if len(entry) > 2:
            out[entry[2:]] = entry[0]
    return out


def _status_of(rel: str, status: Mapping[str, str]) -> str:
    if rel in status:
        return status[rel]
    parts = rel.split("/")
    for n in range(len(parts) - 1, 0, -1):  # the closest collapsed folder ("build/", "new/")
        code = status.get("/".join(parts[:n]) + "/")
        if code:
            return code
    return ""


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{int(size):,} {unit}" if unit == "bytes" else f"{size:.3g} {unit}"
        size /= 1000
    return f"{n:,} bytes"


def describe(c: Mapping[str, int]) -> tuple[str, bool | None]:
    """The one-line summary and whether anything irreplaceable is among the files."""
    total = f"{c['files']:,} file{'s' if c['files'] != 1 else ''}, {human_bytes(c['bytes'])}"
    if c["files"] == 0:  # not "nothing lost": it may be created before the action runs, or elsewhere
        return "nothing there now (no files)", None
    lost = c["modified"] + c["untracked"] + c["ignored_other"] + c["outside_repo"] + c.get("linked", 0)
    if not lost:
        if c["regenerable"] == c["files"]:
            return f"only ignored build output ({total}), regenerable", False
        if c["tracked"] == c["files"]:
            return f"only files committed unchanged in git ({total}), recoverable", False
        return f"only committed or regenerable files ({total})", False
    parts = [f"{c[k]:,} {label}" for k, label in (("untracked", "untracked"), ("modified", "modified"),
             ("hidden", "marked for git not to look at (assume-unchanged or skip-worktree)"),
             ("ignored_other", "ignored but not build output"), ("outside_repo", "outside any git repository"),
             ("linked", "hard-linked to another path, which the write changes too"))
             if c.get(k)]
    return f"{total}: {', '.join(parts)}", True


def measure_paths(paths: list[str], patterns: tuple[str, ...], ctx: MeasureContext, *, overwrite: bool = False,
                  through: bool = False, tracked_only: bool = False) -> Radius:
    """What deleting or overwriting `paths` (find's `patterns` under them) destroys. `overwrite`:
    folder links under them are followed (a write reaches what `grep -R` or `find -L` list there);
    `through`: the write goes into what a link points to and into every hard link of a file;
    `tracked_only`: only the files git tracks are meant."""
    paths = [os.path.abspath(p) for p in paths]
    try:
        links: list[str] | None = [] if overwrite else None
        shared: set[str] | None = set() if through else None
        files = walk(paths, patterns, ctx, links, shared)
        roots = reach(paths, files, links or [], patterns, through, shared, ctx)
        # The project only tells which files lie outside it: with no file there is nothing to ask git.
        cwd_top = top_level(ctx.cwd, ctx) if ctx.cwd and files else None
        project = cwd_top or (os.path.realpath(ctx.cwd) if ctx.cwd else None)
        sample: dict[str, list[str]] = {}
        counts = classify(files, roots, ctx, project, sample, shared=shared or set(), tracked_only=tracked_only)
    except OutOfTime as exc:
        more = f" after {exc.files:,} files" if exc.files else ""
        return Radius.unmeasured(f"stopped counting{more}: the time budget ran out", source="files")
    except (OSError, RuntimeError) as exc:
        return Radius.unmeasured(f"could not count the files ({exc})"[:200], source="files")
    summary, lost = describe(counts)
    lost_or_unknown: bool | None = lost
    details = tuple(f"{p}" for p in roots[:5])
    if counts["outside_project"]:  # never auto-allowed: the project's owner may not own them
        summary += f"; {counts['outside_project']:,} outside the project"
        lost_or_unknown = True
    items = tuple((path, state) for state in STATES for path in sample.get(state, ()))[:ITEMS]
    return Radius(True, summary, counts, irreplaceable=lost_or_unknown, source="files", details=details, items=items)


class Targets(NamedTuple):
    """The existing paths a finding names, find's name patterns, and whether only the files git
    tracks there are meant (`git ls-files | xargs sed -i ...`)."""

    paths: list[str]
    patterns: tuple[str, ...] = ()
    tracked_only: bool = False


def targets_of(action: Action, finding: Finding, ctx: MeasureContext) -> Targets | str:
    """The existing paths a finding names and find's patterns, or why they cannot be told."""
    from blastwall.analyze.shell.listers import tracked_root
    from blastwall.snapshots import where
    from blastwall.snapshots.base import SnapshotError

    cwd = ctx.cwd or "/"
    if action.surface is Surface.FILE_WRITE and isinstance(action.payload, dict):
        path = str(action.payload.get("path") or action.payload.get("file_path") or finding.target)
        full = os.path.normpath(os.path.join(cwd, os.path.expanduser(path)))
        return Targets([full] if os.path.lexists(full) else [])
    if action.surface is Surface.MCP and isinstance(action.payload, dict):
        path = _mcp_path(action.payload, finding)
        if not path or "$" in path:
            return "the tool's path is not one blastwall can name"
        full = os.path.normpath(os.path.join(cwd, os.path.expanduser(path)))
        return Targets([full] if os.path.lexists(full) else [])
    if action.surface is not Surface.SHELL or not isinstance(action.payload, str):
        return "not a shell command or a file write"
    try:
        dirs = where.command_dirs(action.payload, cwd, os.environ)
        bases = dirs.get(finding.source[:200]) or [cwd]
        root = tracked_root(finding.target)
        if root is not None and any(os.path.lexists(os.path.join(b, finding.target)) for b in bases):
            root = None  # a file really named so: it is that file
        paths, patterns = where.file_targets(finding.target if root is None else root, bases, os.environ)
        return Targets(paths, patterns, root is not None)
    except SnapshotError as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - a line the parser cannot follow is unmeasured
        return f"cannot tell which files it names ({type(exc).__name__})"


def _mcp_path(payload: Mapping[str, object], finding: Finding) -> str:
    """The path an MCP filesystem finding names: a write's target is the path itself; a move's or a
    delete's is `server/tool:path` (analyze/mcp.py)."""
    from blastwall.analyze.mcp import _split_name

    server, tool = _split_name(str(payload.get("server") or ""), str(payload.get("tool") or ""))
    return finding.target.removeprefix(f"{server}/{tool}:") if finding.rule_id.startswith("mcp.") else finding.target


# Commands before the measured one that cannot change what is on disk.
INERT = frozenset({"cd", "pushd", "popd", "set", "export", "true", ":", "pwd", "ls", "test", "[", "command"})


def _earlier(action: Action, finding: Finding) -> list[tuple[list[str], str]]:
    """The commands of the line that may run before `finding`'s, as (argv, source): those before
    the last command with its text (a repeated command may be either), or every command when
    none has it (it runs inside another: `bash -c '...'`)."""
    if action.surface is not Surface.SHELL or not isinstance(action.payload, str):
        return []
    from blastwall.analyze.shell.parse import parse

    commands = parse(action.payload).commands
    at = [i for i, c in enumerate(commands) if c.source[:200] == finding.source[:200]]
    before = commands[:at[-1]] if at else commands
    return [([w.text for w in c.argv], c.source) for c in before]


def earlier_writes(action: Action, finding: Finding) -> bool:
    """Whether commands before `finding`'s in the same line could change its target first
    (`git clone x d && rm -rf d`): then the measurement shows the present, not the moment it runs."""
    return any(argv and os.path.basename(argv[0]) not in INERT and not _only_lists(argv) or source.count(">")
               for argv, source in _earlier(action, finding))


def _only_lists(argv: list[str]) -> bool:
    """A search that only prints file names (`git ls-files`, `grep -rl`) changes nothing."""
    from blastwall.analyze.shell.ir import Word
    from blastwall.analyze.shell.listers import listing

    return listing([Word.lit(a) for a in argv]) is not None


def settled(radius: Radius, action: Action, finding: Finding) -> Radius:
    """`radius`, its irreplaceable flag unknown when earlier commands in the line may change it;
    unmeasured for an overwrite whose target an earlier command may fill with other content
    first (`mv notes.md x.md && echo gone > x.md`, `git stash pop && sed -i ... f`: what is
    there now is not what the write destroys)."""
    if not radius.measured:
        return radius
    if finding.effect.value == "overwrite" and finding.target:
        from blastwall.analyze.shell.earlier import any_brings

        if any_brings(_earlier(action, finding), finding.target):
            return Radius.unmeasured("a command earlier on the line may put other content there before it runs",
                                     source=radius.source or "files")
    if radius.irreplaceable is False and earlier_writes(action, finding):
        return radius._replace(irreplaceable=None, details=(*radius.details, "earlier commands in the line may "
                                                           "change it before it runs"))
    return radius


@measurer("shell.fs:*", "file.write:*", "mcp.filesystem:*", "code.*:delete", "code.*:overwrite",
          "shell.exec:writes-file")
def files(action: Action, finding: Finding, ctx: MeasureContext) -> Radius | None:
    if finding.effect.value not in ("delete", "overwrite") or not ctx.cwd:
        return None  # an action that does not say where it runs is not measured here (batch, corpus lines)
    got = targets_of(action, finding, ctx)
    if isinstance(got, str):
        return Radius.unmeasured(got, source="files")
    overwrite = finding.effect.value == "overwrite"
    return settled(measure_paths(got.paths, got.patterns, ctx, overwrite=overwrite,
                                 through=overwrite and writes_through(action, finding),
                                 tracked_only=got.tracked_only), action, finding)
