"""The fingerprint of blastwall's own installation: its modules and rule tables.

The daemon keeps these loaded; when any of them changes (an upgrade, an edit of an editable
install) the fingerprint changes, and the daemon stops serving so that the next call runs on the
new code. Policy files, the secrets list, keys and trust are not part of it: every check reads
those afresh (their readers cache by stat stamp).
"""

from __future__ import annotations

import os

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_SUFFIXES = (".py", ".toml", ".json", ".so")


def fingerprint(root: str = _PACKAGE) -> int:
    """A hash over (path, size, mtime) of every module and data file under blastwall's package."""
    seen: list[tuple[str, int, int]] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if name.endswith(_SUFFIXES):
                path = os.path.join(folder, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                seen.append((path, st.st_size, st.st_mtime_ns))
    return hash(tuple(sorted(seen)))
