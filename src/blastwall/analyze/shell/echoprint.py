"""What bash's `printf` and `echo` builtins print, and what `$'...'` quoting means, decoded exactly.

`printf '\\x72\\x6d -rf .' | sh` runs `rm -rf .`: the text a shell is fed must be decoded the way
bash decodes it, or not at all. Every function here returns None when the result is not known
exactly (a conversion it does not evaluate, a number bash would reject, output that is not
text), so that a caller running the text as code asks instead of judging a wrong guess.

The escape rules follow bash's sources: `tescape` in builtins/printf.def (the format and `%b`
arguments) and `ansicstr` in lib/sh/strtrans.c (`$'...'` and `echo -e`):

| escape           | format     | %b, echo -e       | $'...'     |
|------------------|------------|-------------------|------------|
| \\NNN (1-7 first) | 3 digits   | %b 3 / echo: kept | 3 digits   |
| \\0NNN           | 0 + 2      | 0 + up to 3       | 0 + 2      |
| \\xHH            | 1-2 hex    | 1-2 hex           | 1-2 hex    |
| \\uHHHH \\UHHHHHHHH | 1-4 / 1-8 | 1-4 / 1-8        | 1-4 / 1-8  |
| \\c              | kept       | stops all output  | control-X  |
| \\' \\" \\?      | unescaped  | kept              | unescaped  |
"""

from __future__ import annotations

from typing import Literal

Mode = Literal["format", "b", "echo", "ansi"]

_SIMPLE = {"a": 7, "b": 8, "e": 27, "E": 27, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92}
_OCT = "01234567"
_HEX = "0123456789abcdefABCDEF"


class _Stop(Exception):
    """`\\c` in a `%b` argument or `echo -e`: no further output at all."""


def _escape(s: str, i: int, mode: Mode, out: bytearray) -> int:
    """Decode the escape whose backslash is at s[i]; append its bytes; return the index after it."""
    if i + 1 >= len(s):
        out += b"\\"
        return i + 1
    c = s[i + 1]
    j = i + 2
    if c in _SIMPLE:
        out.append(_SIMPLE[c])
        return j
    if c in _OCT:
        if mode == "echo" and c != "0":
            out += b"\\" + c.encode()  # echo -e knows only \0NNN
            return j
        value = int(c)
        room = 3 if (c == "0" and mode in ("b", "echo")) else 2
        while room and j < len(s) and s[j] in _OCT:
            value = value * 8 + int(s[j])
            j += 1
            room -= 1
        out.append(value & 0xFF)
        return j
    if c in "xuU":
        room = {"x": 2, "u": 4, "U": 8}[c]
        start = j
        while room and j < len(s) and s[j] in _HEX:
            j += 1
            room -= 1
        if j == start:  # `\x` with no digit: bash prints the backslash and goes on with the letter
            out += b"\\"
            return i + 1
        value = int(s[start:j], 16)
        if c == "x":
            out.append(value & 0xFF)
        else:
            try:
                out += chr(value).encode("utf-8")
            except (ValueError, UnicodeEncodeError):
                raise ValueError("a code point bash would print differently") from None
        return j
    if c in "'\"?":
        if mode in ("format", "ansi"):
            out += c.encode()
        else:
            out += b"\\" + c.encode()
        return j
    if c == "c":
        if mode in ("b", "echo"):
            raise _Stop
        if mode == "ansi":
            if j >= len(s):
                out += b"\\c"
                return j
            ch = s[j]
            if ch == "\\" and j + 1 < len(s) and s[j + 1] == "\\":
                j += 1  # `\c\\` is control-backslash
            out.append(127 if ch == "?" else ord(ch.upper()) & 0x1F if ord(ch) < 128 else 0)
            if ord(ch) >= 128:
                raise ValueError("a control character of a non-ASCII letter")
            return j + 1
    out += b"\\" + c.encode("utf-8")  # any other escape is printed as written
    return j


def _expand(s: str, mode: Mode, out: bytearray) -> None:
    """Append `s` with its backslash escapes decoded as `mode` decodes them (may raise _Stop)."""
    i = 0
    while i < len(s):
        k = s.find("\\", i)
        if k < 0:
            out += s[i:].encode("utf-8", "surrogateescape")
            return
        out += s[i:k].encode("utf-8", "surrogateescape")
        i = _escape(s, k, mode, out)


def _text(out: bytes) -> str | None:
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        return None  # bytes that are not text: whatever reads them, blastwall cannot say what it sees


def ansi_c(s: str) -> str | None:
    """The text of `$'s'`, or None when it is not text."""
    out = bytearray()
    try:
        _expand(s, "ansi", out)
    except ValueError:
        return None
    nul = out.find(0)
    return _text(bytes(out[:nul] if nul >= 0 else out))  # bash ends the word at a NUL


# ---- echo ------------------------------------------------------------------------------------
def echo(args: list[str], *, interpret: bool | None = None) -> str | None:
    """What `echo ARGS` prints. bash's echo decodes escapes only with -e (or under `shopt -s
    xpg_echo`, and zsh's echo always does): when the words hold an escape that the two readings
    print differently, and no -e/-E says which, the output is not known (None). `interpret`
    forces one reading."""
    newline, escapes = True, None
    while args and len(args[0]) > 1 and args[0][0] == "-" and all(ch in "neE" for ch in args[0][1:]):
        for ch in args[0][1:]:
            if ch == "n":
                newline = False
            else:
                escapes = ch == "e"
        args = args[1:]
    if interpret is not None:
        escapes = interpret
    text = " ".join(args)
    if escapes is False or "\\" not in text:
        return text + ("\n" if newline else "")
    decoded = _echo_escapes(text, newline)
    if escapes is None and decoded != text + ("\n" if newline else ""):
        return None
    return decoded


def _echo_escapes(text: str, newline: bool) -> str | None:
    out = bytearray()
    try:
        _expand(text, "echo", out)
    except _Stop:
        return _text(bytes(out))
    except ValueError:
        return None
    if newline:
        out += b"\n"
    return _text(bytes(out))


# ---- printf ----------------------------------------------------------------------------------
_FLAGS = "-+ #0'"
_CONVERSIONS = "sbcdiouxXeEfFgGaA%"


class _Unknown(Exception):
    """A printf feature whose output is not evaluated here."""


def printf(args: list[str]) -> str | None:
    """What `printf ARGS` prints to stdout ("" with -v VAR), or None when not known exactly."""
    if args and args[0] == "-v":
        return "" if len(args) > 2 else None
    if args and args[0] == "--":
        args = args[1:]
    if not args or (args[0].startswith("-") and len(args[0]) > 1):
        return None  # an option printf rejects, or no format
    fmt, rest = args[0], list(args[1:])
    out = bytearray()
    try:
        while True:
            used = _one_pass(fmt, rest, out)
            if not rest or used == 0:
                break
    except _StopWith as stop:
        out += stop.tail
    except (_Unknown, ValueError, OverflowError):
        return None
    return _text(bytes(out))


def _one_pass(fmt: str, args: list[str], out: bytearray) -> int:
    """Print `fmt` once, consuming from `args`; return how many arguments it consumed."""
    used = 0

    def take() -> str | None:
        nonlocal used
        if not args:
            return None
        used += 1
        return args.pop(0)

    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "\\":
            i = _escape(fmt, i, "format", out)
            continue
        if ch != "%":
            k = i
            while k < len(fmt) and fmt[k] not in "\\%":
                k += 1
            out += fmt[i:k].encode("utf-8", "surrogateescape")
            i = k
            continue
        i, spec, conv = _spec(fmt, i + 1, take)
        if conv == "%":
            out += b"%"
            continue
        value = take()
        out += _convert(spec, conv, value)
    return used


def _spec(fmt: str, i: int, take: object) -> tuple[int, str, str]:
    """Read flags, width and precision after a `%`; `*` takes a number from the arguments."""
    spec = ""
    while i < len(fmt) and fmt[i] in _FLAGS:
        if fmt[i] != "'":  # thousands grouping: nothing in the C locale
            spec += fmt[i]
        i += 1
    for part in ("width", "precision"):
        if part == "precision":
            if i >= len(fmt) or fmt[i] != ".":
                break
            spec += "."
            i += 1
        if i < len(fmt) and fmt[i] == "*":
            n = _integer(take())  # type: ignore[operator]
            if part == "width":
                spec += ("-" if n < 0 else "") + str(abs(n))
            elif n < 0:
                spec = spec[:-1]  # a negative precision is as if none was given
            else:
                spec += str(n)
            i += 1
        else:
            k = i
            while k < len(fmt) and fmt[k].isdigit():
                k += 1
            spec += fmt[i:k]
            i = k
    while i < len(fmt) and fmt[i] in "hlLqjzt":  # length modifiers: accepted and ignored by bash
        i += 1
    if i >= len(fmt) or fmt[i] not in _CONVERSIONS or fmt[i] in "aA":
        raise _Unknown(fmt[i:i + 1])  # %q, %Q, %(...)T, %a, an invalid one: not evaluated here
    if len(spec) > 12 or any(len(p) > 4 for p in spec.lstrip(_FLAGS).split(".")):
        raise _Unknown("width")  # huge paddings are not worth printing
    return i + 1, spec, fmt[i]


def _integer(value: str | None) -> int:
    """A numeric argument as bash's printf reads it (strtoimax base 0, or 'C for a character code)."""
    if value is None or value == "":
        return 0
    if value[0] in "'\"":
        return ord(value[1]) if len(value) > 1 else 0
    v = value.lstrip()
    sign = -1 if v.startswith("-") else 1
    v = v.lstrip("+-")
    if v.lower().startswith("0x") and len(v) > 2:
        return sign * int(v[2:], 16)
    if v.startswith("0") and len(v) > 1:
        return sign * int(v[1:], 8)
    if not v.isdigit():
        raise ValueError(value)  # bash prints an error and a partial number
    return sign * int(v)


def _convert(spec: str, conv: str, value: str | None) -> bytes:
    if conv == "b":
        inner = bytearray()
        try:
            _expand(value or "", "b", inner)
        except _Stop:
            raise _StopWith(_pad(spec, bytes(inner))) from None
        return _pad(spec, bytes(inner))
    if conv == "s":
        return _pad(spec, (value or "").encode("utf-8", "surrogateescape"))
    if conv == "c":
        return _pad(spec.split(".")[0], (value or "").encode("utf-8", "surrogateescape")[:1] or b"\0")
    if conv in "diouxX":
        n = _integer(value)
        if conv in "ouxX" and n < 0:
            n &= (1 << 64) - 1  # unsigned conversions of a negative number wrap as in C
        return (f"%{spec}{'d' if conv in 'iu' else conv}" % n).encode()
    number = float(_float_text(value))
    return (f"%{spec}{conv}" % number).encode()


def _float_text(value: str | None) -> str:
    if value is None or value == "":
        return "0"
    if value[0] in "'\"":
        return str(ord(value[1])) if len(value) > 1 else "0"
    float(value)  # raises on what strtold would not read whole
    return value


class _StopWith(_Stop):
    """`\\c` inside a `%b` argument: what was printed before it still counts."""

    def __init__(self, tail: bytes) -> None:
        super().__init__()
        self.tail = tail


def _pad(spec: str, data: bytes) -> bytes:
    """`%-5.3s`: precision cuts, width pads (bash counts bytes)."""
    left = "-" in spec
    body = spec.lstrip(_FLAGS)
    width_text, _, precision_text = body.partition(".")
    if "." in body:
        data = data[: int(precision_text or 0)]
    width = int(width_text or 0)
    if len(data) < width:
        pad = b" " * (width - len(data))
        data = data + pad if left else pad + data
    return data
