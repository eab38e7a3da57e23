"""Statement kinds of every dialect, known by their opening words (`rules/sql_kinds.toml`).

    hits("SHOW WAREHOUSES", code)                 -> []            (read)
    hits("ALTER SESSION SET QUERY_TAG = 'x'", c)  -> []            (session)
    hits("OPTIMIZE TABLE t FINAL DEDUPLICATE", c) -> [unparsed-destructive DEDUPLICATE]
    hits("REMOVE @stage/x", code)                 -> [dialect-destructive REMOVE]
    hits("DBCC CHECKDB DELETE FROM t", code)      -> [unparsed-destructive DELETE]  (a second statement)
    hits("FROB THE TABLE", code)                  -> None          (not a known kind: the caller asks)

Only statements no grammar reads reach this table (`glot.unparsed_hits`). A safe kind (read,
session, maintenance, additive) passes when nothing after its opening words opens a kind of
another class, is a word of `[reader] words` or its row's `unless`, or calls a function named
for destroying. The table is parsed on first use.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from blastwall import rx
from blastwall.analyze.sql import lexer
from blastwall.analyze.sql.rules import Hit

CLASSES = ("read", "session", "maintenance", "additive", "export", "judge", "destructive")
SAFE = frozenset(CLASSES[:4])
_RANK = {c: i for i, c in enumerate(CLASSES)}  # a later class is less safe: it wins a conflict
_CALL = rx.compile(r"([A-Za-z_][A-Za-z_0-9$.]*)\s*\(")


class Kind(NamedTuple):
    """One statement kind: its opening words, class, the dialects that name it, and its extras."""

    opener: tuple[str, ...]
    cls: str
    dialects: tuple[str, ...]
    unless: frozenset[str] = frozenset()
    allow: frozenset[str] = frozenset()
    rule: str = ""


class Index(NamedTuple):
    kinds: dict[tuple[str, ...], Kind]
    longest: int
    words: frozenset[str]
    clause_words: frozenset[str]


def table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return load_table("sql_kinds")


@functools.cache
def index() -> Index:
    """Every kind by its opening words; where dialects disagree, the least safe class."""
    t = table()
    kinds: dict[tuple[str, ...], Kind] = {}
    for d in t["dialect"]:
        for cls in CLASSES:
            for opener in d.get(cls, []):
                key = tuple(opener.split())
                old = kinds.get(key)
                if old is None or _RANK[cls] > _RANK[old.cls]:
                    kinds[key] = Kind(key, cls, (old.dialects if old else ()) + (d["name"],))
                else:
                    kinds[key] = old._replace(dialects=old.dialects + (d["name"],))
    for row in t.get("detail", []):  # a row's extras hold for its opener and every longer one
        key = tuple(row["opener"].split())
        for k, kind in kinds.items():
            if k[:len(key)] == key:
                kinds[k] = kind._replace(unless=kind.unless | frozenset(row.get("unless", [])),
                                         allow=kind.allow | frozenset(row.get("allow", [])))
    for opener, rule in t.get("rules", {}).items():
        key = tuple(opener.split())
        if key in kinds:
            kinds[key] = kinds[key]._replace(rule=rule)
    reader = t["reader"]
    return Index(kinds, max(len(k) for k in kinds), frozenset(reader["words"]), frozenset(reader["clause_words"]))


@functools.cache
def _first_words() -> frozenset[str]:
    return frozenset(k[0] for k in index().kinds)


def opens_statement(word: str) -> bool:
    """Whether some statement kind of some dialect opens with this (lower-case) word."""
    return word in _first_words()


def lookup(ws: list[str], start: int = 0) -> Kind | None:
    """The kind whose opening words are the longest prefix of `ws[start:]`, or None."""
    idx = index()
    for n in range(min(idx.longest, len(ws) - start), 0, -1):
        found = idx.kinds.get(tuple(ws[start:start + n]))
        if found is not None:
            return found
    return None


def hits(src: str, code: str) -> list[Hit] | None:
    """Hits of a statement no grammar read, judged by its kind; None when no kind matches."""
    kind = lookup(lexer.opening_words(code, index().longest))  # the kind is read from the opening words
    if kind is None:
        return None
    ws = lexer.words(code)
    said = " ".join(kind.opener).upper()
    if kind.cls in SAFE:
        found = blocking(ws, kind) + _destructive_calls(code, kind)
        return [Hit("unparsed-destructive", "", src, ", ".join(dict.fromkeys([said] + found)))] if found else []
    if kind.cls == "export":
        path = _first_string(src)
        return [Hit("copy-to-file", "", src, path)] if path else [Hit("unknown-statement", "", src, said)]
    if kind.cls == "destructive":
        if kind.rule:
            return [Hit(kind.rule, said, src)]
        target = ws[len(kind.opener)] if len(ws) > len(kind.opener) else ""
        return [Hit("dialect-destructive", target, src, said)]
    return [Hit("unknown-statement", "", src, said)]  # judge: its clauses decide, and no row here reads them


def blocking(ws: list[str], kind: Kind) -> list[str]:
    """Words after a safe kind's opening words that make it ask: a second statement of another
    class, a word of `[reader] words`, or one of the kind's own `unless` words."""
    from blastwall.analyze.sql.rules import table as sql_table

    idx = index()
    rest = ws[len(kind.opener):]
    found = [p.upper() for p in lexer.find_phrases(" ".join(rest), sql_table()["lexical"]["phrases"])]
    for i in range(len(kind.opener), len(ws)):
        w = ws[i]
        if w in kind.allow:
            continue
        if w in idx.words or w in kind.unless:
            found.append(w.upper())
        elif w not in idx.clause_words:
            second = lookup(ws, i)
            if second is not None and (second.cls not in SAFE or second.unless & set(ws[i + len(second.opener):])):
                found.append(" ".join(second.opener).upper())
    return found


def _destructive_calls(code: str, kind: Kind) -> list[str]:
    """Functions the statement calls whose names say they destroy (`purge_old_data(...)`)."""
    from blastwall.analyze.sql.glot import function_hits

    names = {m.group(1) for m in _CALL.finditer(code[:4000]) if m.group(1).lower() not in kind.opener}
    return sorted(n for n in names if function_hits(n, ""))


def _first_string(src: str) -> str:
    """The first single-quoted string of the statement (an export's path or URI)."""
    found = rx.search(r"'([^']{1,1000})'", src)
    return found.group(1) if found else ""
