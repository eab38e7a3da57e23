"""Command specs of one program (`git status`, `rclone copy|sync`), indexed by their first
subcommand word.

    specs = SpecIndex([(("status",),), (("copy", "sync"), ("s3*",))])
    specs.first(["copy", "s3x"])  -> 1     # the first spec (in table order) the positionals match

A spec is a tuple of subcommand words, each a tuple of glob alternatives; the positionals match
it when they start with one alternative of each word. Specs whose first word is plain text (no
glob) are reached through a dictionary of that text, the others are tried for every call, so a
program with dozens of specs (git) costs one lookup and a couple of comparisons instead of a glob
test per spec. The answer is the plain scan's (tests/test_fast_indexes.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from blastwall.analyze import globs

Spec = tuple[tuple[str, ...], ...]

_GLOB = frozenset("*?[")


class SpecIndex:
    __slots__ = ("_by_first", "_loose", "_tests")

    def __init__(self, specs: Sequence[Spec]) -> None:
        self._tests: tuple[tuple[Callable[[str], bool], ...], ...] = tuple(
            tuple(globs.matcher(tuple(alts)) for alts in spec) for spec in specs)
        keyed: dict[str, list[int]] = {}
        loose: list[int] = []
        for i, spec in enumerate(specs):
            if spec and all(_GLOB.isdisjoint(alt) for alt in spec[0]):
                for alt in dict.fromkeys(spec[0]):
                    keyed.setdefault(alt, []).append(i)
            else:
                loose.append(i)
        self._loose = tuple(loose)
        self._by_first = {word: tuple(sorted({*found, *loose})) for word, found in keyed.items()}

    def __len__(self) -> int:
        return len(self._tests)

    def first(self, positionals: Sequence[str]) -> int | None:
        """The index of the first spec the positionals match, or None."""
        order = self._by_first.get(positionals[0], self._loose) if positionals else self._loose
        n = len(positionals)
        for i in order:
            tests = self._tests[i]
            if n >= len(tests) and all(test(p) for test, p in zip(tests, positionals, strict=False)):
                return i
        return None


def spec_words(spec: str) -> tuple[str, Spec]:
    """`rclone copy|sync` -> ("rclone", (("copy", "sync"),)): the program, then each subcommand
    word's alternatives."""
    words = spec.split()
    return words[0], tuple(tuple(alt.split("|")) for alt in words[1:])
