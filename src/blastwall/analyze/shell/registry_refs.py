"""A delete of a registry's versioned object whose noun is regenerable on this machine.

    wandb artifact rm acme/churn/model:v0   -> Reading(rm, acme/churn/model:v0, HIGH)
    tool artifact rm                        -> None (nothing named)
    tool cache rm KEY                       -> None (a cache is not a registry noun)

The nouns, verbs and the reference's shape are data: `rules/registry_refs.toml`.
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall import rx
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.ir import Word
from blastwall.analyze.verbs import Reading
from blastwall.model import Severity

__all__ = ["registry_reference"]


@functools.cache
def _table() -> tuple[frozenset[str], frozenset[str], Any]:
    t = load_table("registry_refs")
    strong = frozenset(load_table("verbs")["verbs"]["strong"])
    return frozenset(t["shared_nouns"]), frozenset(t["delete_verbs"]) | strong, rx.compile(t["reference"])


def registry_reference(path: list[str], argv: list[Word]) -> Reading | None:
    """The command path names a shared noun and a delete verb, and an operand after it is a
    versioned reference (`ENTITY/PROJECT/NAME:v0`, `NAME@3`)."""
    nouns, deletes, reference = _table()
    if not any(p in nouns for p in path):
        return None
    at = next((i for i, p in enumerate(path) if p in deletes), None)
    if at is None:
        return None
    for w in argv[2 + at:]:  # the words after the verb (`app:v12` may still be read as a path word)
        if not w.dynamic and not w.text.startswith("-") and reference.match(w.text) and (":" in w.text or "@" in w.text):
            return Reading(path[at], w.text, Severity.HIGH)
    return None
