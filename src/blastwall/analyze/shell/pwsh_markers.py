"""PowerShell lines that do not start with a cmdlet: expressions and keyword statements.

    if (Test-Path .\\out) { Remove-Item .\\out -Recurse }   -> PowerShell (bash: `if (...); then`)
    [Convert]::FromBase64String('...')                     -> PowerShell (bash: `[ -n "$x" ]`)
    'rd /s /q C:\\temp' -match '^rd'                         -> PowerShell (a string compared)
    "{0:N2} GB" -f (...)                                   -> PowerShell (a format string)

Each reading takes PowerShell's own marks, never one spelling: bash's `if (cmd); then`,
`[ -f x ]` and `'prog' args` keep bash's reading.
"""

from __future__ import annotations

from blastwall import rx

_TYPE = rx.compile(r"^\s*\[[A-Za-z][\w.`]*(?:\[\])?\]\s*::")  # [Text.Encoding]::, [IO.File]::Delete
_IF = rx.compile(r"(?i)^\s*if\s*\(")  # PowerShell's `if (COND) { ... }`
# 'x y' -match 'y', "{0} GB" -f $n: a string with a space, which bash could run as no program ('rm' -f x is bash's)
_QUOTED = rx.compile(r"""^\s*(?:'[^'\s]*\s[^']*'|"[^"\s]*\s[^"]*")\s+(-[A-Za-z]+)(?:\s|$)""")


def expression_line(text: str) -> bool:
    """The line starts with a PowerShell expression or keyword statement."""
    if _TYPE.match(text):
        return True
    if _IF.match(text):
        return _if_block(text)
    m = _QUOTED.match(text)
    if m is None:
        return False
    from blastwall.analyze.shell.windows import _table

    return m.group(1).lower() in _table()["powershell"]["expressions"]["operators"]


def _if_block(text: str) -> bool:
    """`if (COND) {`: the condition's parenthesis is closed and a block follows (bash writes
    `if (cmd); then ...; fi`)."""
    from blastwall.analyze.shell.pwsh_values import _closing

    start = text.index("(")
    end = _closing(text, start)
    return end <= len(text) and text[end:].lstrip()[:1] == "{"


def blocks_judged_directly(statement: str) -> bool:
    """Every statement in the blocks of a keyword statement (`if (...) { A; B } else { C }`) is one
    windows.judged_directly judges by translation, and the conditions run no command but a test:
    the call patterns of rules/code.toml add nothing a translation did not already judge."""
    from blastwall.analyze.shell.pwsh_values import _closing
    from blastwall.analyze.shell.windows import judged_directly, statements

    i, bodies = 0, []
    while i < len(statement):
        c = statement[i]
        if c in "'\"({":
            end = _closing(statement, i)
            if c == "{":
                bodies.append(statement[i + 1:end - 1])
            i = end
        else:
            i += 1
    inner = [s for body in bodies for s in statements(body)]
    return bool(inner) and all(judged_directly(s) for s in inner)
