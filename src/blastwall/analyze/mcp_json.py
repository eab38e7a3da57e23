"""MCP arguments given as a JSON string: `{"params": "{\\"sql\\": \\"DROP TABLE users\\"}"}`.

A server may take an argument as text and decode it (`params`, `arguments`, `input`): the
statement or command it holds is inside a string no key list names. A string argument that is a
JSON object or array (it starts with `{` or `[` after spaces, decodes with the strict decoder, is
at most `_MAX_TEXT` characters and nests at most `_MAX_DEPTH` levels) is read as the value it
holds, in objects and lists of the arguments too. What it decodes to is decoded again at most
`_ROUNDS` times in all (a string encoded twice); text that does not decode stays text. A file's
or a body's content (`content_keys`) is what is written or sent, not arguments: it stays text.
JSON that names a key twice is refused by the strict decoder: the server may take either value.
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall.analyze.base import unknown
from blastwall.model import Finding

__all__ = ["decoded"]

_MAX_TEXT = 100_000
_MAX_DEPTH = 20
_MAX_STRINGS = 50  # JSON strings decoded in one call's arguments
_ROUNDS = 3
_MAX_VALUES = 2_000  # values visited in one call's arguments


@functools.cache
def _content_keys() -> frozenset[str]:
    from blastwall.analyze.ruleset import load_table

    return frozenset(load_table("mcp")["generic"]["content_keys"])


def _json_text(value: Any) -> bool:
    return isinstance(value, str) and 1 < len(value) <= _MAX_TEXT and value.lstrip()[:1] in ("{", "[")


class _Walk:
    def __init__(self) -> None:
        self.decoded = 0
        self.read = 0
        self.visited = 0
        self.problems: list[Finding] = []

    def value(self, value: Any, key: str, rounds: int) -> Any:
        self.visited += 1
        if self.visited > _MAX_VALUES:
            return value
        if isinstance(value, dict):
            return {k: self.value(v, k if isinstance(k, str) else "", rounds) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v, key, rounds) for v in value[:200]] + value[200:]
        if rounds >= _ROUNDS or key in _content_keys() or not _json_text(value):
            return value
        inner = self.decode(value, key)
        return value if inner is None else self.value(inner, key, rounds + 1)

    def decode(self, text: str, key: str) -> Any:
        from blastwall import strictjson
        from blastwall.analyze.mcp import _deeper_than

        if self.decoded >= _MAX_STRINGS:
            self.problems.append(unknown("mcp.generic:json-arguments", f"more than {_MAX_STRINGS} arguments hold "
                                         "JSON text; blastwall reads that many at most: ask for fewer", key))
            return None
        self.decoded += 1
        try:
            inner = strictjson.loads(text)
        except strictjson.DuplicateKey:
            self.problems.append(unknown("mcp.generic:json-arguments", f"the argument {key[:40]!r} holds JSON that "
                                         "names a key twice, so the server may read either value: send each once",
                                         key))
            return None
        except (ValueError, RecursionError):
            return None  # text that is not JSON: read as the text it is
        if not isinstance(inner, (dict, list)):
            return None
        if _deeper_than(inner, _MAX_DEPTH):
            self.problems.append(unknown("mcp.generic:json-arguments", f"the argument {key[:40]!r} holds JSON nested "
                                         f"more than {_MAX_DEPTH} levels deep, which blastwall does not read", key))
            return None
        self.read += 1
        return inner


def decoded(args: dict[str, Any]) -> tuple[dict[str, Any] | None, list[Finding]]:
    """`args` with each JSON string read as what it holds (None when no string holds JSON), and
    what could not be read that way (a key named twice, nesting too deep, too many strings)."""
    if not any(_json_text(v) or isinstance(v, (dict, list)) for v in args.values()):
        return None, []
    walk = _Walk()
    out = walk.value(args, "", 0)
    return (out if walk.read else None), walk.problems
