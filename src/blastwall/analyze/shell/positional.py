"""Positional parameters bound on the line: `set -- a b`, `shift`, and a shell function's arguments.

bash binds `$1`..`$N`, `$#`, `$@` and `$*` by `set -- WORDS` for the rest of the line, moves
them by `shift [N]`, and binds them to a function's arguments for each call of the function
(`clean(){ rm -rf "$1/target"; }; clean services/billing`). The walker (`parse.py`) keeps them as
variables named `1`, `2`, ..., `#`, `@`, `*`, so branches, subshells and undo treat them as any
other variable; this module says which writes a binding makes and how `"$@"` and `$*` expand.

- Only a literal binding is known: a dynamic word keeps that parameter unknown (`f "$HOME"`).
- `"$@"` and `$@` standing alone as a word expand to one word per parameter (`$@`, `$*`
  unquoted also split on blanks); `"$*"` joins them with a blank. Inside a longer word
  (`"x$@"`, `build$*`) they stay unknown unless at most one blank-free parameter is bound,
  where every spelling reads the same.
- `shift N` with a count blastwall cannot read, or more than are bound, leaves them unknown.
"""

from __future__ import annotations

from collections.abc import Callable

from blastwall.analyze.shell.ir import Word
from blastwall.analyze.shell.varflow import unknown

COUNT = "#"
ALL = ("@", "*")
_MIN_SLOTS = 9  # $1..$9 are always rewritten, so an older binding's higher slots do not survive
MAX_CALL_DEPTH = 4  # a function calling functions: deeper calls keep their definition-time reading


def bound(vars: dict[str, Word]) -> list[Word] | None:
    """The parameters bound at this point of the line, or None when they are not known."""
    count = vars.get(COUNT)
    if count is None or count.dynamic or not count.text.isdigit():
        return None
    words = [vars.get(str(i)) for i in range(1, int(count.text) + 1)]
    return None if any(w is None or w.dynamic for w in words) else [w for w in words if w is not None]


def bind(set_var: Callable[[str, Word], None], vars: dict[str, Word], args: list[Word] | None) -> None:
    """Write a new binding (`args`; None: unknown parameters, as a function body read where it is
    defined sees them)."""
    old = vars.get(COUNT)
    slots = max(_MIN_SLOTS, len(args or ()), int(old.text) if old is not None and old.text.isdigit() else 0)
    for i in range(1, slots + 1):
        name = str(i)
        if args is None:
            set_var(name, unknown(name))
        else:
            set_var(name, args[i - 1] if i <= len(args) else Word.lit(""))
    if args is None or any(a.dynamic for a in args):
        set_var(COUNT, Word.lit(str(len(args))) if args is not None else unknown(COUNT))
        for name in ALL:
            set_var(name, unknown(name))
        return
    set_var(COUNT, Word.lit(str(len(args))))
    single = len(args) <= 1 and not any(c.isspace() for a in args for c in a.text)
    for name in ALL:
        set_var(name, Word.lit(args[0].text if args else "") if single else unknown(name))


def set_args(argv: list[Word]) -> list[Word] | None | bool:
    """What `set ...` does to the parameters: the new ones, None (unchanged), or False (unknown:
    a word blastwall cannot read)."""
    words = argv[1:]
    for i, w in enumerate(words):
        if w.dynamic:
            return False
        if w.text == "--":
            return words[i + 1:]
        if w.text.startswith(("-", "+")):
            continue
        prev = words[i - 1].text if i else ""
        if not (prev[:1] in "-+" and prev.endswith("o") and len(prev) > 1):  # `set -euo pipefail`
            return words[i:]
    return None


def shifted(current: list[Word] | None, argv: list[Word]) -> list[Word] | None:
    """The parameters after `shift [N]`, or None when they are not known."""
    if current is None or len(argv) > 2:
        return None
    n = argv[1].text if len(argv) == 2 else "1"
    if len(argv) == 2 and (argv[1].dynamic or not n.isdigit()):
        return None
    return current[int(n):] if int(n) <= len(current) else None


def expanded(raw: str, current: list[Word] | None) -> list[Word] | None:
    """The words a whole-word `"$@"`, `$@`, `"$*"`, `$*` (or `${@}`...) expands to with the
    parameters bound, or None when the word is not one of these or they are not known."""
    if current is None:
        return None
    quoted = raw.startswith('"') and raw.endswith('"') and len(raw) >= 2
    inner = raw[1:-1] if quoted else raw
    if inner not in ("$@", "${@}", "$*", "${*}"):
        return None
    if quoted and "*" in inner:
        return [Word(" ".join(w.text for w in current), raw=raw)]
    if quoted:
        return [Word(w.text, raw=raw, glob=w.glob) for w in current]
    return [Word(part, raw=part, glob=w.glob) for w in current for part in w.text.split()]


_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./$")


def uses(src: bytes, name: str) -> set[int]:
    """Every place `name` stands as a token of the line (a definition, a call, `export -f NAME`,
    a mention inside a string): what bounds a function's uses."""
    needle = name.encode()
    out: set[int] = set()
    i = src.find(needle)
    while i >= 0:
        before = chr(src[i - 1]) if i > 0 else " "
        end = i + len(needle)
        after = chr(src[end]) if end < len(src) else " "
        if before not in _NAME_CHARS and after not in _NAME_CHARS:
            out.add(i)
        i = src.find(needle, i + 1)
    return out
