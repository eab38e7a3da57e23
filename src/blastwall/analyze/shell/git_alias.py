"""Git aliases set on the line.

    git -c alias.st='status -sb' st          -> read as `git status -sb`
    git -c alias.x='!rm -rf ~' x             -> stays asked (shell.git:config-runs-code)
    printf '[alias]...' >> .git/config && git sync
                                             -> asked: git reads settings the line wrote

An alias without a leading `!` names a git subcommand and its words, so a command that calls it is
judged as that subcommand. With `!` it runs a shell command, which the config rule asks about.
A git configuration file written earlier on the line (`.git/config`, `~/.gitconfig`,
`git/config`) may hold aliases, hooks or pagers that any later git command runs: asked.
"""

from __future__ import annotations

import posixpath
import shlex

from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.shell.ir import Word
from blastwall.model import Finding

# git's global options that take a value (the subcommand is the first other word)
_VALUED = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env", "--super-prefix",
                     "--exec-path", "--list-cmds", "--attr-source"})
# Files git reads its settings from (a path ending so), beside .git/config and .git/config.worktree.
_CONFIG_ENDS = (".gitconfig", "/git/config", ".git/config", ".git/config.worktree")


def expand_alias(argv: list[Word]) -> list[Word] | None:
    """`git -c alias.NAME=VALUE ... NAME ARGS` with VALUE a git subcommand (no `!`): `git ...
    VALUE-words ARGS`, the alias's -c removed. None when there is no such alias call."""
    i, sub = 1, None
    while i < len(argv):
        w = argv[i]
        if w.dynamic:
            return None
        if w.text in _VALUED:
            i += 2
            continue
        if w.text.startswith("-"):
            i += 1
            continue
        sub = i
        break
    if sub is None:
        return None
    key = "alias." + argv[sub].text.lower()
    value, drop = None, []
    for j in range(1, sub):
        if argv[j].text == "-c" and j + 1 < sub:
            name, eq, val = argv[j + 1].text.partition("=")
            if eq and name.lower() == key and argv[j + 1].dynamic:
                return None
            if eq and name.lower() == key:
                value, drop = val, [*drop, j, j + 1]
    if value is None or value.lstrip().startswith("!"):
        return None
    try:
        words = shlex.split(value)
    except ValueError:
        return None
    if not words or words[0].startswith("-") and words[0] not in ("-c",):
        return None
    kept = [w for k, w in enumerate(argv[:sub]) if k not in drop]
    return [*kept, *(Word.lit(t) for t in words), *argv[sub + 1:]]


def _names_config(cmd: object) -> bool:
    """Cheap gate: the command's words or redirections name a file with `config` in it."""
    if "config" in str(getattr(cmd, "source", "")):
        return True
    return any(r.target is not None and "config" in r.target.text for r in getattr(cmd, "redirects", ()))


def config_written(scope: Scope, source: str) -> list[Finding]:
    """A finding when an earlier command of the line writes a git configuration file."""
    if not scope.earlier or not any(_names_config(c) for c, _ in scope.earlier):
        return []
    from blastwall.analyze.shell.scripts import written_paths

    for path in written_paths(scope):
        norm = posixpath.normpath(path)
        if norm.endswith(_CONFIG_ENDS) or posixpath.basename(norm) in (".gitconfig",) or \
                posixpath.basename(posixpath.dirname(norm)) == ".git" and posixpath.basename(norm).startswith("config"):
            return [unknown("shell.git:config-written-on-line",
                            f"git runs after the line writes its settings file {path}, which may set an alias, hook "
                            "or pager that runs a program; set the setting first, then run git", source)]
    return []
