"""Which variable values the rest of a command line can rely on.

The walker (`parse.py`) keeps the variables a line sets (`X=/tmp/x; rm -rf $X`). A value is only
as good as the path bash takes to it, so:

- a part that may not run (the right side of `&&`/`||`, an if/while/until/case body, a loop body)
  leaves every variable it changed unknown afterwards: it holds the old value or the new one;
- a subshell, a pipeline and a command substitution run in a copy of the shell: what they set is
  not seen after them;
- `read`, `mapfile`, `getopts`, `printf -v`, `unset`, `local`, `let` change the variables they name;
  `eval`, `source`/`.` and `declare -n` may change any of them;
- a variable a function body assigns may change wherever the function is called.

An unknown value is a dynamic word (`$X`), which the analyzers treat as a path they cannot name.
The walker journals every write, so leaving a region costs the writes made in it (`_Walker.undo`,
`_Walker.unsure_since`), never a copy of every variable.
"""

from __future__ import annotations

from blastwall import rx
from blastwall.analyze.shell.ir import Word

# Statements whose body may run zero times or in one of several branches.
BRANCHING = frozenset({"if_statement", "while_statement", "case_statement", "c_style_for_statement"})
# Statements that run in a copy of the shell.
ISOLATED = frozenset({"subshell", "command_substitution", "process_substitution"})
# Builtins whose identifier arguments name variables they set, and the ones that may set any.
_SETTERS = frozenset({"read", "mapfile", "readarray", "getopts", "unset", "let", "local", "declare", "typeset",
                      "wait"})
_ANY = frozenset({"eval", "source", "."})
_NAME = rx.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def unknown(name: str) -> Word:
    return Word(f"${name}", dynamic=True, raw=f"${name}")


def set_by(argv: list[Word]) -> list[str] | None:
    """The variables a command sets besides plain assignments: names, or None for any of them."""
    if not argv:
        return []
    first = argv[0].text
    if first in _ANY:
        return None
    args = [w.text for w in argv[1:]]
    if first in ("declare", "typeset", "local") and any(a.startswith("-") and "n" in a[1:] for a in args):
        return None  # a name reference: later writes to it write another variable
    if first == "printf":
        names = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "-v"]
        names += [a[2:] for a in args if a.startswith("-v") and len(a) > 2]
        return [n for n in names if _NAME.match(n)]
    if first not in _SETTERS:
        return []
    names = [a.split("=", 1)[0] for a in args if _NAME.match(a.split("=", 1)[0])]
    return names + (["REPLY"] if first == "read" else [])
