"""Put the work tree back as a journal entry recorded it: `blastwall undo --before ID | --to TIME`.

    entry = pick(journal.entries(), before="a12")         # or to="12:03", to="10m"
    report = restore(journal, entry)                       # Restored(written=3, removed=1, ...)

In order, under the journal's lock:
1. a snapshot of the work tree as it is now (entry kind `undo`, so the undo itself can be undone);
2. every kept file that differs from the entry is written back from its blob, byte for byte
   (executable bit and symlinks too), every kept file the entry did not have is removed, and
   folders left empty by that are removed;
3. what is in the way and is not in the journal (a file over `max_file`, a folder the journal
   skips, where the entry had a file) is moved to `replaced/<time>/` in the journal folder, never
   deleted;
4. a snapshot of the result.
Paths the journal leaves out (`node_modules`, secret files, nested repositories) are not touched.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import stat
import time
from typing import NamedTuple

from blastwall.doors.run.journal import Entry, Journal, JournalError
from blastwall.doors.run.tree import flatten


class Restored(NamedTuple):
    entry: Entry  # the entry restored
    before: Entry  # the snapshot taken just before (undo it with --before this id)
    written: int
    removed: int
    moved_aside: tuple[str, ...]
    replaced_dir: str


_SPAN = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)(?:\s*ago)?$")
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_time(text: str, now: float | None = None) -> float:
    """`10m` / `2h ago` (before now), `14:03[:05]` (today, local time), or an ISO date-time."""
    now = time.time() if now is None else now
    value = text.strip().lower()
    m = _SPAN.match(value)
    if m:
        return now - float(m.group(1)) * _UNITS[m.group(2)]
    if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", value):
        parts = [int(p) for p in value.split(":")] + [0]
        today = dt.datetime.fromtimestamp(now).replace(hour=parts[0], minute=parts[1], second=parts[2], microsecond=0)
        return today.timestamp()
    try:
        return dt.datetime.fromisoformat(text.strip()).timestamp()
    except ValueError:
        raise JournalError(f"cannot read the time {text!r}; use 10m, 2h, 14:03, 14:03:05 or 2026-03-01T14:03") from None


def pick(entries: list[Entry], *, before: str | None = None, to: str | None = None) -> Entry:
    """The entry `--before ID` or `--to TIME` names."""
    if not entries:
        raise JournalError("the journal of this project is empty")
    if before is not None:
        wanted = before.strip()
        wanted = wanted if wanted.startswith("a") else f"a{wanted}"
        for e in entries:
            if e.id == wanted:
                return e
        raise JournalError(f"no journal entry {before}; `blastwall undo --list` shows them")
    assert to is not None
    when = parse_time(to)
    earlier = [e for e in entries if e.ts <= when]
    if not earlier:
        first = dt.datetime.fromtimestamp(entries[0].ts).strftime("%Y-%m-%d %H:%M:%S")
        raise JournalError(f"the journal starts at {first}, after {to}")
    return earlier[-1]


def _aside(path: str, rel: str, replaced: str, moved: list[str]) -> None:
    target = os.path.join(replaced, rel)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.move(path, target)
    moved.append(rel)


def _clear_way(root: str, rel: str, keep: dict[str, tuple[int, bytes]], replaced: str, moved: list[str]) -> None:
    """Make room for file `rel`: a parent that is a file, or a folder where the file goes."""
    parts = rel.split("/")
    for i in range(1, len(parts)):
        sub = "/".join(parts[:i])
        path = os.path.join(root, sub)
        if os.path.lexists(path) and not (os.path.isdir(path) and not os.path.islink(path)):
            _aside(path, sub, replaced, moved)
    path = os.path.join(root, rel)
    if os.path.isdir(path) and not os.path.islink(path):
        _aside(path, rel, replaced, moved)


def _write(journal: Journal, path: str, mode: int, sha: bytes) -> None:
    data = journal.store[sha].as_raw_string()
    if os.path.lexists(path):
        os.unlink(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if mode == 0o120000:
        os.symlink(os.fsdecode(data), path)
        return
    tmp = f"{path}.blastwall-undo-{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o777 if mode == 0o100755 else 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise


def _prune_empty(root: str, rel: str) -> None:
    folder = os.path.dirname(rel)
    while folder:
        path = os.path.join(root, folder)
        try:
            os.rmdir(path)
        except OSError:
            return
        folder = os.path.dirname(folder)


def restore(journal: Journal, entry: Entry, *, by: str = "") -> Restored:
    before = journal.snapshot("undo", full=True, phase="before", target=entry.id, by=by)
    with journal.locked():
        store = journal.store
        current = flatten(store, store[before.commit.encode()].tree)
        wanted = flatten(store, store[entry.commit.encode()].tree)
        root = journal.project
        stamp = time.strftime("%Y%m%d-%H%M%S")
        replaced = os.path.join(journal.folder, "replaced", f"{stamp}-{entry.id}")
        moved: list[str] = []
        removed = written = 0
        for rel in sorted(set(current) - set(wanted), reverse=True):
            path = os.path.join(root, rel)
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                continue
            if stat.S_ISDIR(st.st_mode):
                _aside(path, rel, replaced, moved)
            else:
                os.unlink(path)
            removed += 1
            _prune_empty(root, rel)
        for rel, (mode, sha) in sorted(wanted.items()):
            if current.get(rel) == (mode, sha):
                continue
            path = os.path.join(root, rel)
            _clear_way(root, rel, wanted, replaced, moved)
            if rel not in current and os.path.lexists(path):  # there, but not in the journal: keep a copy
                _aside(path, rel, replaced, moved)
            _write(journal, path, mode, sha)
            written += 1
    journal.snapshot("undo", full=True, phase="after", target=entry.id)
    return Restored(entry, before, written, removed, tuple(moved), replaced if moved else "")


def resolve(project: str | None, cwd: str) -> Journal:
    """The journal of `project`, or of the journaled project that holds `cwd`."""
    from blastwall.doors.run.journal import find_project

    found = os.path.realpath(project) if project else find_project(cwd)
    if found is None:
        raise JournalError(f"no journal for {cwd} or a folder above it; `blastwall run` keeps one for the project "
                           "it runs in (or pass --project DIR)")
    from blastwall.doors.run.journal import journal_root, project_key

    if not os.path.isfile(os.path.join(journal_root(), project_key(found), "project")):
        raise JournalError(f"no journal for {found}; `blastwall run` keeps one for the project it runs in")
    return Journal.open(found)
