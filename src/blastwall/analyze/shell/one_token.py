"""Substitutions of programs that print one word with no slash (`rules/made_here.toml`
`[one_token_printers]`) inside a path: the word is one path component, so where the path is does
not depend on it.

    make 2>&1 | tee /tmp/ci-$(git rev-parse --short HEAD).log   -> a temporary path
    rm -rf build/$(uuidgen)                                      -> regenerable output
    rm -rf /tmp/$(git rev-parse HEAD)                            -> asked: empty when git fails

The path is placed twice, with the word as plain text and as nothing (the program failed); both must
be of a kind in `kinds`. A line that defines a function or alias of the program's name, or sets PATH,
is not read (the name may then print anything).
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall.analyze.paths import PathClass

ONE_TOKEN = PathClass("dynamic", "the output of a program that prints one word")


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return dict(load_table("made_here")["one_token_printers"])


@functools.cache
def _commands() -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(c) for c in _table()["commands"])


def prints_one_token(producer: Any, line: str) -> bool:
    """Whether a command substitution's command is one of the table's, run by its bare name with
    plain words, no redirection, and no function, alias or PATH on the line that may replace it."""
    if producer is None or not producer.argv or producer.stdin_from is not None or producer.redirects:
        return False
    if producer.assigns or any(w.dynamic for w in producer.argv) or "/" in producer.argv[0].text:
        return False
    words = tuple(w.text for w in producer.argv)
    prefix = _table()["short_prefix"]
    short = tuple("--short" if w.startswith(prefix) and w[len(prefix):].isdigit() else w for w in words)
    if words not in _commands() and short not in _commands():
        return False
    from blastwall.analyze.shell.cache_paths import shadowing

    return not shadowing(words[0]).search(line)


def placed(parts: list[Any]) -> PathClass | None:
    """A word joined from plain text and one-word substitutions, when it is a temporary path or
    regenerable output both with each substitution as a word and as nothing."""
    if not any(p.path_class is ONE_TOKEN for p in parts):
        return None
    if any(p.path_class is not ONE_TOKEN and (p.dynamic or "$" in p.text or "`" in p.text) for p in parts):
        return None
    from blastwall.analyze.paths import classify

    kinds = _table()["kinds"]
    found = None
    for fill in ("0", ""):
        text = "".join(fill if p.path_class is ONE_TOKEN else p.text for p in parts)
        if ".." in text.split("/"):
            return None
        kind = classify(text).kind
        if kind not in kinds:
            return None
        found = found or kind
    return PathClass(str(found), "".join(p.text for p in parts))
