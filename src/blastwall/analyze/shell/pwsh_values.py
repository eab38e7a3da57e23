"""PowerShell arguments and the constant strings they hold, as PowerShell reads them.

    arguments("powershell -ArgumentList '-c', 'Remove-Item x'")
        ->  [Arg('powershell'), Arg(param='argumentlist'...), Arg(values=['-c', 'Remove-Item x'])]
    constant("[Text.Encoding]::Unicode.GetString([Convert]::FromBase64String('UgBtAA=='))")  ->  'Rm'

An argument is a parameter (`-Name`, `-Name:value`), a value (a bare word, a quoted string, a
comma list, `@(...)`, `(...)`), or a script block `{...}`. A value is constant when every part of
it is known without running anything: quoted text without `$`, bare words without `$`, `+`
concatenation of those, and base64 text decoded by `[Text.Encoding]::X.GetString(
[Convert]::FromBase64String(...))`. Anything else (a variable, a call, a download) is None: the
caller asks about code it cannot see.
"""

from __future__ import annotations

import base64
import binascii
from typing import NamedTuple

from blastwall import rx

_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "e": "\x1b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_ENCODINGS = {"utf8": "utf-8", "unicode": "utf-16-le", "ascii": "ascii", "default": "utf-8", "utf32": "utf-32-le",
              "bigendianunicode": "utf-16-be", "utf7": "utf-7", "latin1": "latin-1"}
_DECODE = rx.compile(r"(?is)^\[\s*(?:system\.)?text\.encoding\s*\]::(\w+)\s*\.\s*getstring\s*\(\s*"
                     r"\[\s*(?:system\.)?convert\s*\]::frombase64string\s*\((.*)\)\s*\)$")
_CREATE = rx.compile(r"(?is)^\[\s*(?:system\.management\.automation\.)?scriptblock\s*\]::create\s*\((.*)\)$")


class Arg(NamedTuple):
    """One argument: a parameter name (lower case, dash removed), or a value, or a block."""

    text: str  # as written
    param: str | None = None  # `-Recurse` -> "recurse"; `-Path:x` -> "path" with `values`
    values: list[str] | None = None  # the constant strings of a value or a comma list; None: not constant
    block: str | None = None  # the code of a `{...}` script block


def _closing(text: str, start: int) -> int:
    """The index just past the quoted string or bracket group that starts at `start`."""
    c = text[start]
    if c in "'\"":
        j = start + 1
        while j < len(text):
            if text[j] == "`" and c == '"':
                j += 2
            elif text[j] == c and text[j + 1:j + 2] == c:
                j += 2
            elif text[j] == c:
                return j + 1
            else:
                j += 1
        return len(text)
    pairs = {"(": ")", "{": "}", "[": "]"}
    if c not in pairs:
        return start + 1
    stack: list[str] = []
    i = start
    while i < len(text):
        c = text[i]
        if c == "`":
            i += 2
            continue
        if c in "'\"":
            i = _closing(text, i)
            continue
        if c in pairs:
            stack.append(pairs[c])
        elif stack and c == stack[-1]:
            stack.pop()
            if not stack:
                return i + 1
        i += 1
    return len(text)


def _pieces(text: str) -> list[str]:
    """Argument-mode tokens: words (quoted parts and bracket groups kept whole), and `,` apart."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c == ",":
            out.append(",")
            i += 1
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] != ",":
            if text[i] in "'\"({[" or (text[i] in "@$" and text[i + 1:i + 2] == "("):
                i = _closing(text, i + (1 if text[i] in "@$" else 0))
            elif text[i] == "`":
                i += 2
            else:
                i += 1
        out.append(text[start:i])
    return out


def arguments(text: str) -> list[Arg]:
    """The arguments of a command (its name included) as PowerShell's argument mode reads them."""
    pieces = _pieces(text)
    out: list[Arg] = []
    i = 0
    while i < len(pieces):
        p = pieces[i]
        if len(p) > 1 and p[0] == "-" and (p[1].isalpha() or p[1] == "_"):
            name, colon, value = p[1:].partition(":")
            out.append(Arg(p, param=name.lower(), values=[constant(value)] if colon and constant(value) is not None
                           else ([] if not colon else None)))
            i += 1
            continue
        if p.startswith("{") and p.endswith("}"):
            out.append(Arg(p, block=p[1:-1]))
            i += 1
            continue
        group = [p]
        while i + 2 < len(pieces) and pieces[i + 1] == ",":
            group.append(pieces[i + 2])
            i += 2
        values = [constant_list(g) for g in group]
        flat = None if any(v is None for v in values) else [x for v in values for x in v or []]
        out.append(Arg(" , ".join(group), values=flat))
        i += 1
    return out


def constant_list(expr: str) -> list[str] | None:
    """The strings of a constant value or array (`'a', 'b'`, `@('a','b')`), or None."""
    expr = expr.strip()
    if expr.startswith("@(") and expr.endswith(")"):
        expr = expr[2:-1]
    parts = [p for p in _split_top(expr, ",")]
    values = [constant(p) for p in parts]
    return None if any(v is None for v in values) else [v for v in values if v is not None]


def constant(expr: str) -> str | None:
    """The string a PowerShell expression surely makes, or None when it needs running."""
    expr = expr.strip()
    while expr.startswith("(") and _closing(expr, 0) == len(expr):
        expr = expr[1:-1].strip()
    if not expr:
        return None
    parts = _split_top(expr, "+")
    if len(parts) > 1:
        values = [constant(p) for p in parts]
        return None if any(v is None for v in values) else "".join(v for v in values if v is not None)
    if expr[0] == "'" and _closing(expr, 0) == len(expr):
        return expr[1:-1].replace("''", "'")
    if expr[0] == '"' and _closing(expr, 0) == len(expr):
        return _expandable(expr[1:-1])
    if expr.startswith(("@'", '@"')) and expr.endswith(("'@", '"@')):  # here-strings
        body = expr[2:-2].strip("\r\n")
        return body if expr[1] == "'" else _expandable(body)
    decoded = _DECODE.match(expr)
    if decoded:
        return _from_base64(decoded.group(1), decoded.group(2))
    if rx.fullmatch(r"[^\s$'\"(){}\[\]@`;|&,]+", expr):
        return expr  # a bare word
    return None


def script_block_text(expr: str) -> str | None:
    """The code of `[scriptblock]::Create(CONSTANT)` or of a `{...}` block, or None."""
    expr = expr.strip()
    while expr.startswith("(") and _closing(expr, 0) == len(expr):
        expr = expr[1:-1].strip()
    if expr.startswith("{") and _closing(expr, 0) == len(expr):
        return expr[1:-1]
    created = _CREATE.match(expr)
    return constant(created.group(1)) if created else None


def _expandable(body: str) -> str | None:
    """A double-quoted string's text; None when it holds a variable or a subexpression."""
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "`" and i + 1 < len(body):
            out.append(_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
            continue
        if c == "$" and i + 1 < len(body) and (body[i + 1].isalnum() or body[i + 1] in "_({:?^"):
            return None
        if c == '"' and body[i + 1:i + 2] == '"':
            i += 1
        out.append(c)
        i += 1
    return "".join(out)


def _from_base64(encoding: str, inner: str) -> str | None:
    data = constant(inner)
    codec = _ENCODINGS.get(encoding.lower())
    if data is None or codec is None:
        return None
    try:
        return base64.b64decode("".join(data.split()), validate=True).decode(codec)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def _split_top(text: str, sep: str) -> list[str]:
    """`text` split on `sep` outside quotes and brackets."""
    out, start, i = [], 0, 0
    while i < len(text):
        c = text[i]
        if c in "'\"({[":
            i = _closing(text, i)
            continue
        if c == "`":
            i += 2
            continue
        if c == sep:
            out.append(text[start:i])
            start = i + 1
        i += 1
    out.append(text[start:])
    return [p.strip() for p in out]
