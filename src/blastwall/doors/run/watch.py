"""Which paths of the work tree changed since the last look: inotify, read synchronously.

    w = Watcher("/src/app", skip=is_skipped)
    changed = w.drain()       # Changes(paths={"/src/app/src/x.py", "/src/app/src"}, full=False)

The kernel queues an event while the change is made, so by the time a hook call reaches
blastwall, every change of the commands before it is in the queue: `drain()` reads it without
waiting and nothing is lost to timing. A folder that appears (created, moved in) is watched at
once and reported whole; one that goes away is reported as its path. When the queue overflowed,
a watch could not be added (the `fs.inotify.max_user_watches` limit), or inotify is missing,
`full` is True: the caller rescans the tree, so a missed event never means a missed change.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable
from typing import NamedTuple

try:
    from inotify_simple import INotify
    from inotify_simple import flags as F
except (ImportError, OSError):  # pragma: no cover - not Linux
    INotify = None  # type: ignore[assignment,misc]

MAX_PATHS = 20000  # more changed paths than this since the last look: rescan instead


class Changes(NamedTuple):
    paths: frozenset[str]
    full: bool
    why: str = ""  # why a full rescan is needed


class Watcher:
    def __init__(self, root: str, skip: Callable[[str], bool]) -> None:
        self.root = root
        self.skip = skip  # an absolute folder path -> leave it (and what is below) unwatched
        self.paths: dict[int, str] = {}
        self.pending: set[str] = set()
        self.full_why = ""
        self.ino = None
        if INotify is None:
            self.full_why = "inotify is not available here"
            return
        try:
            self.ino = INotify()
        except OSError as exc:
            self.full_why = f"inotify could not start ({exc.strerror})"
            return
        self.mask = (F.CREATE | F.DELETE | F.MODIFY | F.CLOSE_WRITE | F.MOVED_FROM | F.MOVED_TO | F.ATTRIB
                     | F.DELETE_SELF | F.MOVE_SELF | F.DONT_FOLLOW | F.ONLYDIR)
        self._watch_tree(root)

    @property
    def active(self) -> bool:
        return self.ino is not None

    def close(self) -> None:
        if self.ino is not None:
            self.ino.close()
            self.ino = None

    def _watch(self, folder: str) -> None:
        if self.ino is None:
            return
        try:
            wd = self.ino.add_watch(folder, self.mask)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                self.full_why = ("the inotify watch limit is reached (sysctl fs.inotify.max_user_watches); "
                                 "every snapshot rescans the project")
            # ENOENT/ENOTDIR: it went away already; its parent's event reports it
            return
        self.paths[wd] = folder

    def _watch_tree(self, top: str) -> None:
        for folder, dirs, _ in os.walk(top):
            dirs[:] = [d for d in dirs if not self.skip(os.path.join(folder, d))]
            self._watch(folder)

    def drain(self) -> Changes:
        """What changed since the last call (never waits)."""
        if self.ino is None:
            return Changes(frozenset(), True, self.full_why)
        while True:
            events = self.ino.read(timeout=0)
            if not events:
                break
            for ev in events:
                self._event(ev)
        paths, self.pending = frozenset(self.pending), set()
        if self.full_why or len(paths) > MAX_PATHS:
            why = self.full_why or f"more than {MAX_PATHS} paths changed"
            if not self.full_why.startswith("the inotify watch limit"):
                self.full_why = ""
            return Changes(paths, True, why)
        return Changes(paths, False)

    def _event(self, ev: object) -> None:
        mask, wd, name = ev.mask, ev.wd, ev.name  # type: ignore[attr-defined]
        if mask & F.Q_OVERFLOW:
            self.full_why = "the inotify queue overflowed"
            return
        folder = self.paths.get(wd)
        if mask & F.IGNORED:
            self.paths.pop(wd, None)
            return
        if folder is None:
            return
        path = os.path.join(folder, name) if name else folder
        self.pending.add(path)
        if mask & F.ISDIR and mask & F.MOVED_FROM:
            self._unwatch(path)  # its watches would report under the old name
        if mask & F.ISDIR and mask & (F.CREATE | F.MOVED_TO) and not self.skip(path):
            self._watch_tree(path)

    def _unwatch(self, top: str) -> None:
        prefix = top.rstrip("/") + "/"
        for wd, folder in list(self.paths.items()):
            if folder == top or folder.startswith(prefix):
                self.paths.pop(wd, None)
                with contextlib.suppress(OSError):
                    self.ino.rm_watch(wd)  # type: ignore[union-attr]
