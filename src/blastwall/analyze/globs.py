"""Shell-style glob matching without compiling a regular expression per pattern.

Rule tables hold hundreds of globs and a hook process lives for one call, so compiling each
with `fnmatch` costs more than the analysis. Most patterns are a literal, `prefix*`,
`*suffix` or `*infix*`; those are matched with string methods. In a pattern list (`matcher`)
the others are one RE2 alternation, matched in one pass (`_alternation`); a pattern whose
character class is not plain stays with fnmatch. Matching is case-sensitive, like
`fnmatch.fnmatchcase`.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Callable, Iterable

_SPECIAL = frozenset("*?[")
# What a character class may hold to be translated for RE2 (anything else keeps fnmatch).
_CLASS_CHARS = frozenset(string.ascii_letters + string.digits + "._")
_LITERAL = frozenset(string.ascii_letters + string.digits + "_")


@functools.lru_cache(maxsize=4096)
def _matcher(pattern: str) -> Callable[[str], bool]:
    inner = pattern.strip("*")
    if not any(c in _SPECIAL for c in inner):
        starts, ends = pattern.startswith("*"), pattern.endswith("*")
        if pattern == "*" or (starts and ends and not inner):
            return lambda s: True
        if starts and ends:
            return lambda s: inner in s
        if starts:
            return lambda s: s.endswith(inner)
        if ends:
            return lambda s: s.startswith(inner)
        return lambda s: s == pattern
    import fnmatch

    return lambda s: fnmatch.fnmatchcase(s, pattern)


def match(name: str, pattern: str) -> bool:
    """`fnmatch.fnmatchcase(name, pattern)`, faster for the common shapes."""
    return _matcher(pattern)(name)


def _never(name: str) -> bool:
    return False


def predicate(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    """The test `match_any(name, patterns)` makes for a fixed tuple, as one function to keep."""
    if len(patterns) > 1:
        return matcher(patterns)
    return _matcher(patterns[0]) if patterns else _never


def match_any(name: str, patterns: Iterable[str]) -> bool:
    if isinstance(patterns, tuple):
        if len(patterns) > 1:  # a fixed list: one predicate, built once
            return matcher(patterns)(name)
        return bool(patterns) and _matcher(patterns[0])(name)
    return any(_matcher(p)(name) for p in patterns)


def _regex(pattern: str) -> str | None:
    """`pattern` as an RE2 pattern with `fnmatch.fnmatchcase`'s meaning (`*` any text, `?` one
    character, `[...]`/`[!...]` one character of / not of a class, everything else itself), or
    None when a class holds more than letters, digits, `.`, `_` and ranges such as `a-z`
    (fnmatch's rules for those are left to fnmatch)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            if not out or out[-1] != ".*":
                out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[":
            end = pattern.find("]", i + 1 if pattern[i:i + 1] == "!" else i)
            if end < 0:
                return None
            body = _class(pattern[i:end])
            if body is None:
                return None
            out.append(body)
            i = end + 1
        elif c in _LITERAL:
            out.append(c)
        else:
            out.append(f"\\x{{{ord(c):x}}}")
    return "".join(out)


def _class(inner: str) -> str | None:
    """The RE2 class for the inside of a glob's `[...]` (see `_regex`), or None."""
    negate = inner.startswith("!")
    body = inner[1:] if negate else inner
    if not body:
        return None
    parts: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c not in _CLASS_CHARS:
            return None
        if i + 2 < len(body) and body[i + 1] == "-":
            hi = body[i + 2]
            if hi not in _CLASS_CHARS or hi < c:
                return None
            parts.append(f"{c}-{hi}")
            i += 3
            continue
        if c == "-" or (i + 1 < len(body) and body[i + 1] == "-"):
            return None
        parts.append(c)
        i += 1
    return f"[{'^' if negate else ''}{''.join(parts)}]"


def _alternation(patterns: list[str]) -> list[Callable[[str], bool]]:
    """Predicates for `patterns` (none of them a plain shape): the translatable ones as one RE2
    alternation, the others one fnmatch each."""
    from blastwall import rx

    regexes: list[str] = []
    tests: list[Callable[[str], bool]] = []
    for p in patterns:
        r = _regex(p)
        if r is None:
            tests.append(_matcher(p))
        else:
            regexes.append(r)
    if regexes:
        tests.insert(0, rx.compile("(?:" + "|".join(regexes) + ")", rx.S).fullmatches)
    return tests


@functools.lru_cache(maxsize=2048)
def matcher(patterns: tuple[str, ...], *, fold: bool = False, double_star: bool = False) -> Callable[[str], bool]:
    """One predicate for "`name` matches any of `patterns`", built once per pattern list: the
    literal patterns are a set, the `prefix*` and `*suffix` ones a tuple each for one
    `str.startswith`/`str.endswith` call, so a table of fifty globs costs a few C calls instead
    of fifty Python ones. `fold`: the patterns are casefolded (the caller folds the name);
    `double_star`: a `**/X` pattern also matches X at the top (as the rule tables mean it)."""
    exact: set[str] = set()
    prefixes: list[str] = []
    suffixes: list[str] = []
    infixes: list[str] = []
    others: list[str] = []
    expanded: list[str] = []
    for p in patterns:
        p = p.casefold() if fold else p
        expanded.append(p)
        if double_star and p.startswith("**/"):
            expanded.append(p[3:])
    for p in expanded:
        inner = p.strip("*")
        if any(c in _SPECIAL for c in inner):
            others.append(p)
            continue
        starts, ends = p.startswith("*"), p.endswith("*")
        if p == "*" or (starts and ends and not inner):
            return lambda s: True
        if starts and ends:
            infixes.append(inner)
        elif starts:
            suffixes.append(inner)
        elif ends:
            prefixes.append(inner)
        else:
            exact.add(p)
    pre, suf = tuple(prefixes), tuple(suffixes)
    inside = tuple(infixes)
    other = tuple(_alternation(others)) if others else ()

    def test(s: str) -> bool:
        if s in exact or (pre and s.startswith(pre)) or (suf and s.endswith(suf)):
            return True
        for i in inside:
            if i in s:
                return True
        for m in other:  # noqa: SIM110 - a loop, not any(): no generator built per call
            if m(s):
                return True
        return False

    return test
