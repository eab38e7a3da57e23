"""What a force push takes from the remote, and whether it is the agent's own branch to rewrite.

Offline, as of the last fetch: the remote branch is its remote-tracking ref (or the value a
`--force-with-lease=REF:EXPECT` names). For each branch pushed:

    commits_lost        commits the remote branch holds that the pushed commit does not
    commits_kept        of those, ones still here: the same change is in what is pushed (a rebase
                        rewrote them: equal patch ids) or a local branch or tag holds them
    commits_made_here   of the rest, ones this clone made (HEAD's reflog records committing them)
    commits_others      the rest: work that exists only on the remote

A push with a lease (`--force-with-lease`, alone, `=REF` or `=REF:EXPECT`, also with `+REF`) fails
when the remote moved since the last fetch, so the measurement holds when it runs; nothing
irreplaceable is lost when no commit is someone else's and the branch is a branch the clone has
fetched that is neither the remote's default (refs/remotes/<remote>/HEAD; when the clone does
not know it, nothing is taken for certain) nor named like a long-lived shared branch (`main`,
`release`, ... push.toml) nor protected (`protected_branches`). Without a lease (`--force`, `-f`,
which also switch a lease off) the remote may hold commits the last fetch did not bring: losing
nothing is then unknown. Where the push goes is read by pushline.py, which leaves deletes, tags,
URLs and pushes that configuration or the environment redirect unmeasured.
"""

from __future__ import annotations

import functools
import os
import shlex
from typing import Any, NamedTuple

from blastwall.analyze import globs
from blastwall.radius.base import MeasureContext, Radius
from blastwall.radius.files import git

MAX_LISTED = 5000  # commits listed per question (a longer history is counted, not listed)


class Lease(NamedTuple):
    forced: bool  # --force / -f: no lease holds
    every: bool  # --force-with-lease alone: every ref pushed
    refs: dict[str, str | None]  # --force-with-lease=REF[:EXPECT]: REF -> EXPECT (None: its remote-tracking ref)

    def expect(self, dst: str) -> tuple[bool, str | None]:
        """Whether `dst` is leased, and the value the lease expects (None: the tracking ref)."""
        if self.forced:
            return False, None
        for ref, value in self.refs.items():
            if ref.removeprefix("refs/heads/") == dst:
                return True, value
        return self.every, None


@functools.cache
def _table() -> dict[str, Any]:
    import tomllib

    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "push.toml"), "rb") as fh:
        return tomllib.load(fh)


def push_args(source: str) -> list[str]:
    """The words after `push` in the command (`git -C x push ARGS`)."""
    try:
        argv = shlex.split(source)
    except ValueError:
        return []
    return argv[argv.index("push") + 1:] if "push" in argv else []


def read_lease(args: list[str]) -> Lease:
    forced = every = False
    refs: dict[str, str | None] = {}
    for a in args:
        if a == "--":
            break
        if a in ("--force", "-f") or (a.startswith("-") and not a.startswith("--") and "f" in a[1:]):
            forced = True
        elif a == "--force-with-lease":
            every = True
        elif a.startswith("--force-with-lease="):
            ref, colon, value = a.split("=", 1)[1].partition(":")
            refs[ref] = value if colon else None
        elif a == "--no-force-with-lease":
            every, refs = False, {}
    return Lease(forced, every, refs)


def measure_push(repo: str, remote: str, specs: list[str], args: list[str], ctx: MeasureContext) -> Radius:
    from blastwall.radius.pushline import destination

    lease = read_lease(args)
    if any(a in ("--all", "--mirror", "--branches", "--tags") for a in args):
        return Radius.unmeasured("it pushes every branch or tag; measure one branch at a time", source="git")
    counts = dict.fromkeys(("commits_lost", "commits_kept", "commits_made_here", "commits_others"), 0)
    parts: list[str] = []
    notes: list[str] = []
    irreplaceable: bool | None = False
    made_here: set[str] | None = None
    for spec in specs:
        src, dst, why = destination(repo, remote, spec, ctx)
        if why:
            return Radius.unmeasured(why, source="git")
        leased, expected = lease.expect(dst)
        tracking = ctx.facts().commit(repo, f"refs/remotes/{remote}/{dst}")
        if expected == "":
            old = ""  # the lease says the branch must not exist: nothing there to lose
        elif tracking is None:  # also under a lease's own value: that it is a branch of the remote is not known
            return Radius.unmeasured(f"{remote}/{dst} was never fetched, so what it holds is not known", source="git")
        else:
            old = tracking if expected is None else ctx.facts().commit(repo, expected) or ""
            if not old:
                return Radius.unmeasured(f"the lease's value {expected} is not a commit here", source="git")
        new = ctx.facts().commit(repo, src or "HEAD")
        if new is None:
            return Radius.unmeasured(f"{src} is not a commit here", source="git")
        lost = _listed(repo, ["rev-list", f"--max-count={MAX_LISTED}", old, "--not", new], ctx) if old else []
        kept: set[str] = set()
        if lost:
            missing = set(_listed(repo, ["rev-list", f"--max-count={MAX_LISTED}", "--left-only", "--cherry-pick",
                                         f"{old}...{new}"], ctx))
            unheld = set(_listed(repo, ["rev-list", f"--max-count={MAX_LISTED}", old, "--not", new, "--branches",
                                        "--tags"], ctx))
            kept = set(lost) - (missing & unheld)
        if made_here is None and len(kept) < len(lost):
            made_here = _made_here(repo, ctx)
        mine = {c for c in lost if c not in kept and c in (made_here or set())}
        others = len(lost) - len(kept) - len(mine)
        for key, n in (("commits_lost", len(lost)), ("commits_kept", len(kept)), ("commits_made_here", len(mine)),
                       ("commits_others", others)):
            counts[key] += n
        parts.append(_describe(remote, dst, len(lost), len(kept), len(mine), others))
        shared = _shared(repo, remote, dst, ctx)
        if others:
            irreplaceable = True
        elif irreplaceable is not True:
            if not leased:
                irreplaceable = None
                notes.append(f"no lease on {dst}: the remote may hold commits the last fetch did not bring "
                             "(--force-with-lease makes git check)")
            elif shared:
                irreplaceable = None
                notes.append(f"{dst} is {shared}: others build on its history")
    summary = "; ".join(parts + notes)
    details = ("as of the last fetch; a fetch first shows what the remote holds now",)
    return Radius(True, summary, counts, irreplaceable=irreplaceable, source="git", details=details)


def _describe(remote: str, dst: str, lost: int, kept: int, mine: int, others: int) -> str:
    if not lost:
        return f"no commits lost on {remote}/{dst} (a fast-forward)"
    bits = [f"{_n(lost)} on {remote}/{dst} would be overwritten"]
    if kept:
        bits.append(f"{kept:,} still here (rebased, or on a local branch or tag)")
    if mine:
        bits.append(f"{mine:,} made in this clone")
    if others:
        bits.append(f"{others:,} nowhere but on the remote")
    return ": ".join([bits[0], ", ".join(bits[1:])]) if len(bits) > 1 else bits[0]


def _n(n: int) -> str:
    return f"{n:,} commit{'' if n == 1 else 's'}"


def _listed(repo: str, args: list[str], ctx: MeasureContext) -> list[str]:
    return [line for line in git(repo, *args, ctx=ctx).split() if line]


def _made_here(repo: str, ctx: MeasureContext) -> set[str]:
    """Commits HEAD's reflog records this clone making (committing, amending, rebasing onto,
    cherry-picking, merging), when the entry was written as the commit was made: a reflog entry
    can be written for any commit (`git update-ref -m "commit: ..." HEAD SHA`), but a commit's
    time is part of its id, so someone else's older commit cannot be passed off as made here."""
    out = git(repo, "reflog", "show", "--date=unix", "--format=%H%x00%ct%x00%gd%x00%gs", "HEAD", "--", ctx=ctx,
              check=False)
    table = _table()
    window = int(table["made_within_s"])
    made: set[str] = set()
    for line in out.splitlines():
        fields = line.split("\0", 3)
        if len(fields) != 4:
            continue
        sha, committed, selector, subject = fields
        action, _, message = subject.partition(": ")
        logged = selector.rpartition("@{")[2].rstrip("}")
        if not (committed.isdigit() and logged.isdigit() and 0 <= int(logged) - int(committed) <= window):
            continue
        if globs.match_any(action, table["made_here"]) and not globs.match_any(message, table["not_made"]):
            made.add(sha)
    return made


def _shared(repo: str, remote: str, dst: str, ctx: MeasureContext) -> str:
    """Why `dst` is a branch others share ("" when it is not): protected by the policy, the
    remote's default branch, named like a long-lived shared branch, or on a remote whose default
    this clone does not know (then it may be that default)."""
    section = ctx.policy.section("protected_branches") if ctx.policy is not None else None
    if section and globs.match_any(dst, list(section)):
        return "a protected branch"
    head = git(repo, "symbolic-ref", "-q", f"refs/remotes/{remote}/HEAD", ctx=ctx, check=False).strip()
    if head == f"refs/remotes/{remote}/{dst}":
        return f"the default branch of {remote}"
    if dst in _table()["default_names"]:
        return "named like a shared long-lived branch"
    if not head:
        return (f"on {remote}, whose default branch is not known here (`git remote set-head {remote} --auto` "
                "records it)")
    return ""
