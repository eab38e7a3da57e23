"""Shell-style glob matching without compiling a regular expression per pattern.

Rule tables hold hundreds of globs and a hook process lives for one call, so compiling each
with `fnmatch` costs more than the analysis. Most patterns are a literal, `prefix*`,
`*suffix` or `*infix*`; those are matched with string methods, the rest with fnmatch.
Matching is case-sensitive, like `fnmatch.fnmatchcase`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

_SPECIAL = frozenset("*?[")


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


def match_any(name: str, patterns: Iterable[str]) -> bool:
    return any(_matcher(p)(name) for p in patterns)


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
    other: list[Callable[[str], bool]] = []
    expanded: list[str] = []
    for p in patterns:
        p = p.casefold() if fold else p
        expanded.append(p)
        if double_star and p.startswith("**/"):
            expanded.append(p[3:])
    for p in expanded:
        inner = p.strip("*")
        if any(c in _SPECIAL for c in inner):
            other.append(_matcher(p))
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

    def test(s: str) -> bool:
        return (s in exact or (bool(pre) and s.startswith(pre)) or (bool(suf) and s.endswith(suf))
                or any(i in s for i in infixes) or any(m(s) for m in other))

    return test
