"""Options whose value is a command line the program runs itself (rules/option_commands.toml):
`tar --checkpoint-action=exec=CMD`, `rsync --rsync-path=CMD`, `ssh -o ProxyCommand=CMD`,
`make SHELL=CMD`. Each value is analyzed as shell code; the program's own rules still judge the rest.

    option_commands(argv, scope, source) -> [Finding, ...]
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall.analyze.base import Scope
from blastwall.analyze.shell.ir import Word
from blastwall.analyze.shell.names import program_name
from blastwall.model import Finding

_SHORTEST_PREFIX = 4  # `--up`: a shorter beginning of a long option names none


@functools.cache
def _index() -> dict[str, tuple[dict[str, Any], ...]]:
    from blastwall.analyze.ruleset import load_table

    out: dict[str, list[dict[str, Any]]] = {}
    for row in load_table("option_commands")["program"]:
        for n in row["names"]:
            out.setdefault(n, []).append(row)
    return {n: tuple(rows) for n, rows in out.items()}


def option_commands(argv: list[Word], scope: Scope, source: str) -> list[Finding]:
    rows = _index().get(program_name(argv[0].text)) if argv else None
    if not rows:
        return []
    name = program_name(argv[0].text)
    out: list[Finding] = []
    for row in rows:
        if row.get("subcommands") and _subcommand(row, argv) not in row["subcommands"]:
            continue  # `git clone -u CMD`, not `git push -u origin`
        for value in _values(row, argv):
            code = _after_prefix(row, value)
            if code is not None and row.get("decode") == "git_ext":
                code = _git_ext(code)
            if code is not None and code.strip() and row.get("append"):
                code = f"{code} {row['append']}"  # the words the program adds when it runs the value
            if code is not None and code.strip():
                from blastwall.analyze.shell.handlers import _shell_text  # only when a value runs: git's rows

                out.extend(_shell_text(code, scope, f"{name} (a command its option runs)"))
    return out


def _values(row: dict[str, Any], argv: list[Word]) -> list[str]:
    options: list[str] = row.get("options", [])
    words: list[str] = row.get("words", [])
    out: list[str] = []
    for i, w in enumerate(argv[1:], 1):
        t = w.text
        if t == "--":  # options end; positional words (`make -- SHELL=x`, `git clone -- ext::...`) do not
            out.extend(a.text[len(p):] for a in argv[i + 1:] for p in words if a.text.startswith(p))
            break
        if t in options:
            if i + 1 < len(argv):
                out.append(argv[i + 1].text)
            continue
        if row.get("abbreviate") and t.startswith("--") and len(t.split("=", 1)[0]) >= _SHORTEST_PREFIX \
                and any(o.startswith(t.split("=", 1)[0]) for o in options):
            # `--upload=CMD`, `--receive CMD`: git takes a long option's unambiguous beginning
            if "=" in t:
                out.append(t.split("=", 1)[1])
            elif i + 1 < len(argv):
                out.append(argv[i + 1].text)
            continue
        for o in options:
            if o.startswith("--") and t.startswith(o + "="):
                out.append(t[len(o) + 1:])
            elif not o.startswith("--") and len(o) == 2 and t.startswith(o) and len(t) > 2:
                out.append(t[2:])  # -ICMD, -oProxyCommand=CMD
        out.extend(t[len(p):] for p in words if t.startswith(p))
    return out


def _subcommand(row: dict[str, Any], argv: list[Word]) -> str:
    """The first word after the program's own options and their values (`git -C d -c k=v clone`)."""
    valued: list[str] = row.get("global_values", [])
    skip = False
    for w in argv[1:]:
        if skip:
            skip = False
        elif w.text in valued:
            skip = True
        elif not w.text.startswith("-"):
            return w.text
    return ""


def _git_ext(command: str) -> str:
    """An `ext::` remote's command as shell words: arguments split at spaces, `% ` a space inside
    one, `%%` a percent sign (git-remote-ext(1)); `%s`-style placeholders stay as written."""
    import shlex

    args: list[str] = [""]
    i = 0
    while i < len(command):
        c = command[i]
        if c == "%" and i + 1 < len(command) and command[i + 1] in " %":
            args[-1] += command[i + 1]
            i += 2
            continue
        if c == " ":
            args.append("")
        else:
            args[-1] += c
        i += 1
    return " ".join(shlex.quote(a) for a in args if a)


def _after_prefix(row: dict[str, Any], value: str) -> str | None:
    prefixes = row.get("value_prefix")
    if not prefixes:
        return value
    for p in [prefixes] if isinstance(prefixes, str) else prefixes:
        if value.lower().startswith(p):
            return value[len(p):]
    return None
