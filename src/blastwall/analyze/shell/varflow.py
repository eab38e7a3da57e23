"""Which variable values the rest of a command line can rely on.

The walker (`parse.py`) keeps the variables a line sets (`X=/tmp/x; rm -rf $X`). A value is only
as good as the path bash takes to it, so:

- a part that may not run (the right side of `&&`/`||`, an if/while/until/case body, a loop body)
  leaves every variable it changed unknown afterwards: it holds the old value or the new one;
- a subshell, a pipeline and a command substitution run in a copy of the shell: what they set is
  not seen after them;
- `read`, `mapfile`, `getopts`, `printf -v`, `unset`, `local`, `let` change the variables they name;
  `eval`, `source`/`.` and `declare -n` may change any of them;
- a variable a function body assigns may change wherever the function is called;
- `export X=1`, `export X`, `declare -x X`, and every assignment after `set -a`, put X in the
  environment of the commands that follow (`SimpleCommand.env`), as `X=1 cmd` does for one command;
  `export -n X` and `set +a` stop that. Whether a name is exported is kept as a variable of its own
  (`EXPORTED + name`), so a subshell's or a branch's export is undone or made unsure like any write.

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


EXPORTED = "\0export:"  # `EXPORTED + NAME` holds "1" while NAME is exported, "" after `export -n NAME`
ALLEXPORT = "\0allexport"  # "1" while `set -a` is on
_EXPORT_KEYWORDS = frozenset({"declare", "typeset", "local"})


def exported_names(keyword: str, flags: list[str], names: list[str]) -> list[tuple[str, bool]]:
    """The names a declaration exports (True) or stops exporting (False): `export X=1 Y`, `declare -x
    X`, `export -n X`, `declare +x X`; `flags` its options, `names` the names it declares or assigns."""
    if keyword == "export":
        on = not any(f.startswith("-") and "n" in f[1:] for f in flags)
    elif keyword in _EXPORT_KEYWORDS and any(f.startswith(("-", "+")) and "x" in f[1:] for f in flags):
        on = not any(f.startswith("+") and "x" in f[1:] for f in flags)
    else:
        return []
    return [(n, on) for n in names if _NAME.match(n)]


def environment(variables: dict[str, Word]) -> dict[str, Word]:
    """The variables exported so far with the values the line gave them (a name exported but never set
    on the line keeps whatever the environment held: not known here, and left out). A name whose
    export is unsure (set in a branch, after `eval`) counts as exported."""
    out: dict[str, Word] = {}
    for key, mark in variables.items():
        if key.startswith(EXPORTED) and (mark.dynamic or mark.text):
            name = key[len(EXPORTED):]
            value = variables.get(name)
            if value is not None:
                out[name] = value
    return out


def set_option(argv: list[Word], letter: str, name: str, now: Word | None) -> Word | None:
    """`set -a`/`set -o allexport` turn an option on, `set +a`/`set +o allexport` off: the option's
    new mark ("1" or ""), or `now` when the command leaves it as it was (unknown when a word is)."""
    if any(w.dynamic for w in argv[1:]):
        return unknown(name) if now is None or now.text else now
    words = [w.text for w in argv[1:]]
    mark = now
    for i, w in enumerate(words):
        if w in ("-o", "+o"):
            if i + 1 < len(words) and words[i + 1] == name:
                mark = Word.lit("1" if w == "-o" else "")
        elif w[:1] in "-+" and not w.startswith("--") and letter in w[1:]:
            mark = Word.lit("1" if w[0] == "-" else "")
    return mark
