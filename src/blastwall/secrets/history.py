"""Credentials in a repository's objects: what a git command would print, checked blob by blob.

    git = Git(repo, deadline)
    git.raw("diff-tree", "-r", "--root", "-m", "HEAD")   # [(path, sha), ...] both sides of each change
    git.blob("HEAD:ops/notes.md")                         # (path, sha) or None
    check_blobs(git, [(path, sha), ...])                  # [(path, sha, Found)] of those holding one

A secret committed once stays in every clone's history whatever the work tree says now. Blobs are
content-addressed, so a blob's answer is cached for good in blastwall's index (index.py), keyed
by its id and the name it is printed under (a name decides which formats apply, `.env`).

Git runs read-only and cannot run the repository's own programs on blastwall's behalf: plumbing
commands, `core.fsmonitor=false`, `--no-ext-diff --no-textconv`, `GIT_OPTIONAL_LOCKS=0`, no
pager, no terminal prompt. Words the agent wrote are passed only as revisions and paths after
`--end-of-options` / `--`, never as options. Everything is bounded by the check's deadline; a
blob larger than content.MAX_BYTES, or one not checked in time, is UNCHECKED.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterable

from blastwall.secrets.content import MAX_BYTES, scan_bytes, skipped_name
from blastwall.secrets.index import CLEAN, HOLDS, UNCHECKED, Found, open_index

ZERO = "0" * 40
_SAFE = ("-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "core.pager=cat",
         "-c", "diff.external=", "--no-pager")


class OutOfTime(Exception):
    pass


class Git:
    """Read-only git questions about one repository, within a deadline."""

    def __init__(self, repo: str, deadline: float, git_dir: str = "") -> None:
        self.repo = repo
        self.deadline = deadline
        self.git_dir = git_dir  # `--git-dir` the command names (else git finds it from `repo`)

    def run(self, *args: str, stdin: bytes | None = None) -> tuple[int, bytes]:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise OutOfTime
        env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0",
               "GIT_PAGER": "cat", "PAGER": "cat"}
        for name in ("GIT_EXTERNAL_DIFF", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"):
            env.pop(name, None)  # the repository is the one the command names, not blastwall's environment
        try:
            where = ["--git-dir", self.git_dir] if self.git_dir else []
            proc = subprocess.run(["git", "-C", self.repo, *where, *_SAFE, *args], input=stdin, capture_output=True,
                                  timeout=left, env=env, check=False,
                                  **({} if stdin is not None else {"stdin": subprocess.DEVNULL}))
        except subprocess.TimeoutExpired:
            raise OutOfTime from None
        except OSError:
            return 127, b""
        return proc.returncode, proc.stdout

    def text(self, *args: str) -> str | None:
        code, out = self.run(*args)
        return out.decode("utf-8", "surrogateescape") if code == 0 else None

    def raw(self, *args: str) -> list[tuple[str, str]] | None:
        """(path, blob id) of both sides of every change a `--raw` diff or log lists; the work
        tree's side (id 0...0) is given as (path, "") for the caller to check the file."""
        extra = ("--raw", "--no-abbrev", "--no-ext-diff", "--no-textconv") if args[0] in ("diff", "log") \
            else ("--raw", "--no-abbrev")
        out = self.text(args[0], *extra, *args[1:])  # options before the agent's revisions and paths
        if out is None:
            return None
        found: list[tuple[str, str]] = []
        for line in out.splitlines():
            if not line.startswith(":"):
                continue
            meta, _, names = line.partition("\t")
            parts = meta.split()
            if len(parts) < 5:
                continue
            paths = names.split("\t")
            old_sha, new_sha = parts[-3], parts[-2]
            for sha, path in ((old_sha, paths[0]), (new_sha, paths[-1])):
                if sha == ZERO:
                    if path and parts[-1][:1] != "D":
                        found.append((path, ""))
                else:
                    found.append((path, sha))
        return list(dict.fromkeys(found))

    def blob(self, spec: str) -> tuple[str, str] | None:
        """(path, id) when `spec` (`REV:path`, an object id) names a blob; None otherwise."""
        named = spec if ":" in spec else spec + "^{object}"  # `REV:path^{object}` would name a path
        out = self.text("rev-parse", "-q", "--verify", "--end-of-options", named)
        if not out:
            return None
        sha = out.strip()
        kind = self.text("cat-file", "-t", sha)
        if (kind or "").strip() != "blob":
            return None
        return (spec.split(":", 1)[1] if ":" in spec else sha[:12]), sha

    def tree_blobs(self, rev: str, paths: Iterable[str] = ()) -> list[tuple[str, str]] | None:
        out = self.text("ls-tree", "-r", "--full-tree", "--end-of-options", rev, *paths)  # ls-tree takes no `--`
        if out is None:
            return None
        found = []
        for line in out.splitlines():
            meta, _, path = line.partition("\t")
            parts = meta.split()
            if len(parts) == 3 and parts[1] == "blob":
                found.append((path, parts[2]))
        return found

    def all_blobs(self) -> list[tuple[str, str]] | None:
        """Every blob in the object store (reachable or not), named by a path where one is known."""
        out = self.text("cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype)")
        if out is None:
            return None
        shas = [line.split()[0] for line in out.splitlines() if line.endswith(" blob")]
        names: dict[str, str] = {}
        listed = self.text("rev-list", "--objects", "--all", "--reflog", "--indexed-objects")
        for line in (listed or "").splitlines():
            sha, _, path = line.partition(" ")
            if path:
                names.setdefault(sha, path)
        return [(names.get(sha, sha[:12]), sha) for sha in shas]


def check_blobs(git: Git, blobs: Iterable[tuple[str, str]]) -> list[tuple[str, str, Found]]:
    """The blobs among `blobs` that hold a credential or could not be checked: (path, id, Found)."""
    wanted = [(p, s) for p, s in dict.fromkeys(blobs) if s and not skipped_name(p)]
    if not wanted:
        return []
    idx = open_index()
    keys = {(p, s): _key(p, s) for p, s in wanted}
    try:
        known = idx.blobs(keys.values()) if idx is not None else {}
    except Exception:  # noqa: BLE001 - a broken cache is read around
        known = {}
    todo = [(p, s) for p, s in wanted if keys[(p, s)] not in known]
    fresh = _read_blobs(git, todo) if todo else {}
    if idx is not None and fresh:
        idx.put_blobs({keys[k]: f for k, f in fresh.items()})
    out = []
    for p, s in wanted:
        found = known.get(keys[(p, s)]) or fresh.get((p, s)) or Found(UNCHECKED, why="blastwall ran out of time")
        if found.state != CLEAN:
            out.append((p, s, found))
    return out


def _key(path: str, sha: str) -> str:
    return f"{sha}:{os.path.basename(path).lower()}"


def _read_blobs(git: Git, todo: list[tuple[str, str]]) -> dict[tuple[str, str], Found]:
    """Read each blob once (`cat-file --batch`) and check it; blobs over the bound are UNCHECKED."""
    sizes: dict[str, int] = {}
    shas = list(dict.fromkeys(s for _, s in todo))
    try:
        code, out = git.run("cat-file", "--batch-check=%(objectname) %(objectsize)",
                            stdin="".join(f"{s}\n" for s in shas).encode())
        for line in out.decode("ascii", "replace").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                sizes[parts[0]] = int(parts[1])
        small = [s for s in shas if sizes.get(s, MAX_BYTES + 1) <= MAX_BYTES]
        code, out = git.run("cat-file", "--batch", stdin="".join(f"{s}\n" for s in small).encode()) \
            if small else (0, b"")
    except OutOfTime:
        return {}
    data: dict[str, bytes] = {}
    pos = 0
    while pos < len(out):
        end = out.find(b"\n", pos)
        if end < 0:
            break
        header = out[pos:end].split()
        if len(header) != 3:
            break
        size = int(header[2])
        data[header[0].decode()] = out[end + 1:end + 1 + size]
        pos = end + 1 + size + 1
    found: dict[tuple[str, str], Found] = {}
    for path, sha in todo:
        if sha in data:
            found[(path, sha)] = scan_bytes(data[sha], path)
        elif sizes.get(sha, 0) > MAX_BYTES:
            found[(path, sha)] = Found(UNCHECKED, why=f"it is larger than the {MAX_BYTES // (1024 * 1024)} MB blastwall checks")
    return found


__all__ = ["HOLDS", "UNCHECKED", "Git", "OutOfTime", "check_blobs"]
