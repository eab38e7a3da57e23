"""Which files a delete or overwrite reaches: the files under its targets, and through links.

    walk(["src"], (), ctx)                  every file and link under src -> its size
    reach(roots, files, links, ...)         the targets of the links met, walked too

A delete removes names: it never reaches past a link. An overwrite reaches what `grep -R` or
`find -L` list through a folder link under its target; and unless the program puts a new file in
place of the old one (`REPLACING`: `sed -i`, `perl -i`, `mv`, `install`), it writes into what a
link at the path points to (`> f`, `cp`, `tee`, `truncate`, interpreter code, MCP writes) and
changes every hard link of a file.
"""

from __future__ import annotations

import fnmatch
import os
import stat
import time
from collections.abc import Iterable

from blastwall.model import Action, Finding
from blastwall.radius.base import MeasureContext
from blastwall.radius.gitfacts import OutOfTime

CHECK_EVERY = 128  # files between two looks at the clock

# Overwrites that put a new file in place of the old one (written beside it and renamed into place,
# or the old name unlinked first): a link at the path is replaced, never written through.
REPLACING = ("shell.fs:sed-in-place", "shell.fs:perl-in-place", "shell.fs:ruby-in-place", "shell.fs:mv-over",
             "shell.fs:install-over", "shell.fs:ln-force", "mcp.filesystem:move")
FOLLOWING = ("--follow-symlinks",)  # sed: edit what a link points to, in place


def writes_through(action: Action, finding: Finding) -> bool:
    """Whether an overwrite writes into what the path points to (a link's target, a file's other
    hard links): every overwrite but the REPLACING ones."""
    if finding.rule_id not in REPLACING:
        return True
    return isinstance(action.payload, str) and any(opt in action.payload for opt in FOLLOWING)


def walk(paths: Iterable[str], patterns: tuple[str, ...], ctx: MeasureContext, links: list[str] | None = None,
         shared: set[str] | None = None) -> dict[str, int]:
    """Every file (and link) under `paths` -> its size; raises OutOfTime. With `links`, the links
    met are listed in it; with `shared`, the regular files with more than one hard link."""
    found: dict[str, int] = {}

    def add(path: str, st: os.stat_result) -> None:
        if stat.S_ISLNK(st.st_mode) and links is not None:
            links.append(path)  # a folder link is followed whatever the patterns say
        if patterns and not any(fnmatch.fnmatch(os.path.basename(path), p) for p in patterns):
            return
        found[path] = st.st_size
        if shared is not None and stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
            shared.add(path)
        if len(found) % CHECK_EVERY == 0 and time.monotonic() > ctx.deadline:
            raise OutOfTime(len(found))

    for top in paths:
        try:
            st = os.lstat(top)
        except OSError:
            continue
        if not os.path.isdir(top) or os.path.islink(top):
            add(top, st)
            continue
        for root, dirs, names in os.walk(top):
            dirs.sort()
            for name in names + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
                p = os.path.join(root, name)
                try:
                    add(p, os.lstat(p))
                except OSError:
                    continue
            if time.monotonic() > ctx.deadline:
                raise OutOfTime(len(found))
    return found


def reach(paths: list[str], files: dict[str, int], links: list[str], patterns: tuple[str, ...], through: bool,
           shared: set[str] | None, ctx: MeasureContext) -> list[str]:
    """`paths` and what a write reaches through the links met under them: a folder link's target
    (its files added to `files`, matching `patterns`), and with `through` a file link's target.
    Each target once; raises OutOfTime."""
    roots = list(paths)
    seen = {os.path.realpath(p) for p in paths if not os.path.islink(p)}  # a root that is a link is followed
    while links:
        folders, targets = [], []
        for link in links:
            try:
                target = os.path.realpath(link)
            except (OSError, ValueError):
                continue
            if target in seen or not os.path.exists(target):
                continue  # a dangling link: a write makes a new file (what it names is guarded elsewhere)
            if os.path.isdir(target):
                folders.append(target)
            elif through and link in files:
                targets.append(target)
            else:
                continue
            seen.add(target)
        links = []
        files.update(walk(folders, patterns, ctx, links, shared))
        files.update(walk(targets, (), ctx, links, shared))
        roots += folders + targets
    return roots
