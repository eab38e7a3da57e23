"""Lexical helpers: split SQL into statements and see its code without strings and comments.

Used where no parser understands the text: the split respects quotes, dollar quotes and
comments, and `code_only` blanks literals so a `'DROP TABLE'` string is never a statement.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from blastwall import rx
from blastwall.memo import once

_WORD = rx.compile(r"[A-Za-z_][A-Za-z_0-9$]*")


class Piece(NamedTuple):
    """One statement of a script: its text and its code with literals blanked."""

    text: str
    code: str


def _skip(text: str, i: int, hash_comments: bool) -> tuple[int, str] | None:
    """If a literal or comment starts at i: (index after it, what it is), else None."""
    c = text[i]
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if c == "-" and nxt == "-" or (c == "#" and hash_comments):
        end = text.find("\n", i)
        return (len(text) if end < 0 else end), "comment"
    if c == "/" and nxt == "*":
        depth, j = 1, i + 2
        while j < len(text) and depth:
            if text.startswith("/*", j):
                depth, j = depth + 1, j + 2
            elif text.startswith("*/", j):
                depth, j = depth - 1, j + 2
            else:
                j += 1
        return j, "comment"
    if c in "'\"`":
        backslash = hash_comments or (c == "'" and i > 0 and text[i - 1] in "eE")
        j = i + 1
        while j < len(text):
            if backslash and text[j] == "\\":
                j += 2
                continue
            if text[j] == c:
                if j + 1 < len(text) and text[j + 1] == c:
                    j += 2
                    continue
                return j + 1, "string"
            j += 1
        return len(text), "string"
    if c == "[" and not hash_comments:
        return None
    if c == "$":
        tag = _dollar_tag(text, i)
        if tag and not (i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")):
            end = text.find(tag, i + len(tag))
            return (len(text) if end < 0 else end + len(tag)), "string"
    return None


def skip(text: str, i: int, hash_comments: bool = False) -> int | None:
    """The index after the literal or comment that starts at i, or None when none starts there.
    `hash_comments`: MySQL's lexing (`#` comments, backslash escapes in every string)."""
    hit = _skip(text, i, hash_comments)
    return None if hit is None else hit[0]


def _ident_char(c: str, first: bool) -> bool:
    return c.isascii() and (c.isalpha() or c == "_" or (not first and c.isdigit()))


def _dollar_tag(text: str, i: int) -> str | None:
    """The `$$` or `$tag$` that opens a dollar-quoted string at `i`, else None."""
    j = i + 1
    if j < len(text) and _ident_char(text[j], True):
        j += 1
        while j < len(text) and _ident_char(text[j], False):
            j += 1
    return text[i:j + 1] if j < len(text) and text[j] == "$" else None


_SPECIALS = "-#/'\"`$;"  # the only characters at which a literal, a comment or a statement can start or end


def _special_finder(text: str) -> Callable[[int], int]:
    """`next(i)`: the index of the first special character at or after i (len(text) if none).
    Each character's next position only moves forward, so all the calls together are linear."""
    nearest = {c: text.find(c) for c in _SPECIALS}

    def nxt(i: int) -> int:
        best = len(text)
        for c, at in nearest.items():
            if 0 <= at < i:
                at = nearest[c] = text.find(c, i)
            if 0 <= at < best:
                best = at
        return best

    return nxt


def split(text: str, *, hash_comments: bool = False) -> list[Piece]:
    """Statements of a script (split on `;` outside literals and comments), empty ones dropped."""
    pieces: list[Piece] = []
    start, i = 0, 0
    code: list[str] = []
    nxt = _special_finder(text)
    while i < len(text):
        j = nxt(i)
        if j > i:  # plain code up to the next special character, in one piece
            code.append(text[i:j])
            i = j
            continue
        hit = _skip(text, i, hash_comments)
        if hit is not None:
            end, _ = hit
            code.append(" " * (end - i))
            i = end
            continue
        if text[i] == ";":
            _add(pieces, text[start:i], "".join(code))
            start, code = i + 1, []
        else:
            code.append(text[i])
        i += 1
    _add(pieces, text[start:], "".join(code))
    return pieces


def _add(pieces: list[Piece], text: str, code: str) -> None:
    if code.strip():
        pieces.append(Piece(text.strip(), code))


def code_only(text: str, *, hash_comments: bool = False) -> str:
    """The text with every string, quoted identifier and comment replaced by spaces."""
    return " ; ".join(p.code for p in split(text, hash_comments=hash_comments))


def words(code: str) -> list[str]:
    """Lower-case words of code (identifiers and keywords), read once per check for each text:
    the readers of one statement all ask for them (a 90 kB text read fourteen times took seconds).
    The list is shared by those readers: they read it and never change it."""
    return once(("sql.words", code), lambda: [w.lower() for w in _WORD.findall(code)])


_OPENING_CHARS = 512  # where a statement's opening words are looked for first


def opening_words(code: str, n: int) -> list[str]:
    """The first `n` words of code (`words(code)[:n]`) for readers that decide by a statement's
    opening words: read from its first characters when they hold more than `n` words (then the
    n-th is whole), from all its words otherwise (a long run of blanks or symbols before them)."""
    if len(code) > _OPENING_CHARS:
        head = _WORD.findall(code[:_OPENING_CHARS])
        if len(head) > n:
            return [w.lower() for w in head[:n]]
    return words(code)[:n]


def first_word(code: str) -> str:
    found = _WORD.search(code)
    return found.group(0).lower() if found else ""


def find_phrases(code: str, phrases: list[str]) -> list[str]:
    """Which of the phrases (one or more words) occur in the code, in table order."""
    joined = " " + " ".join(words(code)) + " "
    return [p for p in phrases if f" {p} " in joined]


_EXECUTABLE_COMMENT = rx.compile(r"/\*M?!(?:[0-9]{5,6})?(.*?)\*/", rx.S)


def executable_comments(text: str) -> str | None:
    """The text with every MySQL/MariaDB executable comment (`/*!50000 ... */`, `/*M!100100 ... */`,
    `/*! ... */`) opened into the code it runs, or None when it has none. Other comments stay comments;
    an opener inside a string literal is opened too (that only adds findings)."""
    if "/*!" not in text and "/*M!" not in text:
        return None
    opened = text
    for _ in range(8):  # `/*! /*! ... */ */`: open until nothing changes
        again = _EXECUTABLE_COMMENT.sub(lambda m: " " + m.group(1) + " ", opened)
        if again == opened:
            break
        opened = again
    return opened if opened != text else None
