"""Whether a command earlier on the line may put other content where a later command writes.

    mv notes.md x.md && echo gone > x.md      the mv brings notes.md to x.md first: that x.md is
                                              missing now makes the write no creation
    ln work.py x.py && : > x.py               x.py becomes another name of work.py
    git stash pop && sed -i 's/a/b/' f.py     the stash's uncommitted changes may land in f.py

An earlier command brings content to a path when it names the path, a folder above it or a file
of the same name (as text: the measurer cannot run it), unless it only reads, edits in place or
copies (the source keeps what a copy brings) (`rules/shell_fs.toml [earlier]`); and always when it rewrites the work tree without naming the
files (`git stash pop`, `git apply`, `patch`). Used by the analyzer (a creation must be provably
new) and by the files radius (a measurement of what is there now).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from typing import Any

from blastwall import rx
from blastwall.analyze.ruleset import load_table

_REDIRECT = rx.compile(r"^(?:\d*|&)(?:>>?|<|>\|)&?")


@functools.cache
def _table() -> dict[str, Any]:
    return dict(load_table("shell_fs")["earlier"])


def brings_content(argv: list[str], source: str, target: str) -> bool:
    """Whether the command `argv` (its text `source`), run earlier on the line, may put other
    content at `target` (a path as the later command writes it)."""
    if not argv:
        return ">" in source and _names(source, target)
    t = _table()
    name = os.path.basename(argv[0])
    if name == "git":
        sub = next((a for a in argv[1:] if not a.startswith("-")), "")
        if sub in t["git_worktree_writers"] and not _new_branch_here(argv, sub):
            return True
        if sub in t["git_readers"] and ">" not in source:
            return False
    elif name in t["worktree_writers"]:
        return True
    elif name in (*t["readers"], *t["folder_makers"]) and ">" not in source:
        return False  # a reader, or a new empty folder (`mkdir -p d && echo > d/f`): no content for the file
    elif name in t["copiers"] and ">" not in source and not any(
            a in t["link_flags"] or (a.startswith("-") and not a.startswith("--") and ("l" in a or "s" in a))
            for a in argv[1:]):
        return False  # the source keeps what was copied (`cp -l`/`-s` links: then the target shares it)
    return _names(source, target)


def makes_folder(argv: list[str], folder: str) -> bool:
    """The command `argv` makes `folder` (an absolute path) or a folder below it (`mkdir -p
    /opt/app/logs` makes /opt/app; `install -d DIR` too: rules/shell_fs.toml [earlier] folder_makers)."""
    if not argv or os.path.basename(argv[0]) not in _table()["folder_makers"]:
        return False
    for word in argv[1:]:
        if word.startswith("-") or "$" in word or "`" in word:
            continue
        made = os.path.normpath(os.path.expanduser(word))
        if made == folder or made.startswith(folder.rstrip("/") + "/"):
            return True
    return False


def _new_branch_here(argv: list[str], sub: str) -> bool:
    """`git checkout -b NAME`, `git switch -c NAME`: a new branch at HEAD, the files as they are."""
    if sub not in ("checkout", "switch"):
        return False
    rest = argv[argv.index(sub) + 1:]
    words = [a for a in rest if not a.startswith("-")]
    return len(words) == 1 and any(a in ("-b", "-B", "-c", "-C") for a in rest) and all(
        a in ("-b", "-B", "-c", "-C", "-q", "--quiet") or not a.startswith("-") for a in rest)


def _names(source: str, target: str) -> bool:
    """A word of `source` (or a redirection's file) is `target`, a folder above it, or a file of
    its name in another folder."""
    import shlex

    try:
        words = shlex.split(source)
    except ValueError:
        return True  # unreadable: it may
    norm = os.path.normpath(target)
    base = os.path.basename(norm)
    for word in words:
        w = os.path.normpath(_REDIRECT.sub("", word) or ".")  # `>x.md` names x.md
        if w in (".", "/", "~", ""):
            continue
        if w == norm or norm.startswith(w.rstrip("/") + "/") or os.path.basename(w) == base:
            return True
    return False


def any_brings(commands: Iterable[tuple[list[str], str]], target: str) -> bool:
    """Whether any of the earlier `commands` ((argv, source) pairs) may bring content to `target`."""
    return any(brings_content(argv, source, target) for argv, source in commands)
