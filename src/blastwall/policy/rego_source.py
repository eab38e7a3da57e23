"""The top-level statements of a Rego module, read from its text: its package, and where each
rule is defined (name, line, text). rego-cpp compiles the policy; this only finds the rules that
`blastwall policy test` runs (`test_*`) and that `blastwall explain` probes to say which
definition decided.

A statement starts at the beginning of a line, outside any bracket, string or comment, with a
name (`deny contains msg if {`, `default allow := false`, `decision := {...} if {`,
`package blastwall`, `import rego.v1`); everything up to the next statement belongs to it
(bodies, `else` branches, comments).
"""

from __future__ import annotations

import re
from typing import NamedTuple

_NAME = re.compile(r"(default\s+)?([A-Za-z_][A-Za-z0-9_]*)")
_RUNTIME = re.compile(r"\bopa\s*[.\[]")  # opa.runtime(), however spelled


class Statement(NamedTuple):
    kind: str  # package, import, default, rule, function
    name: str  # the rule's name; the package path for `package`
    line: int  # 1-based
    start: int  # offset of the statement in the text
    end: int  # offset just past it (trailing blank and comment lines left out)


def statements(text: str) -> list[Statement]:
    starts = _starts(text)
    out: list[Statement] = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        out.append(_statement(text, start, _trim(text, start, end)))
    return out


def package_of(text: str) -> str | None:
    for s in statements(text):
        if s.kind == "package":
            return s.name
    return None


def rules(text: str) -> list[Statement]:
    """Rule definitions (not functions, defaults, the package or imports), in file order."""
    return [s for s in statements(text) if s.kind == "rule"]


def uses_runtime(text: str) -> bool:
    """Whether the module calls `opa.runtime()`, which hands it the checker's environment
    variables (a policy nobody trusted must not put them into reasons)."""
    return bool(_RUNTIME.search(_without_comments(text)))


def _starts(text: str) -> list[int]:
    starts: list[int] = []
    depth = 0
    quote = ""  # '"' or '`' while inside a string
    i, n = 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start and not quote and depth == 0 and (c.isalpha() or c == "_") and not text.startswith("else", i):
            starts.append(i)
        at_line_start = False
        if quote:
            if c == "\\" and quote == '"':
                i += 2
                continue
            if c == quote:
                quote = ""
            elif c == "\n" and quote == '"':
                quote = ""  # an unterminated string; rego-cpp reports it
        elif c == "#":
            nl = text.find("\n", i)
            i = n if nl < 0 else nl
            continue
        elif c in "\"`":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth = max(0, depth - 1)
        if c == "\n":
            at_line_start = True
        i += 1
    return starts


def _trim(text: str, start: int, end: int) -> int:
    """`end` moved back over trailing blank and comment-only lines."""
    lines = text[start:end].split("\n")
    while len(lines) > 1 and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
        lines.pop()
    return start + len("\n".join(lines).rstrip())


def _statement(text: str, start: int, end: int) -> Statement:
    line = text.count("\n", 0, start) + 1
    body = text[start:end]
    m = _NAME.match(body)
    name = m.group(2) if m else ""
    rest = body[m.end():].lstrip() if m else body
    if name in ("package", "import") and not (m and m.group(1)):
        path = rest.split()[0] if rest.split() else ""
        return Statement(name, path, line, start, end)
    if m and m.group(1):
        return Statement("default", name, line, start, end)
    kind = "function" if rest.startswith("(") else "rule"
    return Statement(kind, name, line, start, end)


def _without_comments(text: str) -> str:
    """The code alone: comments removed, string contents blanked (a string cannot call anything)."""
    out: list[str] = []
    quote = ""  # a raw string (`) may span lines
    for line in text.split("\n"):
        kept: list[str] = []
        escaped = False
        for c in line:
            if quote:
                if escaped:
                    escaped = False
                elif c == "\\" and quote == '"':
                    escaped = True
                elif c == quote:
                    quote = ""
                    kept.append(c)
                continue
            if c == "#":
                break
            if c in "\"`":
                quote = c
            kept.append(c)
        if quote == '"':
            quote = ""  # a double-quoted string ends with its line
        out.append("".join(kept))
    return "\n".join(out)
