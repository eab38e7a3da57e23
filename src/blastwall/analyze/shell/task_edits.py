"""Task files rewritten earlier on the line: what the task runs is what the new text says.

    sed -i 's/"start": ".*"/"start": "X"/' package.json && npm start   start's text cannot be known: ask
    perl -pi -e '...' Makefile && make build                            build's recipe cannot be known: ask
    cp ci.json package.json && npm test                                 package.json is ci.json: read it
    jq '.version="2.0.0"' package.json > p.json && mv p.json package.json && npm test
                                                                        no script changed: as on disk

`written(path, scope)` is None when no earlier command writes the file (or only writes whose new
values are judged where they are set: rules/task_edits.toml), else the text it will hold, or None
with why it cannot be known. The replay itself is scripts.py's (redirections, tee, copies, moves,
in-place editors, downloads).
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from blastwall.analyze.base import Scope
from blastwall.analyze.shell.ir import SimpleCommand


class Written(NamedTuple):
    text: str | None
    why: str = ""


UNKNOWN_WHY = "an earlier command on this line writes it with content blastwall cannot know"


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return load_table("task_edits")


def written(path: str, scope: Scope) -> Written | None:
    """The task file at `path` as the earlier commands of the line leave it (None: not written)."""
    if not scope.earlier:
        return None
    from blastwall.analyze.shell import scripts

    import os

    state = scripts._replayed(scope)
    if os.path.isabs(path) and scope.cwd and path.startswith(scope.cwd.rstrip("/") + "/"):
        path = path[len(scope.cwd.rstrip("/")) + 1:]  # the runner's file as the line names it
        key = scripts._key(path, None)
    else:
        key = scripts._key(path, scope.shell_dir)
    if key not in state:
        return None
    text = state[key]
    if text is not None:
        return Written(text)
    if key in _kept(scope):
        return None  # new values judged where they are set (jq_scripts), or the layout only
    return Written(None, UNKNOWN_WHY)


def _kept(scope: Scope) -> set[str]:
    """The files the line writes only with values judged where they are set (a jq filter blastwall
    reads, a formatter) or by copying such a file."""
    from blastwall.analyze.shell import scripts
    from blastwall.analyze.shell.names import program_name

    kept: set[str] = set()
    previous_kept = False
    for cmd, shell_dir in scope.earlier:
        if not isinstance(cmd, SimpleCommand):
            previous_kept = False
            continue
        argv = scripts._real_argv(cmd)
        name = program_name(argv[0].text) if argv and not argv[0].dynamic else ""
        words = [w.text for w in argv[1:]]
        here = scope._replace(shell_dir=shell_dir, earlier=())
        writes = [(scripts._key(p, shell_dir), t) for p, t, _ in scripts._writes(cmd, here)]
        this_kept = _judged_jq(name, argv) or (name in _table()["stdin_writers"] and previous_kept)
        if this_kept:
            kept.update(k for k, t in writes if t is None)
        elif _formatter(name, words):
            kept.update(k for k, t in writes if t is None)
        elif name in scripts._COPIERS:
            files = [w for w in words if not w.startswith("-")]
            if len(files) == 2 and scripts._key(files[0], shell_dir) in kept:
                kept.add(scripts._key(files[1], shell_dir))
            else:
                kept.difference_update(k for k, _ in writes)
        else:
            kept.difference_update(k for k, _ in writes)
        previous_kept = this_kept
    return kept


def _formatter(name: str, words: list[str]) -> bool:
    rest = [w for w in words if not w.startswith("-")]
    return any(row[0] == name and rest[:len(row) - 1] == row[1:] for row in _table()["formatters"])


def _judged_jq(name: str, argv: list[Any]) -> bool:
    """A jq filter whose changes are known: it names `scripts` (jq_scripts.py judges what it sets,
    and asks about any shape it cannot read) or sets only other fields to literal values."""
    from blastwall.analyze.shell import jq_scripts

    if name not in jq_scripts._table()["programs"]:
        return False
    parsed = jq_scripts._parse_argv(list(argv[1:]))
    if parsed is None or parsed[0].dynamic:
        return False
    flt = parsed[0].text
    if "scripts" in flt:
        return True
    return _literal_filter(flt)


def _literal_filter(flt: str) -> bool:
    """`.version = "2.0.0" | .private = true`: paths, literals, `=`, `|=`, `|`, `,`, del()."""
    out: list[str] = []
    i = 0
    while i < len(flt):  # strings out (no interpolation)
        c = flt[i]
        if c == '"':
            j = i + 1
            while j < len(flt) and flt[j] != '"':
                if flt[j] == "\\":
                    if flt[j + 1:j + 2] == "(":
                        return False
                    j += 1
                j += 1
            out.append(' "" ')
            i = j + 1
            continue
        out.append(c)
        i += 1
    rest = "".join(out)
    allowed = set(" \t\n.=|,[]()\"_-") | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    if any(c not in allowed for c in rest):
        return False  # $var, +, *, //, ?, {...}: a value computed or merged
    words = set(_table()["jq_words"])
    i = 0
    while i < len(rest):
        if rest[i].isalpha() or rest[i] == "_":
            j = i
            while j < len(rest) and (rest[j].isalnum() or rest[j] in "_"):
                j += 1
            before = rest[:i].rstrip()
            if not before.endswith(".") and rest[i:j] not in words:
                return False  # a function call
            i = j
            continue
        i += 1
    return True


def install_runs_hooks(name: str, first: str) -> bool:
    """`npm install`, `npm ci`, `yarn`: the install lifecycle scripts of package.json run."""
    return first in _table()["install_words"].get(name, ())


def edited_only_files(name: str) -> list[str] | None:
    """Task files of a runner read here only when the line rewrites them (composer.json)."""
    return _table().get("edited_only_files", {}).get(name)
