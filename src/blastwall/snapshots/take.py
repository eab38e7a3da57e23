"""`protect()`: before an approved destructive action runs, take the snapshots its findings call
for. The doors call it once a human's grant has let an `ask` through (hooks, `blastwall exec`).

Which findings: those the policy does not simply allow (what the human approved). Which kind of
snapshot: the first row of `PLANS` whose rule-id glob and effect match the finding. A finding no
row matches is not snapshotted (blastwall has no way to save it, e.g. a cloud volume; the
approval was for that). Every snapshot, and every failure to take one, is recorded in the audit
log (kind "snapshot").

A snapshot that cannot be taken (over the size limit, a target blastwall cannot resolve, a git
error) raises SnapshotError and the door refuses the action, unless `[snapshots] required = false`.
"""

from __future__ import annotations

import fnmatch
import os
import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from blastwall.model import Action, Decision, Finding, Surface, Verdict
from blastwall.snapshots.base import Snapshot, SnapshotError, delete


class Plan(NamedTuple):
    rule: str  # glob over finding rule ids
    effect: str  # the finding's effect, or "*"
    kind: str  # "files" | "git"
    mode: str  # files: the operation; git: what to save (git.MODES)


PLANS: tuple[Plan, ...] = (
    # rule id                            effect       kind     what is saved
    Plan("shell.git:push-force",         "*",         "git",   "remote"),     # remote's old commit + bundle
    Plan("shell.git:push-mirror",        "*",         "git",   "remote"),
    Plan("shell.git:push-delete",        "*",         "git",   "remote"),
    Plan("shell.git:reset-hard",         "*",         "git",   "worktree"),   # branch + uncommitted changes
    Plan("shell.git:checkout-discard",   "*",         "git",   "worktree"),
    Plan("shell.git:restore",            "*",         "git",   "worktree"),
    Plan("shell.git:restore-worktree",   "*",         "git",   "worktree"),
    Plan("shell.git:switch-discard",     "*",         "git",   "worktree"),
    Plan("shell.git:clean-force",        "*",         "git",   "untracked"),  # untracked files, copied
    Plan("shell.git:branch-force-delete*", "*",       "git",   "branches"),
    Plan("shell.git:stash-drop",         "*",         "git",   "stash"),
    Plan("shell.git:filter-branch",      "*",         "git",   "refs"),       # every ref
    Plan("shell.git:filter-repo",        "*",         "git",   "refs"),
    Plan("shell.git:update-ref-delete",  "*",         "git",   "refs"),
    Plan("shell.git:reflog-expire",      "*",         "git",   "reflog"),     # every ref + reflog commits
    Plan("shell.git:gc-prune-now",       "*",         "git",   "reflog"),
    Plan("shell.git:prune",              "*",         "git",   "reflog"),
    Plan("shell.git:worktree-remove-force", "*",      "files", "delete"),
    Plan("shell.fs:*",                   "delete",    "files", "delete"),     # rm, unlink, shred, find -delete
    Plan("shell.fs:*",                   "overwrite", "files", "overwrite"),  # mv/cp over, > file, truncate, dd
    Plan("file.write:*",                 "overwrite", "files", "overwrite"),  # a file-write tool replacing a file
)


def plan_for(finding: Finding) -> Plan | None:
    for plan in PLANS:
        if fnmatch.fnmatchcase(finding.rule_id, plan.rule) and plan.effect in ("*", finding.effect.value):
            return plan
    return None


class Work(NamedTuple):
    """What one protect() call will save."""

    files: list[Any]  # files.FileTarget
    git: dict[str, list[Any]]  # repository -> git.GitStep


def plan(actions: Sequence[Action], verdicts: Sequence[Verdict], policy: Any,
         env: Mapping[str, str] | None = None) -> Work:
    """Resolve the approved findings of one tool call to files and repositories."""
    from blastwall.snapshots import where

    env = os.environ if env is None else env
    policy = policy if policy is not None else _default_policy()
    work = Work([], {})
    repos: dict[str, str | None] = {}  # folder -> its repository: asked once for all the findings
    for action, verdict in zip(actions, verdicts, strict=False):
        cwd = action.context.cwd or os.getcwd()
        dirs: dict[str, list[str]] | None = None
        for f in verdict.findings:
            p = plan_for(f)
            if p is None or not _approved(f, action, policy):
                continue
            if action.surface is Surface.FILE_WRITE and isinstance(action.payload, dict):
                from blastwall.snapshots.files import FileTarget

                path = str(action.payload.get("path") or f.target)
                work.files.append(FileTarget(os.path.normpath(os.path.join(cwd, os.path.expanduser(path))), p.mode))
                continue
            if action.surface is not Surface.SHELL or not isinstance(action.payload, str):
                continue
            if dirs is None:
                dirs = where.command_dirs(action.payload, cwd, env)
            bases = dirs.get(f.source[:200]) or [cwd]
            if p.kind == "files":
                from blastwall.snapshots.files import FileTarget

                found, patterns = where.file_targets(f.target, bases, env)
                work.files.extend(FileTarget(path, p.mode, patterns) for path in found)
                if not found:  # recorded as missing: nothing there to save
                    work.files.append(FileTarget(os.path.normpath(os.path.join(bases[0] or cwd, f.target)), p.mode))
            else:
                from blastwall.snapshots.git import GitStep
                from blastwall.snapshots.gitops import top_level

                folder = where.git_folder(f.source, bases[0], env)
                if folder not in repos:
                    repos[folder] = top_level(folder)
                repo = repos[folder]
                if repo is not None:  # outside a repository the git command fails by itself
                    work.git.setdefault(repo, []).append(GitStep(p.mode, f.target, f.source))
    return work


def _approved(f: Finding, action: Action, policy: Any) -> bool:
    decision, _ = policy.decide(f, agent=action.context.agent, surface=action.surface.value)
    return decision is not Decision.ALLOW


def _default_policy() -> Any:
    from blastwall.policy.engine import default_policy

    return default_policy()


def protect(actions: Sequence[Action], verdicts: Sequence[Verdict], *, policy: Any, request_id: str | None = None,
            deadline: float | None = None, store: Any = None, env: Mapping[str, str] | None = None) -> list[Snapshot]:
    """Take the snapshots an approved tool call needs; raises SnapshotError when one that is
    required cannot be taken (nothing is kept then)."""
    from blastwall.snapshots.fscopy import Budget
    from blastwall.snapshots.settings import SettingsError, settings_of

    try:
        settings = settings_of(policy)
    except SettingsError as exc:
        raise SnapshotError(f"{exc}; `blastwall policy check` shows it") from None
    summary, digest = _describe(actions)
    taken: list[Snapshot] = []
    failure: SnapshotError | None = None
    try:
        work = plan(actions, verdicts, policy, env)
        budget = Budget(settings.max_bytes, deadline)
        if work.files:
            from blastwall.snapshots import files

            taken.append(files.take(work.files, action=summary, digest=digest, budget=budget, root=settings.dir,
                                    request_id=request_id))
        for repo, steps in work.git.items():
            from blastwall.snapshots import git

            taken.append(git.take(repo, steps, action=summary, digest=digest, budget=budget,
                                  remote_timeout_s=settings.remote_timeout_s, root=settings.dir,
                                  request_id=request_id))
    except SnapshotError as exc:
        failure = exc
    except Exception as exc:  # noqa: BLE001 - an unexpected failure is a snapshot that was not taken
        failure = SnapshotError(f"blastwall could not take the snapshot ({type(exc).__name__}: {str(exc)[:160]})")
    if failure is not None and settings.required:
        for snap in taken:
            delete(snap, settings.dir)
        record(taken=[], failure=str(failure), settings=settings, request_id=request_id, digest=digest, store=store)
        raise failure
    record(taken=taken, failure=str(failure) if failure else None, settings=settings, request_id=request_id,
           digest=digest, store=store)
    return taken


def _describe(actions: Sequence[Action]) -> tuple[str, str]:
    from blastwall.approvals.requests import summary, tool_digest

    return summary(actions), tool_digest(actions)


def record(*, taken: Sequence[Snapshot], failure: str | None, settings: Any, request_id: str | None, digest: str,
           store: Any = None) -> None:
    """Audit entries (kind "snapshot") for what was saved, or why nothing could be."""
    from blastwall.audit.log import record as audit

    try:
        own = store is None
        if own:
            from blastwall.store import open_store

            store = open_store()
        try:
            for snap in taken:
                audit(store, "snapshot", snap.id, {"kind": snap.kind, "target": snap.target, "size": snap.size_bytes,
                                                   "request_id": request_id, "digest": digest,
                                                   "location": snap.location, "action": snap.action})
            if failure:
                audit(store, "snapshot", request_id or digest[:16], {"error": failure, "required": settings.required,
                                                                      "request_id": request_id, "digest": digest})
        finally:
            if own:
                store.close()
    except Exception:  # noqa: BLE001 - the snapshot exists; a log that cannot be written must not undo that
        pass


HOOK_BUDGET_S = 15.0  # an agent waits ~30 s for its hook; the analysis has taken some of that


def approved_in_hook(actions: Sequence[Action], verdicts: Sequence[Verdict], gated: Any, *, policy: Any,
                     extend: Any = None) -> Any:
    """For the hook doors: `gated` (approvals/gate.Gated, state "approved") once its snapshots are
    taken, or a deny that says why they could not be (the action must not run unprotected)."""
    if extend is not None:
        extend(HOOK_BUDGET_S + 5)
    try:
        taken = protect(actions, verdicts, policy=policy, request_id=gated.request_id,
                        deadline=time.monotonic() + HOOK_BUDGET_S)
    except SnapshotError as exc:
        return gated._replace(decision="deny", state="", reasons=(
            f"it was approved, but blastwall could not save what it would destroy first: {exc}",))
    notes = tuple(f"snapshot {s.id} saved {s.target}; `blastwall undo {s.id}` restores it" for s in taken)
    return gated._replace(reasons=(*gated.reasons, *notes))


def before_prompt_in_hook(actions: Sequence[Action], verdicts: Sequence[Verdict], gated: Any, *, policy: Any,
                          extend: Any = None) -> Any:
    """For an `ask` left to the agent's own permission prompt: blastwall never learns whether the
    human says yes, so it saves what the action would destroy before the prompt shows. A snapshot
    that cannot be taken does not change the ask; the human is told."""
    if extend is not None:
        extend(HOOK_BUDGET_S + 5)
    try:
        taken = protect(actions, verdicts, policy=policy, request_id=None, deadline=time.monotonic() + HOOK_BUDGET_S)
    except SnapshotError as exc:
        return gated._replace(reasons=(*gated.reasons, f"no snapshot could be taken first ({exc})"))
    notes = tuple(f"if you approve, `blastwall undo {s.id}` restores {s.target}" for s in taken)
    return gated._replace(reasons=(*gated.reasons, *notes))

