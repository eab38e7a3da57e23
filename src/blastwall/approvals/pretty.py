"""How an action reads on an approver's screen: its exact text with the invisible made visible,
and its payload laid out for reading.

- `visible(text)` splits text into pieces, each plain or a marker for something a human cannot
  see: trailing and leading spaces, tabs, carriage returns, a final newline, no-break and other
  unusual spaces, zero-width and direction-changing characters, control characters. Two actions
  that differ only in such characters therefore look different on every screen.
- `blocks(action)` lays a stored (redacted) action out as labelled blocks: the command as sent;
  SQL formatted with sqlglot beside its exact text; HTTP bodies as indented JSON, GraphQL
  documents printed by graphql-core; MCP arguments as JSON with long texts on their own; file
  edits as diffs. Formatting is an aid: the exact text is always there too (folded where the
  formatted view says the same).

Pure functions over plain data; the page, Slack and the terminal each render the pieces.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

FORMAT_CHARS = 20_000  # longer SQL or GraphQL is shown as sent, not formatted
SQL_DIALECTS = ("postgres", None)  # tried in order; None is sqlglot's generic dialect

# Characters that are shown as a marker: (glyph, what it stands for).
MARKS: dict[str, tuple[str, str]] = {
    "\t": ("→", "tab"),
    "\r": ("␍", "carriage return"),
    "\n": ("↵", "newline"),
}
SPACE_GLYPH = "·"
# Control characters have no Unicode name; these are the ones that change what a terminal shows.
CONTROL_NAMES = {0x00: "null", 0x07: "bell", 0x08: "backspace", 0x0B: "vertical tab", 0x0C: "form feed",
                 0x1B: "escape (terminal control sequence)", 0x7F: "delete", 0x85: "next line"}


class Piece(NamedTuple):
    text: str
    mark: str = ""  # "" for plain text, else what the glyph in `text` stands for


class Block(NamedTuple):
    label: str
    text: str
    kind: str = "exact"  # exact (shown with visible whitespace) | formatted | diff
    folded: bool = False  # the same content is shown formatted above: fold this one away


def _special(ch: str) -> tuple[str, str] | None:
    if ch in MARKS:
        return MARKS[ch]
    if ch == " ":
        return None
    category = unicodedata.category(ch)
    if category in ("Zs", "Zl", "Zp", "Cf", "Cc", "Co", "Cn", "Cs"):
        name = unicodedata.name(ch, "").lower() or CONTROL_NAMES.get(ord(ch), f"{category} character")
        return f"⟨U+{ord(ch):04X}⟩", name
    return None


def visible(text: str, *, one_line: bool = False) -> list[Piece]:
    """`text` as pieces with markers for what cannot be seen. `one_line`: newlines become
    markers too and every space that is not a single space between words is marked; otherwise
    (a block) newlines stay, a final newline is marked, and so are spaces at the end of a line
    and at the start of the text."""
    out: list[Piece] = []
    lines = text.split("\n")
    for n, line in enumerate(lines):
        last = n == len(lines) - 1
        stripped_right = line.rstrip(" ")
        trailing = len(line) - len(stripped_right)
        leading = len(stripped_right) - len(stripped_right.lstrip(" ")) if (one_line or n == 0) else 0
        run = 0
        for i, ch in enumerate(stripped_right):
            if ch == " ":
                run += 1
                if i < leading:
                    out.append(Piece(SPACE_GLYPH, "leading space"))
                elif one_line and run > 1:
                    out.append(Piece(SPACE_GLYPH, "extra space"))
                else:
                    out.append(Piece(" "))
                continue
            run = 0
            special = _special(ch)
            out.append(Piece(*special) if special else Piece(ch))
        out.extend(Piece(SPACE_GLYPH, "trailing space") for _ in range(trailing))
        if not last:
            if one_line:
                out.append(Piece(*MARKS["\n"]))
            elif n == len(lines) - 2 and lines[-1] == "":
                out.append(Piece(MARKS["\n"][0], "final newline"))
                out.append(Piece("\n"))
            else:
                out.append(Piece("\n"))
    return _merged(out)


def _merged(pieces: Iterable[Piece]) -> list[Piece]:
    out: list[Piece] = []
    for p in pieces:
        if out and not p.mark and not out[-1].mark:
            out[-1] = Piece(out[-1].text + p.text)
        else:
            out.append(p)
    return out


def marked(pieces: Iterable[Piece]) -> bool:
    return any(p.mark for p in pieces)


def plain(pieces: Iterable[Piece]) -> str:
    """The pieces as text, markers as their glyphs (Slack, a plain terminal)."""
    return "".join(p.text for p in pieces)


def shortened(pieces: list[Piece], head: int = 220, tail: int = 80) -> list[Piece]:
    """At most about head + tail characters: the start and the end (where a trailing space
    shows), with … between."""
    total = sum(len(p.text) for p in pieces)
    if total <= head + tail + 1:
        return pieces
    return [*_take(pieces, head), Piece("…", "cut"), *reversed(_take(list(reversed(pieces)), tail, from_end=True))]


def _take(pieces: list[Piece], limit: int, from_end: bool = False) -> list[Piece]:
    out, left = [], limit
    for p in pieces:
        if left <= 0:
            break
        if p.mark or len(p.text) <= left:
            out.append(p)
            left -= len(p.text)
        else:
            out.append(Piece(p.text[-left:] if from_end else p.text[:left]))
            left = 0
    return out


def one_line(text: str) -> list[Piece]:
    """An action's text for a list row: one line, markers, cut in the middle when long."""
    return shortened(visible(text, one_line=True))


# --- payloads ----------------------------------------------------------------------------------


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def format_sql(text: str) -> str | None:
    """`text` formatted by sqlglot (None when it does not parse or is too long)."""
    if not text.strip() or len(text) > FORMAT_CHARS:
        return None
    import sqlglot
    from sqlglot.errors import ErrorLevel

    for dialect in SQL_DIALECTS:
        try:
            statements = [s for s in sqlglot.parse(text, read=dialect, error_level=ErrorLevel.RAISE) if s is not None]
            if statements:
                return ";\n\n".join(s.sql(dialect=dialect, pretty=True) for s in statements) + ";"
        except Exception:  # noqa: BLE001 - any parser failure: show the text as sent
            continue
    return None


def format_graphql(query: str) -> str | None:
    """A GraphQL document printed by graphql-core (None when it does not parse)."""
    if len(query) > FORMAT_CHARS:
        return None
    try:
        from graphql import parse, print_ast

        return str(print_ast(parse(query, no_location=True)))
    except Exception:  # noqa: BLE001 - not GraphQL: show it as sent
        return None


def _json_of(body: Any) -> Any:
    if isinstance(body, (dict, list)):
        return body
    if isinstance(body, str) and body.strip()[:1] in ("{", "["):
        try:
            return json.loads(body)
        except ValueError:
            return None
    return None


def _graphql_blocks(doc: Mapping[str, Any]) -> list[Block] | None:
    query = doc.get("query")
    if not isinstance(query, str):
        return None
    printed = format_graphql(query)
    name = doc.get("operationName")
    out = [Block(f"GraphQL{f' operation {name}' if isinstance(name, str) and name else ''}", printed or query,
                 "formatted" if printed else "exact")]
    if doc.get("variables") not in (None, {}, ""):
        out.append(Block("GraphQL variables", pretty_json(doc.get("variables")), "formatted"))
    rest = {k: v for k, v in doc.items() if k not in ("query", "variables", "operationName")}
    if rest:
        out.append(Block("other fields", pretty_json(rest), "formatted"))
    return out


def body_blocks(body: Any) -> list[Block]:
    """An HTTP body: GraphQL printed, JSON indented, anything else as sent."""
    if body in (None, "", {}, []):
        return []
    doc = _json_of(body)
    exact = body if isinstance(body, str) else pretty_json(body)
    if doc is None:
        return [Block("body", exact)]
    docs = doc if isinstance(doc, list) else [doc]
    if docs and all(isinstance(d, dict) and isinstance(d.get("query"), str) for d in docs):
        out = [b for d in docs for b in _graphql_blocks(d) or []]
    else:
        out = [Block("body (JSON)", pretty_json(doc), "formatted")]
    return [*out, Block("body as sent", exact, folded=True)]


def _http_blocks(p: Mapping[str, Any]) -> list[Block]:
    out = [Block("request", f"{p.get('method') or 'GET'} {p.get('url') or ''}")]
    headers = p.get("headers")
    if isinstance(headers, Mapping) and headers:
        out.append(Block("headers", "\n".join(f"{k}: {v}" for k, v in headers.items())))
    return out + body_blocks(p.get("body"))


def _mcp_blocks(p: Mapping[str, Any]) -> list[Block]:
    out = [Block("tool", f"{p.get('server') or ''}.{p.get('tool') or ''}")]
    args = p.get("arguments") if isinstance(p.get("arguments"), Mapping) else {}
    texts = {k: v for k, v in args.items() if isinstance(v, str) and ("\n" in v or len(v) > 100)}
    rest = {k: v for k, v in args.items() if k not in texts}
    if rest or not texts:
        out.append(Block("arguments", pretty_json(rest), "formatted"))
    for key, value in texts.items():
        sql = format_sql(value) if key.lower() in ("sql", "query", "statement") else None
        if sql:
            out.append(Block(f"argument {key}, formatted with sqlglot", sql, "formatted"))
            out.append(Block(f"argument {key} as sent", value, folded=True))
        else:
            out.append(Block(f"argument {key}", value))
    return out


def _edit_diff(old: str, new: str) -> str:
    import difflib

    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), "before", "after", lineterm="", n=2)
    return "\n".join(list(lines)[2:]) or "(no change)"


def _write_blocks(p: Mapping[str, Any]) -> list[Block]:
    path = str(p.get("path") or p.get("file_path") or "")
    if p.get("deleted"):
        return [Block("file deleted", path)]
    out = [Block("file written", path)]
    edits = p.get("edits")
    if isinstance(edits, list) and edits:
        for i, e in enumerate(edits, 1):
            if isinstance(e, Mapping):
                label = f"edit {i} of {len(edits)}" if len(edits) > 1 else "edit"
                label += " (every occurrence)" if e.get("all") else ""
                out.append(Block(label, _edit_diff(str(e.get("old") or ""), str(e.get("new") or "")), "diff"))
        return out
    if isinstance(p.get("content"), str):
        out.append(Block("text written (part of the file)" if p.get("partial") else "new content", p["content"]))
    return out


def blocks(action: Mapping[str, Any]) -> list[Block]:
    """A stored action (`{"surface", "payload", "context"}`) as labelled blocks."""
    surface, p = str(action.get("surface") or ""), action.get("payload")
    if isinstance(p, str):
        if surface == "sql":
            formatted = format_sql(p)
            if formatted and formatted.strip() != p.strip():
                return [Block("SQL, formatted with sqlglot", formatted, "formatted"), Block("SQL as sent", p)]
            return [Block("SQL", p)]
        return [Block("command" if surface == "shell" else surface or "action", p)]
    if not isinstance(p, Mapping):
        return [Block("action", pretty_json(p), "formatted")]
    if surface == "http":
        return _http_blocks(p)
    if surface == "mcp":
        return _mcp_blocks(p)
    if surface == "file_write":
        return _write_blocks(p)
    if surface == "file_read":
        return [Block("file read", str(p.get("path") or ""))]
    return [Block("action", pretty_json(p), "formatted")]
