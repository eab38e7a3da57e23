"""Where a shell read's words point, as bash and the programs would resolve them: the folder a
`cd` earlier on the line moved to (`~+`, `~-`), brace and glob expansion (every file a glob names,
up to MAX_GLOB), the paths a container sees through its bind mounts, and the files an operand
named at run time may be (`cat "$f"`, `cat $(printf '.%s' env)`).

    expand(in_shell_dir("{ops,x}/*.md", scope), scope)   -> ["/proj/ops/notes.md", ...]
    run_time_selection(Word("ops/$(ls ops)", dynamic=True)) -> Selection(roots=("ops",))
"""

from __future__ import annotations

import functools
import os
import posixpath

from blastwall import rx
from blastwall.analyze.base import Scope
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.ir import Selection, Word
from blastwall.analyze.shell.readargs import literal


def in_shell_dir(path: str, scope: Scope) -> str:
    base = scope.shell_dir
    if path == "~+" or path.startswith("~+/"):  # bash: the current folder
        return posixpath.normpath((base if base and not base.startswith("$") else scope.cwd or ".") + path[2:])
    if path == "~-" or path.startswith("~-/"):  # the folder before the last cd (as blastwall can tell)
        return posixpath.normpath((scope.cwd or ".") + path[2:])
    if base and not base.startswith("$") and not path.startswith(("/", "~", "$")):
        return posixpath.normpath(posixpath.join(base, path))
    return path


MAX_GLOB = 2000  # files a glob is expanded to; more is a read blastwall could not check


TOO_MANY = "\0"  # marks a glob that names more files than that


def _braces(path: str) -> list[str]:
    """Brace expansion as bash does it (`{ops,x}/notes.md`, `f{1..3}`), bounded; the word itself first."""
    if "{" not in path or "}" not in path:
        return [path]
    from blastwall.snapshots.where import braces

    return braces(path)


def expand(path: str, scope: Scope) -> list[str]:
    """A word with braces or a glob (`cat .env*`, `cat */*`) as the files it names on this machine
    (every one: the credential may be the last), when blastwall may look."""
    paths = _braces(path)
    if not scope.read_files:
        return paths
    base = scope.cwd or os.getcwd()
    out: list[str] = []
    for p in paths:
        if not any(c in p for c in "*?["):
            out.append(p)
            continue
        import glob
        import itertools

        p = rx.sub(r"^\$\{?HOME\}?(/|$)", r"~\1", p)
        try:
            hits = list(itertools.islice(glob.iglob(os.path.expanduser(p), root_dir=base, include_hidden=True),
                                         MAX_GLOB + 1))
        except (OSError, ValueError):
            hits = []
        if len(hits) > MAX_GLOB:
            out.append(TOO_MANY + p)
        out.extend(sorted(hits[:MAX_GLOB]) or [p])
    return out


def mounted(path: str, scope: Scope) -> str:
    """A path inside a container, as the folder mounted there (`-v $PWD:/w`: /w/.env is ./.env)."""
    for ctr, host in reversed(scope.mounts):
        if path == ctr or path.startswith(ctr.rstrip("/") + "/"):
            return host.rstrip("/") + path[len(ctr.rstrip("/")):]
    return path


def exists_here(path: str, scope: Scope) -> bool:
    """Whether `path`, as the command line names it (a container's path as what is mounted
    there), is there on this machine."""
    if not (scope.cwd or scope.shell_dir or scope.mounts) and not path.strip().startswith(("/", "~", "$")):
        return False  # a relative path of an action that does not say where it runs names no file (resolve)
    from blastwall.analyze.credentials import resolve

    full = resolve(mounted(in_shell_dir(path, scope), scope), scope)
    try:
        return bool(full) and os.path.lexists(full)
    except (OSError, ValueError):
        return False


def is_dir(path: str, scope: Scope | None) -> bool:
    if scope is None or not scope.read_files:
        return False
    from blastwall.analyze.credentials import resolve

    full = resolve(in_shell_dir(path, scope), scope)
    return bool(full) and os.path.isdir(full)


def lost(path: str, scope: Scope) -> bool:
    """A relative path after a `cd` to a folder blastwall cannot resolve (`cd "$(ls -d o*)" && cat
    notes.md`): any file so named in the working folder's tree."""
    return bool(scope.shell_dir and scope.shell_dir.startswith("$") and path and not path.startswith(("/", "~", "$"))
                and scope.read_files)


_DYNAMIC = rx.compile(r"\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_0-9@*#?!-]+|`[^`]*`|\{stdin\}")


def run_time_selection(w: Word) -> Selection | None:
    """The files an operand named at run time may be (`cat "$f"`, `cat ops/$(ls ops)`, xargs'
    `ops/{}`): any file under the folder its text starts with, whose name fits what is known of it."""
    if literal(w) or w.path_class is not None or not w.text:
        return None
    whole = rx.fullmatch(r'"?(?:\$\(\s*([^\s;|&)]*).*\)|`\s*([^\s;|&`]*).*`)"?', w.raw or "")
    if whole is not None and (whole.group(1) or whole.group(2) or "").rsplit("/", 1)[-1] in _path_producers():
        return None  # `cat $(which python3)`: a program's path, never a file of the project
    text = rx.sub(r"^\$\{?HOME\}?(/|$)", r"~\1", w.text)
    text = rx.sub(r"^\$\{?PWD\}?(?:/|$)", "", text)
    if _DYNAMIC.search(text) is None:
        return None
    star = _DYNAMIC.sub("*", text)
    head = star[:star.index("*")]
    root = (head.rsplit("/", 1)[0] or "/") if "/" in head else "."
    name = star.rsplit("/", 1)[-1]
    return Selection(roots=(root,), names=() if set(name) <= {"*"} else (name,))


@functools.cache
def _path_producers() -> frozenset[str]:
    return frozenset(load_table("shell_reads")["any"]["path_producers"])
