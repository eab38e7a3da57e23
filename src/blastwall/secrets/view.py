"""A redacted view of a file that holds credentials: the same lines, each value replaced.

    copy = redacted_copy("/srv/app/ops/notes.md")
    # ~/.local/state/blastwall/views/3f9a.../notes.md:
    #   RAILWAY_API_TOKEN=<held by blastwall: use the gateway>

Where an agent's read tool can be pointed at another file (Claude Code's `updatedInput`), the
agent reads this copy and keeps working: it learns which variables exist and what the file says,
never a value. The copy lives in blastwall's state folder (`views/`, 0700; files 0600), never in
the project; it keeps the file's name (tools pick a reader by it) and its line numbers (a read of
lines 40-60 shows the same lines), and it is written again on every read, so it is never staler
than the read itself. A value that spans lines (a private key) has every one of its lines
replaced. The copy is checked again before it is offered: if anything in it still looks like a
credential, there is no view and the read is refused.
"""

from __future__ import annotations

import hashlib
import os
import time

from blastwall.secrets.content import MAX_BYTES

MARK = "<held by blastwall: use the gateway>"
KEEP_S = 24 * 3600  # views older than this are removed when another is written
_END = "-----END"


def views_dir() -> str:
    from blastwall.locations import state_dir

    return os.path.join(state_dir(), "views")


def redact_text(text: str, name: str) -> str | None:
    """`text` with every credential the scanner finds replaced by MARK (None when there is none)."""
    from blastwall.secrets.scanner import scan_text

    rows = scan_text(text, name)
    if not rows:
        return None
    lines = text.split("\n")
    spans: dict[int, list[tuple[int, int]]] = {}
    whole: set[int] = set()
    for line, start, end, _fid, _name, _masked, fixable in rows:
        if fixable:
            spans.setdefault(line - 1, []).append((start, end))
        else:
            whole.update(_block(lines, line - 1))
    for i, parts in spans.items():
        if i in whole or i >= len(lines):
            continue
        s = lines[i]
        for start, end in sorted(parts, reverse=True):
            s = s[:start] + MARK + s[end:]
        lines[i] = s
    for i in whole:
        if i < len(lines):
            lines[i] = MARK
    return "\n".join(lines)


def _block(lines: list[str], first: int) -> range:
    """The lines of a value that starts on line `first` and spans lines (a PEM block)."""
    for j in range(first, min(len(lines), first + 200)):
        if _END in lines[j]:
            return range(first, j + 1)
    return range(first, min(len(lines), first + 200))


def redacted_copy(path: str) -> str | None:
    """Write the redacted view of `path` and return where it is; None when there is nothing to
    offer (no credential found, the file cannot be read, or the view still holds one)."""
    from blastwall.secrets.scanner import scan_text

    try:
        if os.path.getsize(path) > MAX_BYTES:
            return None
        with open(path, "rb") as f:
            text = f.read(MAX_BYTES).decode("utf-8", "replace")
    except (OSError, ValueError):
        return None
    name = os.path.basename(path)
    view = redact_text(text, name)
    if view is None or scan_text(view, name):
        return None
    from blastwall.locations import private_dir

    folder = private_dir(os.path.join(views_dir(), hashlib.sha256(path.encode("utf-8", "surrogateescape"))
                                      .hexdigest()[:16]))
    target = os.path.join(folder, name or "file")
    tmp = f"{target}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(view)
    os.replace(tmp, target)
    _prune(folder)
    return target


def _prune(keep: str) -> None:
    root = views_dir()
    now = time.time()
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    for e in entries:
        if e.path == keep or not e.is_dir(follow_symlinks=False):
            continue
        try:
            if now - e.stat(follow_symlinks=False).st_mtime > KEEP_S:
                for f in os.scandir(e.path):
                    os.unlink(f.path)
                os.rmdir(e.path)
        except OSError:
            continue
