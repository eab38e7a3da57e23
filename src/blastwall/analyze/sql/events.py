"""Statements run later: MySQL's `CREATE EVENT ... DO <statement>` (and `ALTER EVENT ... DO`), and
MySQL's and SQLite's `CREATE TRIGGER ... FOR EACH ROW <statement>`.

    CREATE EVENT purge ON SCHEDULE EVERY 1 DAY DO DELETE FROM sessions WHERE expires_at < NOW()
        -> "DELETE FROM sessions WHERE expires_at < NOW()"
    CREATE TRIGGER audit AFTER UPDATE ON orders FOR EACH ROW INSERT INTO orders_audit ...
        -> "INSERT INTO orders_audit ..."

An event or trigger only runs its body later, again and again: the body is what it does, so the
body is analyzed as the statement (a clearly expired cleanup stays one; a DELETE of every row asks).
`CREATE OR REPLACE TRIGGER` replaces a definition and is not read here (asked). Strings and
comments are not searched for `DO`.
"""

from __future__ import annotations

from blastwall import rx
from blastwall.analyze.sql.lexer import Piece

_HEAD = rx.compile(r"^\s*(?:create|alter)\s+(?:definer\s*=\s*\S+\s+)?event\s+(?:if\s+not\s+exists\s+)?\S+"
                   r"(?s:.*?)\bdo\b", rx.I)


_TRIGGER = rx.compile(r"^\s*create\s+(?:definer\s*=\s*\S+\s+)?trigger\s+(?:if\s+not\s+exists\s+)?\S+\s+"
                      r"(?:before|after)\s+(?:insert|update|delete)\s+on\s+\S+\s+for\s+each\s+row"
                      r"(?:\s+(?:follows|precedes)\s+\S+)?\s", rx.I)


def body(piece: Piece) -> str | None:
    """The statement an event or trigger runs, or None when `piece` is not one with a body."""
    low = piece.code.lower()
    if ("event" not in low and "trigger" not in low) or len(piece.code) != len(piece.text):
        return None
    head = _HEAD.match(piece.code) or _TRIGGER.match(piece.code)
    if head is None:
        return None
    rest = piece.text[head.end():].strip()
    return rest or None
