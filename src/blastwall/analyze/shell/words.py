"""Bash word rules that do not need the syntax tree: backslash escapes, ANSI-C quoting
(`$'\\x72m'`), and the splitting of unquoted expansions."""

from __future__ import annotations

from blastwall import rx
from blastwall.analyze.shell.ir import Word

_ANSI_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "v": "\v",
                 "\\": "\\", "'": "'", '"': '"', "?": "?"}


def unescape_unquoted(s: str) -> str:
    return rx.sub(r"\\(.)", r"\1", s.replace("\\\n", ""))


def ansi_c(s: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(s):
        c = s[i]
        if c != "\\" or i + 1 >= len(s):
            out.append(c)
            i += 1
            continue
        n = s[i + 1]
        if n in _ANSI_ESCAPES:
            out.append(_ANSI_ESCAPES[n])
            i += 2
        elif n == "x":
            m = rx.match(r"[0-9a-fA-F]{1,2}", s[i + 2:])
            out.append(chr(int(m.group(), 16)) if m else "x")
            i += 2 + (len(m.group()) if m else 0)
        elif n in "uU":
            m = rx.match(r"[0-9a-fA-F]{1,8}", s[i + 2:])
            out.append(chr(min(int(m.group(), 16), 0x10FFFF)) if m else n)
            i += 2 + (len(m.group()) if m else 0)
        elif n in "01234567":
            m = rx.match(r"[0-7]{1,3}", s[i + 1:])
            assert m is not None
            out.append(chr(int(m.group(), 8)))
            i += 1 + len(m.group())
        else:
            out.append("\\" + n)
            i += 2
    return "".join(out)


def split_unquoted(argv: list[Word]) -> list[Word]:
    """Unquoted expansions split on whitespace (`T="--force"; git push $T` gives a flag)."""
    out: list[Word] = []
    for w in argv:
        quoted = w.raw[:1] in ("'", '"') or w.raw.startswith("$'")
        if not quoted and w.raw.startswith("$") and not w.dynamic and len(w.text.split()) > 1:
            out.extend(Word(part, raw=part) for part in w.text.split())
        else:
            out.append(w)
    return out
