"""Objects the line made itself: a deleter that runs only when their maker succeeded deletes scratch.

    git checkout -b try && git commit -am wip && git checkout - && git branch -D try
    docker run -d --name tmp-pg postgres:16 && ... && docker rm -f tmp-pg
    mkdir out-tmp && cd out-tmp && ... && cd .. && rm -rf out-tmp

The makers (rules/made_here.toml) fail when their object exists already, so when the deleter runs
in a later part of the same `&&` chain (SimpleCommand.after), in the same folder, with nothing
between that changes which repository, daemon or cluster is meant, what it deletes did not exist
before the line. Its findings of that object's rules are dropped; any other finding stays. A name
that is not plain text (a variable, a glob, `..`, `~`), a wrapper around either command, an option
the table does not know, a variable of the line's text that picks another store: no scratch.

A maker that succeeds over an existing object (`docker volume create`) makes scratch only under a
name with a part that differs on every run (`unique`: `scratch-$$`), spelled the same by the deleter;
a container run with such a volume mounted writes into scratch under its mount point
(`drop_volume_writes`).
"""

from __future__ import annotations

import functools
import posixpath
from typing import Any

from blastwall.model import Finding

_NOT_PLAIN = frozenset("*?[]{}~$`\\'\" \t\n")
# Builtins that change what later commands act on (variables, functions, the shell's options).
_CHANGERS = frozenset({"export", "declare", "typeset", "set", "source", ".", "eval", "alias", "unalias", "unset",
                       "readonly", "local", "builtin", "command", "exec"})
_MOVERS = frozenset({"cd", "pushd", "popd", "chdir"})  # fine between when both folders are known and the same


class _Spec:
    __slots__ = ("argv", "booleans", "every", "forbid", "name_flags", "positional", "rest", "valued")

    def __init__(self, row: dict[str, Any]) -> None:
        self.argv: tuple[str, ...] = tuple(row["argv"])
        self.name_flags = frozenset(row.get("name_flags", ()))
        self.positional = bool(row.get("positional", False))
        self.every = bool(row.get("every", False))
        self.rest = str(row.get("rest", "checked"))
        self.booleans = frozenset(row.get("booleans", ()))
        self.valued = frozenset(row.get("valued", ()))
        self.forbid = frozenset(row.get("forbid", ()))


class _Object:
    __slots__ = ("deleters", "env", "makers", "rules", "switchers", "unique", "what")

    def __init__(self, row: dict[str, Any]) -> None:
        self.what = str(row["what"])
        self.unique = bool(row.get("unique", False))
        self.rules = frozenset(row["rules"])
        self.env: tuple[str, ...] = tuple(row.get("env", ()))
        self.switchers: tuple[tuple[str, ...], ...] = tuple(tuple(s) for s in row.get("switchers", ()))
        self.makers = tuple(_Spec(m) for m in row.get("maker", ()))
        self.deleters = tuple(_Spec(d) for d in row.get("deleter", ()))


@functools.cache
def _objects() -> tuple[_Object, ...]:
    from blastwall.analyze.ruleset import load_table

    return tuple(_Object(row) for row in load_table("made_here").get("object", ()))


@functools.cache
def _rule_ids() -> frozenset[str]:
    return frozenset().union(*(o.rules for o in _objects()))


def drop_made_here(found: list[Finding], cmd: Any, commands: list[Any], earlier: tuple[Any, ...],
                   shell_dir: str | None, line: str) -> list[Finding]:
    """`found` (cmd's findings) without those that delete only objects the line made before cmd.
    `commands`: the line's commands (Parsed.commands); `earlier`: (command, folder) of the
    commands analyzed before cmd (Scope.earlier); `shell_dir`: cmd's folder; `line`: the text."""
    if not cmd.after or not any(f.rule_id in _rule_ids() for f in found):
        return found
    mine = place(cmd, commands)
    if mine is None or cmd.assigns:
        return found
    for obj in _objects():
        if not any(f.rule_id in obj.rules for f in found) or any(v in line for v in obj.env):
            continue
        names = _deleted(obj, cmd)
        if names and all(_made_before(obj, name, cmd, mine, commands, earlier, shell_dir) for name in names):
            found = [f for f in found if f.rule_id not in obj.rules]
    return found


def drop_volume_writes(found: list[Finding], cmd: Any, commands: list[Any], earlier: tuple[Any, ...],
                       shell_dir: str | None, line: str) -> list[Finding]:
    """`found` without the writes and deletes a container makes under the mount point of a volume
    the line made before it (`docker volume create scratch-$$ && docker run -v scratch-$$:/w IMAGE
    sh -c 'echo x > /w/x'`): they stay in that volume, which is scratch."""
    table = _table()["volume_writes"]
    words = [w.text for w in cmd.argv]
    if not cmd.after or not any(tuple(words[:len(r)]) == tuple(r) for r in table["runs"]):
        return found
    prefixes = tuple(table["rules"])
    if not any(f.rule_id.startswith(prefixes) for f in found):
        return found
    mine = place(cmd, commands)
    volume = next((o for o in _objects() if o.unique), None)
    if mine is None or cmd.assigns or volume is None or any(v in line for v in volume.env):
        return found
    mounts = _mounts(words)
    if mounts is None or any(w.partition("=")[0] in table["mount_powers"] for w in words):
        return found  # a container that may mount (`--privileged`): a disk mounted under the volume is no scratch
    scratch = {ctr for name, ctr in mounts if _made_before(volume, name, cmd, mine, commands, earlier, shell_dir)}

    def in_scratch(path: str) -> bool:
        """The deepest mount point over `path` is a volume the line made."""
        path = posixpath.normpath(path.strip())
        over = [ctr for _, ctr in mounts if path == ctr or path.startswith(ctr.rstrip("/") + "/")]
        return path.startswith("/") and bool(over) and max(over, key=len) in scratch

    def inside(target: str) -> bool:
        paths = [p for p in target.split(", ") if p.strip()]
        return bool(paths) and all(in_scratch(p) for p in paths)

    if not scratch:
        return found
    return [f for f in found if not (f.rule_id.startswith(prefixes) and inside(f.target))]


def _mounts(words: list[str]) -> list[tuple[str, str]] | None:
    """(source, mount point) of every mount a run gives its container: `-v NAME:/DIR[:opts]`,
    `--volume=...`, `--mount type=volume,src=NAME,dst=/DIR` (a bind mount or an anonymous volume has
    a source that is no volume name: a path, or nothing); None when the mount points are not known
    here (`--volumes-from`)."""
    out: list[tuple[str, str]] = []
    for i, w in enumerate(words):
        key, eq, value = w.partition("=") if w.startswith("--") else (w, "", "")
        if key == "--volumes-from":
            return None
        if key not in ("-v", "--volume", "--mount", "--tmpfs"):
            continue
        value = value if eq else words[i + 1] if i + 1 < len(words) else ""
        if key == "--mount":
            fields = dict(f.partition("=")[::2] for f in value.split(","))
            volume = fields.get("type", "volume") == "volume"
            name = (fields.get("source") or fields.get("src") or "") if volume else ""
            ctr = fields.get("target") or fields.get("destination") or fields.get("dst") or ""
        elif key == "--tmpfs":
            name, ctr = "", value.split(":", 1)[0]
        elif ":" in value:
            name, _, rest = value.partition(":")
            ctr = rest.split(":", 1)[0]
        else:
            name, ctr = "", value
        if name.startswith(("/", ".", "~", "$")):
            name = ""  # a folder of this machine
        out.append((name, posixpath.normpath(ctr) if ctr.startswith("/") else ctr))
    return out


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return load_table("made_here")


def _made_before(obj: _Object, name: str, cmd: Any, mine: int, commands: list[Any], earlier: tuple[Any, ...],
                 shell_dir: str | None) -> bool:
    folders = {id(c): d for c, d in earlier}
    for j in cmd.after:
        maker = commands[j] if 0 <= j < mine else None
        if maker is None or maker.assigns or id(maker) not in folders or \
                folder(folders[id(maker)]) != folder(shell_dir):
            continue
        if name in _made(obj, maker) and not any(_switches(obj, commands[k]) for k in range(j + 1, mine)):
            return True
    return False


def made_before(what: str, cmd: Any, mine: int, commands: list[Any], earlier: tuple[Any, ...],
                shell_dir: str | None, line: str) -> list[tuple[Any, set[str]]]:
    """The makers of objects `what` (an [[object]]'s `what`) that surely succeeded before `cmd`, in
    its folder, with nothing between that changes which store is meant: (maker, names it made)."""
    obj = next((o for o in _objects() if o.what == what), None)
    if obj is None or any(v in line for v in obj.env):
        return []
    folders = {id(c): d for c, d in earlier}
    out = []
    for j in cmd.after:
        maker = commands[j] if 0 <= j < mine else None
        if maker is None or maker.assigns or id(maker) not in folders or \
                folder(folders[id(maker)]) != folder(shell_dir):
            continue
        names = _made(obj, maker)
        if names and not any(_switches(obj, commands[k]) for k in range(j + 1, mine)):
            out.append((maker, names))
    return out


def place(cmd: Any, commands: list[Any]) -> int | None:
    """Where `cmd` is in the line's commands (Parsed.commands), by identity."""
    return next((i for i in range(len(commands) - 1, -1, -1) if commands[i] is cmd), None)


def folder(shell_dir: str | None) -> str:
    """A command's folder as analyze_command tracks it (None: where the line started)."""
    import posixpath

    return posixpath.normpath(shell_dir) if shell_dir else "."


def _switches(obj: _Object, cmd: Any) -> bool:
    """Whether `cmd`, run between maker and deleter, may change what the deleter acts on. A `cd`
    is fine only to a plain relative folder (the folders are then compared exactly)."""
    words = [w.text for w in cmd.argv]
    if not words or cmd.argv[0].dynamic or words[0] in _CHANGERS:
        return True
    if words[0] in _MOVERS:
        args = words[1:]
        return len(args) != 1 or not all(_plain(part) or part == ".." for part in args[0].split("/")) or \
            args[0].startswith("/")
    return any(tuple(words[:len(s)]) == s for s in obj.switchers)


def _words(cmd: Any, spec: _Spec, unique: bool = False) -> list[str] | None:
    argv = cmd.argv
    if len(argv) < len(spec.argv) or any(w.dynamic and not (unique and _unique(w.text)) and
                                         not (_names_none(spec) and _one_word(w.text)) for w in argv):
        return None
    if tuple(w.text for w in argv[:len(spec.argv)]) != spec.argv:
        return None
    return [w.text for w in argv[len(spec.argv):]]


def _names_none(spec: _Spec) -> bool:
    """A deleter that names its objects by option only (`pg_restore -d NAME FILE`): its other words
    name no object, so a filled-in dump file name changes nothing about what it deletes."""
    return bool(spec.name_flags) and not spec.positional


def _one_word(text: str) -> bool:
    """A word the shell fills in to exactly one word that is no option: its filled-in parts are all
    `[one_word_parts]` (a date, a process id, a UUID) and what is left is plain (`prod-$(date +%F).dump`).
    A name flag's value must still be plain (`_name_ok`), so this lets through only the other words."""
    rest = _known_parts_out(text)
    return rest != text and not text.startswith(("-", "$")) and _plain(rest)


def _known_parts_out(text: str) -> str:
    """`text` without its `[one_word_parts]` and `[unique_names] parts`."""
    parts = sorted({*_table()["unique_names"]["parts"], *_table()["one_word_parts"]["parts"]}, key=len, reverse=True)
    for part in parts:
        text = _without(text, part)
    return text


def _plain(name: str) -> bool:
    return bool(name) and not _NOT_PLAIN.intersection(name) and not name.startswith("-") and \
        ".." not in name.split("/")


def _unique(name: str) -> bool:
    """A name with a part that differs on every run (`scratch-$$`), plain once those parts are out."""
    parts = sorted(_table()["unique_names"]["parts"], key=len, reverse=True)
    rest = name
    for part in parts:
        rest = _without(rest, part)
    return rest != name and _plain(rest)


def _without(name: str, part: str) -> str:
    """`name` without each `part` in it; a `$NAME` part followed by a letter, digit or `_` is another
    variable (`$RANDOM_x` is RANDOM_x, unset: empty) and stays."""
    out, i = [], 0
    while (at := name.find(part, i)) >= 0:
        end = at + len(part)
        if part[-1].isalnum() and end < len(name) and (name[end].isalnum() or name[end] == "_"):
            out.append(name[i:end])
        else:
            out.append(name[i:at])
        i = end
    return "".join(out) + name[i:]


def _name_ok(obj: _Object, name: str) -> bool:
    return _unique(name) if obj.unique else _plain(name)


def _made(obj: _Object, cmd: Any) -> set[str]:
    for spec in obj.makers:
        words = _words(cmd, spec, obj.unique)
        if words is not None:
            return _maker_names(spec, words, obj)
    return set()


def maker_parts(what: str, cmd: Any) -> tuple[list[str], list[str]] | None:
    """A maker of objects `what` split into its option words and the words after them (`docker run`:
    the image and the container's command), or None when `cmd` is no maker the table reads whole."""
    obj = next((o for o in _objects() if o.what == what), None)
    for spec in obj.makers if obj else ():
        words = _words(cmd, spec, obj.unique)  # type: ignore[union-attr]
        if words is not None:
            walked = _walk(spec, words)
            return None if walked is None else (words[:walked[1]], words[walked[1]:])
    return None


def _maker_names(spec: _Spec, words: list[str], obj: _Object) -> set[str]:
    walked = _walk(spec, words)
    if walked is None:
        return set()
    names, i = walked
    rest = words[i:]
    if spec.rest != "any" and any(r.startswith("-") and r not in spec.booleans for r in rest) or \
            any(r in spec.forbid or r.partition("=")[0] in spec.forbid for r in rest):
        return set()
    return names if names and all(_name_ok(obj, n) for n in names) else set()


def _walk(spec: _Spec, words: list[str]) -> tuple[set[str], int] | None:
    """The names a maker's options give and where its options end, or None for an option that
    forbids or that the table does not know."""
    names: set[str] = set()
    i = 0
    while i < len(words):
        w = words[i]
        flag, eq, value = w.partition("=")
        if w in spec.forbid or flag in spec.forbid:
            return None
        if w in spec.name_flags or (eq and flag in spec.name_flags):
            if not eq and i + 1 >= len(words):
                return None
            names.add(value if eq else words[i + 1])
            i += 1 if eq else 2
        elif w in spec.booleans or (eq and flag in spec.valued):
            i += 1
        elif w in spec.valued:
            i += 2
        elif w.startswith("-"):
            return None  # an option the table does not know
        elif spec.positional and (not names or spec.every):
            names.add(w)
            i += 1
        else:
            break  # the image, the start point, the container's command
    return names, i


def _deleted(obj: _Object, cmd: Any) -> list[str]:
    for spec in obj.deleters:
        words = _words(cmd, spec, obj.unique)
        if words is None:
            continue
        names: list[str] = []
        i = 0
        while i < len(words):
            w = words[i]
            flag, eq, value = w.partition("=")
            if w in spec.forbid or flag in spec.forbid:
                return []
            if w in spec.name_flags or (eq and flag in spec.name_flags):  # `pg_restore -d NAME FILE`
                name = value if eq else (words[i + 1] if i + 1 < len(words) else "")
                if not _name_ok(obj, name):
                    return []
                names.append(name)
                i += 1 if eq else 2
            elif w in spec.booleans or (eq and flag in spec.valued):
                i += 1
            elif w in spec.valued:
                i += 2
            elif w.startswith("-"):
                return []
            elif not spec.positional:
                if any(part.startswith("-") for part in _known_parts_out(w).split()):
                    return []  # a filled-in word the shell splits into an option (`x-$(echo y -d app)`)
                i += 1  # a word that names no object (pg_restore's dump file)
            elif not _name_ok(obj, w):
                return []
            else:
                names.append(w)
                i += 1
        return names
    return []
