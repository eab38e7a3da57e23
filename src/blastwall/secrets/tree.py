"""Which files under a folder hold credentials: what a recursive read (`grep -r`, `rg`, `tar`,
Claude's Grep) would reach, answered from the index and brought up to date on the way.

    tree = walk_and_check("/srv/app", deadline=time.monotonic() + 1.5)
    tree.holding      # [(path, Found)] files that hold a credential
    tree.unchecked    # [(path, why)] files that could not be checked (too large, unreadable)
    tree.complete     # False when the walk stopped at its time or size bound

Every file's version is compared with the index (index.py); only new and changed files are read
(content.py). What is walked past is the scanner's (`[skip]` of secret_formats.toml): dependency
folders, virtualenvs, caches and version-control folders, except a repository's `.git/config`,
where remote URLs carry tokens. Symbolic links to files are checked at their target; links to
folders are followed only when the reader follows them (`grep -R`), each real folder once.

A walk cut short by its deadline is finished in the background (`complete_later`), so that the
read asked about now is decided from a full index when it is retried.
"""

from __future__ import annotations

import functools
import hashlib
import os
import stat as stat_mod
import subprocess
import sys
import time
from typing import NamedTuple

from blastwall.secrets.content import check_uncached, skipped_name
from blastwall.secrets.index import CLEAN, HOLDS, UNCHECKED, FileEntry, Found, Stamp, open_index

MAX_FILES = 100_000
LOCK_STALE_S = 600.0


class Tree(NamedTuple):
    holding: list[tuple[str, Found]]
    unchecked: list[tuple[str, str]]
    complete: bool
    files: int


@functools.cache
def _skip() -> tuple[frozenset[str], tuple[str, ...]]:
    from blastwall.secrets.formats import table

    skip = table()["skip"]
    return frozenset(skip["dirs"]), tuple(skip["venv_markers"])


def walk_and_check(folder: str, *, deadline: float | None, follow_links: bool = False,
                   hidden: bool = True) -> Tree:
    """Check every file under `folder` (absolute) whose version blastwall does not know yet: this
    process's memo first (a warm daemon worker knows the tree after one walk), then the index
    (one query for the folder), then the file itself."""
    from blastwall.secrets.content import _MEMO, _remember

    listed: list[tuple[str, os.stat_result]] = []
    complete = True
    for path, st in _files(folder, follow_links, hidden):
        if len(listed) >= MAX_FILES or (deadline is not None and len(listed) % 512 == 511
                                        and time.monotonic() > deadline):
            complete = False
            break
        if not skipped_name(path):
            listed.append((path, st))
    idx = open_index()
    known: dict[str, FileEntry] | None = None
    holding: list[tuple[str, Found]] = []
    unchecked: list[tuple[str, str]] = []
    fresh: list[FileEntry] = []
    for path, st in listed:
        stamp = Stamp.of(st)
        memo = _MEMO.get(path)
        if memo is not None and memo[0] == stamp:
            found = memo[1]
        else:
            if known is None:
                try:
                    known = idx.under(folder) if idx is not None else {}
                except Exception:  # noqa: BLE001 - a broken cache is read around
                    known = {}
            entry = known.get(path)
            if entry is not None and entry.stamp == stamp and entry.found.state != UNCHECKED:
                found = entry.found
            elif deadline is not None and time.monotonic() > deadline:
                complete = False
                break
            else:
                found = check_uncached(path, st, deadline=deadline)
                if found.state != UNCHECKED:
                    fresh.append(FileEntry(path, stamp, found))
                    if idx is not None and deadline is None and len(fresh) >= 500:
                        idx.put_files(fresh)  # the background indexer saves as it goes
                        fresh = []
            if found.state != UNCHECKED:
                _remember(path, stamp, found)
        if found.state == HOLDS:
            holding.append((path, found))
        elif found.state == UNCHECKED:
            unchecked.append((path, found.why))
    if idx is not None:
        idx.put_files(fresh)
    return Tree(sorted(holding), sorted(unchecked), complete, len(listed))


def _files(folder: str, follow_links: bool, hidden: bool):  # type: ignore[no-untyped-def]
    """(path, stat) of every regular file under `folder` a recursive read reaches."""
    st = _stat(folder)
    if st is None:
        return
    if stat_mod.S_ISREG(st.st_mode):
        yield folder, st
        return
    if not stat_mod.S_ISDIR(st.st_mode):
        return
    dirs_skip, markers = _skip()
    seen: set[tuple[int, int]] = {(st.st_dev, st.st_ino)}
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for e in entries:
            if not hidden and e.name.startswith("."):
                continue
            try:
                is_link = e.is_symlink()
                is_dir = e.is_dir(follow_symlinks=follow_links)
            except OSError:
                continue
            if is_dir:
                if e.name == ".git":
                    config = os.path.join(e.path, "config")
                    cst = _stat(config)
                    if cst is not None and stat_mod.S_ISREG(cst.st_mode):
                        yield config, cst
                    continue
                if e.name in dirs_skip or any(os.path.exists(os.path.join(e.path, m)) for m in markers):
                    continue
                if is_link:
                    dst = _stat(e.path)
                    if dst is None or (dst.st_dev, dst.st_ino) in seen:
                        continue
                    seen.add((dst.st_dev, dst.st_ino))
                stack.append(e.path)
                continue
            fst = _stat(e.path) if is_link else _entry_stat(e)
            if fst is not None and stat_mod.S_ISREG(fst.st_mode):
                yield e.path, fst


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def _entry_stat(e: os.DirEntry[str]) -> os.stat_result | None:
    try:
        return e.stat(follow_symlinks=False)
    except OSError:
        return None


# ---- finishing a walk in the background ---------------------------------------------------
def complete_later(folder: str) -> bool:
    """Start `python -m blastwall.secrets.index FOLDER` detached, unless one already runs for it;
    True when one runs now."""
    from blastwall.locations import private_dir, state_dir

    try:
        locks = private_dir(os.path.join(state_dir(), "index-locks"))
    except OSError:
        return False  # a read-only state folder (inside the sandbox): reads are checked as they come
    lock = os.path.join(locks, hashlib.sha256(folder.encode("utf-8", "surrogateescape")).hexdigest()[:24])
    try:
        age = time.time() - os.stat(lock).st_mtime
        if age < LOCK_STALE_S:
            return True
        os.unlink(lock)
    except OSError:
        pass
    try:
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return True  # another hook took it a moment ago
    code = ("import os, sys\nfrom blastwall.secrets.index import main\n"
            "try:\n    main([sys.argv[1]])\nfinally:\n    os.unlink(sys.argv[2])\n")
    try:
        subprocess.Popen([sys.executable, "-c", code, folder, lock], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True,
                         start_new_session=True)
    except OSError:
        os.unlink(lock)
        return False
    finally:
        os.close(fd)
    return True


__all__ = ["CLEAN", "HOLDS", "UNCHECKED", "Tree", "complete_later", "walk_and_check"]
