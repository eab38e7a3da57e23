"""What a write does to a file that runs later: the texts before and after it.

Doors hand over a write in one of four shapes (`Action.payload` of a `file_write`):
- `{"path", "content"}`: the whole new file (Write, write_file, a patch's added file);
- `{"path", "edits": [{"old", "new", "all"?}, ...]}`: replacements (Edit, MultiEdit, edit_file,
  a patch's hunks). With the file readable here they are applied to it and the whole files are
  compared; otherwise the old and new snippets are compared (`fragment`);
- `{"path", "deleted": true}`: the file goes away (a Terraform file's resources with it);
- `{"path", "content", "append": true}`: text added at the end (`>>`);
- `{"path", "content", "partial": true}`: new text for some part of the file, the text it
  replaces unknown (an edit tool that sends only its replacement): judged as a snippet, every
  step in it counts.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from blastwall.analyze.base import Scope, on_this_machine
from blastwall.analyze.later.kinds import kind_of
from blastwall.model import Finding


class Change(NamedTuple):
    before: str | None
    after: str | None
    fragment: bool = False


def edits_of(raw: Any) -> list[tuple[str, str, bool]] | None:
    """`[(old, new, replace_all), ...]` from a payload's `edits` (None when there are none)."""
    if not isinstance(raw, list) or not raw:
        return None
    out = []
    for e in raw:
        if not isinstance(e, dict):
            continue
        old = next((e[k] for k in ("old", "old_string", "oldText", "oldString") if isinstance(e.get(k), str)), None)
        new = next((e[k] for k in ("new", "new_string", "newText", "newString") if isinstance(e.get(k), str)), None)
        if old is None and new is None:
            continue
        out.append((old or "", new or "", bool(e.get("all") or e.get("replace_all") or e.get("replaceAll"))))
    return out or None


def change_of(path: str, content: Any, scope: Scope, *, edits: Any = None, deleted: bool = False,
              append: bool = False, partial: bool = False) -> Change:
    if partial and edits_of(edits) is None:
        return Change(None, content if isinstance(content, str) else None, fragment=True)
    disk = read_text(path, scope)
    pairs = edits_of(edits)
    if pairs is not None:
        applied = _apply(disk, pairs) if disk is not None else None
        if applied is not None:
            return Change(disk, applied)
        return Change("\n".join(o for o, _, _ in pairs), "\n".join(n for _, n, _ in pairs), fragment=True)
    if deleted:
        return Change(disk, "" if disk is not None else None)
    if not isinstance(content, str):
        return Change(None, None)
    if append:
        return Change(disk, (disk or "") + content)
    return Change(disk, content)


def _apply(text: str, pairs: list[tuple[str, str, bool]]) -> str | None:
    """The file after the edits, or None when an edit's old text is not in it (the edit fails,
    or the file changed: compare the snippets instead)."""
    for old, new, every in pairs:
        if not old:
            if text:
                return None
            text = new
            continue
        if old not in text:
            return None
        text = text.replace(old, new) if every else text.replace(old, new, 1)
    return text


def written_findings(path: str, content: Any, scope: Scope, *, edits: Any = None, deleted: bool = False,
                     append: bool = False, partial: bool = False) -> list[Finding]:
    """Findings for the steps a write adds to a file that runs later ([] for other files)."""
    if not path or not str(path).strip():
        return []
    sample = content if isinstance(content, str) else ""
    real = _real_path(path, scope)
    if real is not None and kind_of(path, sample) is None and kind_of(real, sample) is not None:
        path = real  # a link whose target runs later (notes/x.yml -> .github/workflows/deploy.yml)
    if kind_of(path, sample) is None and not _may_be_sniffed(path, edits, scope):
        return []
    if new_named_script(path, content, scope, edits=edits, deleted=deleted, append=append, partial=partial):
        return []
    change = change_of(path, content, scope, edits=edits, deleted=deleted, append=append, partial=partial)
    if change.after is None:
        return []
    from blastwall.analyze.later.change import analyze_change

    return analyze_change(path, change.before, change.after, scope, fragment=change.fragment)


def new_named_script(path: str, content: Any, scope: Scope, *, edits: Any = None, deleted: bool = False,
                     append: bool = False, partial: bool = False) -> bool:
    """A whole new file of a kind that runs only when a command names it (rules/later.toml
    `when_named`: `scripts/x.sh`, a file with a shell #! line): its text is data until then, and the
    command that runs it is judged with it read, whichever door wrote it (a shell line's `cat >
    x.sh`, an agent's Write tool, MCP write_file). A script already on disk, an edit, an append or a
    partial text is judged by what it changes: its runners run the new text."""
    if edits is not None or deleted or append or partial or not isinstance(content, str):
        return False
    kind = kind_of(path, content)
    return kind is not None and kind.when_named and not on_disk(path, scope)


def _may_be_sniffed(path: str, edits: Any, scope: Scope) -> bool:
    """An edit of a file whose kind shows only in its text (a shell script without an
    extension, a Kubernetes manifest): look at the file on disk."""
    if edits is None:
        return False
    disk = read_text(path, scope)
    return disk is not None and kind_of(path, disk) is not None


def _real_path(path: str, scope: Scope) -> str | None:
    """Where `path` really points on this machine when it is (or goes through) a symlink."""
    full = on_this_machine(path, scope)
    if full is None:
        return None
    try:
        real = os.path.realpath(full)
    except (OSError, ValueError):
        return None
    return real if real != os.path.normpath(full) else None


def on_disk(path: str, scope: Scope) -> bool:
    """Whether `path` is there on this machine now (a link counts, even a dangling one); False
    when files may not be read."""
    full = on_this_machine(path, scope)
    if full is None:
        return False
    try:
        return os.path.lexists(full)
    except (OSError, ValueError):
        return False


def read_text(path: str, scope: Scope, limit: int = 256 * 1024) -> str | None:
    """The file's text on this machine now (None: absent, unreadable, too large or not allowed)."""
    if not scope.read_files:
        return None
    full = os.path.expanduser(path)
    if not os.path.isabs(full):
        if not scope.cwd:
            return None
        full = os.path.join(scope.cwd, full)
    try:
        if os.path.getsize(full) > limit:
            return None
        with open(full, "rb") as f:
            return f.read(limit).decode("utf-8", "replace")
    except (OSError, ValueError):
        return None
