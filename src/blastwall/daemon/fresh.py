"""The fingerprint of blastwall's own installation: its modules and rule tables.

The daemon keeps these loaded; when any of them changes (an upgrade, an edit of an editable
install) the fingerprint changes, and the daemon stops serving so that the next call runs on the
new code. Policy files, the secrets list, keys and trust are not part of it: every check reads
those afresh (their readers cache by stat stamp).

`Watch.changed()` runs before every call, so it is cheap: the folders' and the hand-written data
files' stamps every time (a package upgrade replaces files, which changes their folder; a rule
table edited in place changes its own stamp), and every module's and generated catalog file's
stamp at most every `FULL_EVERY_S` (a module edited in place in an editable install; the catalogs
`tools/gen_catalogs.py` writes are over a thousand files, whose stamps took 6 ms a call).
"""

from __future__ import annotations

import os
import time

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_CODE = (".py", ".so")
_DATA = (".toml", ".json")
_GENERATED = os.sep + os.path.join("analyze", "catalogs", "data")  # checked with the modules
FULL_EVERY_S = 1.0


def _walk(root: str) -> tuple[list[str], list[str], list[str]]:
    """(folders, data files checked on every call, files checked every FULL_EVERY_S)."""
    folders, data, code = [], [], []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        folders.append(folder)
        generated = _GENERATED in folder
        for name in files:
            if name.endswith(_DATA) and not generated:
                data.append(os.path.join(folder, name))
            elif name.endswith(_CODE) or name.endswith(_DATA):
                code.append(os.path.join(folder, name))
    return folders, data, code


def _stamps(paths: list[str]) -> tuple[tuple[int, int], ...]:
    out = []
    for path in paths:
        try:
            st = os.stat(path)
            out.append((st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((0, -1))
    return tuple(out)


def fingerprint(root: str = _PACKAGE) -> int:
    """A hash over the stamps of every folder, module and data file under blastwall's package."""
    folders, data, code = _walk(root)
    return hash((tuple(folders + data + code), _stamps(folders + data + code)))


class Watch:
    """Remembers the installation as it was at start-up; `changed()` says when it is not any more."""

    def __init__(self, root: str = _PACKAGE) -> None:
        self.root = root
        self.folders, self.data, self.code = _walk(root)
        self.quick = _stamps(self.folders + self.data)
        self.full = _stamps(self.code)
        self.checked = time.monotonic()

    def changed(self) -> bool:
        if _stamps(self.folders + self.data) != self.quick:
            return True
        now = time.monotonic()
        if now - self.checked >= FULL_EVERY_S:
            self.checked = now
            return _stamps(self.code) != self.full
        return False
