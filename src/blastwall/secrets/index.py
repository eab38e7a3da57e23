"""blastwall's index of which files hold credentials, kept in its state folder (never in a project).

    idx = index.open_index()
    idx.file(path)                 # FileEntry or None (the caller compares the stamp)
    idx.put_files([entry, ...])    # after checking files' content
    idx.under(folder)              # every entry below a folder: one query
    idx.blob(sha) / idx.put_blobs  # git objects, keyed by their id (content-addressed: never stale)

One SQLite file, `$XDG_STATE_HOME/blastwall/secrets-index.db` (0600), shared by every hook
process and daemon worker: a file checked by one read is known to the next, whoever asks. An
entry holds where the file is and which version was checked (device, inode, size, mtime and
ctime in nanoseconds), what was found (format ids and line numbers, never a value) or why it
was not checked. The index is a cache: losing it costs time, never safety, so it is written
without fsync. Agents cannot write it (blastwall's state folder is one of its own files).

`python -m blastwall.secrets.index FOLDER` checks every file under FOLDER with no time limit and
records that the folder was indexed whole; the file analyzer starts it in the background the
first time a project is read from (and when a recursive read could not finish within its
budget), so a later search of the project finds it indexed.

Loaded on the hook path: standard library only.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Iterable
from typing import NamedTuple

INDEX_NAME = "secrets-index.db"
SCHEMA = 2
CLEAN, HOLDS, UNCHECKED = "clean", "holds", "unchecked"


class Stamp(NamedTuple):
    """One version of one file: the identity a cached answer is good for."""

    dev: int
    ino: int
    size: int
    mtime_ns: int
    ctime_ns: int

    @classmethod
    def of(cls, st: os.stat_result) -> Stamp:
        return cls(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class Found(NamedTuple):
    """What a content check found: `state` is CLEAN, HOLDS or UNCHECKED (`why` says why)."""

    state: str
    formats: tuple[str, ...] = ()
    lines: tuple[int, ...] = ()
    multi_line: bool = False  # a value spans lines (a private key): every line of the file counts
    why: str = ""

    def to_row(self) -> tuple[str, str, str, int, str]:
        return self.state, json.dumps(list(self.formats)), json.dumps(list(self.lines)), int(self.multi_line), self.why

    @classmethod
    def from_row(cls, state: str, formats: str, lines: str, multi: int, why: str) -> Found:
        if state == CLEAN:
            return _CLEAN  # most rows: no JSON to read
        try:
            fmts = tuple(str(x) for x in json.loads(formats or "[]"))
            nums = tuple(int(x) for x in json.loads(lines or "[]"))
        except (ValueError, TypeError):
            return cls(UNCHECKED, why="the index entry is damaged")
        return cls(state, fmts, nums, bool(multi), why or "")


_CLEAN = Found(CLEAN)


class FileEntry(NamedTuple):
    path: str
    stamp: Stamp
    found: Found


_STATEMENTS = (
    "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, dev INTEGER, ino INTEGER, size INTEGER, "
    "mtime INTEGER, ctime INTEGER, state TEXT, formats TEXT, lines TEXT, multi INTEGER, why TEXT)",
    "CREATE TABLE IF NOT EXISTS blobs (sha TEXT PRIMARY KEY, state TEXT, formats TEXT, lines TEXT, multi INTEGER, "
    "why TEXT)",
    "CREATE TABLE IF NOT EXISTS trees (root TEXT PRIMARY KEY, walked REAL)",  # folders indexed whole
)


def index_path() -> str:
    from blastwall.locations import state_dir

    return os.path.join(state_dir(), INDEX_NAME)


class Index:
    """The index behind one SQLite connection (one per process: never shared across a fork)."""

    def __init__(self, path: str) -> None:
        self.path = path
        folder = os.path.dirname(path)
        if not os.path.isdir(folder):
            from blastwall.locations import private_dir

            private_dir(folder)
        if not os.path.exists(path):
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        self.conn = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA busy_timeout = 5000")
        self.conn.execute("PRAGMA synchronous = OFF")  # a cache: a lost write costs time, not safety
        if self.conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA:
            self._create()

    def _create(self) -> None:
        try:
            self.conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError:
            pass  # another process is switching it; its mode is the same
        for stmt in _STATEMENTS:
            self.conn.execute(stmt)
        self.conn.execute(f"PRAGMA user_version = {SCHEMA}")

    # ---- files ---------------------------------------------------------------------------
    def file(self, path: str) -> FileEntry | None:
        row = self.conn.execute("SELECT path, dev, ino, size, mtime, ctime, state, formats, lines, multi, why "
                                "FROM files WHERE path = ?", (path,)).fetchone()
        return _entry(row) if row else None

    def under(self, folder: str) -> dict[str, FileEntry]:
        """Every entry at or below `folder` (an absolute path), by path."""
        folder = folder.rstrip("/") or "/"
        low = folder + "/" if folder != "/" else "/"
        high = low[:-1] + chr(ord("/") + 1)  # every path that starts with `low` sorts below this
        rows = self.conn.execute("SELECT path, dev, ino, size, mtime, ctime, state, formats, lines, multi, why "
                                 "FROM files WHERE (path >= ? AND path < ?) OR path = ?", (low, high, folder))
        return {r[0]: _entry(r) for r in rows}

    def holding(self, folder: str) -> list[FileEntry]:
        """The entries at or below `folder` that hold a credential (whatever their version)."""
        return [e for e in self.under(folder).values() if e.found.state == HOLDS]

    def put_files(self, entries: Iterable[FileEntry]) -> None:
        rows = [(e.path, *e.stamp, *e.found.to_row()) for e in entries]
        if rows:
            self._write("INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)

    def forget(self, paths: Iterable[str]) -> None:
        rows = [(p,) for p in paths]
        if rows:
            self._write("DELETE FROM files WHERE path = ?", rows)

    def walked(self, root: str) -> float | None:
        """When a whole walk of `root` last finished (None: never)."""
        row = self.conn.execute("SELECT walked FROM trees WHERE root = ?", (root,)).fetchone()
        return float(row[0]) if row else None

    def mark_walked(self, root: str, when: float) -> None:
        self._write("INSERT OR REPLACE INTO trees VALUES (?, ?)", [(root, when)])

    # ---- git objects ---------------------------------------------------------------------
    def blobs(self, shas: Iterable[str]) -> dict[str, Found]:
        wanted = list(dict.fromkeys(shas))
        out: dict[str, Found] = {}
        for i in range(0, len(wanted), 500):
            part = wanted[i:i + 500]
            marks = ",".join("?" * len(part))
            for sha, *rest in self.conn.execute(f"SELECT sha, state, formats, lines, multi, why FROM blobs "  # noqa: S608
                                                f"WHERE sha IN ({marks})", part):
                out[sha] = Found.from_row(*rest)
        return out

    def put_blobs(self, found: dict[str, Found]) -> None:
        rows = [(sha, *f.to_row()) for sha, f in found.items() if f.state != UNCHECKED]
        if rows:
            self._write("INSERT OR REPLACE INTO blobs VALUES (?,?,?,?,?,?)", rows)

    def _write(self, sql: str, rows: list[tuple[object, ...]]) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany(sql, rows)
            self.conn.execute("COMMIT")
        except sqlite3.Error:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # a cache that could not be written is checked again next time


def _entry(row: tuple) -> FileEntry:  # type: ignore[type-arg]
    path, dev, ino, size, mtime, ctime, state, formats, lines, multi, why = row
    return FileEntry(path, Stamp(dev, ino, size, mtime, ctime), Found.from_row(state, formats, lines, multi, why))


_OPEN: dict[tuple[int, str], Index | None] = {}


def open_index() -> Index | None:
    """This process's index (None when it cannot be opened: every check then reads the file)."""
    path = index_path()
    key = (os.getpid(), path)
    if key not in _OPEN:
        try:
            _OPEN[key] = Index(path)
        except (OSError, sqlite3.Error):
            _OPEN[key] = None
    return _OPEN[key]


def main(argv: list[str]) -> int:
    """Index every file under each folder given (the background completion of a tree walk)."""
    from blastwall.secrets.tree import walk_and_check

    import time

    for folder in argv:
        root = os.path.abspath(folder)
        tree = walk_and_check(root, deadline=None)
        idx = open_index()
        if tree.complete and idx is not None:
            idx.mark_walked(root, time.time())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
