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
