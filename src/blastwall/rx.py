"""Linear-time regular expressions for text an agent controls.

Every pattern that sees agent text (commands, SQL, request bodies, code in one-liners, files
the agent may have written, reasons that quote them) is compiled here, under RE2: matching time
grows with the length of the text and nothing else, so no input can make a check backtrack for
seconds (a `node -e` one-liner with 40 backslashes used to take 25 s in Python's `re`).

RE2 has no backreferences and no lookaround; a pattern that needs them does not compile, and
the callers do that part in Python instead. The API is the subset of `re` that blastwall uses
(`compile`, `search`, `match`, `fullmatch`, `finditer`, `findall`, `sub`, `split`, flags `I`,
`S`, `M`). Two differences from `re` are smoothed over here:

- `\\s` means what it means in `re` (Unicode white space, e.g. a no-break space between a
  function name and its parenthesis), not RE2's ASCII-only set. `\\w`, `\\d` and `\\b` are
  ASCII, which only makes a word boundary easier to find.
- Lone surrogates (which cannot be encoded) are matched as U+FFFD; offsets are unchanged.

`$` without `M` matches only at the very end (RE2), not also before a final newline (`re`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

import re2

I = re.IGNORECASE  # noqa: E741 - the name re uses
S = re.DOTALL
M = re.MULTILINE
error = re2.error

# Python's `\s` for str patterns: ASCII white space, \x1c-\x1f, \x85 and the Unicode separators.
_SPACE = r"\t-\r\x1c-\x1f \x85\p{Z}"
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a pattern that does not compile raises; nothing is printed
_SURROGATE = re.compile("[\ud800-\udfff]")
_SLOW = object()  # "ask the wrapper" (rx.Pattern._first)


def _anchors() -> dict[str, Any]:
    """RE2's anchor values by name (empty when the wrapper does not expose them)."""
    try:
        return {name: getattr(re2._Anchor, name) for name in ("UNANCHORED", "ANCHOR_START", "ANCHOR_BOTH")}
    except AttributeError:
        return {}


_ANCHORS = _anchors()


def translate(pattern: str) -> str:
    """`pattern` in RE2 syntax with `re`'s meaning of `\\s`, `\\S` and `\\Z`."""
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt == "s":
                out.append(_SPACE if in_class else f"[{_SPACE}]")
            elif nxt == "S":
                if in_class:
                    raise error(r"\S inside a character class is not supported; spell the class out")
                out.append(f"[^{_SPACE}]")
            elif nxt == "Z" and not in_class:
                out.append(r"\z")
            else:
                out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
            out.append(c)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":  # a leading `]` is a literal
                out.append(r"\]")
                i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _clean(text: str) -> str:
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)  # one code point for one: offsets stay the same
    return text


class Match:
    """`re.Match`'s methods over RE2's match; `start`, `end` and `span` also take a group name."""

    __slots__ = ("_m", "_names")

    def __init__(self, m: Any, names: dict[str, int]) -> None:
        self._m = m
        self._names = names

    def _index(self, group: int | str) -> int:
        return self._names[group] if isinstance(group, str) else group

    def group(self, *groups: int | str) -> Any:
        return self._m.group(*groups)

    def __getitem__(self, group: int | str) -> Any:
        return self._m[group]

    def groups(self, default: Any = None) -> tuple[Any, ...]:
        return self._m.groups(default)

    def groupdict(self, default: Any = None) -> dict[str, Any]:
        return self._m.groupdict(default)

    def start(self, group: int | str = 0) -> int:
        return self._m.start(self._index(group))

    def end(self, group: int | str = 0) -> int:
        return self._m.end(self._index(group))

    def span(self, group: int | str = 0) -> tuple[int, int]:
        return self._m.span(self._index(group))

    def expand(self, template: str) -> str:
        return self._m.expand(template)

    @property
    def string(self) -> str:
        return self._m.string

    @property
    def lastindex(self) -> int | None:
        return self._m.lastindex

    def __repr__(self) -> str:
        return f"<rx.Match span={self.span()} match={self.group()!r}>"


class Pattern:
    """A compiled linear-time pattern with `re.Pattern`'s methods."""

    __slots__ = ("pattern", "flags", "_rx", "_raw", "groupindex")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        prefix = "".join(f for bit, f in ((I, "i"), (S, "s"), (M, "m")) if flags & bit)
        body = translate(pattern)
        self._rx = re2.compile(f"(?{prefix}){body}" if prefix else body, _OPTIONS)
        self.groupindex: dict[str, int] = self._rx.groupindex
        # RE2's own matcher, asked directly for ASCII text (None when the wrapper's internals
        # are not what this expects: then every call goes through the wrapper)
        self._raw: Any = getattr(self._rx, "_regexp", None) if _ANCHORS else None

    @property
    def groups(self) -> int:
        return self._rx.groups

    def _wrap(self, m: Any) -> Match | None:
        return None if m is None else Match(m, self.groupindex)

    def _misses(self, text: str, anchor: str) -> bool:
        """True when ASCII `text` has no match at all, asked of RE2's matcher directly: most
        calls find nothing, and the wrapper decodes offsets and builds objects even then."""
        if self._raw is None or not text.isascii():
            return False
        data = text.encode("ascii")
        return self._raw.Match(_ANCHORS[anchor], data, 0, len(data))[0][0] == -1

    def _first(self, text: str, anchor: str) -> Any:
        """The first match of ASCII `text` (or None), asked of RE2's matcher directly and wrapped
        as the wrapper wraps it: for ASCII, character and byte offsets are the same, so the
        wrapper's offset decoding (and its second look at the text) changes nothing. `_SLOW`
        when the text is not ASCII or the wrapper's internals are not what this expects."""
        if self._raw is None or not text.isascii():
            return _SLOW
        data = text.encode("ascii")
        spans = self._raw.Match(_ANCHORS[anchor], data, 0, len(data))
        if spans[0][0] == -1:
            return None
        return Match(re2._Match(self._rx, text, 0, len(text), spans), self.groupindex)

    def fullmatches(self, text: str) -> bool:
        """`fullmatch(text) is not None`, without building the match."""
        if self._raw is not None and text.isascii():
            data = text.encode("ascii")
            return self._raw.Match(_ANCHORS["ANCHOR_BOTH"], data, 0, len(data))[0][0] != -1
        return self.fullmatch(text) is not None

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> Match | None:
        if not pos and endpos is None:
            found = self._first(text, "UNANCHORED")
            if found is not _SLOW:
                return found  # type: ignore[no-any-return]
        return self._wrap(self._rx.search(_clean(text), pos, endpos))

    def match(self, text: str, pos: int = 0, endpos: int | None = None) -> Match | None:
        if not pos and endpos is None:
            found = self._first(text, "ANCHOR_START")
            if found is not _SLOW:
                return found  # type: ignore[no-any-return]
        return self._wrap(self._rx.match(_clean(text), pos, endpos))

    def fullmatch(self, text: str, pos: int = 0, endpos: int | None = None) -> Match | None:
        if not pos and endpos is None:
            found = self._first(text, "ANCHOR_BOTH")
            if found is not _SLOW:
                return found  # type: ignore[no-any-return]
        return self._wrap(self._rx.fullmatch(_clean(text), pos, endpos))

    def finditer(self, text: str) -> Iterator[Match]:
        if self._misses(text, "UNANCHORED"):
            return iter(())
        names = self.groupindex
        return (Match(m, names) for m in self._rx.finditer(_clean(text)))

    def findall(self, text: str) -> list[Any]:
        text = _clean(text)
        if not self._rx.groups:
            found = _plain_findall(self._rx, text)
            if found is not None:
                return found
        return self._rx.findall(text)

    def sub(self, repl: str | Callable[[Match], str], text: str, count: int = 0) -> str:
        if self._misses(text, "UNANCHORED"):
            return text
        if callable(repl):
            names, fn = self.groupindex, repl
            return self._rx.sub(lambda m: fn(Match(m, names)), _clean(text), count)
        return self._rx.sub(repl, _clean(text), count)

    def split(self, text: str, maxsplit: int = 0) -> list[str]:
        if self._misses(text, "UNANCHORED"):
            return [text]
        return self._rx.split(_clean(text), maxsplit)

    def __repr__(self) -> str:
        return f"rx.compile({self.pattern!r})"


def _plain_findall(compiled: Any, text: str) -> list[str] | None:
    """`findall` of a pattern without groups, straight on RE2's matcher over the UTF-8 bytes: the
    wrapper's own loop decodes offsets and builds a match object per hit (about 4 us each, so
    150,000 words took 0.6 s, and several times that on text with non-ASCII characters). A match
    starts and ends on character boundaries, so its bytes decode to the text it matched. `text`
    is `_clean`ed (it encodes). None when the wrapper's internals are not what this expects (the
    caller then uses the wrapper)."""
    try:
        regexp, unanchored = compiled._regexp, re2._Anchor.UNANCHORED
    except AttributeError:
        return None
    ascii_only = text.isascii()
    data = text.encode("ascii" if ascii_only else "utf-8")
    out: list[str] = []
    pos, end = 0, len(data)
    while True:  # the wrapper's own loop (re2._Regexp._match), without the offset decoding
        start, stop = regexp.Match(unanchored, data, pos, end)[0]
        if start == -1:
            return out
        out.append(text[start:stop] if ascii_only else data[start:stop].decode("utf-8"))
        if pos == end:
            return out
        if pos != stop:
            pos = stop
            continue
        pos += 1  # an empty match where the last one ended: on to the next character
        while pos < end and data[pos] & 0xC0 == 0x80:
            pos += 1


@functools.lru_cache(maxsize=512)
def compile(pattern: str, flags: int = 0) -> Pattern:  # noqa: A001 - mirrors re.compile
    return Pattern(pattern, flags)


def search(pattern: str, text: str, flags: int = 0) -> Match | None:
    return compile(pattern, flags).search(text)


def match(pattern: str, text: str, flags: int = 0) -> Match | None:
    return compile(pattern, flags).match(text)


def fullmatch(pattern: str, text: str, flags: int = 0) -> Match | None:
    return compile(pattern, flags).fullmatch(text)


def finditer(pattern: str, text: str, flags: int = 0) -> Iterator[Match]:
    return compile(pattern, flags).finditer(text)


def findall(pattern: str, text: str, flags: int = 0) -> list[Any]:
    return compile(pattern, flags).findall(text)


def sub(pattern: str, repl: str | Callable[[Match], str], text: str, count: int = 0, flags: int = 0) -> str:
    return compile(pattern, flags).sub(repl, text, count)


def split(pattern: str, text: str, maxsplit: int = 0, flags: int = 0) -> list[str]:
    return compile(pattern, flags).split(text, maxsplit)


escape = re.escape
