"""Small text judgments shared by the HTTP and MCP analyzers: identifier words, whether a name
reads as destructive, whether a string is SQL. The word lists live in `rules/http_generic.toml`.
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall import rx
from blastwall.analyze.ruleset import load_table

_CAMEL = rx.compile(r"[A-Z]+[a-z]*|[a-z]+|\d+")
_DIGIT_WORD = rx.compile(r"[A-Za-z][a-z]*\d+[a-z]*|[A-Z]+\d+[A-Z]*")
_SQL_START = rx.compile(
    r"^\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*"
    r"(?:select\s.+|with\s+\w+.*\bas\s*\(.+|insert\s+into\s.+|update\s+\S+\s+set\s.+|delete\s+from\s.+|"
    r"drop\s+(?:table|schema|database|view|index|function|type|role|user|sequence|extension|materialized|"
    r"trigger|policy|owned|if)\b.*|truncate\s+\S+.*|alter\s+(?:table|schema|database|role|user|view|index|"
    r"sequence|type|function|system)\b.*|create\s+.+|grant\s.+|revoke\s.+|merge\s+into\s.+|replace\s+into\s.+|"
    r"explain\b.+|copy\s.+|vacuum\b.*|reindex\b.*|begin\b.*|comment\s+on\s.+|call\s+\w.*|do\s+\$.*|"
    r"pragma\s.+|attach\s.+|detach\s.+|set\s+\w.+|show\s.+|lock\s+table.+|rename\s+table.+|optimize\s+table.+|"
    r"describe\s.+|use\s+\w+.*)$",
    rx.I | rx.S,
)


@functools.cache
def _generic() -> dict[str, Any]:
    return dict(load_table("http_generic").get("generic", {}))


def words(name: str) -> list[str]:
    """`volumeDelete` -> ["volume", "delete"]; `delete_branch` -> ["delete", "branch"]."""
    name = str(name)
    return list(_known_words(name) if len(name) <= 256 else _words(name))  # names repeat: short ones remembered


@functools.lru_cache(maxsize=2048)
def _known_words(name: str) -> tuple[str, ...]:
    return _words(name)


def word_set(name: str) -> frozenset[str]:
    """`set(words(name))`, for the many tests of a name's words against a word list."""
    name = str(name)
    return _known_word_set(name) if len(name) <= 256 else _with_digit_words(name, frozenset(_words(name)))


@functools.lru_cache(maxsize=2048)
def _known_word_set(name: str) -> frozenset[str]:
    return _with_digit_words(name, frozenset(_known_words(name)))


def _with_digit_words(name: str, split: frozenset[str]) -> frozenset[str]:
    """`split` and, when a digit sits inside a word (`neo4j`, `sqlite3`, `runNeo4jQuery`), that word
    whole: word lists name `neo4j`, which the split alone reads as `neo`, `4`, `j`."""
    if not any(c.isdigit() for c in name):
        return split
    return split | {w.lower() for w in _DIGIT_WORD.findall(name)}


def _words(name: str) -> tuple[str, ...]:
    out: list[str] = []
    for w in _CAMEL.findall(str(name)):
        caps = len(w) - len(w.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        if 1 < caps < len(w):  # HTMLParser -> html, parser
            out.append(w[:caps - 1])
            w = w[caps - 1:]
        out.append(w)
    return tuple(w.lower() for w in out)


def destructive_word(name: str) -> str | None:
    """The destructive verb a name starts or ends with (`deleteRef`, `volume_delete`), if any."""
    ws = words(name)
    verbs = set(_generic()["destructive_words"])
    if not ws:
        return None
    for w in (ws[0], ws[-1]):
        if w in verbs:
            return w
    # a credential or secret ended: `unsetSecrets`, `rotateApiKey`, `tokenRegenerate` (the old one stops working)
    ends, objects = word_list("credential_end_verbs"), word_list("credential_objects")
    for w, rest in ((ws[0], ws[1:]), (ws[-1], ws[:-1])):
        if w in ends and any(r in objects for r in rest):
            return w
    return None


@functools.lru_cache(maxsize=64)
def word_list(key: str) -> frozenset[str]:
    return frozenset(_generic().get(key, []))


@functools.lru_cache(maxsize=64)
def word_lists(*keys: str) -> frozenset[str]:
    """The word lists `keys` as one set, built once."""
    return frozenset(w for key in keys for w in word_list(key))


def setting(key: str, default: Any = None) -> Any:
    return _generic().get(key, default)


def looks_like_sql(text: Any) -> bool:
    """True when `text` reads as a SQL statement rather than prose or a search query."""
    return isinstance(text, str) and bool(text.strip()) and bool(_SQL_START.match(text[:20000]))
