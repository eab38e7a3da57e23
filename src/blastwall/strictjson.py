"""JSON as blastwall reads what reaches it from outside: an object that names a key twice is
refused. Parsers disagree on which of two values wins (Python and JavaScript keep the last, some
keep the first, some refuse), so blastwall could judge one value while the agent runs the other."""

from __future__ import annotations

import json
from typing import Any


class DuplicateKey(ValueError):
    """An object names the same key twice."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):  # a key named twice: report the first one named again, in order
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(f"the key {key[:40]!r} appears twice in one object")
            seen.add(key)
    return out


# Built once: `json.loads(text, object_pairs_hook=...)` builds a decoder on every call.
_DECODER = json.JSONDecoder(object_pairs_hook=_pairs)


def loads(text: str | bytes) -> Any:
    """`json.loads`, refusing duplicate keys (`DuplicateKey`, a `ValueError`)."""
    if not isinstance(text, str) or text.startswith("\ufeff"):  # bytes (their encoding), a BOM: json.loads's words
        return json.loads(text, object_pairs_hook=_pairs)
    return _DECODER.decode(text)
