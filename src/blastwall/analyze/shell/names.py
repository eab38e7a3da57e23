"""Normalize a command word to the program it runs: `/usr/bin/rm` -> `rm`, `mkfs.ext4` stays."""

from __future__ import annotations

import functools
from collections.abc import Callable

from blastwall import rx

_VERSIONED = rx.compile(r"^(python|ipython|pypy|pip|ruby|perl|node|php|psql|pg_dump|lua)[0-9][0-9.]*$")
_VERSION_ENDS = frozenset("0123456789.")


def program_name(word: str) -> str:
    name = _plain(word)
    if name.islower() or name == (lowered := name.lower()):
        return name
    return _folded()(name, _plain(lowered))  # `RM`, `Git`: casefold.py


@functools.cache
def _folded() -> Callable[[str, str], str]:
    from blastwall.analyze.shell.casefold import folded

    return folded


def _plain(word: str) -> str:
    name = word.rsplit("/", 1)[-1]
    name = name.removesuffix(".exe")
    if name[-1:] not in _VERSION_ENDS:  # a versioned name ends in a digit or a dot
        return name
    m = _VERSIONED.match(name)
    return m.group(1) if m else name
