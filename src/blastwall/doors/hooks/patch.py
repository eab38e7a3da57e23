"""Read the files an `apply_patch` patch touches (Codex's and OpenCode's patch format).

    *** Begin Patch
    *** Add File: path        (followed by `+` lines: the new file)
    *** Update File: path     (optionally `*** Move to: new/path`, then hunks)
    *** Delete File: path
    *** End Patch

Each touched path becomes one `(path, content)` pair: the added lines for Add/Update/Move (what
the file will contain or gain), `None` for Delete and for the old path of a move (the file goes
away). A patch that names no file raises `BadInput`: blastwall cannot say what it would change.
"""

from __future__ import annotations

from blastwall.doors.hooks.base import BadInput

_DELETE = "*** Delete File:"
_HEADERS = ("*** Add File:", "*** Update File:", "*** Move to:", _DELETE)


def patch_targets(text: str) -> list[tuple[str, str | None]]:
    """`[(path, content or None for a delete), ...]` in patch order."""
    entries: list[tuple[str, list[str] | None]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        header = next((h for h in _HEADERS if stripped.startswith(h)), None)
        if header is not None:
            path = stripped[len(header):].strip()
            if not path:
                raise BadInput(f"patch line `{stripped[:60]}` names no file")
            if header == "*** Move to:" and entries:
                entries[-1] = (entries[-1][0], None)  # the file moves away from its old path
            current = None if header == _DELETE else []
            entries.append((path, current))
        elif stripped.startswith("*** ") and not stripped.startswith("*** End of File"):
            current = None
        elif current is not None and line.startswith("+"):
            current.append(line[1:])
    if not entries:
        raise BadInput("the patch names no file to change")
    return [(path, None if lines is None else "\n".join(lines)) for path, lines in entries]
