"""Snapshots: what blastwall saved before an approved destructive action ran, and how to undo it.

Each snapshot is a folder under `$XDG_DATA_HOME/blastwall/snapshots/<id>/` (default
`~/.local/share/blastwall/snapshots/`, 0700; `[snapshots] dir` in a trusted policy moves it)
holding `snapshot.json` (the record below) and whatever the kind saved (copied files, a git
bundle, a pg_dump archive). Kinds register a restorer; `restore(id)` calls it. Snapshots never
live on the thing being destroyed: the folder is outside the project, and a kind whose data would
sit inside its target must refuse (`SnapshotError`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
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


class Restored(NamedTuple):
    """What a restorer did (`message`), and commands it leaves to a human (`commands`: a
    force-pushed remote is never pushed to automatically)."""

    message: str
    commands: tuple[str, ...] = ()


def data_dir() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "blastwall")


def snapshots_dir(override: str | None = None) -> str:
    return private_dir(os.path.expanduser(override) if override else os.path.join(data_dir(), "snapshots"))


def new_id(kind: str) -> str:
    return f"snap-{time.strftime('%Y%m%d-%H%M%S')}-{kind}-{os.urandom(3).hex()}"  # what secrets.token_hex does


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


def discard(snapshot_id: str, root: str | None = None) -> None:
    """Remove the folder of a snapshot that could not be completed."""
    remove_tree(os.path.join(snapshots_dir(root), snapshot_id))


def remove_tree(path: str) -> None:
    """Remove a snapshot folder, read-only folders inside it included."""
    import stat

    def _retry(func: Callable[..., Any], failed: str, _exc: Any) -> None:
        try:
            os.chmod(os.path.dirname(failed), stat.S_IRWXU)
            if os.path.isdir(failed) and not os.path.islink(failed):
                os.chmod(failed, stat.S_IRWXU)
            func(failed)
        except OSError:
            pass

    if not os.path.lexists(path):
        return
    import shutil
    import sys

    if sys.version_info >= (3, 12):  # pragma: no cover - onerror is deprecated there
        shutil.rmtree(path, onexc=_retry)
    else:
        shutil.rmtree(path, onerror=_retry)


def is_within(path: str, folder: str) -> bool:
    """True when `path` is `folder` or lies inside it (both resolved through symlinks)."""
    p, f = os.path.realpath(path), os.path.realpath(folder)
    return p == f or p.startswith(f.rstrip(os.sep) + os.sep)


_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}")


def load(snapshot_id: str, root: str | None = None) -> Snapshot:
    if not snapshot_id or not _ID.fullmatch(snapshot_id):
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
    """Every readable snapshot, newest first (folders of snapshots still being taken, or that
    failed, have no record and are skipped)."""
    folder = snapshots_dir(root)
    found = []
    for name in os.listdir(folder):
        try:
            found.append(load(name, root))
        except SnapshotError:
            continue
    yield from sorted(found, key=lambda s: (s.created_at, s.id), reverse=True)


def prune_candidates(snapshots: list[Snapshot], *, older_than_s: float | None = None,
                     max_total_bytes: int | None = None, now: float | None = None) -> list[Snapshot]:
    """Which snapshots `--prune` removes, oldest first: those older than `older_than_s`, then the
    oldest of the rest until the remaining ones fit in `max_total_bytes`."""
    now = time.time() if now is None else now
    oldest_first = sorted(snapshots, key=lambda s: (s.created_at, s.id))
    chosen = [s for s in oldest_first if older_than_s is not None and now - s.created_at > older_than_s]
    if max_total_bytes is not None:
        left = [s for s in oldest_first if s not in chosen]
        total = sum(s.size_bytes for s in left)
        for s in left:
            if total <= max_total_bytes:
                break
            chosen.append(s)
            total -= s.size_bytes
    return sorted(chosen, key=lambda s: (s.created_at, s.id))


def folder_of(snapshot: Snapshot, root: str | None = None) -> str:
    return os.path.join(snapshots_dir(root), snapshot.id)


def delete(snapshot: Snapshot, root: str | None = None) -> None:
    _load_kind(snapshot.kind)
    dropper = _DROPPERS.get(snapshot.kind)
    if dropper is not None:
        dropper(snapshot)
    remove_tree(folder_of(snapshot, root))


# A restorer returns a one-line description of what it restored (or a `Restored`); one that takes
# a keyword argument `force` is told when the human asked to overwrite what exists again.
Restorer = Callable[..., "str | Restored"]
_RESTORERS: dict[str, Restorer] = {}
_DROPPERS: dict[str, Callable[[Snapshot], None]] = {}


def register(kind: str, restorer: Restorer, dropper: Callable[[Snapshot], None] | None = None) -> None:
    """A kind's restorer (and, for data kept outside the folder, how to drop it when pruned)."""
    _RESTORERS[kind] = restorer
    if dropper is not None:
        _DROPPERS[kind] = dropper


def restore(snapshot_id: str, root: str | None = None, *, force: bool = False) -> tuple[Snapshot, str]:
    """Put back what `snapshot_id` saved. The record keeps when, and any commands left to a human
    (`meta["undo_commands"]`)."""
    snap = load(snapshot_id, root)
    if snap.restored_at and not force:
        raise SnapshotError(f"snapshot {snap.id} was restored already; `blastwall undo {snap.id} --force` "
                            "restores it again")
    _load_kind(snap.kind)
    restorer = _RESTORERS.get(snap.kind)
    if restorer is None:
        raise SnapshotError(f"blastwall cannot restore a {snap.kind!r} snapshot")
    result = restorer(snap, force=force) if _takes_force(restorer) else restorer(snap)
    done = result if isinstance(result, Restored) else Restored(str(result))
    meta = {**snap.meta, "undo_commands": list(done.commands)} if done.commands else dict(snap.meta)
    return save(snap._replace(restored_at=time.time(), meta=meta), root), done.message


def _takes_force(fn: Callable[..., Any]) -> bool:
    import inspect

    try:
        return "force" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _load_kind(kind: str) -> None:
    import importlib

    if not kind.isidentifier():
        return
    with contextlib.suppress(ImportError):
        importlib.import_module(f"blastwall.snapshots.{kind}")
