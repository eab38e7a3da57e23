"""Anonymous blocks: the statements between BEGIN and END run like any other statement.

    BEGIN EXECUTE IMMEDIATE 'DROP TABLE ledger'; END;        Oracle PL/SQL
    DECLARE v NUMBER; BEGIN DELETE FROM ledger; END;          Oracle PL/SQL
    BEGIN TRY DELETE FROM dbo.Orders; END TRY BEGIN CATCH ... T-SQL

A script is split at semicolons, so a block's first statement arrives with its `BEGIN` in front
(`BEGIN EXECUTE IMMEDIATE '...'`): `body` gives that statement without the opener, to be read as
a statement of its own. `BEGIN`, `BEGIN WORK`, `BEGIN TRANSACTION`/`TRAN` open a transaction
instead (`script.tx_of`) and are not blocks. The `END` that closes a block is harmless; what
sits between (DECLARE, loops, IF) is read by the usual rules, and text no parser reads asks.

    WHILE 1 = 1 BEGIN DELETE TOP (5000) FROM log WHERE at < DATEADD(DAY, -90, GETDATE()); ... END

A loop (`WHILE cond BEGIN`) runs its statements again and again, so a row bound (`TOP (n)`,
`LIMIT n`) bounds nothing: `loop_body` gives the first statement, and `unbounded` removes the
bounds from it and from every later statement of the script (the loop's end is not tracked, so
the statements after it are judged as strictly as those inside).
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


_LOOP = rx.compile(r"\s*while\s+[^;]+?\s+begin\b\s*", rx.I)
_BOUND = rx.compile(r"\btop\s*(?:\(\s*[0-9]+\s*\)|[0-9]+\b)(?:\s+percent\b)?|\blimit\s+[0-9]+\b|"
                    r"\band\s+rownum\s*<=?\s*[0-9]+\b", rx.I)


def loop_body(piece: lexer.Piece) -> lexer.Piece | None:
    """The first statement inside the loop that `piece` opens (`WHILE cond BEGIN stmt`), or None."""
    if lexer.first_word(piece.code) != "while" or len(piece.code) != len(piece.text):
        return None
    m = _LOOP.match(piece.code)
    if m is None:
        return None
    text = piece.text[m.end():].rstrip()
    return lexer.Piece(text, piece.code[m.end():m.end() + len(text)])


def unbounded(piece: lexer.Piece) -> lexer.Piece:
    """The statement without its row bounds: in a loop they bound only one pass."""
    if len(piece.code) != len(piece.text):  # offsets differ: the bounds are found in the text
        piece = lexer.Piece(piece.text, piece.text)
    text, code, last = [], [], 0
    for m in _BOUND.finditer(piece.code):
        text.append(piece.text[last:m.start()])
        code.append(piece.code[last:m.start()])
        last = m.end()
    return lexer.Piece("".join(text) + piece.text[last:], "".join(code) + piece.code[last:])
