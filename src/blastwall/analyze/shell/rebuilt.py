"""Folders the line makes again: a package manager run after an `rm` rebuilds what it deleted.

    rm -rf vendor/ && composer install
    rm -rf vendor/bundle && bundle install --path vendor/bundle
    cd ios && rm -rf Pods && pod install

The package managers and the folders they make are data (rules/rebuilt.toml). An `rm` finding of
such a folder, or of a path inside it, becomes regenerable when a later part of the same `&&` chain
(SimpleCommand.after: it runs only when the rm succeeded) runs that package manager in the same
project folder, and nothing between changes variables or moves to a folder blastwall cannot follow.
The rm's other targets keep their findings. When files may be read in a known working directory,
the folder must not be (or sit under) a link, must hold the package manager's marker file when it
exists, and the project must hold the manifest the folder is rebuilt from.
"""

from __future__ import annotations

import functools
import os
import posixpath
from typing import Any

from blastwall.analyze.base import Scope
from blastwall.analyze.shell.made_here import _CHANGERS, _MOVERS, _plain
from blastwall.analyze.shell.names import program_name
from blastwall.model import Finding, Severity

RULE = "shell.fs:rm"
_GLOB = frozenset("*?[")


class _Rebuilder:
    __slots__ = ("commands", "dir_options", "env", "flag_folders", "folders", "forbid", "manifests", "marker",
                 "path_names", "path_options", "positional", "default_path", "what", "settings")

    def __init__(self, row: dict[str, Any]) -> None:
        self.what = str(row["what"])
        self.commands: tuple[tuple[str, ...], ...] = tuple(tuple(c) for c in row["commands"])
        self.folders: tuple[str, ...] = tuple(row.get("folders", ()))
        self.path_options = frozenset(row.get("path_options", ()))
        self.positional = bool(row.get("positional_path", False))
        self.path_names = frozenset(row.get("path_names", ()))
        self.default_path = str(row.get("default_path", ""))
        self.flag_folders: dict[str, str] = dict(row.get("flag_folders", {}))
        self.dir_options = frozenset(row.get("dir_options", ()))
        self.forbid = frozenset(row.get("forbid", ()))
        self.env: tuple[str, ...] = tuple(row.get("env", ()))
        self.manifests: tuple[str, ...] = tuple(row.get("manifests", ()))
        self.marker = str(row.get("marker", ""))
        self.settings = frozenset(row.get("settings", ()))


@functools.cache
def _rebuilders() -> tuple[_Rebuilder, ...]:
    from blastwall.analyze.ruleset import load_table

    return tuple(_Rebuilder(row) for row in load_table("rebuilt").get("rebuilder", ()))


@functools.cache
def _programs() -> frozenset[str]:
    return frozenset(c[0] for r in _rebuilders() for c in r.commands)


def rebuilt_later(per: list[list[Finding]], commands: list[Any], folders: list[str | None], line: str,
                  scope: Scope) -> None:
    """Mark in `per` (the findings of each of `commands`, run in `folders`) the rm findings of
    folders a later package manager on the line makes again. Changes `per` in place."""
    if not any(w in line for w in _programs()):
        return
    for i, cmd in enumerate(commands):
        if not any(f.rule_id == RULE for f in per[i]) or not _is_rm(cmd):
            continue
        made = _made_after(i, commands, folders, line, scope)
        if not made:
            continue
        per[i] = [_regenerable(f, made, folders[i], scope) if f.rule_id == RULE else f for f in per[i]]


def _is_rm(cmd: Any) -> bool:
    argv = cmd.argv
    return bool(argv) and not argv[0].dynamic and argv[0].text == "rm" and not cmd.assigns


def _made_after(i: int, commands: list[Any], folders: list[str | None], line: str,
                scope: Scope) -> dict[str, str]:
    """Folder made again (as a normalized path from where the line started) -> who makes it."""
    made: dict[str, str] = {}
    for j in range(i + 1, len(commands)):
        later = commands[j]
        if _changes(later):
            break  # it may change what the commands after it act on
        if i not in later.after or any(w.dynamic for w in later.argv):
            continue
        for r in _rebuilders():
            if any(v in line for v in r.env) or not r.settings.issuperset(later.assigns):
                continue
            for project, folder in _folders_of(r, [w.text for w in later.argv]):
                where = _on_line(project or ".", folders[j])
                if where is not None and _checks(r, where, _norm(folder), scope):
                    made[_on_line(folder, where) or ""] = r.what
    return made


def _changes(cmd: Any) -> bool:
    words = [w.text for w in cmd.argv]
    if not words or cmd.argv[0].dynamic or words[0] in _CHANGERS:
        return True
    if words[0] in _MOVERS:
        return len(words) != 2 or words[1].startswith("/") or \
            not all(_plain(p) or p == ".." for p in words[1].split("/"))
    return False


def _folders_of(r: _Rebuilder, words: list[str]) -> list[tuple[str, str]]:
    """(project folder relative to where it runs, folder in it) the command `words` makes again."""
    head = next((c for c in r.commands if _starts(words, c)), None)
    if head is None:
        return []
    rest = words[len(head):]
    out = list(r.folders)
    project = ""
    positional: str | None = None
    i = 0
    while i < len(rest):
        flag, eq, value = rest[i].partition("=")
        if rest[i] in r.forbid or flag in r.forbid:
            return []
        takes = flag in r.path_options or flag in r.dir_options
        if takes and not eq:
            if i + 1 >= len(rest):
                return []
            value = rest[i + 1]
        if flag in r.dir_options:
            if not _relative(value):
                return []
            project = posixpath.join(project, value)
        elif flag in r.path_options:
            out = [value] if _norm(value) in r.path_names else []
        elif rest[i] in r.flag_folders:
            out = [r.flag_folders[rest[i]]]
        elif not rest[i].startswith("-") and positional is None:
            positional = rest[i]
        i += 2 if takes and not eq else 1
    if r.positional:
        name = positional if positional is not None else r.default_path
        out = [name] if name and _norm(name) in r.path_names else []
    return [(project, f) for f in out if _relative(f)]


def _starts(words: list[str], head: tuple[str, ...]) -> bool:
    if len(words) < len(head) or program_name(words[0]) != head[0]:
        return False
    return tuple(words[1:len(head)]) == head[1:]


def _relative(path: str) -> bool:
    return bool(path) and not path.startswith(("/", "~", "$", "-")) and \
        all(_plain(p) or p == "." for p in path.strip("/").split("/"))


def _norm(path: str) -> str:
    return posixpath.normpath(path).removeprefix("./")


def _on_line(path: str, folder: str | None) -> str | None:
    """`path` as seen from where the line started; None when the folder cannot be followed."""
    if folder and folder.startswith("$"):
        return None
    return posixpath.normpath(posixpath.join(folder, path) if folder else path)


def _checks(r: _Rebuilder, project: str, folder: str, scope: Scope) -> bool:
    """With files readable in a known folder: the project has a manifest, the folder is no link and
    holds the marker. Without a working directory (a batch line) there is nothing to look at, and
    the line is judged by what it says."""
    if not _looks(scope):
        return True
    base = _base(scope)
    if base is None:
        return False
    where = os.path.join(base, project)
    if r.manifests and not any(os.path.isfile(os.path.join(where, m)) for m in r.manifests):
        return False
    full = os.path.join(where, folder)
    if _linked(base, posixpath.join(project, folder)):
        return False
    return not (r.marker and os.path.isdir(full) and not os.path.exists(os.path.join(full, r.marker)))


def _looks(scope: Scope) -> bool:
    return scope.read_files and bool(scope.cwd)


def _base(scope: Scope) -> str | None:
    return scope.cwd if scope.cwd and os.path.isdir(scope.cwd) else None


def _linked(base: str, path: str) -> bool:
    """Whether a folder on the way to `path` (or `path` itself) is a link."""
    now = "/" if path.startswith("/") else base
    for part in path.strip("/").split("/"):
        now = os.path.join(now, part)
        if os.path.islink(now):
            return True
    return False


def _regenerable(f: Finding, made: dict[str, str], folder: str | None, scope: Scope) -> Finding:
    target = f.target
    if not target or "$" in target or "`" in target or target.startswith(("/", "~", "-")):
        return f
    path = _on_line(target.rstrip("/") or ".", folder)
    if path is None or path.startswith(".."):
        return f
    for top, who in made.items():
        if not (path == top or path.startswith(top + "/")):
            continue
        if _GLOB.intersection(path[: len(top)]) or (_looks(scope) and _linked(_base(scope) or "/", path)):
            continue
        return f._replace(severity=Severity.NONE, reversible=True,
                              reason=f"{f.reason}; {who} later on this line makes it again")
    return f
