"""The programs a shell action runs, each with what decides where it connects: its words, the
variables set for it, the directory it runs in, and whether it runs on this machine at all.

    read_line("cd api && RAILS_ENV=test bin/rails db:drop", cwd="/src").invocations
      -> (Invocation(argv=("bin/rails", "db:drop"), env=(("RAILS_ENV", "test"),), cwd="/src/api", ...),)

It uses the shell analyzer's parser and wrapper table: `sudo`, `env VAR=x`, `nice`, `bash -c`...
are unwrapped; a command that a wrapper runs on another machine or in a container (`ssh HOST`,
`docker exec`, `kubectl exec`: the wrapper table's `remote` rows) carries that wrapper in
`elsewhere`, since its loopback is not this machine's. Variables: assignments before the
command, `env NAME=value`, `export NAME=value` and files `source`d earlier on the line (one
blastwall cannot read makes every variable unknown); `unset`/`env -u` remove.

The line also says what makes evidence worthless: tunnels (`ssh -L`: a local port that leads
elsewhere), commands that rewrite files or switch contexts before the command runs (`cp`, a
redirection, `git checkout`, `kubectl config use-context`), and functions the line defines
under a program's name.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from blastwall import rx
from blastwall.analyze.shell.ir import Word
from blastwall.analyze.shell.names import program_name
from blastwall.analyze.shell.wrappers import is_wrapper, peel

MAX_DEPTH = 6
UNREADABLE = "?"  # env key: a file sourced on the line that blastwall could not read (its path is the value)
SOURCED = "<"  # env key: a file sourced on the line and read (its path is the value); not a variable
_WRITE_OPS = frozenset({">", ">>", ">|", "&>", "&>>"})


class Invocation(NamedTuple):
    argv: tuple[str, ...]
    dynamic: tuple[bool, ...]  # per word: part of it is only known at run time
    env: tuple[tuple[str, str | None], ...]  # variables set (None: unset) on the line for it
    cwd: str | None  # where it runs; None when a `cd` blastwall cannot follow moved it
    elsewhere: str  # "" on this machine; else the wrapper that runs it elsewhere ("ssh", "container-exec")
    source: str
    stdin: str = ""  # heredoc or herestring text fed to it
    more_args: bool = False  # xargs/parallel give it more arguments at run time
    index: int = 0  # its place on the line
    stdin_file: str = ""  # the file redirected into it (`psql < x.sql`)
    piped: str = ""  # the command piped into it (`echo 'DROP TABLE t' | psql`)

    @property
    def program(self) -> str:
        return program_name(self.argv[0]) if self.argv else ""


class Changer(NamedTuple):
    index: int  # its place on the line
    what: str  # "the redirection to x.env", "sed -i"
    target: str = ""  # the one file it writes, when that is all it can change (a redirection)
    words: tuple[str, ...] = ()  # its words, for a changer that is not a redirection ("*": some are dynamic)


class Line(NamedTuple):
    invocations: tuple[Invocation, ...]
    tunnels: tuple[str, ...]  # commands on the line that make a local port lead elsewhere ("ssh -L")
    changers: tuple[Changer, ...]  # commands that may rewrite files or switch contexts
    functions: frozenset[str]  # names the line defines as shell functions


class _Walk:
    def __init__(self) -> None:
        self.found: list[Invocation] = []
        self.tunnels: list[str] = []
        self.changers: list[Changer] = []
        self.count = 0

    def next_index(self) -> int:
        self.count += 1
        return self.count


def read_line(text: str, cwd: str | None) -> Line:
    """Every program the command line runs, wrappers removed, and what on the line makes
    evidence worthless (never raises; nothing when the line does not parse)."""
    walk = _Walk()
    try:
        _walk(walk, text, cwd, (), "", 0)
    except Exception:  # noqa: BLE001 - a line blastwall cannot read places nothing
        return Line((), (), (), frozenset())
    tunnels = [*walk.tunnels, *quoted_tunnels(text)]
    from blastwall.preflight.payload import shell_words

    if "&" in text and "&" in shell_words(text):  # a program left running may listen on a local port and forward it
        tunnels.append("a command started in the background (&)")
    return Line(tuple(walk.found), tuple(dict.fromkeys(tunnels)), tuple(walk.changers), _functions(text))


_SEGMENTS = re.compile(r"""[;&|\n'"`()]+""")


def quoted_tunnels(text: str) -> list[str]:
    """Tunnel phrases anywhere in the text, quoted strings included: a tunnel another program
    starts from a string (`tmux new -d 'ssh -L ...'`, `screen -dm`, `at`) is still a tunnel."""
    if _tunnel_heads().search(text) is None:
        return []  # a phrase starts with its program's name, written out in the text
    return _quoted_tunnels(text)


@functools.cache
def _tunnel_heads() -> rx.Pattern:
    """Any tunnel phrase's program name, anywhere in a text (one pass instead of one per name)."""
    return rx.compile("|".join(rx.escape(head) for head in _phrases("tunnels")))


def _quoted_tunnels(text: str) -> list[str]:
    heads = _phrases("tunnels")
    found = []
    for segment in _SEGMENTS.split(text):
        words = segment.split()
        start = next((i for i, w in enumerate(words) if not (w.partition("=")[0].isidentifier() and "=" in w)), 0)
        if start < len(words) and os.path.basename(words[start]) in heads:  # a program, not a word in a message
            phrase = _matches(words[start:], "tunnels")
            if phrase:
                found.append(phrase)
    return found


def _walk(walk: _Walk, text: str, cwd: str | None, env: tuple[tuple[str, str | None], ...], elsewhere: str,
          depth: int) -> None:
    """Each command of `text`, with the directory and variables it runs with. A `cd`, `export`,
    `unset` or `source` in a subshell (`( ... )`, a pipeline's part, `&`, `$( )`) changes only
    the commands of that subshell."""
    if depth > MAX_DEPTH or not text.strip():
        return
    parse = _parser()
    base = (*env, *statement_env(text))
    changes: list[tuple[tuple[int, ...], str | None, tuple[tuple[str, str | None], ...]]] = []  # ctx, cd, env

    def state(ctx: tuple[int, ...]) -> tuple[str | None, tuple[tuple[str, str | None], ...]]:
        here: str | None = cwd
        extra: tuple[tuple[str, str | None], ...] = ()
        for scope, moved, entries in changes:
            if ctx[:len(scope)] == scope:
                here = moved if moved != _SAME else here
                extra = (*extra, *entries)
        return here, (*base, *extra)

    for cmd in parse(text).commands:
        words = [w.text for w in cmd.argv]
        dyn = [w.dynamic for w in cmd.argv]
        if not words:
            continue
        here, now = state(cmd.ctx)
        index = walk.next_index()
        for r in cmd.redirects:
            if r.op in _WRITE_OPS and r.target is not None and not r.target.text.startswith("/dev/") \
                    and not r.target.text.isdigit():
                target = "" if r.target.dynamic else _path(r.target.text, here)
                walk.changers.append(Changer(index, f"the redirection to {r.target.text}", target))
        if words[0] in ("cd", "pushd"):
            from blastwall.environment.site import Vars

            cdpath = Vars((*now, *((k, v.text) for k, v in cmd.assigns.items()))).get("CDPATH")[0]
            changes.append((cmd.ctx, _moved(here, words[1:], dyn[1:], bool(cdpath)), ()))
            continue
        if words[0] in ("source", "."):
            changes.append((cmd.ctx, _SAME, tuple(_sourced(words[1:], dyn[1:], here))))
            continue
        if words[0] == "export":
            entries = _assignments(words[1:]) + ([(UNREADABLE, " ".join(words))] if any(dyn[1:]) else [])
            changes.append((cmd.ctx, _SAME, tuple(entries)))
            continue
        if words[0] == "unset":
            changes.append((cmd.ctx, _SAME, tuple((w, None) for w in words[1:] if not w.startswith("-"))))
            continue
        own = tuple((k, v.text) for k, v in cmd.assigns.items())
        fed = cmd.stdin_file.text if cmd.stdin_file is not None and not cmd.stdin_file.dynamic else ""
        piped = cmd.stdin_from.source if cmd.stdin_from is not None else ""
        _unwrap(walk, words, dyn, (*now, *own), here, elsewhere, cmd.source, depth,
                (cmd.stdin_text or "", fed, piped), index)


_SAME = "\0same"  # a change that leaves the directory as it is


@functools.cache
def _parser() -> Callable[[str], Any]:
    """The shell analyzer's parse (its import loads the grammar: not for a line of another kind)."""
    from blastwall.analyze.shell.parse import parse

    return parse


@functools.cache
def _shells() -> frozenset[str]:
    from blastwall.analyze.shell.handlers import SHELLS

    return SHELLS


def _unwrap(walk: _Walk, words: list[str], dyn: list[bool], env: tuple[tuple[str, str | None], ...],
            cwd: str | None, elsewhere: str, source: str, depth: int, stdin: tuple[str, str, str], index: int) -> None:
    more_args = False
    for _ in range(16):
        if not words:
            return
        name = program_name(words[0])
        tunnel = _phrase_run(name, words, "tunnels")
        if tunnel:
            walk.tunnels.append(tunnel)
        changer = _phrase_run(name, words, "changers")
        if changer:
            walk.changers.append(Changer(index, changer, "", ("*",) if any(dyn) else tuple(words)))
        injector = _phrase_run(name, words, "injectors")
        if injector:  # railway run, doppler run, pipenv run...: variables the line does not show
            env = (*env, (UNREADABLE, injector))
        if name == "env":
            env = (*env, *_env_wrapper(words[1:]))
        inner = _shell_code(words, dyn)
        if inner is not None:  # bash -c 'CODE', eval CODE: the code's commands, with this line's variables
            code, dynamic, login = inner
            if dynamic or login:
                env = (*env, (UNREADABLE, f"{words[0]} {'-l' if login else '-c'}"))
            _walk(walk, code, cwd, env, elsewhere, depth + 1)
            return
        if not is_wrapper(name):
            break  # peel strips nothing from it
        peeled = peel([Word(t, dynamic=d, raw=t) for t, d in zip(words, dyn, strict=True)])
        if peeled is None:
            break
        if peeled.remote and not elsewhere:
            elsewhere = peeled.wrapper
        more_args = more_args or peeled.stdin_args
        if peeled.shell is not None:
            if peeled.shell.dynamic:
                env = (*env, (UNREADABLE, peeled.wrapper))
            _walk(walk, peeled.shell.text, cwd, env, elsewhere, depth + 1)
            return
        inner = peeled.argv or []
        env = (*env, *_wrapper_assignments(words[1:len(words) - len(inner)]))
        words = [w.text for w in inner]
        dyn = [w.dynamic for w in inner]
        lead = _leading_assignments(words)  # `time NAME=x prog`, `eval NAME=x prog`: bash assigns them
        if lead:
            env = (*env, *_assignments(words[:lead]))
            words, dyn = words[lead:], dyn[lead:]
    if words:
        walk.found.append(Invocation(tuple(words), tuple(dyn), env, cwd, elsewhere, source, stdin[0], more_args, index,
                                     stdin[1], stdin[2]))


_SEPARATORS = frozenset({";", "&&", "||", "|", "&", "(", ")", "{", "}", "|&", "then", "do", "else", "elif"})
_PIPED = frozenset({"|", "|&", "&"})  # a statement beside one of these runs in a subshell


def statement_env(text: str) -> list[tuple[str, str | None]]:
    """Variables the line sets for the commands after it: `export NAME=value` (and `declare -x`),
    and `NAME=value;` for a variable already exported to blastwall's environment (bash changes
    an exported variable in place; a new one stays in the shell). The parser substitutes these
    into words but keeps no command for them, so they are read from the line's words here."""
    if "=" not in text and "unset" not in text:
        return []  # what it keeps comes from a NAME=value word or an unset
    return _statement_env(text)


def _statement_env(text: str) -> list[tuple[str, str | None]]:
    from blastwall.preflight.payload import shell_words

    words = shell_words(text)
    out: list[tuple[str, str | None]] = []
    start = True
    exporting = False
    allexport = False  # `set -a` / `set -o allexport`: every later assignment is exported
    depth = 0  # inside `( ... )`
    prev = ";"  # the separator before the current statement
    for i, w in enumerate(words):
        if w in _SEPARATORS:
            depth += (w == "(") - (w == ")")
            start, exporting, prev = True, False, w
            continue
        if start and w == "set":
            allexport = _allexport(words[i + 1:], allexport)
            start = False
            continue
        if start and w == "unset":
            names, end = [], i + 1
            while end < len(words) and words[end] not in _SEPARATORS:
                names.append(words[end])
                end += 1
            after = words[end] if end < len(words) else ";"
            if depth == 0 and prev not in _PIPED and after not in _PIPED:  # a subshell's unset stays there
                out.extend((n, None) for n in names if n.isidentifier())
            start = False
            continue
        if start and w in ("export", "declare", "typeset"):
            exporting = w == "export" or "-x" in words[i + 1:i + 3]
            start = False
            continue
        name, eq, value = w.partition("=")
        if eq and name.isidentifier():
            statement = i + 1 >= len(words) or words[i + 1] in _SEPARATORS
            if exporting or (start and statement and (allexport or name in os.environ)):
                out.append((name, value))
            continue
        if w.startswith("-") and exporting:
            continue
        start = False
    return out


def _allexport(args: tuple[str, ...], now: bool) -> bool:
    """Whether `set ARGS` leaves allexport on (`set -a`, `set -ea`, `set -o allexport`; `+` turns it off)."""
    j = 0
    while j < len(args) and args[j] not in _SEPARATORS:
        f = args[j]
        if f in ("-o", "+o") and j + 1 < len(args):
            if args[j + 1] == "allexport":
                now = f == "-o"
            j += 2
            continue
        if f[:1] in ("-", "+") and not f.startswith("--") and "a" in f[1:]:
            now = f[0] == "-"
        j += 1
    return now


def _functions(text: str) -> frozenset[str]:
    """Names defined as functions on the line (`name() {...}`, `function name {...}`)."""
    if "(" not in text and "function" not in text and "alias" not in text:
        return frozenset()  # each way of naming one below is written with one of these
    return _defined(text)


def _defined(text: str) -> frozenset[str]:
    from blastwall.preflight.payload import shell_words

    words = shell_words(text)
    out = set()
    for i, w in enumerate(words):
        if w == "alias" and i + 1 < len(words):
            out.update(a.split("=", 1)[0] for a in words[i + 1:] if "=" in a and not a.startswith("-"))
        if w == "function" and i + 1 < len(words):
            out.add(words[i + 1].removesuffix("()"))
        elif w.endswith("()") and len(w) > 2:
            out.add(w[:-2])
        elif i + 1 < len(words) and words[i + 1] == "()" or i + 2 < len(words) and words[i + 1:i + 3] == ("(", ")"):
            out.add(w)
    return frozenset(out)


def _matches(words: list[str], section_name: str) -> str:
    """The phrase of evidence.toml `[tunnels]`/`[changers]` that `words` run ("ssh -L", "git checkout"), or "".
    A phrase is a program, then words that must follow it (`git checkout`) or options it must
    have (`sed -i`: also -i.bak and bundles like -pi)."""
    return _phrase_run(program_name(words[0]), words, section_name)


def _phrase_run(name: str, words: list[str], section_name: str) -> str:
    """`_matches` of words whose program (`program_name(words[0])`) is `name`."""
    rows = _phrases(section_name).get(name)
    if not rows:
        return ""
    args = words[1:]
    plain = [w for w in args if not w.startswith("-")]
    for phrase, wanted, flags in rows:
        if plain[:len(wanted)] == wanted and all(_has_flag(args, f) for f in flags):
            return phrase
    return ""


@functools.cache
def _phrases(section_name: str) -> dict[str, list[tuple[str, list[str], list[str]]]]:
    """evidence.toml's phrases of a section by program: (phrase, words that follow, options), in order."""
    from blastwall.environment.table import section

    out: dict[str, list[tuple[str, list[str], list[str]]]] = {}
    for phrase in section(section_name).get("commands", []):
        head, *rest = phrase.split()
        out.setdefault(head, []).append((phrase, [r for r in rest if not r.startswith("-")],
                                         [r for r in rest if r.startswith("-")]))
    return out


def _has_flag(args: list[str], flag: str) -> bool:
    if flag.startswith("--"):
        return any(a == flag or a.startswith(flag + "=") for a in args)
    letter = flag[1:]
    return any(a.startswith(flag) or (a.startswith("-") and not a.startswith("--") and letter in a[1:].split("=")[0]
                                      and a[1:].isalpha()) for a in args)


def _sourced(args: list[str], dyn: list[bool], cwd: str | None) -> list[tuple[str, str | None]]:
    """What `source FILE` sets: a file of plain assignments; anything else is unreadable."""
    from blastwall.environment.files import shell_env

    if not args or dyn[0]:
        return [(UNREADABLE, " ".join(args) or "source")]
    path = args[0] if args[0].startswith("/") or cwd is None else posixpath.join(cwd, args[0])
    loaded = shell_env(os.path.expanduser(path)) if (cwd or path.startswith(("/", "~"))) else None
    if loaded is None:
        return [(UNREADABLE, args[0])]
    return [(SOURCED, args[0]), *loaded.items()]


def _assignments(words: list[str]) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for w in words:
        name, eq, value = w.partition("=")
        if eq and name.isidentifier():
            out.append((name, value))
    return out


def _shell_code(words: list[str], dyn: list[bool]) -> tuple[str, bool, bool] | None:
    """(code, dynamic, login) of `bash -c CODE` (also `-lc`, `-ec`) or `eval WORDS`; None for
    anything else. A login or interactive shell reads profile files that may set variables."""
    name = program_name(words[0])
    if name == "eval":
        return " ".join(words[1:]), any(dyn[1:]), False
    if name not in _shells():
        return None
    login = False
    for i, w in enumerate(words[1:], 1):
        if w in ("--login", "-l", "-i"):
            login = True
            continue
        if w.startswith("-") and not w.startswith("--") and len(w) > 1:
            login = login or "l" in w[1:] or "i" in w[1:]
            if w.endswith("c") and i + 1 < len(words):
                return words[i + 1], dyn[i + 1], login
            continue
        return None  # a script file, not -c
    return None


def _wrapper_assignments(words: list[str]) -> list[tuple[str, str | None]]:
    """What a wrapper's own words set for the program it runs: `sudo NAME=x`, `systemd-run -E
    NAME=x`, `--setenv=NAME=x`, `cross-env NAME=x`."""
    out: list[tuple[str, str | None]] = []
    for w in words:
        text = w.split("=", 1)[1] if w.startswith("-") and "=" in w else w
        name, eq, value = text.partition("=")
        if eq and name.isidentifier():
            out.append((name, value))
    return out


def _leading_assignments(words: list[str]) -> int:
    n = 0
    while n < len(words) - 1 and "=" in words[n] and words[n].split("=", 1)[0].isidentifier():
        n += 1
    return n


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


def _path(word: str, cwd: str | None) -> str:
    """The absolute path a redirection writes ("" when it depends on a directory blastwall lost)."""
    path = os.path.expanduser(word)
    if not path.startswith("/"):
        if cwd is None:
            return ""
        path = posixpath.join(cwd, path)
    return posixpath.normpath(path)


def _moved(cwd: str | None, args: list[str], dyn: list[bool], cdpath: bool = False) -> str | None:
    rest = [(a, d) for a, d in zip(args, dyn, strict=True) if not a.startswith("-")]
    if not rest:
        return None  # cd with no argument: home; not where the project is
    target, dynamic = rest[0]
    if dynamic or target.startswith("~") or cwd is None and not target.startswith("/"):
        return None
    if cdpath and not target.startswith(("/", "./", "../")) and target not in (".", ".."):
        return None  # CDPATH: bash looks for it in other folders first
    return posixpath.normpath(target if target.startswith("/") else posixpath.join(cwd or "/", target))
