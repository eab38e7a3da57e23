"""What an extractor takes out of a file: steps, each with the line it starts on.

A step is text another analyzer reads (`shell` commands, `sql` statements), a finding of its
own (`finding`: a Kubernetes or Terraform setting), or a safeguard whose disappearance is the
destructive part (`keep`: a Terraform block or its prevent_destroy). Helpers here keep line
numbers true while parts of a file are left out (blanked, newlines kept).
"""

from __future__ import annotations

from typing import NamedTuple

from blastwall import rx
from blastwall.model import Finding


class Step(NamedTuple):
    """One thing the file will do. `line` is 1-based, where `text` starts in the file; `where`
    names the step's place for messages ("step 'Destroy' of job deploy", "target clean")."""

    language: str  # "shell" | "sql" | "finding" | "keep"
    text: str
    line: int
    where: str = ""
    finding: Finding | None = None  # language "finding" and "keep": the finding to report
    block: bool = False  # shell: a whole script (line-by-line location of its findings)


def blank(text: str, start: int, end: int) -> str:
    """`text` with [start, end) replaced by spaces, newlines kept (line numbers stay true)."""
    part = text[start:end]
    return text[:start] + "".join(c if c == "\n" else " " for c in part) + text[end:]


def drop_regions(text: str, up: tuple[str, ...] | list[str], down: tuple[str, ...] | list[str]) -> str:
    """Blank the parts that run only on rollback: from a `down` marker to the next `up` marker
    (or the end). Text before any marker runs on apply."""
    if not down:
        return text
    marks: list[tuple[int, bool]] = []
    for pattern in down:
        marks += [(m.start(), True) for m in rx.finditer(pattern, text)]
    if not marks:
        return text
    for pattern in up:
        marks += [(m.start(), False) for m in rx.finditer(pattern, text)]
    marks.sort()
    spans = [(pos, marks[i + 1][0] if i + 1 < len(marks) else len(text)) for i, (pos, is_down) in enumerate(marks)
             if is_down]
    return blank_spans(text, spans)


def blank_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with every [start, end) span blanked, in one pass (newlines kept)."""
    if not spans:
        return text
    out, last = [], 0
    for start, end in sorted(spans):
        start = max(start, last)
        if end <= start:
            continue
        out.append(text[last:start])
        out.append("".join(c if c == "\n" else " " for c in text[start:end]))
        last = end
    out.append(text[last:])
    return "".join(out)


def drop_comment_lines(text: str, prefixes: list[str] | tuple[str, ...]) -> str:
    """Blank whole lines that start (after indentation) with one of `prefixes`."""
    if not prefixes:
        return text
    lines = text.split("\n")
    return "\n".join(" " * len(line) if line.lstrip().startswith(tuple(prefixes)) else line for line in lines)


def line_at(text: str, pos: int) -> int:
    """1-based line of character `pos`."""
    return text.count("\n", 0, max(0, pos)) + 1


def locate(text: str, source: str) -> int | None:
    """Where `source` (a finding's quoted input) starts in `text`: the exact text, else its
    first line, else its first words in order with any white space between; None when absent."""
    if not source:
        return None
    pos = text.find(source)
    if pos >= 0:
        return pos
    first = source.strip().split("\n", 1)[0].strip()
    if len(first) >= 3:
        pos = text.find(first)
        if pos >= 0:
            return pos
    words = source.split()[:6]
    if not words:
        return None
    m = rx.search(r"\s+".join(rx.escape(w) for w in words), text)
    return m.start() if m else None
