"""Read the files an `apply_patch` patch touches (Codex's and OpenCode's patch format).

    *** Begin Patch
    *** Add File: path        (followed by `+` lines: the new file)
    *** Update File: path     (optionally `*** Move to: new/path`, then hunks)
    *** Delete File: path
    *** End Patch

Each touched path becomes one `(path, content)` pair: the added lines for Add/Update/Move (what
the file will contain or gain), `None` for Delete and for the old path of a move (the file goes
away). `patch_files` also keeps each Update hunk as an edit (its context and `-` lines before,
its context and `+` lines after), so a file that runs later is judged by what the hunk changes.
A patch that names no file raises `BadInput`: blastwall cannot say what it would change.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from blastwall.doors.hooks.base import BadInput


class PatchFile(NamedTuple):
    path: str
    content: str | None  # Add: the new file; Update: the lines it gains; None: the file goes away
    edits: list[dict[str, Any]] | None = None  # Update: one {"old", "new"} per hunk
    deleted: bool = False  # `*** Delete File:`
    partial: bool = False  # an Update whose hunks could not be told apart: `content` is only what it adds

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


def patch_files(text: str) -> list[PatchFile]:
    """The files a patch touches, in patch order, with each Update's hunks as edits."""
    targets = patch_targets(text)
    hunks = _hunks(text)
    out = []
    for path, content in targets:
        kind = hunks.get(path)
        if kind == "delete":
            out.append(PatchFile(path, None, deleted=True))
        elif isinstance(kind, list) and kind:
            out.append(PatchFile(path, content, edits=kind))
        else:
            out.append(PatchFile(path, content, partial=isinstance(kind, list) and content is not None))
    return out


def _hunks(text: str) -> dict[str, Any]:
    """path -> "delete" or the Update's hunks `[{"old", "new"}]` (a move's hunks stay with the new path)."""
    out: dict[str, Any] = {}
    path: str | None = None
    old: list[str] = []
    new: list[str] = []

    def flush() -> None:
        if path is not None and (old or new) and isinstance(out.get(path), list):
            out[path].append({"old": "\n".join(old), "new": "\n".join(new)})
        old.clear()
        new.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("*** Update File:", "*** Add File:", "*** Delete File:", "*** Move to:")):
            flush()
            name = stripped.split(":", 1)[1].strip()
            if stripped.startswith("*** Update File:"):
                path = name
                out[path] = []
            elif stripped.startswith("*** Move to:") and path is not None:
                out[name] = out.pop(path, [])
                path = name
            elif stripped.startswith("*** Delete File:"):
                out[name] = "delete"
                path = None
            else:
                path = None
        elif stripped.startswith("***"):
            flush()
            if not stripped.startswith("*** End of File"):
                path = None
        elif line.startswith("@@"):
            flush()
        elif path is not None:
            if line.startswith("-"):
                old.append(line[1:])
            elif line.startswith("+"):
                new.append(line[1:])
            else:
                ctx = line[1:] if line.startswith(" ") else line
                old.append(ctx)
                new.append(ctx)
    flush()
    return out
