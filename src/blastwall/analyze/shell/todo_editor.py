"""Git sequence editors (`GIT_SEQUENCE_EDITOR=CMD git rebase -i`): git runs CMD on the rebase todo
list, and what CMD leaves of it is what the rebase does. A line deleted, or a `pick` turned into
`drop`/`d`, removes that commit from the branch.

    GIT_SEQUENCE_EDITOR=:                        -> the todo as git wrote it: nothing dropped
    GIT_SEQUENCE_EDITOR="sed -i 's/^pick/fixup/'" -> commits folded together: nothing dropped
    GIT_SEQUENCE_EDITOR="sed -i '2,$d'"          -> lines deleted: commits dropped
    GIT_SEQUENCE_EDITOR="perl -pi -e 's/^pick/drop/'" -> commits dropped
"""

from __future__ import annotations

import posixpath
import shlex

from blastwall import rx

# The todo commands that remove a commit (git-rebase(1) "drop <commit>", short form "d").
_DROP_WORD = rx.compile(r"^\s*(drop|d)(\s|$)")
_DROP_ANYWHERE = rx.compile(r"(^|[^\w-])(drop|d)([\s/|#!,'\"}]|$)")
_SED = frozenset({"sed", "gsed"})


def dropped_commits(editor: str) -> str | None:
    """Why the sequence editor `editor` drops commits from the rebase, or None when it does not
    (or blastwall reads it only as the command it is)."""
    try:
        words = shlex.split(editor)
    except ValueError:
        return None
    if not words:
        return None
    program = posixpath.basename(words[0])
    if program in _SED:
        return _sed_drops(words[1:])
    if any(_DROP_ANYWHERE.search(w) for w in words[1:]) and "pick" in editor:
        return f"the sequence editor ({editor[:60]}) turns picks into drops: those commits leave the branch"
    return None


def _sed_drops(args: list[str]) -> str | None:
    from blastwall.analyze.shell.inplace import sed_commands

    scripts: list[str] = []
    positionals: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-e", "--expression") and i + 1 < len(args):
            scripts.append(args[i + 1])
            i += 2
            continue
        if a.startswith("--expression="):
            scripts.append(a.split("=", 1)[1])
        elif a.startswith("-e") and len(a) > 2:
            scripts.append(a[2:])
        elif not a.startswith("-"):
            positionals.append(a)
        i += 1
    if not scripts and positionals:
        scripts = positionals[:1]
    for script in scripts:
        commands = sed_commands(script)
        if commands is None:
            return f"the sequence editor runs a sed script blastwall cannot read ({script[:60]}) on the rebase todo"
        for c in commands:
            if c.letter == "d":
                return f"the sequence editor deletes lines of the rebase todo ({script[:60]}): those commits are dropped"
            if c.letter == "s" and _DROP_WORD.search(c.replacement):
                return f"the sequence editor rewrites picks as drops ({script[:60]}): those commits are dropped"
    return None
