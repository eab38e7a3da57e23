"""A repository in a temp folder that is not there yet: what git discards in it, the line made.

    git init /tmp/play && cd /tmp/play && git commit --allow-empty -m one && git reset --hard HEAD
    git -C /tmp/try-x reset --hard        (after git clone URL /tmp/try-x && ...)

A path under a temp folder is scratch (paths.py: "temp"), except a git work tree that is there:
it holds work (paths.py `_work_tree`). So a repository whose folder is a temp path with no work
tree on disk has only what the line itself put there, and git's discards in it (rules/made_here.toml
[scratch_repository]) lose nothing. The folder must be known: `git -C DIR` or the folder a `cd`
that surely succeeded moved to (analyze_command). Any earlier command that names the folder and is
not git init/clone, mkdir or cd (`ln -s ~/app /tmp/play`, `git worktree add /tmp/play`), a git option that picks
another repository (--git-dir, --work-tree) or a variable that does (GIT_DIR, GIT_WORK_TREE, in
the line or the environment): no scratch.
"""

from __future__ import annotations

import functools
import os
import posixpath
from typing import Any

from blastwall.model import Finding

_MOVERS = frozenset({"mkdir", "cd", "pushd", "popd"})
_GIT_MAKERS = frozenset({"init", "clone"})  # a worktree shares its repository's branches and stash: not here


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return dict(load_table("made_here").get("scratch_repository", {}))


def drop_scratch_repo(found: list[Finding], cmd: Any, earlier: tuple[Any, ...], scope: Any, line: str) -> list[Finding]:
    """`found` (cmd's findings) without git's discards in a temp-folder repository the line made."""
    table = _table()
    rules = frozenset(table.get("rules", ()))
    if not any(f.rule_id in rules for f in found):
        return found
    env = table.get("env", ())
    if any(v in line or os.environ.get(v) for v in env):
        return found
    repo = _repository(cmd, scope.shell_dir)
    if repo is None or _named_before(repo, earlier):
        return found
    from blastwall.analyze.paths import classify

    if classify(repo, scope.cwd).kind != "temp":
        return found
    return [f for f in found if f.rule_id not in rules]


def _repository(cmd: Any, shell_dir: str | None) -> str | None:
    """The folder git runs in: -C values joined onto the command's folder; None when unknown."""
    argv = cmd.argv
    if not argv or argv[0].dynamic or argv[0].text != "git" or cmd.assigns:
        return None
    here = shell_dir
    i = 1
    while i < len(argv):
        w = argv[i]
        if w.dynamic:
            return None
        if w.text == "-C" and i + 1 < len(argv) and not argv[i + 1].dynamic:
            target = argv[i + 1].text
            if target.startswith(("~", "$")):
                return None
            here = target if target.startswith("/") else (posixpath.join(here, target) if here else None)
            i += 2
        elif w.text == "-c" and i + 1 < len(argv):
            i += 2
        elif w.text.startswith(("--git-dir", "--work-tree", "--namespace")) or w.text.startswith("-C"):
            return None
        elif w.text.startswith("-"):
            i += 1
        else:
            break
    if not here or not here.startswith("/") or "$" in here:
        return None
    return posixpath.normpath(here)


def _named_before(repo: str, earlier: tuple[Any, ...]) -> bool:
    """Whether an earlier command other than git init/clone, mkdir or cd names the folder or its name."""
    name = posixpath.basename(repo)
    for cmd, _ in earlier:
        words = [w.text for w in cmd.argv]
        if words and not cmd.assigns and (words[0] in _MOVERS or words[:1] == ["git"] and
                                           next((w for w in words[1:] if not w.startswith("-")), "") in _GIT_MAKERS):
            continue
        texts = words + [r.target.text for r in cmd.redirects if r.target is not None]
        if any(repo in t or name in t for t in texts):
            return True
    return False
