"""Match a request path against many path templates at once (a segment trie).

Templates use the specs' own syntax: `{name}` is one segment, `{name+}` / `{+name}` / `{name*}`
one or more, and a segment may mix text and one parameter (`{instance}:stop`). An AWS request
URI may require query keys (`/{Bucket}?delete`). Literal segments win over parameters, and a
template with more required query keys wins over one with fewer; when nothing matches, a last
parameter may take the rest of the path (`/contents/{path}` with `a/b/c`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Generic, TypeVar

T = TypeVar("T")

# A trie node is a list (cheaper to build than an object; a router of 1,200 routes is built in
# a few milliseconds): [literal children, mixed children, parameter child, greedy child, ends].
_LIT, _MIXED, _PARAM, _GREEDY, _ENDS = range(5)


def _node() -> list[Any]:
    return [{}, [], None, None, []]


_DEPTH = 3  # leading literal segments that pick a route group
MAX_SEGMENTS = 64  # longer paths are not matched (the walk recurses once per segment)


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _key(segs: list[str]) -> str:
    """A route's group: its leading literal segments, at most _DEPTH of them."""
    out = []
    for s in segs[:_DEPTH]:
        if "{" in s:
            break
        out.append(s)
    return "/".join(out)


class Router(Generic[T]):
    """Routes (method, template, value); `match(method, path, query)` -> value or None.

    Routes are grouped by their leading literal segments (up to three: `/compute/v1/projects`),
    and a group's trie is built the first time a path that starts that way is matched; groups
    with longer literal prefixes are tried first, so literals still win over parameters."""

    def __init__(self, routes: Iterable[tuple[str, str, T]]) -> None:
        self._pending: dict[str, list[tuple[str, str, T]]] = {}
        for method, template, value in routes:
            self._pending.setdefault(_key(_segments(template.partition("?")[0])), []).append(
                (method.upper(), template, value))
        self._built: dict[str, list[Any]] = {}

    def build(self) -> None:
        """Build every group now (a process that forks workers builds them once for all)."""
        for key in list(self._pending):
            self._group(key)

    def _group(self, key: str) -> list[Any] | None:
        root = self._built.get(key)
        if root is None and key in self._pending:
            root = _node()
            for method, template, value in self._pending.pop(key):
                self._add(root, method, template, value)
            for node in _walk_nodes(root):
                node[_ENDS].sort(key=lambda e: -len(e[1]))
                node[_MIXED].sort(key=lambda m: -(len(m[0]) + len(m[1])))
            self._built[key] = root
        return root

    @staticmethod
    def _add(root: list[Any], method: str, template: str, value: T) -> None:
        path, _, query = template.partition("?")
        required: tuple[tuple[str, str], ...] = ()
        if query:
            from urllib.parse import parse_qsl

            required = tuple(parse_qsl(query, keep_blank_values=True))
        node = root
        segs = _segments(path)
        for seg in segs[_key(segs).count("/") + 1 if _key(segs) else 0:]:
            node = _child(node, seg)
        node[_ENDS].append((method, required, value))

    def match(self, method: str, path: str, query: Iterable[tuple[str, str]] = ()) -> T | None:
        segs = _segments(path)
        if len(segs) > MAX_SEGMENTS:
            return None  # no API path is that deep; the caller's generic rules decide
        keys = {k: v for k, v in query}
        prefixes = ["/".join(segs[:n]) for n in range(min(len(segs), _DEPTH), -1, -1)]
        roots = [(n, r) for n, r in ((p.count("/") + 1 if p else 0, self._group(p)) for p in prefixes) if r is not None]
        for loose in (False, True):
            for depth, root in roots:
                found = _walk(root, segs, depth, method.upper(), keys, loose)
                if found is not None:
                    return found  # type: ignore[no-any-return]
        return None


def _walk_nodes(node: list[Any]) -> Iterable[list[Any]]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n[_LIT].values())
        stack.extend(m[2] for m in n[_MIXED])
        stack.extend(c for c in (n[_PARAM], n[_GREEDY]) if c is not None)


def _child(node: list[Any], seg: str) -> list[Any]:
    if "{" not in seg:
        child = node[_LIT].get(seg)
        if child is None:
            child = node[_LIT][seg] = _node()
        return child
    if seg.startswith("{") and seg.endswith("}") and seg.count("{") == 1:
        inner = seg[1:-1]
        slot = _GREEDY if inner.endswith(("+", "*")) or inner.startswith("+") else _PARAM
        if node[slot] is None:
            node[slot] = _node()
        return node[slot]  # type: ignore[no-any-return]
    prefix, suffix = seg[:seg.index("{")], seg[seg.rindex("}") + 1:]
    for p, s, child in node[_MIXED]:
        if (p, s) == (prefix, suffix):
            return child  # type: ignore[no-any-return]
    child = _node()
    node[_MIXED].append((prefix, suffix, child))
    return child


def _walk(node: list[Any], segs: list[str], i: int, method: str, query: dict[str, str], loose: bool) -> Any:
    if i == len(segs):
        for m, required, value in node[_ENDS]:
            if m == method and all(k in query and (not v or query[k] == v) for k, v in required):
                return value
        return None
    seg = segs[i]
    child = node[_LIT].get(seg)
    if child is not None:
        found = _walk(child, segs, i + 1, method, query, loose)
        if found is not None:
            return found
    for prefix, suffix, sub in node[_MIXED]:
        if len(seg) > len(prefix) + len(suffix) and seg.startswith(prefix) and seg.endswith(suffix):
            found = _walk(sub, segs, i + 1, method, query, loose)
            if found is not None:
                return found
    param = node[_PARAM]
    if param is not None:
        found = _walk(param, segs, i + 1, method, query, loose)
        if found is not None:
            return found
        if loose and i + 1 < len(segs):
            found = _walk(param, segs, len(segs), method, query, loose)
            if found is not None:
                return found
    greedy = node[_GREEDY]
    if greedy is not None:
        for j in range(len(segs), i, -1):
            found = _walk(greedy, segs, j, method, query, loose)
            if found is not None:
                return found
    return None
