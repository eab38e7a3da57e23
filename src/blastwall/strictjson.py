"""JSON as blastwall reads what reaches it from outside: an object that names a key twice is
refused. Parsers disagree on which of two values wins (Python and JavaScript keep the last, some
keep the first, some refuse), so blastwall could judge one value while the agent runs the other."""

from __future__ import annotations

import json
from typing import Any


class DuplicateKey(ValueError):
    """An object names the same key twice."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKey(f"the key {key[:40]!r} appears twice in one object")
        out[key] = value
    return out


def loads(text: str | bytes) -> Any:
    """`json.loads`, refusing duplicate keys (`DuplicateKey`, a `ValueError`)."""
    return json.loads(text, object_pairs_hook=_pairs)
