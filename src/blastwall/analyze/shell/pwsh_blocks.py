"""PowerShell code inside a statement: every command of a pipeline, script blocks and subexpressions.

    git push --force | Out-Null                       ->  `git push --force` runs too: judged
    Get-VM | ForEach-Object { Remove-VM $_ -Force }   ->  `Remove-VM $_ -Force`, judged as PowerShell
    foreach ($x in $y) { ... }, if (...) { ... }, Where-Object { ... }, ForEach-Object -Parallel { ... }
    $n = (Remove-VM web), "$(Remove-VM web)", @{ k = { ... } }  ->  the commands inside
    [scriptblock]::Create('Remove-VM web')            ->  the constant string, read as a block; a built one asks

A script block is code whichever command it is given to (a filter's block can still call cmdlets),
so every block is read, as are parentheses, `$( )` and `@( )` subexpressions and the values of a
hash table `@{ }`; `${name}` is a variable. Inside them a statement that starts with a value
(`$_.Name`, `(Get-Date)`, `'x'`, `42`) is an expression when operators and values alternate
(`$_.Length -gt 100`): only what its parentheses and blocks hold runs, and an assignment's right
side is a statement. A value followed by anything else (`$X -rf ~/data`) is no PowerShell
expression: it is read as the command line it may be.
"""

from __future__ import annotations

import functools

from blastwall import rx
from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.shell.pwsh_values import _closing, _pieces, constant
from blastwall.model import Finding

_CREATE = rx.compile(r"(?i)\[\s*(?:system\.management\.automation\.)?scriptblock\s*\]\s*::\s*create\s*\(")
_VALUE_START = rx.compile(r"^(?:[$(\['\"@{!]|-?\d|\.\d)")
_FOREACH_VAR = rx.compile(r"(?is)^\s*\$[\w:]+\s+in\s+")


@functools.cache
def _table() -> dict[str, list[str]]:
    from blastwall.analyze.ruleset import load_table

    return dict(load_table("shell_windows")["powershell"]["expressions"])


def statement_findings(statement: str, scope: Scope, in_block: bool) -> list[Finding]:
    """Every command of one statement, and the code nested in it. `in_block`: the statement is
    inside a block or subexpression, so one that starts with a value is read as an expression."""
    from blastwall.analyze.shell.windows import _split, powershell_statement

    segments = [s for s in _split(statement, "|") if s.strip()]
    if not segments:
        return []
    found: list[Finding] = []
    head = _pieces(segments[0])
    word = head[0].lower() if head else ""
    if word in _table()["keywords"] and (len(head) == 1 or any(p[:1] in "({[" for p in head[1:])):
        return [f for segment in segments for f in nested(segment, scope)]  # foreach (...) { ... }
    if word in _table()["value_keywords"] and len(head) > 1:
        return statement_findings(statement.split(head[0], 1)[1], scope, True)  # return Remove-VM web
    first = 1  # the pipeline prefix from which commands are judged
    if head and (in_block or head[0][:1] in "'\"[") and _is_value(head[0]):
        # a statement that starts with a string or a type literal is an expression wherever it is
        rhs = _assigned(segments[0], head)
        if rhs is not None:
            return found + statement_findings("|".join([rhs, *segments[1:]]), scope, True) + nested(segments[0], scope)
        if _is_expression(head):
            first = 2  # the value is no command; what it is piped to is
    for i in range(first, len(segments) + 1):
        found += powershell_statement("|".join(segments[:i]), scope)
    for segment in segments:
        found += nested(segment, scope)
    return found


def nested(text: str, scope: Scope) -> list[Finding]:
    """Findings for the blocks, subexpressions and hash tables written in `text` (not in `'...'`)."""
    found: list[Finding] = []
    keyword = (text.strip().split(None, 1) or [""])[0].lower()
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "`":
            i += 2
            continue
        if c == "'" or (c == "@" and text[i + 1:i + 2] == "'"):
            i = _closing(text, i + (c == "@"))
            continue
        if c == '"' or (c == "@" and text[i + 1:i + 2] == '"'):
            end = _closing(text, i + (c == "@"))
            found += _in_double_quotes(text[i + 1:end - 1], scope)
            i = end
            continue
        create = _CREATE.match(text, i) if c == "[" else None
        if create:
            end = _closing(text, create.end() - 1)
            found += _created(text[create.end():end - 1], scope, text)
            i = end
            continue
        if c == "$" and text[i + 1:i + 2] == "{":
            i = _closing(text, i + 1)  # ${env:PATH}: a variable's name
            continue
        if c == "@" and text[i + 1:i + 2] == "{":
            end = _closing(text, i + 1)
            found += _hash_table(text[i + 2:end - 1], scope)
            i = end
            continue
        if c in "{(":
            end = _closing(text, i)
            inner = text[i + 1:end - 1]
            if keyword == "foreach" and c == "(":
                inner = _FOREACH_VAR.sub("", inner, count=1)
            found += block_findings(inner, scope.deeper("PowerShell block"))
            i = end
            continue
        i += 1
    return found


def block_findings(code: str, scope: Scope) -> list[Finding]:
    """Findings for the statements of a script block or subexpression."""
    from blastwall.analyze.code import analyze_code
    from blastwall.analyze.shell.windows import judged_directly, statements, without_help

    found: list[Finding] = []
    for statement in statements(code):
        found += statement_findings(statement, scope, True)
        if not judged_directly(statement):
            found += analyze_code("powershell", without_help(statement), scope)
    return found


def _hash_table(body: str, scope: Scope) -> list[Finding]:
    """`@{ Name = 'x'; Expression = { ... } }`: each value is a statement."""
    from blastwall.analyze.shell.windows import statements

    found: list[Finding] = []
    for entry in statements(body):
        _key, eq, value = entry.partition("=")
        if eq and value.strip():
            found += statement_findings(value.strip(), scope.deeper("PowerShell hash table"), True)
    return found


def _in_double_quotes(body: str, scope: Scope) -> list[Finding]:
    """The `$( ... )` subexpressions of an expandable string run."""
    found: list[Finding] = []
    i = 0
    while i < len(body):
        if body[i] == "`":
            i += 2
            continue
        if body[i] == "$" and body[i + 1:i + 2] == "(":
            end = _closing(body, i + 1)
            found += block_findings(body[i + 2:end - 1], scope.deeper("PowerShell subexpression"))
            i = end
            continue
        i += 1
    return found


def _created(argument: str, scope: Scope, source: str) -> list[Finding]:
    """`[scriptblock]::Create(ARG)`: a constant ARG is code; anything else is code no one can read here."""
    code = constant(argument)
    if code is None:
        return [unknown("shell.windows:script-block", "[scriptblock]::Create makes code from text blastwall cannot "
                        "read (not a constant string); a human must read what it runs", source)]
    return block_findings(code, scope.deeper("[scriptblock]::Create"))


def _is_value(piece: str) -> bool:
    return bool(_VALUE_START.match(piece))


def _assigned(segment: str, pieces: list[str]) -> str | None:
    """The right side of `$x = ...` (or `+=`, `[int]$x = ...`), or None."""
    ops = _table()["assignment"]
    for k, p in enumerate(pieces[:3]):
        if p in ops:
            return segment.split(p, 1)[1] if k and all(_is_value(q) for q in pieces[:k]) else None
    return None


def _is_expression(pieces: list[str]) -> bool:
    """Values and operators alternate, as PowerShell's expression mode requires."""
    operators = set(_table()["operators"])
    expect_value = True
    for p in pieces:
        low = p.lower()
        if expect_value:
            if low in operators and low in _table()["unary"]:
                continue
            if not _is_value(p):
                return False
        elif low not in operators:
            return False
        expect_value = not expect_value
    return not expect_value
