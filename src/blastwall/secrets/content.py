"""Does this file hold a credential? Checked on the way of every read, bounded and cached.

    content.check("/srv/app/ops/notes.md")   -> Found(state="holds", formats=("secret.railway:token",), lines=(2,))
    content.check("/srv/app/src/main.py")    -> Found(state="clean")

The same detectors as `blastwall secrets scan` (scanner.scan_text) look at the file's text, so
no scan has to run first. The answer is cached by the file's path and version (device, inode,
size, mtime and ctime: ctime cannot be set back by a user, so an edit that restores size and
mtime still counts as new), in this process and in the index shared by every hook (index.py).
Symbolic links are followed to the file they name; a hard link is the same inode and gets the
same answer.

Bounds: a file over `MAX_BYTES` is not read, and a check that would start after `deadline` does
not start; either way the answer is UNCHECKED with the reason, and the caller asks. Files the
scanner never opens by name (`[skip] files` of secret_formats.toml: lock files, images,
archives) are CLEAN without being read, as are folders, devices and pipes (reading a pipe
would wait forever) and paths that do not exist.
"""

from __future__ import annotations

import functools
import os
import time

from blastwall.secrets.index import CLEAN, HOLDS, UNCHECKED, FileEntry, Found, Stamp, open_index

MAX_BYTES = 16 * 1024 * 1024
_MEMO: dict[str, tuple[Stamp, Found]] = {}
_MEMO_MAX = 200_000  # paths; a warm worker keeps a large project's versions in memory


@functools.cache
def _skip_globs() -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]:
    """The scanner's `[skip] files` as exact names, `*.ext` suffixes and the other globs."""
    from blastwall.secrets.formats import table

    names, suffixes, other = set(), [], []
    for g in (str(g).lower() for g in table()["skip"]["files"]):
        if not any(c in g for c in "*?["):
            names.add(g)
        elif g.startswith("*") and not any(c in g[1:] for c in "*?["):
            suffixes.append(g[1:])
        else:
            other.append(g)
    return frozenset(names), tuple(suffixes), tuple(other)


def skipped_name(path: str) -> bool:
    """True for names the scanner never opens (lock files, images, archives)."""
    base = path.rsplit("/", 1)[-1].lower()
    names, suffixes, other = _skip_globs()
    if base in names or base.endswith(suffixes):
        return True
    if not other:
        return False
    from blastwall.analyze import globs

    return globs.match_any(base, other)


def stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def check(path: str, *, deadline: float | None = None, st: os.stat_result | None = None) -> Found:
    """The content check of one file (an absolute path), from the cache when its version is known."""
    st = st if st is not None else stat(path)
    if st is None:
        return _missing(path)
    import stat as stat_mod

    if not stat_mod.S_ISREG(st.st_mode) or skipped_name(path):
        return Found(CLEAN)
    stamp = Stamp.of(st)
    memo = _MEMO.get(path)
    if memo is not None and memo[0] == stamp:
        return memo[1]
    idx = open_index()
    if idx is not None:
        try:
            entry = idx.file(path)
        except Exception:  # noqa: BLE001 - a broken cache is read around, never trusted
            entry = None
        if entry is not None and entry.stamp == stamp and entry.found.state != UNCHECKED:
            _remember(path, stamp, entry.found)
            return entry.found
    found = check_uncached(path, st, deadline=deadline)
    if found.state != UNCHECKED:
        _remember(path, stamp, found)
        if idx is not None:
            idx.put_files([FileEntry(path, stamp, found)])
    return found


def _missing(path: str) -> Found:
    """Nothing to read at `path`; but a path blastwall may not look at is not known to be empty."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        return Found(CLEAN)
    except NotADirectoryError:
        return Found(CLEAN)
    except (OSError, ValueError):
        return Found(UNCHECKED, why="blastwall cannot look at it")
    return Found(CLEAN)  # a dangling symbolic link: it names nothing


def check_uncached(path: str, st: os.stat_result, *, deadline: float | None = None) -> Found:
    """Read and scan the file now."""
    if st.st_size > MAX_BYTES:
        return Found(UNCHECKED, why=f"it is larger than the {MAX_BYTES // (1024 * 1024)} MB blastwall checks")
    if deadline is not None and time.monotonic() > deadline:
        return Found(UNCHECKED, why="blastwall ran out of time checking it")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except PermissionError:
        return Found(UNCHECKED, why="blastwall may not read it")
    except OSError as exc:
        return Found(UNCHECKED, why=f"blastwall could not read it ({exc.strerror or type(exc).__name__})")
    if len(data) > MAX_BYTES:
        return Found(UNCHECKED, why=f"it is larger than the {MAX_BYTES // (1024 * 1024)} MB blastwall checks")
    return scan_bytes(data, path)


def scan_bytes(data: bytes, name: str) -> Found:
    """The content check of some bytes named `name` (a file's text, a git blob)."""
    from blastwall.secrets.scanner import scan_text

    text = data.decode("utf-8", "replace")
    rows = scan_text(text, name)
    if not rows:
        return Found(CLEAN)
    formats = tuple(dict.fromkeys(r[3] for r in rows))
    lines = tuple(sorted({r[0] for r in rows}))
    return Found(HOLDS, formats, lines, multi_line=any(not r[6] for r in rows))


def _remember(path: str, stamp: Stamp, found: Found) -> None:
    if len(_MEMO) >= _MEMO_MAX:
        _MEMO.clear()
    _MEMO[path] = (stamp, found)
