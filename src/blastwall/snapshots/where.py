"""Where an action's findings point: the folder each command of a shell line runs in (after
`cd`, inside `bash -c`), the repository a git command works on (`git -C`), and the files a
target names (`~`, environment variables, globs, find's `DIR (PATTERN)`).

Resolution errs on the side of saving more: a command after a `cd` may be judged relative to
every folder the line has visited so far (a `cd` inside a subshell does not last), and every
candidate that exists is saved. A target blastwall cannot resolve at all raises SnapshotError.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Mapping

from blastwall.snapshots.base import SnapshotError

SHELLS = frozenset({"bash", "sh", "dash", "zsh", "ksh"})
UNKNOWN = ""  # a folder blastwall cannot tell (`cd -`, `cd $UNSET`)
_PLACEHOLDERS = ("{stdin}", "{}", "input from stdin", "files listed by ", "paths from ", "paths printed by ")
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_FIND = re.compile(r"^(.+) \(([^()]+)\)$")


def command_dirs(text: str, cwd: str, env: Mapping[str, str], depth: int = 0) -> dict[str, list[str]]:
    """The first 200 characters of each simple command's source -> the folders it may run in,
    most likely first."""
    from blastwall.analyze.shell.parse import parse

    out: dict[str, list[str]] = {}
    here, visited = cwd, [cwd]
    for cmd in parse(text).commands:
        argv = [w.text for w in cmd.argv]
        slot = out.setdefault(cmd.source[:200], [])
        for d in [here, *reversed(visited)]:
            if d not in slot:
                slot.append(d)
        if not argv:
            continue
        name = os.path.basename(argv[0])
        if name in ("cd", "pushd", "chdir"):
            here = _cd(argv, here, env)
            if here not in visited:
                visited.append(here)
        elif name == "popd":
            here = UNKNOWN
        elif name in SHELLS and "-c" in argv[1:-1] and depth < 4 and here != UNKNOWN:
            inner = argv[argv.index("-c", 1) + 1]
            for key, dirs in command_dirs(inner, here, env, depth + 1).items():
                slot = out.setdefault(key, [])
                slot.extend(d for d in dirs if d not in slot)
    return out


def _cd(argv: list[str], here: str, env: Mapping[str, str]) -> str:
    args = [a for a in argv[1:] if not a.startswith("-") or a == "-"]
    if not args:
        return env.get("HOME") or os.path.expanduser("~")
    if args[0] == "-" or here == UNKNOWN and not args[0].startswith(("/", "~")):
        return UNKNOWN
    target = expand(args[0], env)
    if target is None:
        return UNKNOWN
    return os.path.normpath(os.path.join(here, target))


def expand(text: str, env: Mapping[str, str]) -> str | None:
    """`~` and `$VARS` from the environment; None when something stays unresolved."""
    if text.startswith("~"):
        head, sep, rest = text.partition("/")
        if head == "~":
            text = (env.get("HOME") or os.path.expanduser("~")) + sep + rest
        else:
            expanded = os.path.expanduser(head)
            if expanded == head:
                return None
            text = expanded + sep + rest

    def sub(m: re.Match[str]) -> str:
        value = env.get(m.group(1) or m.group(2))
        return value if value else "\0"

    text = _VAR.sub(sub, text)
    return None if "\0" in text or "$" in text or "`" in text else text


def file_targets(target: str, bases: list[str], env: Mapping[str, str]) -> tuple[list[str], tuple[str, ...]]:
    """The existing paths `target` names, seen from each of `bases`, and find's name patterns
    (an empty list: nothing there, or nothing left to save)."""
    patterns: tuple[str, ...] = ()
    m = _FIND.match(target)
    if m and not any(os.path.lexists(os.path.join(b, target)) for b in bases if b):
        target, patterns = m.group(1), tuple(p.strip() for p in m.group(2).split(",") if p.strip())
    if not target or target.startswith(_PLACEHOLDERS):
        raise SnapshotError(f"blastwall cannot tell which files {target or 'the action'} names, so it cannot save them")
    path = expand(target, env)
    if path is None:
        raise SnapshotError(f"blastwall cannot tell which files {target} names (it depends on something only the "
                            "shell knows), so it cannot save them")
    if os.path.isabs(path):
        candidates = [path]
    else:
        if not bases or bases[0] == UNKNOWN:
            raise SnapshotError(f"blastwall cannot tell which folder {target} is in (a `cd` it cannot follow), so it "
                                "cannot save it")
        candidates = [os.path.join(b, path) for b in bases if b != UNKNOWN]
    found: list[str] = []
    for word in (made for c in candidates for made in braces(c)):
        c = os.path.normpath(word)
        # `**` as zsh (and bash with globstar) reads it: every folder below, so never fewer files than the shell
        hits = sorted(glob.glob(c, recursive=True)) if glob.has_magic(c) and not os.path.lexists(c) else [c]
        found.extend(h for h in hits if h not in found and os.path.lexists(h))
    return found, patterns


MAX_BRACES = 256  # words one brace expansion may give here


def braces(text: str) -> list[str]:
    """`text` and what bash's brace expansion makes of it (`src/{a,b}.py` -> src/a.py, src/b.py;
    `f{1..3}`): the text itself first, for a quoted brace, which stays as written."""
    out = [text]
    todo = [text]
    while todo and len(out) < MAX_BRACES:
        word = todo.pop()
        for made in _expand_once(word):
            if made not in out:
                out.append(made)
                todo.append(made)
    return out[:MAX_BRACES]


_RANGE = re.compile(r"^(-?\d+|[A-Za-z])\.\.(-?\d+|[A-Za-z])$")


def _expand_once(word: str) -> list[str]:
    """The words the first brace group of `word` makes ([] when it has none)."""
    start = word.find("{")
    while start >= 0:
        depth, parts, last = 0, [], start + 1
        for i in range(start, len(word)):
            ch = word[i]
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    parts.append(word[last:i])
                    head, tail = word[:start], word[i + 1:]
                    items = _range(parts[0]) if len(parts) == 1 else parts
                    if items:
                        return [head + item + tail for item in items[:MAX_BRACES]]
                    break
            elif ch == "," and depth == 1:
                parts.append(word[last:i])
                last = i + 1
        start = word.find("{", start + 1)
    return []


def _range(inner: str) -> list[str]:
    m = _RANGE.match(inner)
    if m is None:
        return []
    a, b = m.groups()
    if a.lstrip("-").isdigit() and b.lstrip("-").isdigit():
        lo, hi = int(a), int(b)
        step = 1 if hi >= lo else -1
        return [str(n) for n in range(lo, hi + step, step)][:MAX_BRACES]
    if a.isalpha() and b.isalpha():
        step = 1 if ord(b) >= ord(a) else -1
        return [chr(n) for n in range(ord(a), ord(b) + step, step)]
    return []


def git_folder(source: str, base: str, env: Mapping[str, str]) -> str:
    """The folder a git command works in: `base` moved by its `-C` options."""
    from blastwall.analyze.shell.parse import parse

    if base == UNKNOWN:
        raise SnapshotError("blastwall cannot tell which repository the git command runs in (a `cd` it cannot "
                            "follow), so it cannot save it")
    commands = parse(source).commands
    argv = [w.text for w in commands[0].argv] if commands else []
    start = next((i for i, a in enumerate(argv) if os.path.basename(a) == "git"), None)
    folder = base
    if start is None:
        return folder
    i = start + 1
    while i < len(argv) and argv[i].startswith("-"):
        opt = argv[i]
        if opt == "-C" and i + 1 < len(argv):
            moved = expand(argv[i + 1], env)
            if moved is None:
                raise SnapshotError(f"blastwall cannot tell which repository `git -C {argv[i + 1]}` means")
            folder = os.path.normpath(os.path.join(folder, moved))
            i += 2
            continue
        if opt.startswith("--work-tree="):
            folder = os.path.normpath(os.path.join(folder, opt.split("=", 1)[1]))
        i += 2 if opt in ("-c", "--git-dir", "--work-tree", "--namespace", "--config-env") else 1
    return folder
