"""The list of files that `blastwall secrets scan` found holding credentials.

    found.write_scan(root, scanned, hits)   # after a scan: merge what it saw (0600)
    found.paths(list_path)                  # what the file analyzer matches reads against

The list holds paths, formats and line numbers, never a value, even masked. It lives in
blastwall's state folder (`$XDG_STATE_HOME/blastwall/secrets.json`, default
`~/.local/state/blastwall/`) or where a trusted policy's `[secrets] list` says. Agents may not
write it (it is one of blastwall's own files); blastwall itself changes it only by scanning:
an entry goes away when a scan reads the file again and finds it clean, or the file is gone,
so a scan that skips a file (excluded, too large) never drops what an earlier scan found.

Loaded on the hook path: standard library only, read once per process and file version.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from blastwall.locations import state_dir

LIST_NAME = "secrets.json"
VERSION = 1


class Entry(NamedTuple):
    """One secret-bearing file: the formats found in it and on which lines."""

    path: str
    formats: tuple[str, ...]
    lines: tuple[int, ...]


def list_path(configured: str | None = None) -> str:
    """Where the list lives: `configured` (a policy's `[secrets] list`), else the state folder."""
    if configured:
        return os.path.abspath(os.path.expanduser(configured))
    return os.path.join(state_dir(), LIST_NAME)


def _stamp(path: str) -> tuple[float, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_mtime, st.st_size


def paths(configured: str | None = None) -> frozenset[str]:
    """The absolute paths on the list (empty when there is no list or it cannot be read)."""
    where = list_path(configured)
    stamp = _stamp(where)
    if stamp is None:
        return frozenset()
    return frozenset(_entries(where, stamp))


def entries(configured: str | None = None) -> dict[str, Entry]:
    where = list_path(configured)
    stamp = _stamp(where)
    return dict(_entries(where, stamp)) if stamp is not None else {}


@functools.lru_cache(maxsize=4)
def _entries(where: str, stamp: tuple[float, int]) -> dict[str, Entry]:
    try:
        with open(where, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return {}
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, dict):
        return {}
    out: dict[str, Entry] = {}
    for path, info in files.items():
        if not isinstance(path, str) or not path.startswith("/"):
            continue
        info = info if isinstance(info, dict) else {}
        formats = tuple(str(x) for x in info.get("formats", []) if isinstance(x, str))
        lines = tuple(int(x) for x in info.get("lines", []) if isinstance(x, int))
        out[path] = Entry(path, formats, lines)
    return out


def merge(old: Mapping[str, Entry], root: str, scanned: Iterable[str], hits: Mapping[str, Entry]) -> dict[str, Entry]:
    """The list after a scan of `root` that read the files `scanned` and found `hits`."""
    read = set(scanned)
    prefix = root.rstrip("/") + "/"
    out: dict[str, Entry] = {}
    for path, entry in old.items():
        under = path == root or path.startswith(prefix)
        if under and (path in read or not os.path.lexists(path)):
            continue  # read again (hits below say whether it still holds one) or gone
        out[path] = entry
    out.update(hits)
    return dict(sorted(out.items()))


def write_scan(root: str, scanned: Iterable[str], hits: Mapping[str, Entry], configured: str | None = None) -> str:
    """Merge one scan into the list (written 0600, atomically); returns the list's path."""
    where = list_path(configured)
    merged = merge(entries(configured), os.path.abspath(root), scanned, hits)
    doc: dict[str, Any] = {
        "version": VERSION,
        "updated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": {p: {"formats": list(e.formats), "lines": list(e.lines)} for p, e in merged.items()},
    }
    folder = os.path.dirname(where)
    if not os.path.isdir(folder):
        from blastwall.locations import private_dir

        private_dir(folder)
    tmp = f"{where}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(tmp, where)
    return where
