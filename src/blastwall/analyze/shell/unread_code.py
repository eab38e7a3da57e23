"""Interpreters and shells whose language blastwall has no analyzer for (`rules/unread_code.toml`).

    elixir -e 'File.rm_rf!("/srv")'   -> code.interp:unread (Elixir code; a human must read it)
    nu -c 'rm -r ~/data'              -> code.interp:unread
    mix run priv/repo/seeds.exs       -> code.interp:unread (an Elixir script)
    mix test                          -> nothing here (the task runner's rules judge it)

Code given on the command line, on stdin or in a script file is asked about whole: blastwall
cannot see whether it deletes, overwrites or runs commands, and what it cannot understand it
asks about. Help and version options run no code.
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.handlers import HANDLERS, register
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.model import Finding

_QUIET = frozenset({"--help", "-h", "-help", "--version", "-v", "-version", "-V"})


@functools.cache
def _rows() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for row in load_table("unread_code")["interpreter"]:
        for name in row["names"]:
            out[name] = row
    return out


def names() -> list[str]:
    """Every program name of the table."""
    return list(_rows())


def _code_option(t: str, options: list[str]) -> bool:
    return any(t == o or t.startswith(o + "=") or (len(o) == 2 and not o.startswith("--") and t.startswith(o))
               for o in options)


def unread_code(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    """A finding when `argv` gives program `name` code to run; None when it gives none (a build or
    test subcommand of a tool that also runs code: other rules judge it)."""
    row = _rows().get(name)
    if row is None:
        return None
    args = argv[1:]
    sub = str(row.get("subcommand", ""))
    if sub:
        first = next((i for i, w in enumerate(args) if not w.text.startswith("-")), None)
        if first is None or args[first].text != sub:
            return None
        args = args[first + 1:]
    if any(w.text in _QUIET for w in args) and not any(_code_option(w.text, row.get("code_options", [])) for w in args):
        return None
    what = f"{row['language']} code"
    values = set(row.get("value_options", []))
    for i, w in enumerate(args):
        if _code_option(w.text, row.get("code_options", [])):
            if _only_code(args, row.get("code_options", [])) and \
                    _all_inert(row, _code_values(args, row.get("code_options", []))):
                return []  # `ghci -e ':t foldr'`: queries that evaluate nothing (inert_code)
            return [_finding(f"{name} runs {what} given on the command line", cmd)]
    program = _program_at(args, row, values)
    if program is not None:
        if row.get("program_reads_stdin") and (cmd.stdin_text is not None or _piped(cmd)):
            return [_finding(f"{name} runs {what} from its input", cmd)]
        return _program(name, args[program:], cmd, scope)
    positionals: list[Word] = []
    skip = False
    for w in args:
        if skip:
            skip = False
            continue
        if w.text == "--":
            continue
        if w.text.startswith("-") and w.text != "-":
            skip = w.text in values
            continue
        positionals.append(w)
    suffixes = tuple(row.get("script_suffixes", ()))
    if suffixes:  # `swift /tmp/c.swift` runs a script; `swift build` is a subcommand
        positionals = [w for w in positionals if w.text == "-" or w.dynamic or w.text.lower().endswith(suffixes)]
    if positionals and (row.get("code_operand") or row.get("script")):
        where = "given on the command line" if row.get("code_operand") else "from its input" \
            if positionals[0].text == "-" else f"from the script {positionals[0].text}"
        return [_finding(f"{name} runs {what} {where}", cmd)]
    if row.get("stdin", row.get("script")) and (cmd.stdin_text is not None or _piped(cmd)):
        if row.get("inert_code"):
            from blastwall.analyze.shell.stdin import stdin_of

            text = stdin_of(cmd, scope)
            if text is not None and _all_inert(row, [text]):
                return []  # `jshell <<< 'System.out.println(Runtime.version())'`
        return [_finding(f"{name} runs {what} from its input", cmd)]
    return None


def _only_code(args: list[Word], options: list[str]) -> bool:
    """Nothing but code options and their code (`ghci -e X -e Y`): no module, script or other option,
    which could load code of its own (`ghci -e ':t x' Main.hs`, `-ghci-script FILE`)."""
    i = 0
    while i < len(args):
        if args[i].text not in options:
            return False
        i += 2
    return True


def _code_values(args: list[Word], options: list[str]) -> list[Word | None]:
    """The code each code option is given (`-e CODE`, `--eval=CODE`); None for one blastwall cannot find."""
    out: list[Word | None] = []
    for i, w in enumerate(args):
        if not _code_option(w.text, options):
            continue
        if w.text in options:
            out.append(args[i + 1] if i + 1 < len(args) else None)
        elif "=" in w.text:
            out.append(Word(w.text.split("=", 1)[1], dynamic=w.dynamic))
        else:
            out.append(None)  # `-eCODE` and other glued spellings: not read
    return out


def _all_inert(row: dict[str, Any], codes: list[Any]) -> bool:
    """Every piece of code is a whole line of the row's `inert_code` patterns (each line one)."""
    patterns = row.get("inert_code")
    if not patterns or not codes:
        return False
    from blastwall import rx

    for code in codes:
        text = code if isinstance(code, str) else None if code is None or code.dynamic else code.text
        if text is None:
            return False
        lines = [ln for ln in text.split("\n") if ln.strip()]
        if not lines or not all(any(rx.fullmatch(p, ln.strip()) for p in patterns) for ln in lines):
            return False
    return True


def _program_at(args: list[Word], row: dict[str, Any], values: set[str]) -> int | None:
    """Where the program of a `program_options` option (`-S mix`) starts, when one comes before
    the first positional (a script, whose arguments follow it)."""
    i = 0
    while i < len(args):
        t = args[i].text
        if t in row.get("program_options", ()):
            return i + 1
        if not t.startswith("-") or t == "--":
            return None
        i += 2 if t in values else 1
    return None


def _program(name: str, rest: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    """`iex -S mix phx.server`: the program after the option runs with the words after it."""
    from blastwall.analyze.shell.resolve import analyze_simple

    if not rest or rest[0].dynamic:
        why = "a program whose name is made at run time" if rest else "-S without a program"
        return [_finding(f"{name} runs {why}", cmd)]
    return analyze_simple(cmd.with_argv(list(rest)), scope.deeper(f"{name} -S"), with_redirects=False)


def _finding(what: str, cmd: SimpleCommand) -> Finding:
    return unknown("code.interp:unread", f"{what}, which blastwall cannot read; a human must read it first",
                   cmd.source)


def _piped(cmd: SimpleCommand) -> bool:
    from blastwall.analyze.shell.stdin import has_stdin

    return has_stdin(cmd)


register([n for n in names() if n not in HANDLERS], unread_code)  # `mix` is a task runner: handle_runner asks it
