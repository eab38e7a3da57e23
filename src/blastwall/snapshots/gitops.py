"""Small, careful git plumbing for git snapshots: run git without prompts, read refs, and work
out which remote refs a push would change.

Every call runs `git -C REPO ...` with a timeout, no terminal prompt (`GIT_TERMINAL_PROMPT=0`,
ssh in batch mode unless the user configured their own ssh command) and the C locale.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from typing import NamedTuple

from blastwall.snapshots.base import SnapshotError

BACKUP_NS = "refs/blastwall"
BUNDLE = "refs.bundle"  # in the snapshot folder: the commits that would become unreachable


class GitFailed(SnapshotError):
    """A git command failed; the message has git's own first line."""


def git(repo: str, *args: str, timeout: float = 60.0, check: bool = True, input: str | None = None) -> str:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"}
    for key, value in (("GIT_AUTHOR_NAME", "blastwall"), ("GIT_AUTHOR_EMAIL", "blastwall@localhost"),
                       ("GIT_COMMITTER_NAME", "blastwall"), ("GIT_COMMITTER_EMAIL", "blastwall@localhost")):
        env.setdefault(key, value)  # the snapshot's own objects (stash create) need an identity; a machine may have none
    if "GIT_SSH_COMMAND" not in env and not env.get("GIT_SSH"):
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes -o ConnectTimeout=5"
    try:
        proc = subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True, timeout=timeout,
                              env=env, input=input, stdin=None if input is not None else subprocess.DEVNULL)
    except FileNotFoundError as exc:
        raise GitFailed("git is not installed; blastwall cannot save this repository") from exc
    except subprocess.TimeoutExpired as exc:
        raise GitFailed(f"git {args[0]} did not finish within {timeout:.0f} s") from exc
    if check and proc.returncode != 0:
        first = (proc.stderr.strip() or proc.stdout.strip() or f"exit {proc.returncode}").splitlines()[0]
        raise GitFailed(f"git {' '.join(args[:2])} failed: {first[:200]}")
    return proc.stdout


def top_level(folder: str) -> str | None:
    """The work tree that contains `folder`, or None when it is not in a repository."""
    if not os.path.isdir(folder):
        return None
    try:
        out = git(folder, "rev-parse", "--show-toplevel", timeout=10).strip()
    except GitFailed:
        return None
    return out or None


def sha_of(repo: str, rev: str) -> str | None:
    out = git(repo, "rev-parse", "-q", "--verify", f"{rev}^{{object}}", check=False, timeout=10).strip()
    return out if re.fullmatch(r"[0-9a-f]{40,64}", out) else None


def missing_objects(repo: str, shas: list[str]) -> list[str]:
    """The objects among `shas` that the repository does not have (one `cat-file` call)."""
    if not shas:
        return []
    out = git(repo, "cat-file", "--batch-check=%(objectname)", input="".join(f"{s}\n" for s in shas),
              check=False, timeout=60)
    return [line.split()[0] for line in out.splitlines() if line.endswith(" missing")]


def head(repo: str) -> tuple[str | None, str | None]:
    """(the branch HEAD points at, or None when detached; the commit, or None in an empty repository)."""
    ref = git(repo, "symbolic-ref", "-q", "HEAD", check=False, timeout=10).strip() or None
    return ref, sha_of(repo, "HEAD")


def refs(repo: str, *patterns: str) -> dict[str, str]:
    """refname -> object id for the refs under `patterns` (blastwall's own backups excluded)."""
    out = git(repo, "for-each-ref", "--format=%(objectname) %(refname)", *patterns, timeout=30)
    found = {}
    for line in out.splitlines():
        sha, _, name = line.partition(" ")
        if name and not name.startswith(BACKUP_NS + "/"):
            found[name] = sha
    return found


def stash_entries(repo: str) -> list[tuple[str, str]]:
    """(commit, message) of every stash entry, newest first."""
    if sha_of(repo, "refs/stash") is None:
        return []
    out = git(repo, "reflog", "show", "--format=%H %gs", "refs/stash", "--", timeout=30)
    entries = []
    for line in out.splitlines():
        sha, _, message = line.strip().partition(" ")
        if sha:
            entries.append((sha, message))
    return entries


def reflog_commits(repo: str, limit: int = 500) -> list[str]:
    """Distinct commits the reflogs still reach (what `reflog expire` or `gc --prune=now` may lose)."""
    out = git(repo, "log", "-g", "--all", "--format=%H", f"-n{limit * 4}", check=False, timeout=30)
    seen: list[str] = []
    for line in out.splitlines():
        sha = line.strip()
        if sha and sha not in seen:
            seen.append(sha)
        if len(seen) >= limit:
            break
    return seen


def write_refs(repo: str, updates: dict[str, str]) -> None:
    """Create or move refs in one transaction (`git update-ref --stdin`)."""
    if updates:
        git(repo, "update-ref", "--stdin", input="".join(f"update {name} {sha}\n" for name, sha in updates.items()))


def backup_refs(repo: str, prefix: str) -> dict[str, str]:
    """blastwall's backup refs under `prefix` (refname -> object id)."""
    out = git(repo, "for-each-ref", "--format=%(objectname) %(refname)", prefix.rstrip("/") + "/",
              check=False, timeout=30)
    return {line.partition(" ")[2]: line.partition(" ")[0] for line in out.splitlines() if " " in line}


def drop_refs(repo: str, prefix: str) -> None:
    """Delete blastwall's backup refs under `prefix` (a pruned or failed snapshot)."""
    if not os.path.isdir(repo):
        return
    try:
        names = backup_refs(repo, prefix)
        if names:
            git(repo, "update-ref", "--stdin", check=False, input="".join(f"delete {n}\n" for n in names))
    except GitFailed:
        pass


def safe_name(text: str) -> str:
    """`text` as one component of a ref name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "remote"


# --- what a push changes -----------------------------------------------------------------------


class PushPlan(NamedTuple):
    remote: str
    refs: tuple[tuple[str, str | None], ...]  # (remote ref, local commit it would get; None = deleted)
    all_heads: bool = False  # --all / --mirror: every branch on the remote
    all_tags: bool = False  # --tags / --mirror


def _config(repo: str, key: str) -> str | None:
    return git(repo, "config", "--get", key, check=False, timeout=10).strip() or None


def push_plan(repo: str, target: str, source: str) -> PushPlan:
    """Which remote refs `git push ...` would change, from the finding's target (`origin +main`)
    and source (for `--delete`, `--all`, `--tags`, `--mirror`)."""
    try:
        words = shlex.split(source)
    except ValueError:
        words = source.split()
    flags = set(words[words.index("push") + 1:] if "push" in words else words)
    deleting = bool(flags & {"--delete", "-d"})
    tokens = target.split()
    branch, _ = head(repo)
    current = branch[len("refs/heads/"):] if branch and branch.startswith("refs/heads/") else None
    remote = tokens[0] if tokens else _default_remote(repo, current)
    specs = tokens[1:]
    mirror, all_heads, tags = "--mirror" in flags, "--all" in flags or "--branches" in flags, "--tags" in flags
    out: list[tuple[str, str | None]] = []
    if not specs and not (mirror or all_heads or tags):
        if current is None:
            raise SnapshotError("HEAD is detached, so blastwall cannot tell which branch the push changes")
        merge = _config(repo, f"branch.{current}.merge")
        out.append((merge or f"refs/heads/{current}", sha_of(repo, f"refs/heads/{current}")))
    for spec in specs:
        spec = spec.lstrip("+")
        src, colon, dst = spec.partition(":")
        if deleting:
            out.append((_remote_ref(repo, src or dst), None))
            continue
        if colon and not src:
            out.append((_remote_ref(repo, dst), None))
            continue
        name = dst or src
        if name == "HEAD" and current:
            name = current
        out.append((_remote_ref(repo, name), sha_of(repo, f"{src or 'HEAD'}^{{commit}}") if src else None))
    return PushPlan(remote, tuple(out), all_heads=mirror or all_heads, all_tags=mirror or tags)


def _default_remote(repo: str, branch: str | None) -> str:
    if branch:
        for key in (f"branch.{branch}.pushRemote", "remote.pushDefault", f"branch.{branch}.remote"):
            value = _config(repo, key)
            if value:
                return value
    return _config(repo, "remote.pushDefault") or "origin"


def _remote_ref(repo: str, name: str) -> str:
    if name.startswith("refs/"):
        return name
    if sha_of(repo, f"refs/tags/{name}") and not sha_of(repo, f"refs/heads/{name}"):
        return f"refs/tags/{name}"
    return f"refs/heads/{name}"


def ls_remote(repo: str, remote: str, timeout: float) -> dict[str, str] | None:
    """refname -> sha on the remote, or None when it cannot be reached in time."""
    try:
        out = git(repo, "ls-remote", "--heads", "--tags", remote, timeout=timeout)
    except GitFailed:
        return None
    found = {}
    for line in out.splitlines():
        sha, _, name = line.partition("\t")
        if name and not name.endswith("^{}"):
            found[name.strip()] = sha.strip()
    return found
