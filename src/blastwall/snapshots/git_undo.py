"""Undoing a git snapshot (`git.py` says what is saved): refs and HEAD move back, the saved
uncommitted changes are reapplied, untracked files are copied back, stash entries are stored
again, and for a remote the `git push --force-with-lease` command that puts it back is returned
for a human to run. Whatever undo moves away from is kept under `refs/blastwall/<id>/replaced/`
or the snapshot folder's `replaced/`.
"""

from __future__ import annotations

import os
import shlex
from typing import Any

from blastwall.snapshots import gitops
from blastwall.snapshots.base import Restored, Snapshot, SnapshotError
from blastwall.snapshots.fscopy import copy_entry, merge_plan, saved_path, set_aside
from blastwall.snapshots.gitops import BACKUP_NS, BUNDLE, GitFailed, git


def restore(snap: Snapshot, *, force: bool = False) -> Restored:
    meta = snap.meta
    repo = str(meta.get("repo") or "")
    if not os.path.isdir(repo) or gitops.top_level(repo) is None:
        bundle = os.path.join(snap.location, BUNDLE)
        hint = f"; the bundle {bundle} holds the saved commits" if os.path.exists(bundle) else ""
        raise SnapshotError(f"the repository {repo} is gone{hint}")
    _ensure_backups(snap, repo)
    done: list[str] = []
    untracked = _untracked_plan(snap, repo, force)
    head = meta.get("head") or {}
    local = dict(meta.get("local") or {})
    for ref, sha in local.items():
        if ref in ("HEAD", head.get("ref")):
            continue
        now = gitops.sha_of(repo, ref)
        if now != sha:
            if now:
                gitops.write_refs(repo, {f"{BACKUP_NS}/{snap.id}/replaced/{ref[len('refs/'):]}": now})
            gitops.write_refs(repo, {ref: sha})
            done.append(f"{_label(ref)} is back at {sha[:10]}")
    done += _restore_head(repo, head, snap.id)
    if meta.get("worktree"):
        done.append(_apply_changes(repo, str(meta["worktree"]), snap.id))
    done += _restore_stash(repo, list(meta.get("stash") or []), snap.id)
    done += _restore_untracked(snap, untracked)
    commands = _push_commands(snap, repo)
    if commands:
        done.append("the remote was not touched: run the command(s) below to put it back (blastwall never "
                    "pushes by itself)")
    return Restored(f"{repo}: " + ("; ".join(done) if done else "nothing had changed"), tuple(commands))


def _label(ref: str) -> str:
    for prefix, word in (("refs/heads/", "branch "), ("refs/tags/", "tag "), ("refs/remotes/", "remote-tracking ")):
        if ref.startswith(prefix):
            return word + ref[len(prefix):]
    return ref


def _ensure_backups(snap: Snapshot, repo: str) -> None:
    """Backup refs that are gone from the repository come back from the bundle."""
    backups = dict(snap.meta.get("backups") or {})
    if not gitops.missing_objects(repo, list(backups.values())):
        return
    bundle = os.path.join(snap.location, BUNDLE)
    if not os.path.exists(bundle):
        raise SnapshotError(f"the saved commits of {snap.id} are gone from {repo} and no bundle holds them")
    git(repo, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", bundle,
        f"+{BACKUP_NS}/{snap.id}/*:{BACKUP_NS}/{snap.id}/*", timeout=300)


def _restore_head(repo: str, head: dict[str, Any], sid: str) -> list[str]:
    ref, sha = head.get("ref"), head.get("sha")
    if not sha:
        return []
    cur_ref, cur_sha = gitops.head(repo)
    out = []
    if ref and cur_ref != ref:
        git(repo, "checkout", "--quiet", ref[len("refs/heads/"):] if ref.startswith("refs/heads/") else ref)
        out.append(f"HEAD is on {_label(ref)} again")
        cur_sha = gitops.sha_of(repo, "HEAD")
    elif not ref and cur_sha != sha:
        git(repo, "checkout", "--quiet", "--detach", sha)
        return [f"HEAD is back at {sha[:10]}"]
    if cur_sha != sha:
        if cur_sha:  # what undo moves away from stays reachable
            gitops.write_refs(repo, {f"{BACKUP_NS}/{sid}/replaced/HEAD": cur_sha})
        try:
            git(repo, "reset", "--quiet", "--keep", sha)
        except GitFailed as exc:
            raise SnapshotError(f"{exc}; commit or stash your current changes, then run undo again") from None
        out.append(f"{_label(ref or 'HEAD')} is back at {sha[:10]}")
    return out


def _apply_changes(repo: str, sha: str, sid: str) -> str:
    for args in (("stash", "apply", "--quiet", "--index", sha), ("stash", "apply", "--quiet", sha)):
        try:
            git(repo, *args, timeout=120)
            return "the uncommitted changes are back"
        except GitFailed:
            continue
    raise SnapshotError(f"the saved uncommitted changes do not apply on the current work tree; they are kept as "
                        f"{BACKUP_NS}/{sid}/worktree (`git stash apply {sha[:12]}` once it is clean)")


def _restore_stash(repo: str, entries: list[list[str]], sid: str) -> list[str]:
    now = {sha for sha, _ in gitops.stash_entries(repo)}
    lost = [(sha, message) for sha, message in entries if sha not in now]
    for sha, message in reversed(lost):  # oldest first, so the newest ends up on top as it was
        git(repo, "stash", "store", "-m", message or f"restored by blastwall undo {sid}", sha)
    return [f"{len(lost)} stash entr{'y is' if len(lost) == 1 else 'ies are'} back"] if lost else []


def _untracked_plan(snap: Snapshot, repo: str, force: bool) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    copies: list[tuple[str, str]] = []
    conflicts: list[tuple[str, str]] = []
    for name in snap.meta.get("untracked") or []:
        path = os.path.join(repo, name)
        more, clash = merge_plan(saved_path(snap.location, path), path)
        copies += more
        conflicts += clash
    if conflicts and not force:
        back = [os.path.relpath(d, repo) for _, d in conflicts]
        shown = ", ".join(back[:5]) + (f" (+{len(back) - 5} more)" if len(back) > 5 else "")
        raise SnapshotError(f"these untracked files exist again with other content: {shown}; nothing was restored. "
                            f"Move them away, or run `blastwall undo {snap.id} --force` (what it replaces is kept in "
                            "the snapshot folder)")
    return copies, conflicts


def _restore_untracked(snap: Snapshot, plan: tuple[list[tuple[str, str]], list[tuple[str, str]]]) -> list[str]:
    copies, conflicts = plan
    for _, path in conflicts:
        set_aside(path, snap.location)
    for saved, path in copies + conflicts:
        copy_entry(saved, path, parents_mode=0o777)
    n = len(copies) + len(conflicts)
    return [f"{n} untracked file{'' if n == 1 else 's'} copied back"] if n else []


def _push_commands(snap: Snapshot, repo: str) -> list[str]:
    out = []
    for entry in snap.meta.get("remotes") or []:
        old, ref, remote = entry.get("old"), str(entry["ref"]), str(entry["remote"])
        if not old:
            continue
        seen = gitops.ls_remote(repo, remote, 10.0)
        now = seen.get(ref) if seen is not None else entry.get("new")
        if now == old:
            continue
        lease = f"--force-with-lease={ref}:{now or ''}"
        out.append(f"git -C {shlex.quote(repo)} push {lease} {shlex.quote(remote)} {old}:{ref}")
    return out


def drop(snap: Snapshot) -> None:
    repo = str(snap.meta.get("repo") or "")
    if repo:
        gitops.drop_refs(repo, f"{BACKUP_NS}/{snap.id}")
