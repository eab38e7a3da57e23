"""Options named for a destructive verb that touch only what the program itself makes again, or a
scratch output file (rules/verbs.toml [flags.own_output] and [flags.overwrites_output]):

    meson setup --wipe builddir                       -> the build folder's configuration, written again
    bundletool build-apks ... --output=/tmp/a.apks --overwrite  -> a scratch file

`exempt_options` gives the options of one invocation that the verb model's option reading must not
count; anything it does not name is read as before.
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall.analyze.shell.ir import Word

_HARMLESS_OUTPUT = frozenset({"temp", "regenerable", "new_file", "null"})


@functools.cache
def _flags() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return dict(load_table("verbs").get("flags", {}))


def exempt_options(name: str, argv: list[Word], path: list[str]) -> frozenset[str]:
    """The options of `argv` (program `name`, command path `path`) that destroy nothing here."""
    own = _flags().get("own_output", {}).get(name)
    overwrites = _flags().get("overwrites_output", {}).get(name)
    if not own and not overwrites:
        return frozenset()
    out: set[str] = set()
    if own and path and path[0] in own:
        out.update(own[path[0]])
    for flag, outputs in (overwrites or {}).items():
        values = _values(argv, tuple(outputs))
        if values and all(_harmless(v) for v in values):
            out.add(flag)
    return frozenset(out)


def _values(argv: list[Word], options: tuple[str, ...]) -> list[Word]:
    out: list[Word] = []
    for i, w in enumerate(argv[1:], 1):
        key, eq, value = w.text.partition("=")
        if key not in options:
            continue
        if eq:
            out.append(Word(value, dynamic=w.dynamic))
        elif i + 1 < len(argv):
            out.append(argv[i + 1])
        else:
            out.append(Word("", dynamic=True))
    return out


def _harmless(w: Word) -> bool:
    from blastwall.analyze.paths import classify

    return not w.dynamic and classify(w.text).kind in _HARMLESS_OUTPUT
