"""The programs a shell action runs, each with what decides where it connects: its words, the
variables set for it, the directory it runs in, and whether it runs on this machine at all.

    invocations("cd api && RAILS_ENV=test bin/rails db:drop", cwd="/src")
      -> [Invocation(argv=("bin/rails", "db:drop"), env={"RAILS_ENV": "test"}, cwd="/src/api", elsewhere="")]

It uses the shell analyzer's parser and wrapper table: `sudo`, `env VAR=x`, `nice`, `bash -c`...
are unwrapped; a command that a wrapper runs on another machine or in a container (`ssh HOST`,
`docker exec`, `kubectl exec`: the wrapper table's `remote` rows) carries that wrapper in
`elsewhere`, since its loopback is not this machine's. Variables: assignments before the
command, `env NAME=value`, and `export NAME=value` earlier on the line; `unset`/`env -u` remove.
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Iterator
from typing import NamedTuple

MAX_DEPTH = 6


class Invocation(NamedTuple):
    argv: tuple[str, ...]
    dynamic: tuple[bool, ...]  # per word: part of it is only known at run time
    env: tuple[tuple[str, str | None], ...]  # variables set (None: unset) on the line for it
    cwd: str | None  # where it runs; None when a `cd` blastwall cannot follow moved it
    elsewhere: str  # "" on this machine; else the wrapper that runs it elsewhere ("ssh", "container-exec")
    source: str

    @property
    def program(self) -> str:
        from blastwall.analyze.shell.names import program_name

        return program_name(self.argv[0]) if self.argv else ""

    def variable(self, name: str) -> tuple[bool, str | None]:
        """(set on the line, value). A value of None with True means the line unset it."""
        for key, value in reversed(self.env):
            if key == name or key == "*":  # `env -i` drops everything set before it
                return True, value if key == name else None
        return False, None


class Line(NamedTuple):
    invocations: tuple[Invocation, ...]
    tunnels: tuple[str, ...]  # commands on the line that make a local port lead elsewhere ("ssh -L")


@functools.lru_cache(maxsize=16)
def read_line(text: str, cwd: str | None) -> Line:
    """Every program the command line runs, wrappers removed, and the tunnels it opens (never
    raises; nothing when it does not parse)."""
    tunnels: list[str] = []
    try:
        found = tuple(_walk(text, cwd, (), "", 0, tunnels))
    except Exception:  # noqa: BLE001 - a line blastwall cannot read places nothing
        return Line((), ())
    return Line(found, tuple(dict.fromkeys(tunnels)))


def invocations(text: str, cwd: str | None) -> tuple[Invocation, ...]:
    return read_line(text, cwd).invocations


def _walk(text: str, cwd: str | None, env: tuple[tuple[str, str | None], ...], elsewhere: str,
          depth: int, tunnels: list[str]) -> Iterator[Invocation]:
    from blastwall.analyze.shell.parse import parse

    if depth > MAX_DEPTH or not text.strip():
        return
    env = (*env, *statement_env(text))
    here = cwd
    for cmd in parse(text).commands:
        words = [w.text for w in cmd.argv]
        dyn = [w.dynamic for w in cmd.argv]
        if not words:
            continue
        if words[0] in ("cd", "pushd"):
            here = _moved(here, words[1:], dyn[1:])
            continue
        if words[0] == "export":
            env = (*env, *_assignments(words[1:]))
            continue
        if words[0] == "unset":
            env = (*env, *((w, None) for w in words[1:] if not w.startswith("-")))
            continue
        own = tuple((k, v.text) for k, v in cmd.assigns.items())
        yield from _unwrap(words, dyn, (*env, *own), here, elsewhere, cmd.source, depth, tunnels)


def _unwrap(words: list[str], dyn: list[bool], env: tuple[tuple[str, str | None], ...], cwd: str | None,
            elsewhere: str, source: str, depth: int, tunnels: list[str]) -> Iterator[Invocation]:
    from blastwall.analyze.shell.ir import Word
    from blastwall.analyze.shell.names import program_name
    from blastwall.analyze.shell.wrappers import peel

    for _ in range(16):
        if not words:
            return
        tunnel = _tunnel(words)
        if tunnel:
            tunnels.append(tunnel)
        if program_name(words[0]) == "env":
            env = (*env, *_env_wrapper(words[1:]))
        peeled = peel([Word(t, dynamic=d, raw=t) for t, d in zip(words, dyn, strict=True)])
        if peeled is None:
            break
        if peeled.remote and not elsewhere:
            elsewhere = peeled.wrapper
        if peeled.shell is not None:
            yield from _walk(peeled.shell.text, cwd, env, elsewhere, depth + 1, tunnels)
            return
        words = [w.text for w in peeled.argv or []]
        dyn = [w.dynamic for w in peeled.argv or []]
    if words:
        yield Invocation(tuple(words), tuple(dyn), env, cwd, elsewhere, source)


_SEPARATORS = frozenset({";", "&&", "||", "|", "&", "(", ")", "{", "}", "|&", "then", "do", "else", "elif"})


def statement_env(text: str) -> list[tuple[str, str | None]]:
    """Variables the line sets for the commands after it: `export NAME=value` (and `declare -x`),
    and `NAME=value;` for a variable already exported to blastwall's environment (bash changes
    an exported variable in place; a new one stays in the shell). The parser substitutes these
    into words but keeps no command for them, so they are read from the line's words here."""
    import os

    from blastwall.preflight.payload import shell_words

    words = shell_words(text)
    out: list[tuple[str, str | None]] = []
    start = True
    exporting = False
    for i, w in enumerate(words):
        if w in _SEPARATORS:
            start, exporting = True, False
            continue
        if start and w == "unset":
            out.extend((n, None) for n in words[i + 1:] if n.isidentifier() and n not in _SEPARATORS)
            start = False
            continue
        if start and w in ("export", "declare", "typeset"):
            exporting = w == "export" or "-x" in words[i + 1:i + 3]
            start = False
            continue
        name, eq, value = w.partition("=")
        if eq and name.isidentifier():
            statement = i + 1 >= len(words) or words[i + 1] in _SEPARATORS
            if exporting or (start and statement and name in os.environ):
                out.append((name, value))
            continue
        if w.startswith("-") and exporting:
            continue
        start = False
    return out


def _tunnel(words: list[str]) -> str:
    """The tunnel `words` open ("ssh -L", "kubectl port-forward"), or ""."""
    from blastwall.analyze.shell.names import program_name
    from blastwall.environment.table import section

    spec = section("tunnels")
    name = program_name(words[0])
    if name in ("ssh", "autossh"):
        opened = [w[:2] for w in words[1:] if w[:2] in spec.get("ssh_options", [])]
        return f"{name} {opened[0]}" if opened else ""
    plain = [w for w in words[1:] if not w.startswith("-")]
    for phrase in spec.get("programs", []):
        head, *rest = phrase.split()
        if name == head and plain[:len(rest)] == rest:
            return phrase
    return ""


def _assignments(words: list[str]) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for w in words:
        name, eq, value = w.partition("=")
        if eq and name.isidentifier():
            out.append((name, value))
    return out


def _env_wrapper(words: list[str]) -> list[tuple[str, str | None]]:
    """`env -u NAME A=1 prog`: what env sets and unsets before running prog."""
    out: list[tuple[str, str | None]] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("-u", "--unset") and i + 1 < len(words):
            out.append((words[i + 1], None))
            i += 2
            continue
        if w.startswith("--unset="):
            out.append((w.split("=", 1)[1], None))
        elif w in ("-i", "--ignore-environment", "-"):
            out.append(("*", None))  # everything inherited is gone
        elif w.startswith("-"):
            pass
        elif "=" in w and w.split("=", 1)[0].isidentifier():
            out.extend(_assignments([w]))
        else:
            break
        i += 1
    return out


def _moved(cwd: str | None, args: list[str], dyn: list[bool]) -> str | None:
    rest = [(a, d) for a, d in zip(args, dyn, strict=True) if not a.startswith("-")]
    if not rest:
        return None  # cd with no argument: home; not where the project is
    target, dynamic = rest[0]
    if dynamic or target.startswith("~") or cwd is None and not target.startswith("/"):
        return None
    return posixpath.normpath(target if target.startswith("/") else posixpath.join(cwd or "/", target))
