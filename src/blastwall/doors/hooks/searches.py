"""Agents' search and multi-file read tools as the shell reads they amount to.

    grep_action("RAILWAY", "ops", ctx, include="*.md")  -> rg --hidden -e RAILWAY --glob '*.md' -- ops
    tree_read_action("src/**/*.ts", ctx)                -> grep -r -e '' --include '*.ts' -- src

A search tool prints the lines its pattern matches in every file under its path (Claude's Grep,
Gemini's `grep_search`, OpenCode's `grep`): it is checked as the ripgrep command it runs, so the
read analyzer decides which files holding credentials its pattern can reach. A tool that reads
every file under a path or glob (Gemini's `read_many_files`) prints every line of them: checked
as `grep -r ''` over the glob's literal folder, the glob's last part as `--include`.
"""

from __future__ import annotations

import shlex
from typing import Any

_WILD = "*?[{"


def grep_action(pattern: str, path: str, ctx: Any, *, include: str = "", flags: tuple[str, ...] = ()) -> Any:
    from blastwall.doors.hooks.base import shell_action

    words = ["rg", "--hidden", "-e", pattern, *flags]
    if include:
        words += ["--glob", include]
    return shell_action(shlex.join([*words, "--", path or "."]), ctx)


def literal_folder(pattern: str) -> str:
    """The folder a glob starts with: `/etc/ssl/**/*.pem` -> `/etc/ssl`, `**/*.ts` -> `.`."""
    parts = []
    for part in pattern.split("/"):
        if any(c in part for c in _WILD):
            break
        parts.append(part)
    else:
        parts = parts[:-1]  # a pattern without wildcards names a file: list its folder
    folder = "/".join(parts)
    return folder or ("/" if pattern.startswith("/") else ".")


def tree_read_action(path: str, ctx: Any) -> Any:
    """A file is a file read; a folder or a glob is every line of every file it reaches."""
    import os

    from blastwall.doors.hooks.base import read_action, shell_action

    if not any(c in path for c in _WILD):
        full = os.path.join(ctx.cwd or "", os.path.expanduser(path))
        if not os.path.isdir(full):
            return read_action(path, ctx)
        return shell_action(shlex.join(["grep", "-r", "-e", "", "--", path]), ctx)
    last = path.rstrip("/").rsplit("/", 1)[-1]
    include = ["--include", last] if any(c in last for c in _WILD) and last not in ("*", "**") else []
    return shell_action(shlex.join(["grep", "-r", "-e", "", *include, "--", literal_folder(path)]), ctx)
