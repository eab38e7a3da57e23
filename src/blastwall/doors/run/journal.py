"""The work-tree journal: a git object store outside the project (and outside any sandbox)
holding the project's files as they were at the start of a session and before every action an
agent's hook sees. Any of those states comes back byte for byte (`restore.py`), whatever
command changed the files and whether or not blastwall understood it.

    j = Journal.open("/src/app")              # $XDG_DATA_HOME/blastwall/journal/app-3fa9c1d2e4b5/
    j.watch()                                 # inotify: later snapshots read only what changed
    e = j.snapshot("action", action="rm -rf src", agent="claude-code", run="r-...")
    e.id, e.commit                            # "a12", "9c1f..."

Layout of a journal folder (0700): `git/` a bare repository (blobs, trees, one commit per state
that differs from the one before, on `refs/heads/journal`), `entries.jsonl` one line per
snapshot (id, time, commit, what was about to run) and per verdict, `state.json` the stat
cache, `lock`, `replaced/` what an undo moved aside.

What is kept: every regular file and symlink of the project, tracked by the project's git or
not, ignored or not, except the `.git` folder, folders of `run.toml [journal] skip_dirs`
(`node_modules`, virtualenvs, caches) wherever they are, nested repositories, files over
`max_file`, and secret-bearing files (the sandbox masks them, so they cannot change, and the
journal holds no copy of a credential). Empty folders and permission bits other than the
executable bit are not kept (git stores neither).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from blastwall.doors.run.knowledge import JournalRules, knowledge
from blastwall.doors.run.tree import FileState, TreeModel
from blastwall.doors.run.watch import Watcher

REF = b"refs/heads/journal"
IDENTITY = b"blastwall journal <journal@blastwall.invalid>"


class JournalError(RuntimeError):
    """The journal cannot be used or a snapshot cannot be taken; the message says what to do."""


class Entry(NamedTuple):
    id: str  # "a12"
    n: int
    ts: float
    commit: str  # hex id of the commit holding the work tree at that moment
    kind: str  # start | action | end | undo
    meta: dict[str, Any]


def journal_root() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "blastwall", "journal")


def project_key(project: str) -> str:
    real = os.path.realpath(project)
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in os.path.basename(real) or "root")[:40]
    return f"{name}-{hashlib.sha256(real.encode('utf-8', 'surrogateescape')).hexdigest()[:12]}"


def find_project(start: str, root: str | None = None) -> str | None:
    """The journaled project that holds `start` (the nearest one going up), if any."""
    folder = os.path.realpath(start)
    base = root or journal_root()
    while True:
        if os.path.isfile(os.path.join(base, project_key(folder), "project")):
            return folder
        up = os.path.dirname(folder)
        if up == folder:
            return None
        folder = up


class Journal:
    def __init__(self, project: str, folder: str, rules: JournalRules, exclude: Iterable[str] = ()) -> None:
        from dulwich.repo import Repo

        self.project = os.path.realpath(project)
        self.prefix = self.project.rstrip("/") + "/"
        self.folder = folder
        self.own = os.path.dirname(os.path.realpath(folder))  # every journal: never journaled itself
        self.rules = rules
        self.exclude = {os.path.realpath(p) for p in exclude}
        self.exclude_dirs = tuple(self._rel(x) + "/" for x in self.exclude if os.path.isdir(x))
        gitdir = os.path.join(folder, "git")
        self.repo = Repo(gitdir) if os.path.isdir(gitdir) else Repo.init_bare(gitdir, mkdir=True)
        self.store = self.repo.object_store
        self.model = TreeModel()
        self.watcher: Watcher | None = None
        self.skipped_big: set[str] = set()
        self.skipped_nested: set[str] = set()
        self.lock = threading.Lock()
        self._loaded = False
        self._is_secret: Callable[[str], bool] | None = None
        self._secret_names: dict[str, bool] = {}  # path -> its name marks a secret file (names do not change)

    # --- opening ------------------------------------------------------------------------------

    @classmethod
    def open(cls, project: str, *, root: str | None = None, exclude: Iterable[str] = (),
             rules: JournalRules | None = None) -> Journal:
        project = os.path.realpath(project)
        if not os.path.isdir(project):
            raise JournalError(f"{project} is not a folder")
        folder = os.path.join(root or journal_root(), project_key(project))
        os.makedirs(folder, mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)
        with open(os.path.join(folder, "project"), "w", encoding="utf-8") as f:
            f.write(project + "\n")
        return cls(project, folder, rules or knowledge().journal, _remember_excluded(folder, exclude))

    def watch(self) -> None:
        """Follow changes with inotify from now on (a rescan covers what happened before)."""
        if self.watcher is None:
            self.watcher = Watcher(self.project, self._skip_dir)

    def close(self) -> None:
        if self.watcher is not None:
            self.watcher.close()
            self.watcher = None
        with contextlib.suppress(OSError):
            self._save_state()

    # --- what is kept -------------------------------------------------------------------------

    def _rel(self, path: str) -> str:
        if path.startswith(self.prefix):
            return path[len(self.prefix):]
        return os.path.relpath(path, self.project).replace(os.sep, "/")

    def _skip_dir(self, path: str) -> bool:
        name = os.path.basename(path)
        if name == ".git" or name in self.rules.skip_dirs or path in self.exclude or path == self.own:
            return True
        if path != self.project and os.path.lexists(os.path.join(path, ".git")):
            self.skipped_nested.add(self._rel(path))
            return True
        return False

    def _skip_rel(self, rel: str) -> bool:
        """A path under a folder the journal leaves out."""
        parts = rel.split("/")
        if any(p == ".git" or p in self.rules.skip_dirs for p in parts[:-1]):
            return True
        return any(rel.startswith(n + "/") for n in self.skipped_nested) or \
            rel.startswith(self.exclude_dirs)

    def _skip_file(self, path: str) -> bool:
        if path in self.exclude or os.path.basename(path) == ".git":
            return True
        known = self._secret_names.get(path)
        if known is None:
            if self._is_secret is None:
                from blastwall.doors.sandbox.masks import is_secret

                self._is_secret = is_secret
            known = self._secret_names[path] = self._is_secret(path)
        return known

    # --- reading files ------------------------------------------------------------------------

    def _state(self, path: str, st: os.stat_result) -> FileState | None:
        """The file's blob (written when new), or None when it is not kept."""
        from dulwich.objects import Blob

        key = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode)
        rel = self._rel(path)
        old = self.model.files.get(rel)
        if old is not None and old.stat == key:
            return old
        if stat.S_ISLNK(st.st_mode):
            data = os.fsencode(os.readlink(path))
            mode = 0o120000
        elif stat.S_ISREG(st.st_mode):
            if st.st_size > self.rules.max_file:
                self.skipped_big.add(rel)
                return None
            with open(path, "rb") as f:
                data = f.read()
            mode = 0o100755 if st.st_mode & 0o111 else 0o100644
        else:
            return None
        self.skipped_big.discard(rel)
        blob = Blob.from_string(data)
        self.store.add_object(blob)
        return FileState(mode, blob.id, key)

    def _update(self, path: str) -> None:
        """Bring one path (file, folder or nothing any more) up to date in the model."""
        rel = self._rel(path)
        if rel.startswith("..") or rel == "." or self._skip_rel(rel):
            return
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            self.model.drop_below(rel)
            return
        except OSError:
            return
        if stat.S_ISDIR(st.st_mode):
            if self._skip_dir(path):
                self.model.drop_below(rel)
                return
            seen = set(self._scan(path))
            for gone in [p for p in self.model.below(rel) if p not in seen]:
                self.model.drop(gone)
            return
        if self._skip_file(path):
            self.model.drop(rel)
            return
        state = self._state(path, st)
        if state is None:
            self.model.drop(rel)
        else:
            self.model.put(rel, state)

    def _scan(self, top: str) -> Iterator[str]:
        """Walk `top`, putting every kept file in the model; yields their relative paths."""
        count = 0
        stack = [top]
        while stack:
            folder = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                path = entry.path
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                if is_dir:
                    if not self._skip_dir(path):
                        stack.append(path)
                    continue
                if self._skip_file(path):
                    continue
                count += 1
                if count > self.rules.max_files:
                    raise JournalError(f"{self.project} holds more than {self.rules.max_files} files to journal; "
                                       "run blastwall in a smaller project folder")
                try:
                    state = self._state(path, entry.stat(follow_symlinks=False))
                except OSError:
                    continue
                rel = self._rel(path)
                if state is None:
                    self.model.drop(rel)
                    continue
                self.model.put(rel, state)
                yield rel

    def _full_scan(self) -> None:
        seen = set(self._scan(self.project))
        for gone in [p for p in self.model.files if p not in seen]:
            self.model.drop(gone)

    # --- snapshots ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        with self.lock, open(os.path.join(self.folder, "lock"), "a+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _load(self) -> None:
        """The model as the last snapshot left it (with the stat cache when it matches)."""
        if self._loaded:
            return
        self._loaded = True
        head = self.head()
        if head is None:
            return
        self.model.load(self.store, self.store[head].tree)
        try:
            with open(os.path.join(self.folder, "state.json"), encoding="utf-8") as f:
                state = json.load(f)
        except (OSError, ValueError):
            return
        if state.get("head") != head.decode():
            return
        for rel, key in state.get("stat", {}).items():
            old = self.model.files.get(rel)
            if old is not None and isinstance(key, list) and len(key) == 4:
                self.model.files[rel] = old._replace(stat=tuple(key))

    def _save_state(self) -> None:
        head = self.head()
        if head is None:
            return
        doc = {"head": head.decode(), "stat": {rel: list(s.stat) for rel, s in self.model.files.items()}}
        tmp = os.path.join(self.folder, "state.json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(doc, f, separators=(",", ":"))
        os.replace(tmp, os.path.join(self.folder, "state.json"))

    def head(self) -> bytes | None:
        try:
            return self.repo.refs[REF]
        except KeyError:
            return None

    def snapshot(self, kind: str, *, full: bool = False, **meta: Any) -> Entry:
        """Record the work tree now. Incremental when watching (only what inotify reported),
        else (or with `full`) a rescan that reads only files whose size, time or inode changed."""
        with self.locked():
            self._load()
            changes = self.watcher.drain() if self.watcher is not None and not full else None
            if changes is None or changes.full or not self.model.files:
                self._full_scan()
            else:
                for path in sorted(changes.paths, key=len):
                    self._update(path)
            return self._commit(kind, meta)

    def _commit(self, kind: str, meta: dict[str, Any]) -> Entry:
        from dulwich.objects import Commit

        tree = self.model.write_trees(self.store)
        head = self.head()
        if head is None or self.store[head].tree != tree:
            now = int(time.time())
            c = Commit()
            c.tree = tree
            c.parents = [head] if head is not None else []
            c.author = c.committer = IDENTITY
            c.author_time = c.commit_time = now
            c.author_timezone = c.commit_timezone = 0
            c.message = json.dumps({"kind": kind, **meta}, sort_keys=True, default=str).encode()
            self.store.add_object(c)
            self.repo.refs[REF] = c.id
            head = c.id
        return self._append(kind, head.decode(), meta)

    def _append(self, kind: str, commit: str, meta: dict[str, Any]) -> Entry:
        counter = os.path.join(self.folder, "counter")
        try:
            with open(counter, encoding="ascii") as f:
                n = int(f.read().strip() or 0) + 1
        except (OSError, ValueError):
            n = len(self.entries()) + 1
        with open(counter + ".tmp", "w", encoding="ascii") as f:
            f.write(str(n))
        os.replace(counter + ".tmp", counter)
        entry = Entry(f"a{n}", n, time.time(), commit, kind, meta)
        line = {"id": entry.id, "n": n, "ts": entry.ts, "commit": commit, "kind": kind, **meta}
        with open(os.path.join(self.folder, "entries.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps(line, sort_keys=True, default=str) + "\n")
        return entry

    def note(self, entry_id: str, **meta: Any) -> None:
        """Add to an entry afterwards (the verdict its action got)."""
        with self.lock, open(os.path.join(self.folder, "entries.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps({**meta, "id": entry_id, "_note": True}, sort_keys=True, default=str) + "\n")

    def entries(self) -> list[Entry]:
        return read_entries(self.folder)


def _remember_excluded(folder: str, exclude: Iterable[str]) -> set[str]:
    """The paths left out of this journal by every session so far, with `exclude` added: a file
    a session masked (it held a credential) stays out, so an undo run later, without the
    sandbox's list, never takes it for a file that appeared since and removes it."""
    path = os.path.join(folder, "excluded.json")
    try:
        with open(path, encoding="utf-8") as f:
            known = {p for p in json.load(f) if isinstance(p, str)}
    except (OSError, ValueError, TypeError):
        known = set()
    wanted = known | {os.path.realpath(p) for p in exclude}
    if wanted != known:
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(sorted(wanted), f, indent=0)
        os.replace(path + ".tmp", path)
    return wanted


def read_entries(folder: str) -> list[Entry]:
    """Every snapshot entry of a journal folder, oldest first, with later notes merged in."""
    out: dict[str, Entry] = {}
    try:
        f = open(os.path.join(folder, "entries.jsonl"), encoding="utf-8")  # noqa: SIM115
    except OSError:
        return []
    with f:
        for line in f:
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
                continue
            if doc.get("_note") is True:
                old = out.get(doc["id"])
                if old is not None:
                    extra = {k: v for k, v in doc.items() if k not in ("id", "_note")}
                    out[doc["id"]] = old._replace(meta={**old.meta, **extra})
                continue
            meta = {k: v for k, v in doc.items() if k not in ("id", "n", "ts", "commit", "kind")}
            try:
                out[doc["id"]] = Entry(doc["id"], int(doc["n"]), float(doc["ts"]), str(doc["commit"]),
                                       str(doc["kind"]), meta)
            except (KeyError, TypeError, ValueError):
                continue
    return sorted(out.values(), key=lambda e: e.n)
