"""Bash word rules that do not need the syntax tree: backslash escapes, ANSI-C quoting
(`$'\\x72m'`), and the splitting of unquoted expansions."""

from __future__ import annotations

from blastwall import rx
from blastwall.analyze.shell.ir import Word


def unescape_unquoted(s: str) -> str:
    if "\\" not in s:  # nothing escaped (most words)
        return s
    return rx.sub(r"\\(.)", r"\1", s.replace("\\\n", ""))


def ansi_c(s: str) -> str | None:
    """The text of `$'s'` as bash decodes it, None when it is not text (echoprint.py, loaded
    when a line holds one)."""
    from blastwall.analyze.shell.echoprint import ansi_c as decode

    return decode(s)


def split_unquoted(argv: list[Word]) -> list[Word]:
    """Unquoted expansions split on whitespace (`T="--force"; git push $T` gives a flag; an
    unquoted expansion of blanks is no word at all)."""
    out: list[Word] = []
    for w in argv:
        quoted = w.raw[:1] in ("'", '"') or w.raw.startswith("$'")
        parts = w.text.split() if not quoted and w.raw.startswith(("$", "`")) and not w.dynamic else [w.text]
        if parts != [w.text]:  # `$(printf 'rm ')`: the blanks around the output go too
            out.extend(Word(part, raw=part) for part in parts)
        else:
            out.append(w)
    return out


def backtick_code(text: str) -> tuple[list[str], bool]:
    """The commands of the unescaped `` `...` `` substitutions in `text`, and whether a backtick
    is left open (bash would read to the end of the input)."""
    out: list[str] = []
    start = -1
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "`":
            if start < 0:
                start = i + 1
            else:
                out.append(text[start:i].replace("\\`", "`"))
                start = -1
        i += 1
    return out, start >= 0


def has_unescaped(text: str, needle: str) -> bool:
    """`needle` occurs in `text` not preceded by a backslash."""
    i = text.find(needle)
    while i >= 0:
        slashes = 0
        while i - slashes - 1 >= 0 and text[i - slashes - 1] == "\\":
            slashes += 1
        if slashes % 2 == 0:
            return True
        i = text.find(needle, i + 1)
    return False


def subscript_code(text: str) -> bool:
    """Text shaped like an array subscript that runs a command (`a[$(cmd)]`, ``a[`cmd`]``).
    Bash expands such a subscript whenever the text is used as a variable name or an
    arithmetic operand (`unset`, `read`, `printf -v`, `test -v`, `let`, `(( ))`, `[[ -eq ]]`),
    even when the text came from single quotes."""
    i = text.find("[")
    return i >= 0 and ("$(" in text[i:] or "`" in text[i:] or "$[" in text[i:])


def dollar_paren_code(text: str) -> tuple[list[str], bool]:
    """The commands of the unescaped `$(...)` substitutions in `text` that tree-sitter left as
    plain text (inside `${x#...}` patterns, for one), and whether one is left open. Quotes are
    followed so that a `)` inside them does not close the substitution; `$((` is arithmetic,
    whose own substitutions are found as the scan goes on."""
    out: list[str] = []
    unclosed = False
    i = 0
    while i < len(text) - 1:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c != "$" or text[i + 1] != "(":
            i += 1
            continue
        if text[i + 2:i + 3] == "(":
            i += 3
            continue
        depth, j, quote = 1, i + 2, ""
        while j < len(text) and depth:
            ch = text[j]
            if quote:
                if ch == "\\" and quote == '"':
                    j += 1
                elif ch == quote:
                    quote = ""
            elif ch == "\\":
                j += 1
            elif ch in "'\"":
                quote = ch
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            j += 1
        if depth:
            unclosed = True
            break
        out.append(text[i + 2:j - 1])
        i = j
    return out, unclosed
