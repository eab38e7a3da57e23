"""Scheduled statements: MySQL's `CREATE EVENT ... DO <statement>` (and `ALTER EVENT ... DO`).

    CREATE EVENT purge ON SCHEDULE EVERY 1 DAY DO DELETE FROM sessions WHERE expires_at < NOW()
        -> "DELETE FROM sessions WHERE expires_at < NOW()"

An event only runs its body later, again and again: the body is what it does, so the body is
analyzed as the statement (a clearly expired cleanup stays one; a DELETE of every row asks). Strings
and comments are not searched for `DO`.
"""

from __future__ import annotations

from blastwall import rx
from blastwall.analyze.sql.lexer import Piece

_HEAD = rx.compile(r"^\s*(?:create|alter)\s+(?:definer\s*=\s*\S+\s+)?event\s+(?:if\s+not\s+exists\s+)?\S+"
                   r"(?s:.*?)\bdo\b", rx.I)


def body(piece: Piece) -> str | None:
    """The statement an event runs, or None when `piece` is not an event with a body."""
    if "event" not in piece.code.lower() or len(piece.code) != len(piece.text):
        return None
    head = _HEAD.match(piece.code)
    if head is None:
        return None
    rest = piece.text[head.end():].strip()
    return rest or None
