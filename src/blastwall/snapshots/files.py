"""File snapshots: copies of what an approved delete or overwrite would destroy (`rm`, `mv` or
`cp` over a file, `> file`, `find -delete`, `truncate`, `shred`, a file-write tool replacing a
file), taken before it runs.

Each target is copied into the snapshot folder under its absolute path (`fscopy.saved_path`),
with modes, timestamps and symlinks as they were; `meta["entries"]` lists the original paths.
A target that is a symlink is saved as a link, and for an overwrite the file it points at is
saved too (writes go through the link). Targets that do not exist are listed as missing.

Limits: everything one action saves must fit in `[snapshots] max_bytes` (measured before
anything is copied), and blastwall refuses to save into a snapshot folder that lies inside a
target (`rm -rf ~` would delete the copy with the original).

Undo copies each entry back. A deleted path that exists again is not overwritten unless the
human passes `--force`; an overwritten file is replaced by its saved version. Whatever undo
replaces is first moved into the snapshot folder (`replaced/`), so undo itself destroys nothing.

`move_in` is the trash variant for `blastwall exec`, where blastwall runs the command itself: a
plain `rm` becomes a rename into the snapshot folder (same filesystem) instead of a copy.
"""

from __future__ import annotations

import fnmatch
import os
import time
from collections.abc import Sequence
from typing import Any, NamedTuple

from blastwall.snapshots.base import (
    Snapshot,
    SnapshotError,
    discard,
    is_within,
    new_folder,
    register,
    save,
    snapshots_dir,
)
from blastwall.snapshots.fscopy import Budget, copy_entry, measure, merge_plan, saved_path, set_aside
from blastwall.snapshots.settings import human_size

KIND = "files"


class FileTarget(NamedTuple):
    path: str  # absolute
    op: str  # "delete" | "overwrite"
    patterns: tuple[str, ...] = ()  # find -name/-path patterns: only matching entries under `path`


def select(targets: Sequence[FileTarget]) -> tuple[list[tuple[str, str]], list[str]]:
    """The (path, op) entries to save, each once, none inside another; and the missing paths."""
    chosen: dict[str, str] = {}
    missing: list[str] = []
    for t in targets:
        path = os.path.normpath(t.path)
        if not os.path.lexists(path):
            missing.append(path)
            continue
        paths = _matching(path, t.patterns) if t.patterns else [path]
        if t.op == "overwrite" and os.path.islink(path):
            real = os.path.realpath(path)
            if os.path.isfile(real):
                paths.append(real)
        for p in paths:
            if chosen.get(p) != "delete":
                chosen[p] = t.op
    entries: list[tuple[str, str]] = []
    for path in sorted(chosen):
        if entries and is_inside(path, entries[-1][0]):
            continue
        entries.append((path, chosen[path]))
    return entries, sorted(set(missing))


def is_inside(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip(os.sep) + os.sep)


def _matching(base: str, patterns: tuple[str, ...]) -> list[str]:
    """Entries under `base` whose name (or path, for patterns with a slash) matches; a matching
    folder is taken whole."""
    if not os.path.isdir(base) or os.path.islink(base):
        return [base] if any(fnmatch.fnmatch(os.path.basename(base), p) for p in patterns) else []
    out = []
    for folder, dirs, files in os.walk(base):
        for name in sorted(dirs + files):
            full = os.path.join(folder, name)
            if any(fnmatch.fnmatch(full if "/" in p else name, p) for p in patterns):
                out.append(full)
                if name in dirs:
                    dirs.remove(name)
    return out


def take(targets: Sequence[FileTarget], *, action: str, digest: str, budget: Budget, root: str | None = None,
         request_id: str | None = None) -> Snapshot:
    home = snapshots_dir(root)
    for t in targets:
        if os.path.lexists(t.path) and t.op == "delete" and is_within(home, t.path):
            raise SnapshotError(f"the snapshot folder {home} lies inside {t.path}, which this action deletes; "
                                "set [snapshots] dir to a folder elsewhere in a trusted policy file")
    entries, missing = select(targets)
    total = sum(measure(p, budget)[0] for p, _ in entries)
    budget.check(total, ", ".join(p for p, _ in entries[:3]) + (" ..." if len(entries) > 3 else ""))
    sid, folder = new_folder(KIND, root)
    try:
        saved, skipped, size = _copy_all(entries, folder, budget)
        snap = Snapshot(id=sid, kind=KIND, created_at=time.time(), action=action, digest=digest,
                        target=_summary([e["path"] for e in saved] or missing), location=folder, size_bytes=size,
                        meta={"entries": saved, "missing": missing, "skipped": skipped}, request_id=request_id)
        return save(snap, root)
    except BaseException:
        discard(sid, root)
        raise


def _copy_all(entries: list[tuple[str, str]], folder: str, budget: Budget) -> tuple[list[dict[str, Any]], list[str], int]:
    saved: list[dict[str, Any]] = []
    skipped: list[str] = []
    size = 0
    for path, op in entries:
        copied = copy_entry(path, saved_path(folder, path), budget)
        saved.append({"path": path, "op": op, "type": _type(path), "files": copied.files, "bytes": copied.bytes})
        skipped.extend(copied.skipped)
        size += copied.bytes
    return saved, skipped, size


def move_in(paths: Sequence[str], *, action: str, digest: str, root: str | None = None,
            request_id: str | None = None) -> Snapshot | None:
    """Move `paths` into a new snapshot instead of copying them (the command is then not run).
    Returns None, having moved nothing, when a path cannot be renamed into the snapshot folder
    (another filesystem, or the folder lies inside it)."""
    home = snapshots_dir(root)
    entries, missing = select([FileTarget(p, "delete") for p in paths])
    if missing or not entries:
        return None
    for path, _ in entries:
        if is_within(home, path) or os.stat(os.path.dirname(path) or ".").st_dev != os.stat(home).st_dev:
            return None
    sid, folder = new_folder(KIND, root)
    saved: list[dict[str, Any]] = []
    try:
        for path, op in entries:
            size, count = measure(path)
            kind = _type(path)
            dest = saved_path(folder, path)
            os.makedirs(os.path.dirname(dest), mode=0o700, exist_ok=True)
            os.rename(path, dest)
            saved.append({"path": path, "op": op, "type": kind, "files": count, "bytes": size, "moved": True})
    except OSError:
        for entry in reversed(saved):  # put back what was moved already
            os.rename(saved_path(folder, entry["path"]), entry["path"])
        discard(sid, root)
        return None
    snap = Snapshot(id=sid, kind=KIND, created_at=time.time(), action=action, digest=digest,
                    target=_summary([e["path"] for e in saved]), location=folder,
                    size_bytes=sum(e["bytes"] for e in saved), meta={"entries": saved, "missing": [], "skipped": [],
                                                                      "trash": True},
                    request_id=request_id)
    return save(snap, root)


def _type(path: str) -> str:
    return "symlink" if os.path.islink(path) else "folder" if os.path.isdir(path) else "file"


def _summary(paths: list[str]) -> str:
    text = ", ".join(paths[:4]) + (f" (+{len(paths) - 4} more)" if len(paths) > 4 else "")
    return text[:300]


# --- undo -------------------------------------------------------------------------------------


def restore(snap: Snapshot, *, force: bool = False) -> str:
    entries = list(snap.meta.get("entries") or [])
    folder = snap.location
    copies: list[tuple[str, str]] = []
    conflicts: list[tuple[str, str]] = []
    for e in entries:
        saved = saved_path(folder, e["path"])
        if not os.path.lexists(saved):
            raise SnapshotError(f"the saved copy of {e['path']} is missing from {folder}; nothing was restored")
        if e["op"] == "overwrite" and os.path.lexists(e["path"]):
            conflicts.append((saved, e["path"]))  # replacing the current version is the point
            continue
        more, clash = merge_plan(saved, e["path"])
        copies += more
        conflicts += clash if force else []
        if clash and not force:
            shown = ", ".join(d for _, d in clash[:5]) + (f" (+{len(clash) - 5} more)" if len(clash) > 5 else "")
            raise SnapshotError(f"{shown} exist{'s' if len(clash) == 1 else ''} again with other content; nothing "
                                f"was restored. Move {'it' if len(clash) == 1 else 'them'} away, or run "
                                f"`blastwall undo {snap.id} --force` (what undo replaces is kept in the snapshot folder)")
    files = size = 0
    for saved, path in conflicts:
        set_aside(path, folder)
        copies.append((saved, path))
    for saved, path in copies:
        copied = copy_entry(saved, path, parents_mode=0o777)
        files += copied.files
        size += copied.bytes
    what = (f"restored {_summary([e['path'] for e in entries])} ({files} file{'' if files == 1 else 's'}, "
            f"{human_size(size)} copied back)")
    if conflicts:
        what += f"; the {len(conflicts)} version(s) it replaced are kept in {os.path.join(folder, 'replaced')}"
    missing = snap.meta.get("missing") or []
    if missing:
        what += f"; {len(missing)} path(s) did not exist when the snapshot was taken"
    return what


register(KIND, restore)
