"""Whether a command named among an unknown program's words is one it may launch
(`rules/launched.toml`).

    own_subcommand(["virsh", "shutdown", "web01"], 1)   -> True  (virsh's own verb on domain web01)
    own_subcommand(["s6-setuidgid", "app", "shutdown", "-h", "now"], 2)  -> False (judged as shutdown)
    own_subcommand(["chronic", "poweroff"], 1)          -> False (no operand: launched)
    managers_own(["scoop", "cache", "rm", "*"], 2)      -> True  (scoop's own subcommand)
    managers_own(["mise", "exec", "--", "rm", "x"], 3)  -> False (mise exec launches it)
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall import rx
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.ir import Word
from blastwall.analyze.shell.names import program_name


@functools.cache
def _rows() -> dict[str, tuple[Any, bool]]:
    """program -> (compiled pattern of its first operand or None, takes no operand)."""
    out: dict[str, tuple[Any, bool]] = {}
    for row in load_table("launched").get("operands", []):
        first = rx.compile(row["first"]) if row.get("first") else None
        for name in row["programs"]:
            out[name] = (first, bool(row.get("none", False)))
    return out


def own_subcommand(argv: list[Word], i: int) -> bool:
    """`argv[i]` names a command that acts on the machine it runs on, and the words after it are not
    ones that command takes: they are the unknown program's own subcommand and its object. A dynamic
    word, or no operand at all, keeps the command launched (judged)."""
    row = _rows().get(program_name(argv[i].text))
    if row is None:
        return False
    first, takes_none = row
    operand = next((w for w in argv[i + 1:] if w.dynamic or not w.text.startswith("-")), None)
    if operand is None or operand.dynamic:
        return False
    return takes_none or (first is not None and not first.match(operand.text))


@functools.cache
def _managers() -> dict[str, frozenset[str]]:
    """package or version manager -> its subcommands that launch a command."""
    out: dict[str, frozenset[str]] = {}
    for row in load_table("launched").get("managers", []):
        for name in row["programs"]:
            out[name] = frozenset(row.get("launch", []))
    return out


def managers_own(argv: list[Word], i: int) -> bool:
    """`argv[i]` is a word of a package or version manager's own command path (`scoop cache rm`),
    not a command it launches: no launching subcommand (`exec`, `run`) and no `--` comes before it."""
    launch = _managers().get(program_name(argv[0].text))
    if launch is None:
        return False
    return not any(w.dynamic or w.text == "--" or w.text in launch for w in argv[1:i])
