"""Anonymous blocks: the statements between BEGIN and END run like any other statement.

    BEGIN EXECUTE IMMEDIATE 'DROP TABLE ledger'; END;        Oracle PL/SQL
    DECLARE v NUMBER; BEGIN DELETE FROM ledger; END;          Oracle PL/SQL
    BEGIN TRY DELETE FROM dbo.Orders; END TRY BEGIN CATCH ... T-SQL

A script is split at semicolons, so a block's first statement arrives with its `BEGIN` in front
(`BEGIN EXECUTE IMMEDIATE '...'`): `body` gives that statement without the opener, to be read as
a statement of its own. `BEGIN`, `BEGIN WORK`, `BEGIN TRANSACTION`/`TRAN` open a transaction
instead (`script.tx_of`) and are not blocks. The `END` that closes a block is harmless; what
sits between (DECLARE, loops, IF) is read by the usual rules, and text no parser reads asks.
"""

from __future__ import annotations

from blastwall import rx
from blastwall.analyze.sql import lexer

# `BEGIN` and the words that may follow it to open a block (T-SQL TRY/CATCH, SQL's ATOMIC).
_OPENER = rx.compile(r"\s*begin(?:\s+(?:try|catch|atomic|not\s+atomic))?\b\s*", rx.I)


def body(piece: lexer.Piece) -> lexer.Piece | None:
    """The statement inside a block that `piece` opens, or None when it opens none."""
    from blastwall.analyze.sql.script import tx_of

    if lexer.first_word(piece.code) != "begin" or tx_of(piece.code)[0]:
        return None
    again = lexer.split(piece.text)  # code with the same offsets as the text
    if len(again) != 1 or len(again[0].code) != len(piece.text):
        return None
    m = _OPENER.match(again[0].code)
    if m is None:
        return None
    rest = piece.text[m.end():]
    return lexer.Piece(rest.strip(), again[0].code[m.end():])
