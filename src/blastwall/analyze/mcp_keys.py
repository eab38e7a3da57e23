"""Argument names spelled another way than the key lists of `rules/mcp.toml` spell them.

    canonical({"URL": "https://...", "Method": "DELETE"}) -> {"URL": ..., "Method": ..., "url": ..., "method": ...}

The MCP readers and their gates (`mcp_gates.py`) find an argument by its exact name (`url`,
`file_path`, `filePath`). A server may name the same argument `URL`, `File-Path` or `FILEPATH`:
such a key whose folded form (case folded, `_` and `-` dropped) is that of a listed key is given
to the readers under the listed name as well (the original key stays). Arguments whose keys are
all listed, or fold to none, are returned as they are (the same object).
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall.analyze.ruleset import load_table

__all__ = ["canonical"]


def _fold(key: str) -> str:
    return key.casefold().replace("_", "").replace("-", "")


@functools.cache
def _listed() -> tuple[frozenset[str], dict[str, str]]:
    """Every key some `[generic]` `*_keys` list names, and each folded form's first listed spelling."""
    generic = load_table("mcp")["generic"]
    keys = [k for name, v in generic.items() if name.endswith("_keys") and isinstance(v, list)
            for k in v if isinstance(k, str)]
    folded: dict[str, str] = {}
    for k in [*keys, "method", "headers", "body", "arguments", "params", "parameters", "name", "tool"]:
        folded.setdefault(_fold(k), k)
    return frozenset(keys) | frozenset(folded.values()), folded


def canonical(args: dict[str, Any]) -> dict[str, Any]:
    """`args` with each key spelled unlike every list (`URL`, `Sql-Query`) also under the listed spelling."""
    listed, folded = _listed()
    extra: dict[str, Any] = {}
    for key, value in args.items():
        if isinstance(key, str) and key not in listed:
            name = folded.get(_fold(key))
            if name is not None and name not in args:
                extra.setdefault(name, value)
    return {**args, **extra} if extra else args
