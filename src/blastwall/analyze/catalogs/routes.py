"""Match a request path against many path templates at once (a segment trie).

Templates use the specs' own syntax: `{name}` is one segment, `{name+}` / `{+name}` / `{name*}`
one or more, and a segment may mix text and one parameter (`{instance}:stop`). An AWS request
URI may require query keys (`/{Bucket}?delete`). Literal segments win over parameters, and a
template with more required query keys wins over one with fewer; when nothing matches, a last
parameter may take the rest of the path (`/contents/{path}` with `a/b/c`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from urllib.parse import parse_qsl

T = TypeVar("T")


@dataclass
class _Node(Generic[T]):
    lit: dict[str, _Node[T]] = field(default_factory=dict)
    mixed: list[tuple[str, str, _Node[T]]] = field(default_factory=list)
    param: _Node[T] | None = None
    greedy: _Node[T] | None = None
    ends: list[tuple[str, tuple[tuple[str, str], ...], T]] = field(default_factory=list)


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


class Router(Generic[T]):
    """Routes (method, template, value); `match(method, path, query)` -> value or None."""

    def __init__(self, routes: Iterable[tuple[str, str, T]]) -> None:
        self.root: _Node[T] = _Node()
        for method, template, value in routes:
            self._add(method.upper(), template, value)

    def _add(self, method: str, template: str, value: T) -> None:
        path, _, query = template.partition("?")
        required = tuple((k, v) for k, v in parse_qsl(query, keep_blank_values=True))
        node = self.root
        for seg in _segments(path):
            node = self._child(node, seg)
        node.ends.append((method, required, value))
        node.ends.sort(key=lambda e: -len(e[1]))

    @staticmethod
    def _child(node: _Node[T], seg: str) -> _Node[T]:
        if "{" not in seg:
            return node.lit.setdefault(seg, _Node())
        if seg.startswith("{") and seg.endswith("}") and seg.count("{") == 1:
            inner = seg[1:-1]
            if inner.endswith(("+", "*")) or inner.startswith("+"):
                node.greedy = node.greedy or _Node()
                return node.greedy
            node.param = node.param or _Node()
            return node.param
        prefix, suffix = seg[:seg.index("{")], seg[seg.rindex("}") + 1:]
        for p, s, child in node.mixed:
            if (p, s) == (prefix, suffix):
                return child
        child = _Node()
        node.mixed.append((prefix, suffix, child))
        node.mixed.sort(key=lambda m: -(len(m[0]) + len(m[1])))
        return child

    def match(self, method: str, path: str, query: Iterable[tuple[str, str]] = ()) -> T | None:
        segs = _segments(path)
        keys = {k: v for k, v in query}
        for loose in (False, True):
            found = self._walk(self.root, segs, 0, method.upper(), keys, loose)
            if found is not None:
                return found
        return None

    def _walk(self, node: _Node[T], segs: list[str], i: int, method: str, query: dict[str, str],
              loose: bool) -> T | None:
        if i == len(segs):
            for m, required, value in node.ends:
                if m == method and all(k in query and (not v or query[k] == v) for k, v in required):
                    return value
            return None
        seg = segs[i]
        child = node.lit.get(seg)
        if child is not None:
            found = self._walk(child, segs, i + 1, method, query, loose)
            if found is not None:
                return found
        for prefix, suffix, sub in node.mixed:
            if len(seg) > len(prefix) + len(suffix) and seg.startswith(prefix) and seg.endswith(suffix):
                found = self._walk(sub, segs, i + 1, method, query, loose)
                if found is not None:
                    return found
        if node.param is not None:
            found = self._walk(node.param, segs, i + 1, method, query, loose)
            if found is not None:
                return found
            if loose and i + 1 < len(segs):
                found = self._walk(node.param, segs, len(segs), method, query, loose)
                if found is not None:
                    return found
        if node.greedy is not None:
            for j in range(len(segs), i, -1):
                found = self._walk(node.greedy, segs, j, method, query, loose)
                if found is not None:
                    return found
        return None
