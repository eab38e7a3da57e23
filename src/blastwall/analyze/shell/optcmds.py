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
    from blastwall.analyze.shell.handlers import _shell_text

    name = program_name(argv[0].text)
    out: list[Finding] = []
    for row in rows:
        for value in _values(row, argv):
            code = _after_prefix(row, value)
            if code is not None and code.strip():
                out.extend(_shell_text(code, scope, f"{name} (a command its option runs)"))
    return out


def _values(row: dict[str, Any], argv: list[Word]) -> list[str]:
    options: list[str] = row.get("options", [])
    words: list[str] = row.get("words", [])
    out: list[str] = []
    for i, w in enumerate(argv[1:], 1):
        t = w.text
        if t == "--":
            break
        if t in options:
            if i + 1 < len(argv):
                out.append(argv[i + 1].text)
            continue
        for o in options:
            if o.startswith("--") and t.startswith(o + "="):
                out.append(t[len(o) + 1:])
            elif not o.startswith("--") and len(o) == 2 and t.startswith(o) and len(t) > 2:
                out.append(t[2:])  # -ICMD, -oProxyCommand=CMD
        out.extend(t[len(p):] for p in words if t.startswith(p))
    return out


def _after_prefix(row: dict[str, Any], value: str) -> str | None:
    prefixes = row.get("value_prefix")
    if not prefixes:
        return value
    for p in [prefixes] if isinstance(prefixes, str) else prefixes:
        if value.lower().startswith(p):
            return value[len(p):]
    return None
