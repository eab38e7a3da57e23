"""Read an action's payload again, for what analyzers do not keep: the words of a shell command,
the GraphQL root calls of a request (with their arguments), the strings of MCP arguments.

Everything here is total (never raises) and cheap; it only runs when a finding needs it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import shlex
from typing import Any

from blastwall import rx
from blastwall.model import Action, Surface

MAX_WORDS = 4000


# shlex (posix, punctuation_chars, whitespace_split) on ASCII text without quotes, backslashes or
# `#`: each word is a run of its punctuation characters or a run of any other non-blank characters.
_PLAIN_WORDS = rx.compile(r"[();<>|&]+|[^ \t\r\n();<>|&]+")
_QUOTING = frozenset("'\"\\#")


@functools.lru_cache(maxsize=8)
def shell_words(text: str) -> tuple[str, ...]:
    """The words of a command line, with `;`, `|`, `&&`, `(`, `)` as words of their own."""
    if text.isascii() and _QUOTING.isdisjoint(text):  # nothing for shlex's state machine to do: the same words, in one pass
        return tuple(_PLAIN_WORDS.findall(text)[:MAX_WORDS])
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words = []
        for word in lexer:
            words.append(word)
            if len(words) >= MAX_WORDS:
                break
        return tuple(words)
    except ValueError:  # unbalanced quotes: fall back to whitespace
        return tuple(text.split()[:MAX_WORDS])


def strings(value: Any, depth: int = 0) -> list[tuple[str, str]]:
    """(key, string) pairs of a JSON-like value, depth-first, bounded."""
    out: list[tuple[str, str]] = []
    if depth > 6:
        return out
    if isinstance(value, dict):
        for k, v in list(value.items())[:200]:
            if isinstance(v, str):
                out.append((str(k), v))
            else:
                out.extend(strings(v, depth + 1))
    elif isinstance(value, list):
        for v in value[:200]:
            out.extend(strings(v, depth + 1) if not isinstance(v, str) else [("", v)])
    return out


def action_texts(action: Action) -> list[str]:
    """Words and strings of the action that may name a resource (URLs, hosts, flags, ids)."""
    payload = action.payload
    if action.surface is Surface.SHELL and isinstance(payload, str):
        return list(shell_words(payload))
    if action.surface is Surface.HTTP and isinstance(payload, dict):
        url = payload.get("url")
        return [url] if isinstance(url, str) else []
    if action.surface is Surface.MCP and isinstance(payload, dict):
        return [s for _, s in strings(payload.get("arguments"))]
    return []


def _documents(action: Action) -> list[Any]:
    """Request bodies that may carry GraphQL: the http body, JSON words of a shell command."""
    payload = action.payload
    if action.surface is Surface.HTTP and isinstance(payload, dict):
        return [payload.get("body")]
    if action.surface is Surface.SHELL and isinstance(payload, str) and "mutation" in payload:
        out: list[Any] = []
        for word in shell_words(payload):
            start = min((i for i in (word.find("{"), word.find("[")) if i >= 0), default=-1)
            if start < 0 or "mutation" not in word:
                continue
            try:
                out.append(json.loads(word[start:]))
            except ValueError:
                out.append(word[word.find("mutation"):])  # a raw document (`--data 'mutation {...}'`)
        return out
    return []


def graphql_calls(action: Action) -> list[tuple[str, str, dict[str, Any]]]:
    """(operation, root field, arguments) of every GraphQL call the action carries."""
    from blastwall.analyze.http.graphql import extract, parse

    calls: list[tuple[str, str, dict[str, Any]]] = []
    for body in _documents(action):
        if isinstance(body, str):
            with contextlib.suppress(ValueError):
                body = json.loads(body)
        if isinstance(body, str):
            reqs = extract(body, {}, "application/graphql", body)
        else:
            reqs = extract(body, {}, "application/json", "")
        for req in reqs:
            try:
                doc = parse(req)
            except Exception:  # noqa: BLE001 - a document that will not parse names nothing we can verify
                continue
            calls.extend((c.operation, c.name, dict(c.arguments)) for c in doc.calls)
    return calls
