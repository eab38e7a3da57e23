"""Statement shapes: one cached verdict for statements that differ only in their literals.

`pgbench -M simple`, ORMs without prepared statements and most hand-written SQL send the same
statement again and again with other numbers in it. `shape(sql)` replaces the literals by `?`
when, and only when, no literal can change what the analyzer decides:

- the text is one statement, made of plain words, numbers, simple '...' strings without
  backslashes, and the usual operators; anything else (dollar quotes, comments, backslashes,
  quoted identifiers, parameters, several statements) has no shape;
- it is a SELECT, INSERT, UPDATE or DELETE, without WITH, INTO (for SELECT) or function calls
  (a word before `(`, other than the keywords below and INSERT's column list), so no literal
  is ever code (`dblink_exec('...')`) or an argument the analyzer looks into;
- in the WHERE clause of an UPDATE or DELETE every literal is compared to a column
  (`col = 5`, `t.col >= 'x'`, `col IN (1, 2)`), so a literal never decides whether the clause is a
  tautology (`1 = 1`, `'a' = 'a'`, `x OR 1 = 1` have no shape).

The invariant (tests/test_pg_proxy_shapes.py): for a statement with a shape, substituting any
literals of the same kinds gives the analyzer's same decision. Only `allow` verdicts are cached.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    rb"\s+|(?P<w>[A-Za-z_][A-Za-z0-9_]*)|(?P<n>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
    rb"|(?P<s>'(?:[^'\\]|'')*')|(?P<p><=|>=|<>|!=|::|[=<>+\-*/%,().;])"
)
_COMPARE = frozenset({b"=", b"<>", b"!=", b"<", b">", b"<=", b">="})
# Words that may stand before `(` without being a function call.
_BEFORE_PAREN = frozenset({b"IN", b"EXISTS", b"FROM", b"JOIN", b"AND", b"OR", b"NOT", b"ON", b"WHERE", b"SELECT",
                           b"AS", b"VALUES", b"SET", b"USING", b"UNION", b"ALL", b"INTERSECT", b"EXCEPT", b"BY",
                           b"RETURNING", b"DISTINCT", b"LATERAL"})
_KEYWORDS = _BEFORE_PAREN | frozenset({b"IS", b"NULL", b"TRUE", b"FALSE", b"LIKE", b"ILIKE", b"BETWEEN", b"CASE",
                                       b"WHEN", b"THEN", b"ELSE", b"END", b"LIMIT", b"OFFSET", b"ORDER", b"GROUP",
                                       b"HAVING", b"ANY", b"SOME", b"SIMILAR", b"ESCAPE", b"DEFAULT"})
_NEVER = frozenset({b"WITH", b"CALL", b"DO", b"EXECUTE", b"COPY", b"CAST"})
_KINDS = frozenset({b"SELECT", b"INSERT", b"UPDATE", b"DELETE"})
MAX_LEN = 8192


_MASK_STRING = re.compile(rb"'[^'\\]*'")
_MASK_NUMBER = re.compile(rb"\b\d+\b")


def mask(sql: bytes) -> bytes:
    """A cheap key for the shape cache: string contents and digit runs (outside words) blanked.

    Two texts with the same mask differ only inside string literals without backslashes and in
    digit runs that are numbers, so they tokenize alike and have the same shape; the cache keeps
    the masks of statements that have a shape, so a hit on a mask is a hit on a shape."""
    return _MASK_NUMBER.sub(b"?", _MASK_STRING.sub(b"'?'", sql))


def shape(sql: bytes) -> bytes | None:
    """The statement with its literals as `?`, or None when it has no safe shape."""
    if len(sql) > MAX_LEN or b"\\" in sql or b"--" in sql or b"/*" in sql:
        return None
    tokens: list[tuple[str, bytes]] = []
    pos, end = 0, len(sql)
    match = _TOKEN.match
    while pos < end:
        m = match(sql, pos)
        if m is None:
            return None
        pos = m.end()
        kind = m.lastgroup
        if kind is None:
            continue
        text = m.group(kind)
        tokens.append((kind, text.upper() if kind == "w" else text))
    while tokens and tokens[-1] == ("p", b";"):
        tokens.pop()
    if not tokens or tokens[0][0] != "w" or tokens[0][1] not in _KINDS or ("p", b";") in tokens:
        return None
    first = tokens[0][1]
    words = {t for k, t in tokens if k == "w"}
    if words & _NEVER or (first == b"SELECT" and b"INTO" in words) or not _calls_nothing(tokens, first):
        return None
    if first in (b"UPDATE", b"DELETE") and not _where_literals_compared(tokens):
        return None
    return b" ".join(b"?" if k in ("n", "s") else t for k, t in tokens)


def _calls_nothing(tokens: list[tuple[str, bytes]], first: bytes) -> bool:
    for i in range(1, len(tokens)):
        if tokens[i] != ("p", b"(") or tokens[i - 1][0] != "w":
            continue
        word = tokens[i - 1][1]
        if word in _BEFORE_PAREN:
            continue
        # INSERT INTO name (columns) / INSERT INTO schema.name (columns)
        if first == b"INSERT" and (i == 3 or (i == 5 and tokens[3] == ("p", b"."))) and tokens[1] == ("w", b"INTO"):
            continue
        return False
    return True


def _where_literals_compared(tokens: list[tuple[str, bytes]]) -> bool:
    """Every literal after WHERE (outside SET) is the right side of `column op literal` or an item
    of `column IN (literal, ...)`, and is followed by a connective, `)` or the end."""
    where = next((i for i, t in enumerate(tokens) if t == ("w", b"WHERE")), None)
    if where is None:
        return True
    in_list = False
    for i in range(where + 1, len(tokens)):
        kind, text = tokens[i]
        if kind == "p" and text == b")":
            in_list = False
        if kind == "w" and text == b"RETURNING":
            return True
        if kind not in ("n", "s"):
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ("w", b"AND")
        if in_list:
            if nxt in (("p", b","), ("p", b")")) and tokens[i - 1] in (("p", b","), ("p", b"(")):
                continue
            return False
        if _is_column_before(tokens, i - 2) and tokens[i - 1][0] == "p" and tokens[i - 1][1] in _COMPARE \
                and nxt in (("w", b"AND"), ("w", b"OR"), ("p", b")"), ("w", b"RETURNING")):
            continue
        if tokens[i - 1] == ("p", b"(") and tokens[i - 2] == ("w", b"IN") and _is_column_before(tokens, i - 3) \
                and nxt in (("p", b","), ("p", b")")):
            in_list = True
            continue
        return False
    return True


def _is_column_before(tokens: list[tuple[str, bytes]], i: int) -> bool:
    """tokens[i] ends a column reference: `name` or `qualifier.name`, a word that is no keyword
    and does not itself follow an operator that would make it part of an expression."""
    if i < 1 or tokens[i][0] != "w" or tokens[i][1] in _KEYWORDS:
        return False
    j = i
    while j >= 2 and tokens[j - 1] == ("p", b".") and tokens[j - 2][0] == "w":
        j -= 2
    before = tokens[j - 1]
    return before in (("w", b"WHERE"), ("w", b"AND"), ("w", b"OR"), ("p", b"("), ("w", b"NOT"))
