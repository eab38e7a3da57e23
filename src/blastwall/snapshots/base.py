"""Snapshots: what blastwall saved before an approved destructive action ran, and how to undo it.

Each snapshot is a folder under `$XDG_DATA_HOME/blastwall/snapshots/<id>/` (default
`~/.local/share/blastwall/snapshots/`, 0700; `[snapshots] dir` in a trusted policy moves it)
holding `snapshot.json` (the record below) and whatever the kind saved (copied files, a git
bundle, a pg_dump archive). Kinds register a restorer; `restore(id)` calls it. Snapshots never
live on the thing being destroyed: the folder is outside the project, and a kind whose data would
sit inside its target must refuse (`SnapshotError`).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from blastwall.locations import private_dir

RECORD = "snapshot.json"


class SnapshotError(RuntimeError):
    """A snapshot could not be taken or restored; the message says what to do."""


class Snapshot(NamedTuple):
    id: str
    kind: str  # "files" | "git" | "postgres" | ...
    created_at: float
    action: str  # redacted one-line summary of what was about to run
    digest: str  # the action digest the snapshot protects
    target: str  # what would be destroyed (path, ref, table)
    location: str  # where the saved data is (a path, or schema.table for in-database copies)
    size_bytes: int = 0
    meta: dict[str, Any] = {}
    restored_at: float | None = None
    request_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


def data_dir() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "blastwall")


def snapshots_dir(override: str | None = None) -> str:
    return private_dir(os.path.expanduser(override) if override else os.path.join(data_dir(), "snapshots"))


def new_id(kind: str) -> str:
    import secrets

    return f"snap-{time.strftime('%Y%m%d-%H%M%S')}-{kind}-{secrets.token_hex(3)}"


def new_folder(kind: str, root: str | None = None) -> tuple[str, str]:
    """A fresh private folder for a snapshot of `kind`: (id, path)."""
    sid = new_id(kind)
    path = os.path.join(snapshots_dir(root), sid)
    os.makedirs(path, mode=0o700)
    return sid, path


def save(snapshot: Snapshot, root: str | None = None) -> Snapshot:
    path = os.path.join(snapshots_dir(root), snapshot.id)
    os.makedirs(path, mode=0o700, exist_ok=True)
    tmp = os.path.join(path, RECORD + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(snapshot.to_dict(), f, indent=1, sort_keys=True, default=str)
    os.replace(tmp, os.path.join(path, RECORD))
    return snapshot


def load(snapshot_id: str, root: str | None = None) -> Snapshot:
    if not snapshot_id or "/" in snapshot_id or snapshot_id.startswith("."):
        raise SnapshotError(f"no snapshot {snapshot_id!r}; `blastwall snapshots` lists them")
    path = os.path.join(snapshots_dir(root), snapshot_id, RECORD)
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        return Snapshot(**{k: data.get(k, d) for k, d in _DEFAULTS.items()})
    except (OSError, ValueError, TypeError) as exc:
        raise SnapshotError(f"no snapshot {snapshot_id!r}; `blastwall snapshots` lists them") from exc


_DEFAULTS: dict[str, Any] = {f: Snapshot._field_defaults.get(f) for f in Snapshot._fields}


def list_snapshots(root: str | None = None) -> Iterator[Snapshot]:
    """Every readable snapshot, newest first."""
    folder = snapshots_dir(root)
    for name in sorted(os.listdir(folder), reverse=True):
        try:
            yield load(name, root)
        except SnapshotError:
            continue


def folder_of(snapshot: Snapshot, root: str | None = None) -> str:
    return os.path.join(snapshots_dir(root), snapshot.id)


def delete(snapshot: Snapshot, root: str | None = None) -> None:
    dropper = _DROPPERS.get(snapshot.kind)
    if dropper is not None:
        dropper(snapshot)
    shutil.rmtree(folder_of(snapshot, root), ignore_errors=True)


Restorer = Callable[[Snapshot], str]  # returns a one-line description of what was restored
_RESTORERS: dict[str, Restorer] = {}
_DROPPERS: dict[str, Callable[[Snapshot], None]] = {}


def register(kind: str, restorer: Restorer, dropper: Callable[[Snapshot], None] | None = None) -> None:
    """A kind's restorer (and, for data kept outside the folder, how to drop it when pruned)."""
    _RESTORERS[kind] = restorer
    if dropper is not None:
        _DROPPERS[kind] = dropper


def restore(snapshot_id: str, root: str | None = None) -> tuple[Snapshot, str]:
    snap = load(snapshot_id, root)
    if snap.restored_at:
        raise SnapshotError(f"snapshot {snap.id} was restored already; `blastwall snapshots` shows it")
    _load_kind(snap.kind)
    restorer = _RESTORERS.get(snap.kind)
    if restorer is None:
        raise SnapshotError(f"blastwall cannot restore a {snap.kind!r} snapshot")
    what = restorer(snap)
    return save(snap._replace(restored_at=time.time()), root), what


def _load_kind(kind: str) -> None:
    import importlib

    try:
        importlib.import_module(f"blastwall.snapshots.{kind}")
    except ImportError:
        pass
