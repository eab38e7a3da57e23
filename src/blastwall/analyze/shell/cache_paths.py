"""Where a cache locator really points: verify, never guess.

`rm -rf "$(go env GOCACHE)"` deletes whatever `go env GOCACHE` prints, and one earlier call
(`go env -w GOCACHE=~/data`, `cache=~/data` in .npmrc) can make that a data folder. The parser
marks such a substitution by the locator's name (scratch.made_by_cache_locator); here, where the
check may look at this machine (a working directory and files readable), the path is read from the
settings the tool itself reads (rules/cache_locators.toml: variables, config files, default)
without running anything, and the word becomes that path, judged as the shell judges it:

    nothing set                      -> the tool's default cache (regenerable)
    GOCACHE=/home/u/.cache/gb        -> /home/u/.cache/gb, a cache folder
    cache=/home/u/data in ~/.npmrc   -> /home/u/data, which asks
    a value that cannot be read, two that disagree, a tool without a model -> unknown (asks)

An earlier command of the line (or of the line around an inner shell) that may change a setting
makes the path unknown wherever it is judged. Without a working directory (`check --batch`) the
name alone is read, as before, when nothing on the line touches the settings.
"""

from __future__ import annotations

import functools
import os
import posixpath
import sys
from typing import Any

from blastwall.analyze.base import Scope
from blastwall.analyze.paths import PathClass
from blastwall.analyze.shell.ir import SimpleCommand, Word

MAX_CONFIG = 64 * 1024  # bytes of one config file read; a bigger one is unreadable
MAX_UP = 32  # folders above the command's folder looked at for project files
# Earlier commands that may set any variable of the shell the locator runs in.
_VARIABLE_SETTERS = frozenset({"source", ".", "eval", "read", "mapfile", "readarray", "getopts"})
_DECLARERS = frozenset({"export", "declare", "typeset", "local", "readonly"})


@functools.cache
def _rows() -> dict[PathClass, dict[str, Any]]:
    """Each locator's row by the class the parser gives its substitution."""
    from blastwall.analyze.ruleset import load_table
    from blastwall.analyze.shell.scratch import locator_class

    out: dict[PathClass, dict[str, Any]] = {}
    for row in load_table("cache_locators").get("locator", []):
        out.setdefault(locator_class(str(row["what"])), row)
    return out


def row_of(word: Word) -> dict[str, Any] | None:
    pc = word.path_class
    return _rows().get(pc) if pc is not None and pc.kind == "regenerable" else None


def may_look(scope: Scope) -> bool:
    """Whether this check may look at the machine: a working directory, files readable."""
    return scope.read_files and bool(scope.cwd)


def verify_command(cmd: SimpleCommand, scope: Scope) -> SimpleCommand:
    """`cmd` with each cache-locator word (in its words and redirection targets) replaced by what
    it is here: a verified path, or an unknown one."""
    for w in cmd.argv:  # most commands have no word of any path class: one attribute test each
        if w.path_class is not None and row_of(w):
            break
    else:
        if not any(r.target is not None and row_of(r.target) for r in cmd.redirects):
            return cmd
    env = {**cmd.env, **cmd.assigns}
    argv = [_verified(w, scope, env) for w in cmd.argv]
    redirects = [r._replace(target=_verified(r.target, scope, env)) if r.target is not None else r
                 for r in cmd.redirects]
    return cmd._replace(argv=argv, redirects=redirects)


def _verified(word: Word, scope: Scope, env: dict[str, Word]) -> Word:
    row = row_of(word)
    if row is None:
        return word
    why = _moved_earlier(row, scope, env)
    if why is None and not may_look(scope):
        why = _config_written(row, scope)
        if why is None:
            return word  # nothing can be looked at: read by its name
    if why is None:
        found, why, default = locate(row, scope)
        if found is not None:
            if default and os.path.realpath(found) == posixpath.normpath(found):
                return Word(found, dynamic=True, raw=word.raw,
                            path_class=PathClass("regenerable", f"{row['what']} at its default place {found}"))
            return Word(found, raw=word.raw)  # judged as the shell judges this path
    return Word(word.text, dynamic=True, raw=word.raw,
                path_class=PathClass("dynamic", f"where {' '.join(row['command'])} points is unknown: {why}"))


def _names(row: dict[str, Any]) -> list[str]:
    return [*row.get("unset_by", ()), *row.get("env", ()), *row.get("keys", ()), *row.get("moved_by", ()),
            row["command"][-1]]


# Variables that choose where a tool's config files and default cache are (besides the row's own).
_PLACES = ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_DIRS", "PATH")


def _place_variables(row: dict[str, Any]) -> tuple[str, ...]:
    """The variables that move the row's files or default: the common ones and each `$NAME` file."""
    return (*_PLACES, *(str(f)[1:].split("/", 1)[0] for f in row.get("files", ()) if str(f).startswith("$")))


def _sets_place(places: tuple[str, ...], source: str) -> bool:
    """Whether a command's text names one of `places` other than to read it (`export HOME=...`,
    `XDG_CONFIG_HOME=x`, `read HOME`; not `$HOME` or `${HOME}`)."""
    from blastwall import rx

    return any(rx.search(rf"(?:^|[^\w${{]){name}\b", source) for name in places)


def _moved_earlier(row: dict[str, Any], scope: Scope, env: dict[str, Word]) -> str | None:
    """Why an earlier command of the line may have moved the cache (None: none may have): one that
    names the setting, its variables or files, may set any variable, or writes a file the tool reads."""
    names = [n.lower() for n in _names(row)]
    places = _place_variables(row)
    prog = str(row["command"][0])
    for name in env:
        if name.lower() in names or name in places:
            return f"the command's environment sets {name}"
    shadow = shadowing(prog)
    for cmd, _ in _others(row, scope):
        words = [w.text for w in getattr(cmd, "argv", [])]  # type: ignore[attr-defined]
        source = str(getattr(cmd, "source", ""))
        low = source.lower()
        if any(n in low for n in names) or shadow.search(source) or _sets_place(places, source):
            return f"an earlier command may change it ({source[:60]})"
        first = words[0] if words else ""
        if first in _VARIABLE_SETTERS or (first == "printf" and "-v" in words) or \
                (first in _DECLARERS and any(w.dynamic for w in cmd.argv)):
            return f"an earlier command may set any variable ({source[:60]})"
    return None


def _config_written(row: dict[str, Any], scope: Scope) -> str | None:
    """Why the line may have changed a config file of the tool before the locator runs (an earlier
    `cp x ~/.config/go/env`), read from the line alone."""
    others = _others(row, scope)
    if not others:
        return None
    try:
        files = _files(row, scope, _environment())
    except _Unreadable:
        files = [f for f in row.get("files", ()) if str(f).startswith(("~", "/"))]
    for path in files:
        if _written_earlier(str(path), scope._replace(earlier=others)):
            return f"an earlier command writes {path}"
    return None


def _others(row: dict[str, Any], scope: Scope) -> tuple[tuple[object, str | None], ...]:
    """The earlier commands of the line but the locator itself (a command substitution runs before
    the command it is in)."""
    from blastwall.analyze.shell.names import program_name

    command = [program_name(str(row["command"][0])), *row["command"][1:]]
    return tuple(e for e in scope.earlier if [program_name(w.text) if i == 0 else w.text
                                              for i, w in enumerate(getattr(e[0], "argv", []))] != command)


def shadowing(prog: str) -> Any:
    """Text that makes `prog` run something else than the tool: a function or alias of its name, a
    new PATH, `hash -p`, `enable -f`."""
    from blastwall import rx

    p = rx.escape(prog)
    return rx.compile(rf"(?:^|[\s;&|(]){p}\s*\(\s*\)|\bfunction\s+{p}\b|\balias\b|\bPATH\+?=|\bhash\s+-p\b|"
                      r"\benable\s")


def locate(row: dict[str, Any], scope: Scope) -> tuple[str | None, str, bool]:
    """(the path the locator prints, why it is unknown when None, whether it is the tool's default)."""
    if "default" not in row:
        return None, f"blastwall does not read {row['command'][0]}'s settings", False
    env = _environment()
    for name in row.get("moved_by", ()):
        if name.lower() in env:
            return None, f"{name} is set, which moves the tool's config files", False
    values: list[tuple[str, str]] = []  # (value, where it was set)
    for name in row.get("env", ()):
        if name.lower() in env:
            values.append((_derived(row, name, env[name.lower()]), f"${name}"))
    others = _others(row, scope)
    try:
        files = _files(row, scope, env)
    except _Unreadable as e:
        return None, str(e), False
    for path in files:
        if others and _written_earlier(path, scope._replace(earlier=others)):
            return None, f"an earlier command writes {path}", False
        try:
            found = _settings(path, row)
        except _Unreadable as e:
            return None, f"{path} cannot be read ({e})", False
        for moved in row.get("moved_by", ()):
            if moved in found:
                return None, f"{path} sets {moved}", False
        values.extend((_derived(row, k, v), path) for k, v in found.items() if _is_key(k, row))
    if not values:
        return _expand(str(row["default"]), env), "", True
    paths = set()
    for value, where in values:
        path = _as_path(value)
        if path is None:
            return None, f"{where} sets it to {value[:60]!r}, which blastwall does not resolve", False
        paths.add(path)
    if len(paths) > 1:
        return None, "its settings disagree (" + ", ".join(sorted(paths))[:120] + ")", False
    return paths.pop(), "", False


class _Unreadable(Exception):
    pass


def _environment() -> dict[str, str]:
    """The environment the tool would run with, names in lower case (npm reads any case)."""
    return {k.lower(): v for k, v in os.environ.items()}


def _derived(row: dict[str, Any], key: str, value: str) -> str:
    below = row.get("below", {})
    name = next((k for k in below if k.lower() == key.lower()), None)
    if name is None:
        return value
    first = value.split(":", 1)[0]
    return posixpath.join(first, below[name]) if first else ""


def _is_key(key: str, row: dict[str, Any]) -> bool:
    norm = key.strip().lower().replace("_", "-")
    return any(norm == k.lower().replace("_", "-") for k in row.get("keys", ()))


def _as_path(value: str) -> str | None:
    """An absolute path from a setting: `~` expanded; anything with a variable, a quote or a
    relative path is not resolved."""
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        v = v[1:-1]
    if not v or any(c in v for c in "$%`\"'\\\r\n\0"):
        return None
    v = os.path.expanduser(v)
    return posixpath.normpath(v) if v.startswith("/") else None


def _dirs(kind: str, env: dict[str, str]) -> list[str]:
    home = os.path.expanduser("~")
    xdg = {"config": "xdg_config_home", "cache": "xdg_cache_home"}[kind]
    default = posixpath.join(home, ".config" if kind == "config" else ".cache")
    out = [env[xdg]] if env.get(xdg, "").startswith("/") else []
    if sys.platform == "darwin":
        out.append(posixpath.join(home, "Library", "Application Support" if kind == "config" else "Caches"))
    out.append(default)
    return out


def _expand(template: str, env: dict[str, str]) -> str:
    if template.startswith("{cache}"):
        return _dirs("cache", env)[0] + template[len("{cache}"):]
    return os.path.expanduser(template)


def _files(row: dict[str, Any], scope: Scope, env: dict[str, str]) -> list[str]:
    """Every config file the row names, as paths here (those that do not exist included)."""
    out: list[str] = []
    for template in row.get("files", ()):
        t = str(template)
        if t.startswith("$"):
            var, _, rest = t[1:].partition("/")
            value = env.get(var.lower(), "")
            if value and value != "off":
                out.append(posixpath.join(value, rest) if rest else value)
        elif t.startswith("{config}"):
            out.extend(d + t[len("{config}"):] for d in _dirs("config", env))
        elif t.startswith("{tool}"):
            out.extend(d + t[len("{tool}"):] for d in _tool_prefixes(row))
        elif t.startswith("{up}"):
            out.extend(_up(t[len("{up}"):], scope))
        else:
            out.append(os.path.expanduser(t))
    return out


def _tool_prefixes(row: dict[str, Any]) -> list[str]:
    """The install prefix of the tool's program found on PATH (`/usr/local` for /usr/local/bin/npm),
    through links."""
    import shutil

    out = []
    for name in {str(row["command"][0]), "node"} if row["command"][0] == "npm" else {str(row["command"][0])}:
        found = shutil.which(name)
        for p in {found, os.path.realpath(found)} if found else ():
            out.append(posixpath.dirname(posixpath.dirname(p)))
    return sorted(set(out))


def _up(rest: str, scope: Scope) -> list[str]:
    """`{up}/.npmrc`: the file in the command's folder and every folder above it; `{up}/*/pip.conf`:
    in their subfolders too (a virtual environment's pip.conf). `_Unreadable` when the command's
    folder is not known (`cd "$d"` earlier on the line)."""
    start = scope.shell_dir or scope.cwd or ""
    for home in ("${HOME}", "$HOME"):
        if start == home or start.startswith(home + "/"):
            start = "~" + start[len(home):]
    folder = os.path.expanduser(start)
    if not folder.startswith("/"):
        raise _Unreadable(f"the folder the command runs in ({start[:40]}) is not known")
    folder = posixpath.normpath(folder)
    out: list[str] = []
    for _ in range(MAX_UP):
        if rest.startswith("/*/"):
            try:
                with os.scandir(folder) as entries:
                    out.extend(posixpath.join(e.path, rest[3:]) for e in entries if e.is_dir(follow_symlinks=True))
            except OSError:
                pass
        else:
            out.append(folder + rest)
        parent = posixpath.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return out


def _written_earlier(path: str, scope: Scope) -> bool:
    from blastwall.analyze.shell.fsops import _brought
    from blastwall.analyze.shell.scripts import written_here

    return written_here(path, scope) or _brought(path, scope)


def _settings(path: str, row: dict[str, Any]) -> dict[str, str]:
    """The settings a config file holds (empty when it does not exist); `_Unreadable` when it
    exists and cannot be read whole."""
    try:
        if not os.path.lexists(path):
            return {}
        if not os.path.isfile(path) or os.path.getsize(path) > MAX_CONFIG:
            raise _Unreadable("not a regular file of readable size")
        with open(path, "rb") as f:
            text = f.read(MAX_CONFIG).decode("utf-8", "replace")
    except OSError as e:
        raise _Unreadable(e.strerror or type(e).__name__) from e
    return _goenv(text) if row.get("format") == "goenv" else _ini(text)


def _goenv(text: str) -> dict[str, str]:
    """Go's env file: KEY=VALUE lines whose key starts with a capital letter; the value as written."""
    out: dict[str, str] = {}
    conflicting: dict[str, set[str]] = {}
    for line in text.split("\n"):
        key, eq, value = line.partition("=")
        if eq and key[:1].isupper():
            conflicting.setdefault(key, set()).add(value)
            out[key] = value
    return {k: (v if len(conflicting[k]) == 1 else "$conflicting") for k, v in out.items()}


def _ini(text: str) -> dict[str, str]:
    """npmrc and pip.conf: `key = value` lines in any section (the key that the tool reads in one
    section is read in all: more values can only make the answer unknown)."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;[":
            continue
        key, eq, value = line.partition("=")
        if not eq:
            key, _, value = line.partition(":")
        key = key.strip()
        value = value.strip()
        if key in out and out[key] != value:
            value = "$conflicting"
        out[key] = value
    return out

