"""What a git command would lose: commits that become unreachable and uncommitted work.

Offline: a force push is measured against the remote-tracking ref (the remote as of the last
fetch), never by contacting the remote. Every git call is read-only, killed at the deadline, and
asked once per check (`ctx.git`, radius/gitfacts.py): a line with several git commands in one
repository asks for its top level, its refs or HEAD once.

    push --force       commits on the remote branch that the pushed commit does not contain, and
                       whether each is still here, made here or someone else's (radius/push.py)
    reset --hard       uncommitted changes to tracked files, and commits left behind by moving HEAD
    branch -D          commits on the branch that no other branch, tag or remote-tracking ref holds
    clean -f           what `git clean -n` with the same options would remove, counted like a delete
    checkout -- / restore   modified tracked files under the paths
    stash drop / clear      the stashes dropped
"""

from __future__ import annotations

import os
import shlex

from blastwall.model import Action, Finding, Surface
from blastwall.radius.base import MeasureContext, Radius, measurer
from blastwall.radius.files import OutOfTime, git, measure_paths, settled, top_level
from blastwall.snapshots.base import SnapshotError

BACKUP_NS = "refs/blastwall"  # where snapshots keep commits (snapshots/gitops.py; not imported: it is heavier)


def _folder(action: Action, finding: Finding, ctx: MeasureContext) -> str:
    """The folder the git command runs in (after `cd` and `-C`)."""
    from blastwall.snapshots import where

    cwd = ctx.cwd or "/"
    base = cwd
    if action.surface is Surface.SHELL and isinstance(action.payload, str):
        base = (where.command_dirs(action.payload, cwd, os.environ).get(finding.source[:200]) or [cwd])[0]
    return where.git_folder(finding.source, base, os.environ)


def _count(repo: str, tip: str, exclude: list[str], ctx: MeasureContext) -> int:
    """Commits reachable from `tip` and from none of `exclude` (refs or shas)."""
    args = ["rev-list", "--count", tip, "--not", *exclude] if exclude else ["rev-list", "--count", tip]
    return int(git(repo, *args, ctx=ctx).strip() or 0)


def _refs(repo: str, ctx: MeasureContext) -> list[str]:
    """The refs that keep commits alive, blastwall's own backup refs left out: a snapshot is a
    safety net for a human's yes, never a reason to stop asking (the retry of a declined
    `reset --hard` would otherwise measure as losing nothing, its commits held by the snapshot)."""
    out = git(repo, "for-each-ref", "--format=%(refname)", ctx=ctx).split("\n")
    return [r for r in out if r and not r.startswith(BACKUP_NS + "/")]


def _sha(repo: str, rev: str, ctx: MeasureContext) -> str | None:
    return ctx.facts().commit(repo, rev)


def _modified(repo: str, paths: list[str], ctx: MeasureContext) -> int:
    raw = git(repo, "status", "--porcelain=v1", "-z", "-uno", "--", *(paths or ["."]), ctx=ctx).split("\0")
    n, skip = 0, False
    for entry in raw:
        if skip:
            skip = False
            continue
        if len(entry) >= 4:
            n += 1
            skip = entry[0] in "RC"
    return n


def _args_after(source: str, sub: str) -> list[str]:
    try:
        argv = shlex.split(source)
    except ValueError:
        return []
    return argv[argv.index(sub) + 1:] if sub in argv else []


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _push_force(repo: str, action: Action, finding: Finding, ctx: MeasureContext) -> Radius:
    from blastwall.radius.push import measure_push
    from blastwall.radius.pushline import Unknown, read_push

    line = action.payload if isinstance(action.payload, str) else finding.source
    push = read_push(repo, line, finding.source, ctx)
    if isinstance(push, Unknown):
        return Radius.unmeasured(push.why, source="git")
    return measure_push(repo, push.remote, push.specs, push.args, ctx)


def _reset_hard(repo: str, finding: Finding, ctx: MeasureContext) -> Radius:
    target = (finding.target.split() or ["HEAD"])[0]
    uncommitted = _modified(repo, [], ctx)
    lost = 0
    new = _sha(repo, target, ctx)
    head = _sha(repo, "HEAD", ctx)
    if new is None:
        return Radius.unmeasured(f"{target} is not a commit here (never fetched?)", source="git")
    if new and head and new != head:
        current = git(repo, "symbolic-ref", "-q", "HEAD", ctx=ctx, check=False).strip()
        lost = _count(repo, head, [new, *(r for r in _refs(repo, ctx) if r != current)], ctx)
    if uncommitted == 0 and lost == 0:
        summary = "nothing uncommitted and no commits left behind"
    else:
        bits = [f"{_plural(uncommitted, 'modified file')} uncommitted"] if uncommitted else []
        bits += [f"{_plural(lost, 'commit')} no other ref holds"] if lost else []
        summary = ", ".join(bits)
    return Radius(True, summary, {"uncommitted": uncommitted, "modified": uncommitted, "commits_lost": lost},
                  irreplaceable=bool(uncommitted or lost), source="git")


def _branch_delete(repo: str, finding: Finding, ctx: MeasureContext) -> Radius:
    names = [w for w in finding.target.replace(",", " ").split() if not w.startswith("-")]
    if not names:
        return Radius.unmeasured("no branch named", source="git")
    refs = _refs(repo, ctx)
    lost = unpushed = 0
    for name in names:
        ref = f"refs/heads/{name}"
        if ref not in refs:
            continue
        lost += _count(repo, ref, [r for r in refs if r != ref and r not in (f"refs/heads/{n}" for n in names)], ctx)
        remotes = [r for r in refs if r.startswith("refs/remotes/")]
        unpushed += _count(repo, ref, remotes, ctx)
    counts = {"commits_lost": lost, "unpushed": unpushed}
    if lost:
        summary = f"{_plural(lost, 'commit')} only on {', '.join(names)} would become unreachable"
    elif unpushed:
        summary = f"fully merged into another local branch; {_plural(unpushed, 'commit')} not pushed"
    else:
        summary = f"{', '.join(names)} fully merged and pushed: no commit is lost"
    return Radius(True, summary, counts, irreplaceable=lost > 0, source="git")


def _clean(folder: str, finding: Finding, ctx: MeasureContext) -> Radius:
    """Counted from `git clean -n` with the command's own options: exactly what it would remove."""
    flags, paths = [], []
    for a in _args_after(finding.source, "clean"):
        if a.startswith("--"):
            if a not in ("--force", "--interactive"):
                flags.append(a)
        elif a.startswith("-"):
            short = a[1:].replace("f", "").replace("i", "")
            if short:
                flags.append("-" + short)
        else:
            paths.append(a)
    out = git(folder, "clean", "-n", *flags, "--", *paths, ctx=ctx)
    removed = [os.path.join(folder, line.removeprefix("Would remove ").rstrip("/")) for line in out.splitlines()
               if line.startswith("Would remove ")]
    return measure_paths(removed, (), ctx)._replace(source="git")


def _discard(folder: str, finding: Finding, ctx: MeasureContext) -> Radius:
    paths = [w for w in finding.target.split() if not w.startswith("-")] or ["."]
    n = _modified(folder, paths, ctx)
    summary = f"{_plural(n, 'modified file')} would lose uncommitted changes" if n else "no uncommitted changes there"
    return Radius(True, summary, {"uncommitted": n, "modified": n}, irreplaceable=n > 0, source="git")


def _stash(repo: str, finding: Finding, ctx: MeasureContext) -> Radius:
    stashes = [s for s in git(repo, "stash", "list", ctx=ctx).splitlines() if s]
    n = len(stashes) if "clear" in finding.source.split() else min(1, len(stashes))
    summary = f"{_plural(n, 'stash')} dropped" + (f" of {len(stashes)}" if n != len(stashes) else "")
    if not n:  # the command fails by itself; not a proof that nothing is lost when it runs
        return Radius(True, "no stash to drop now", {"stashes": 0}, irreplaceable=None, source="git")
    return Radius(True, summary, {"stashes": n}, irreplaceable=True, source="git")


@measurer("shell.git:*")
def git_radius(action: Action, finding: Finding, ctx: MeasureContext) -> Radius | None:
    radius = _git_radius(action, finding, ctx)
    return None if radius is None else settled(radius, action, finding)


def _git_radius(action: Action, finding: Finding, ctx: MeasureContext) -> Radius | None:
    kind = finding.rule_id.split(":", 1)[1]
    if not ctx.cwd:
        return None  # an action that does not say where it runs is not measured here
    if not kind.startswith(("push-force", "reset-hard", "branch-force-delete", "clean", "checkout-discard",
                            "checkout-file", "restore", "stash-drop")):
        return None
    try:
        folder = _folder(action, finding, ctx)
        repo = top_level(folder, ctx)
        if repo is None:
            return Radius.unmeasured("not inside a git repository", source="git")
        if kind.startswith("push-force"):
            return _push_force(repo, action, finding, ctx)
        if kind.startswith("reset-hard"):
            return _reset_hard(repo, finding, ctx)
        if kind.startswith("branch-force-delete"):
            return _branch_delete(repo, finding, ctx)
        if kind.startswith("clean"):
            return _clean(folder, finding, ctx)
        if kind.startswith("stash-drop"):
            return _stash(repo, finding, ctx)
        return _discard(folder, finding, ctx)
    except OutOfTime:
        return Radius.unmeasured("the time budget for measuring ran out", source="git")
    except (OSError, RuntimeError, ValueError, SnapshotError) as exc:
        return Radius.unmeasured(f"git could not tell ({str(exc)[:120]})", source="git")
