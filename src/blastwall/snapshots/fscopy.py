"""Copying files into and out of a snapshot: the layout, modes and timestamps as they were,
symlinks as symlinks (never followed), within a byte budget and a time budget.

A saved path keeps its absolute location under the snapshot's folder (`/home/a/p/data` is
saved as `files/home/a/p/data`), so overlapping targets and restores need no bookkeeping.
Special files (sockets, FIFOs, devices) are not copied; they are listed as skipped.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import time
from typing import NamedTuple

from blastwall.snapshots.base import SnapshotError
from blastwall.snapshots.settings import human_size


class Budget:
    """What one approved action may save: `max_bytes` in all, before `deadline` (monotonic)."""

    def __init__(self, max_bytes: int, deadline: float | None = None) -> None:
        self.max_bytes, self.deadline, self.used = max_bytes, deadline, 0

    def check(self, more: int, what: str) -> None:
        if self.used + more > self.max_bytes:
            raise SnapshotError(f"saving {what} needs {human_size(self.used + more)}, more than the snapshot limit "
                                f"of {human_size(self.max_bytes)} ([snapshots] max_bytes in a trusted policy file)")

    def charge(self, n: int, what: str) -> None:
        self.check(n, what)
        self.used += n

    def tick(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise SnapshotError("the snapshot took longer than blastwall may hold the agent; run the action "
                                "yourself, or through `blastwall exec`, which has no time limit")


class Copied(NamedTuple):
    files: int
    bytes: int
    skipped: tuple[str, ...]


def saved_path(folder: str, original: str) -> str:
    """Where `original` (absolute) is kept inside a snapshot's `folder`."""
    return os.path.join(folder, "files", original.lstrip(os.sep))


def measure(path: str, budget: Budget | None = None) -> tuple[int, int]:
    """(bytes of regular files, entries) under `path`, symlinks not followed."""
    total = count = 0
    stack = [path]
    while stack:
        p = stack.pop()
        if budget is not None and count % 256 == 0:
            budget.tick()
        try:
            st = os.lstat(p)
        except OSError as exc:
            raise SnapshotError(f"cannot read {p} ({exc.strerror})") from exc
        count += 1
        if stat.S_ISDIR(st.st_mode):
            try:
                stack.extend(os.path.join(p, name) for name in os.listdir(p))
            except OSError as exc:
                raise SnapshotError(f"cannot list {p} ({exc.strerror}); blastwall cannot save it") from exc
        elif stat.S_ISREG(st.st_mode):
            total += st.st_size
    return total, count


def copy_entry(src: str, dst: str, budget: Budget | None = None, *, parents_mode: int = 0o700) -> Copied:
    """Copy `src` (a file, symlink or folder) to `dst`, which must not exist; missing parent
    folders are created with `parents_mode` (private inside a snapshot)."""
    os.makedirs(os.path.dirname(dst), mode=parents_mode, exist_ok=True)
    files = size = 0
    skipped: list[str] = []
    dirs: list[tuple[str, os.stat_result]] = []
    stack = [(src, dst)]
    try:
        while stack:
            s, d = stack.pop()
            if budget is not None and files % 64 == 0:
                budget.tick()
            st = os.lstat(s)
            if stat.S_ISLNK(st.st_mode):
                os.symlink(os.readlink(s), d)
                _stamp(d, st, link=True)
            elif stat.S_ISDIR(st.st_mode):
                os.mkdir(d, 0o700)
                dirs.append((d, st))
                stack.extend((os.path.join(s, n), os.path.join(d, n)) for n in sorted(os.listdir(s), reverse=True))
            elif stat.S_ISREG(st.st_mode):
                if budget is not None:
                    budget.charge(st.st_size, s)
                shutil.copyfile(s, d, follow_symlinks=False)
                os.chmod(d, stat.S_IMODE(st.st_mode))
                _stamp(d, st)
                files += 1
                size += st.st_size
            else:
                skipped.append(s)
    except SnapshotError:
        raise
    except OSError as exc:
        raise SnapshotError(f"cannot copy {exc.filename or src} ({exc.strerror})") from exc
    for d, st in reversed(dirs):  # folders last: a read-only folder must first be filled
        os.chmod(d, stat.S_IMODE(st.st_mode))
        _stamp(d, st)
    return Copied(files, size, tuple(skipped))


def _stamp(path: str, st: os.stat_result, *, link: bool = False) -> None:
    with contextlib.suppress(OSError, NotImplementedError):  # some systems cannot stamp a link
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=not link)


def merge_plan(saved: str, original: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Putting `saved` back at `original`: (what is missing there and is copied back, what
    exists there with other content: conflicts). Folders that exist are merged into; entries
    that exist with the same content are left alone."""
    copies: list[tuple[str, str]] = []
    conflicts: list[tuple[str, str]] = []
    stack = [(saved, original)]
    while stack:
        s, d = stack.pop()
        if not os.path.lexists(d):
            copies.append((s, d))
            continue
        ss, ds = os.lstat(s), os.lstat(d)
        if stat.S_ISDIR(ss.st_mode) and stat.S_ISDIR(ds.st_mode):
            stack.extend((os.path.join(s, n), os.path.join(d, n)) for n in sorted(os.listdir(s), reverse=True))
        elif not _same(s, ss, d, ds):
            conflicts.append((s, d))
    return copies, conflicts


def _same(s: str, ss: os.stat_result, d: str, ds: os.stat_result) -> bool:
    import filecmp

    if stat.S_ISLNK(ss.st_mode) and stat.S_ISLNK(ds.st_mode):
        return os.readlink(s) == os.readlink(d)
    if stat.S_ISREG(ss.st_mode) and stat.S_ISREG(ds.st_mode) and ss.st_size == ds.st_size:
        try:
            return filecmp.cmp(s, d, shallow=False)
        except OSError:
            return False
    return False


def set_aside(path: str, folder: str) -> str:
    """Move what is at `path` now into `folder/replaced/<time>/...` (restoring never destroys)."""
    aside = os.path.join(folder, "replaced", time.strftime("%Y%m%d-%H%M%S"), path.lstrip(os.sep))
    os.makedirs(os.path.dirname(aside), mode=0o700, exist_ok=True)
    try:
        shutil.move(path, aside)
    except OSError as exc:
        raise SnapshotError(f"cannot move {path} out of the way ({exc.strerror}); nothing more was restored") from exc
    return aside
