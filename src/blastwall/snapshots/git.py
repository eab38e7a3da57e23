"""Git snapshots: what a force-push, `reset --hard`, `clean -f`, `checkout --`, `branch -D`,
`stash drop`, `filter-branch` or `reflog expire` would lose, saved before it runs.

What is saved, by mode (`take.py` picks the modes from the findings):
- the modes whose action may move HEAD (worktree, refs, reflog): where HEAD is (branch and
  commit); the other modes do not ask;
- `worktree` (reset --hard, checkout/restore/switch that discard work): the current branch's
  commit and `git stash create` (uncommitted changes, staged and not) under a backup ref;
- `untracked` (clean -f): the untracked files clean would delete, copied into the snapshot
  folder (ignored files too for `-x`, except regenerable ones such as node_modules);
- `branches` (branch -D): the branches' commits; `stash` (stash drop/clear): every stash entry;
- `refs` (filter-branch, filter-repo, update-ref -d): every ref; `reflog` (reflog expire, gc
  --prune=now, prune): every ref and the commits the reflogs reach;
- `remote` (force, mirror and deleting pushes): the remote's current commit of each ref the
  push changes (`git ls-remote`, then fetched when it is not here; the last fetched state when
  the remote cannot be reached) and the commit that replaces it.

Backup refs live in the repository under `refs/blastwall/<snapshot id>/` (so gc keeps the
commits); a `git bundle` of the commits that would become unreachable is kept in the snapshot
folder, outside the repository. Undo moves refs back, reapplies the saved changes, copies the
untracked files back, and for a remote prints the `git push --force-with-lease` command that puts
it back: blastwall never pushes by itself.
"""

from __future__ import annotations

import os
import shlex
import time
from typing import Any, NamedTuple

from blastwall.snapshots import gitops
from blastwall.snapshots.base import Snapshot, SnapshotError, discard, new_folder, register, save
from blastwall.snapshots.fscopy import Budget, copy_entry, saved_path
from blastwall.snapshots.git_undo import drop, restore
from blastwall.snapshots.gitops import BACKUP_NS, BUNDLE, GitFailed, git

KIND = "git"
MODES = ("remote", "worktree", "untracked", "branches", "stash", "refs", "reflog")


class GitStep(NamedTuple):
    """One finding's share of a git snapshot."""

    mode: str
    target: str = ""
    source: str = ""


def take(repo: str, steps: list[GitStep], *, action: str, digest: str, budget: Budget,
         remote_timeout_s: float = 10.0, root: str | None = None, request_id: str | None = None) -> Snapshot:
    sid, folder = new_folder(KIND, root)
    try:
        rec = _Recorder(repo, sid, folder, budget, remote_timeout_s)
        for step in steps:
            rec.add(step)
        rec.finish()
        what = ", ".join(dict.fromkeys(f"{s.mode}{' ' + s.target if s.target else ''}" for s in steps))
        snap = Snapshot(id=sid, kind=KIND, created_at=time.time(), action=action, digest=digest,
                        target=f"{repo}: {what}"[:300], location=folder, size_bytes=rec.size,
                        meta=rec.meta(), request_id=request_id)
        return save(snap, root)
    except BaseException:
        gitops.drop_refs(repo, f"{BACKUP_NS}/{sid}")
        discard(sid, root)
        raise


class _Recorder:
    def __init__(self, repo: str, sid: str, folder: str, budget: Budget, remote_timeout_s: float) -> None:
        self.repo, self.sid, self.folder, self.budget, self.timeout = repo, sid, folder, budget, remote_timeout_s
        self.ns = f"{BACKUP_NS}/{sid}"
        self._head: tuple[str | None, str | None] | None = None  # asked when a mode needs it (not for a push)
        self.local: dict[str, str] = {}  # ref the action may move or delete -> its commit now
        self.backups: dict[str, str] = {}  # backup ref -> object
        self.worktree: str | None = None
        self.stash: list[list[str]] = []  # [commit, message] of each stash entry, newest first
        self.untracked: list[str] = []
        self.remotes: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.keep_out: list[str] = []  # commits that stay reachable after the action (bundle prerequisites)
        self.head_kept = False  # the action may move HEAD (undo puts it back)
        self.moving: set[str] = set()  # refs the action moves without undo moving them back
        self.size = 0

    @property
    def head_ref(self) -> str | None:
        return self._where_head()[0]

    @property
    def head_sha(self) -> str | None:
        return self._where_head()[1]

    def _where_head(self) -> tuple[str | None, str | None]:
        """Where HEAD is (gitops.head), asked once and only by the modes that save it: no step
        moves HEAD before the action runs, so asking late gives the same answer."""
        if self._head is None:
            self._head = gitops.head(self.repo)
        return self._head

    # --- modes ---------------------------------------------------------------------------------

    def add(self, step: GitStep) -> None:
        self.budget.tick()
        getattr(self, f"_{step.mode}")(step)

    def _keep_head(self) -> None:
        self.head_kept = True
        if self.head_sha:
            self._local(self.head_ref or "HEAD", self.head_sha)

    def _local(self, ref: str, sha: str) -> None:
        self.local[ref] = sha
        self.backups[f"{self.ns}/{_short(ref)}"] = sha

    def _worktree(self, step: GitStep) -> None:
        self._keep_head()
        if self.worktree is None and self.head_sha:
            sha = _stash_create(self.repo, f"blastwall {self.sid}")
            if sha:
                self.worktree = sha
                self.backups[f"{self.ns}/worktree"] = sha

    def _untracked(self, step: GitStep) -> None:
        with_ignored = _has_short_flag(step.source, "x")
        args = ["ls-files", "-z", "--others"] + ([] if with_ignored else ["--exclude-standard"])
        names = [n for n in git(self.repo, *args, timeout=60).split("\0") if n]
        if with_ignored:
            from blastwall.analyze.paths import classify

            names = [n for n in names if classify(n, None).kind != "regenerable"]
        from blastwall.snapshots.fscopy import measure

        total = sum(measure(os.path.join(self.repo, n), self.budget)[0] for n in names)
        self.budget.check(total, f"the untracked files of {self.repo}")
        for name in names:
            if name in self.untracked:
                continue
            path = os.path.join(self.repo, name)
            if os.path.lexists(path):
                copied = copy_entry(path, saved_path(self.folder, path), self.budget)
                self.size += copied.bytes
                self.untracked.append(name)

    def _branches(self, step: GitStep) -> None:
        for name in step.target.split():
            sha = gitops.sha_of(self.repo, f"refs/heads/{name}")
            if sha:
                self._local(f"refs/heads/{name}", sha)

    def _stash(self, step: GitStep) -> None:
        if not self.stash:
            self.stash = [[sha, message] for sha, message in gitops.stash_entries(self.repo)]
            for n, (sha, _) in enumerate(self.stash):
                self.backups[f"{self.ns}/stash/{n}"] = sha

    def _refs(self, step: GitStep) -> None:
        self._keep_head()
        for ref, sha in gitops.refs(self.repo, "refs/heads", "refs/tags", "refs/remotes", "refs/notes").items():
            self._local(ref, sha)
        self._stash(step)

    def _reflog(self, step: GitStep) -> None:
        self._refs(step)
        for n, sha in enumerate(gitops.reflog_commits(self.repo)):
            self.backups[f"{self.ns}/reflog/{n}"] = sha

    def _remote(self, step: GitStep) -> None:
        plan = gitops.push_plan(self.repo, step.target, step.source)
        seen = gitops.ls_remote(self.repo, plan.remote, self.timeout)
        wanted = list(plan.refs)
        if seen is not None and (plan.all_heads or plan.all_tags):
            wanted += [(ref, None) for ref in seen if (plan.all_heads and ref.startswith("refs/heads/"))
                       or (plan.all_tags and ref.startswith("refs/tags/"))]
        if seen is None:
            self.notes.append(f"{plan.remote} could not be reached; saved its last fetched state")
        done = {r["ref"] for r in self.remotes if r["remote"] == plan.remote}
        for ref, new in wanted:
            if ref in done:
                continue
            done.add(ref)
            entry = self._remote_ref(plan.remote, ref, new, seen)
            self.remotes.append(entry)
            if ref.startswith("refs/heads/"):  # the push moves the remote-tracking ref too
                self.moving.add(f"refs/remotes/{plan.remote}/{ref[len('refs/heads/'):]}")
            if new:
                self.keep_out.append(new)

    def _remote_ref(self, remote: str, ref: str, new: str | None, seen: dict[str, str] | None) -> dict[str, Any]:
        entry: dict[str, Any] = {"remote": remote, "ref": ref, "new": new, "old": None, "origin": "none", "backup": None}
        backup = f"{self.ns}/remote/{gitops.safe_name(remote)}/{ref[len('refs/'):]}"
        if seen is not None:
            old = seen.get(ref)
            if old is None:
                entry["origin"] = "absent"  # the push creates it: nothing to lose
                return entry
            if gitops.missing_objects(self.repo, [old]):
                git(self.repo, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--refmap=", remote,
                    f"+{ref}:{backup}", timeout=max(self.timeout, 30.0))
                old = gitops.sha_of(self.repo, backup) or old  # the remote may have moved meanwhile
            entry.update(old=old, origin="remote")
        else:
            tracking = f"refs/remotes/{remote}/{ref[len('refs/heads/'):]}" if ref.startswith("refs/heads/") else ref
            old = gitops.sha_of(self.repo, tracking)
            if old is None:
                return entry
            entry.update(old=old, origin="last fetched")
        self.backups[backup] = entry["old"]
        entry["backup"] = backup
        return entry

    # --- bundle and record ---------------------------------------------------------------------

    def finish(self) -> None:
        gitops.write_refs(self.repo, self.backups)
        if self.backups:
            self._bundle()

    def _bundle(self) -> None:
        affected = set(self.local) | self.moving
        keep = [sha for ref, sha in gitops.refs(self.repo, "refs/heads", "refs/tags", "refs/remotes").items()
                if ref not in affected] + self.keep_out
        path = os.path.join(self.folder, BUNDLE)
        args = ["bundle", "create", "--quiet", path, *sorted(self.backups)]
        if keep:
            args += ["--not", *sorted(set(keep))]
        left = 120.0 if self.budget.deadline is None else max(1.0, self.budget.deadline - time.monotonic())
        try:
            git(self.repo, *args, timeout=left)
        except GitFailed as exc:
            if os.path.exists(path):
                os.unlink(path)
            if "empty bundle" in str(exc):
                self.notes.append("no commit becomes unreachable: the backup refs alone keep everything")
                return
            raise
        size = os.path.getsize(path)
        try:
            self.budget.charge(size, f"the bundle of {self.repo}")
        except SnapshotError:
            if any(r.get("backup") for r in self.remotes):
                raise
            os.unlink(path)
            self.notes.append("the bundle was over the snapshot limit; the backup refs in the repository keep "
                              "the commits")
            return
        self.size += size

    def meta(self) -> dict[str, Any]:
        head = {"ref": self.head_ref, "sha": self.head_sha} if self.head_kept else {}
        return {"repo": self.repo, "head": head, "local": self.local,
                "backups": self.backups, "worktree": self.worktree, "stash": self.stash,
                "untracked": self.untracked, "remotes": self.remotes, "notes": self.notes,
                "bundle": BUNDLE if os.path.exists(os.path.join(self.folder, BUNDLE)) else None}


def _short(ref: str) -> str:
    return "HEAD" if ref == "HEAD" else "local/" + ref[len("refs/"):] if ref.startswith("refs/") else "local/" + ref


def _has_short_flag(source: str, letter: str) -> bool:
    try:
        words = shlex.split(source)
    except ValueError:
        words = source.split()
    return any(w.startswith("-") and not w.startswith("--") and letter in w[1:] for w in words)


register(KIND, restore, drop)


def _stash_create(repo: str, message: str) -> str:
    """`git stash create`: the work tree's changes as a commit that no ref holds yet. It can fail
    silently while another git process refreshes the index; it is tried again once before the
    snapshot (and with it the approved action) is given up."""
    try:
        return git(repo, "stash", "create", message, timeout=120).strip()
    except gitops.GitFailed:
        time.sleep(0.2)
        return git(repo, "stash", "create", message, timeout=120).strip()
