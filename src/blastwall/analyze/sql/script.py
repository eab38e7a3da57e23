"""What a script does in the end: statements inside a transaction that is rolled back undo.

`BEGIN; DELETE FROM t; ROLLBACK;` changes nothing, and `ROLLBACK TO SAVEPOINT` undoes what
followed the savepoint, inside a transaction only: outside BEGIN, SAVEPOINT fails and each
statement after it commits on its own, which the reason says. Effects outside the transaction (a program COPY runs, a killed
session) survive a rollback, and in MySQL/MariaDB a DDL statement commits the open
transaction before it runs. A transaction left open may still commit, so it counts.
"""

from __future__ import annotations

from blastwall.analyze.sql import lexer
from blastwall.analyze.sql.pg import Stmt
from blastwall.analyze.sql.rules import Hit, transactional

_DDL_OPENERS = frozenset({"create", "alter", "drop", "truncate", "rename", "grant", "revoke"})
_TX_WORDS = {
    ("begin",): "begin",
    ("start", "transaction"): "begin",
    ("commit",): "commit",
    ("end",): "commit",
    ("rollback", "to"): "rollback_to",
    ("rollback",): "rollback",
    ("savepoint",): "savepoint",
    ("release",): "release",
}
_TX_LONGEST = max(len(k) for k in _TX_WORDS)


# Words that may follow BEGIN in a transaction's opening (SQLite's `BEGIN IMMEDIATE|EXCLUSIVE|DEFERRED`);
# any other word opens a BEGIN ... END block of procedural code.
_BEGIN_NEXT = frozenset({"work", "transaction", "tran", "distributed", "isolation", "read", "immediate",
                         "exclusive", "deferred"})


def tx_of(code: str) -> tuple[str, str]:
    """(transaction role, savepoint name) of a statement read only lexically."""
    opening = tuple(lexer.opening_words(code, _TX_LONGEST))  # most statements stop here
    for opener, role in _TX_WORDS.items():
        if opening[: len(opener)] == opener:
            ws = lexer.words(code)
            if role == "begin" and len(ws) > len(opener) and ws[len(opener)] not in _BEGIN_NEXT:
                return "", ""  # a BEGIN ... END block of procedural code, not a transaction
            rest = [w for w in ws[len(opener):] if w not in ("savepoint", "work", "transaction", "tran", "to")]
            return role, (rest[0] if rest and role in ("savepoint", "rollback_to", "release") else "")
    return "", ""


def net_hits(stmts: list[Stmt], *, ddl_commits: bool, savepoint_begins: bool = False) -> list[Hit]:
    """Hits of the statements whose effects remain when the script has run. `savepoint_begins`:
    SQLite, where a SAVEPOINT outside a transaction opens one."""
    kept: list[Hit] = []
    segments: list[tuple[str, list[Hit]]] | None = None  # open transaction, split at savepoints
    loose: dict[str, int] = {}  # SAVEPOINTs outside a transaction: where `kept` stood at each
    opened_by = ""  # the savepoint that opened the transaction (SQLite)
    for st in stmts:
        if st.tx == "begin":
            if segments is None:
                segments, opened_by = [("", [])], ""
        elif st.tx == "commit":
            kept += _flatten(segments)
            segments = None
        elif st.tx == "rollback":
            kept += _survivors(_flatten(segments))
            segments = None
        elif st.tx == "savepoint" and segments is not None:
            segments.append((st.savepoint, []))
        elif st.tx == "savepoint" and savepoint_begins:
            segments = [("", []), (st.savepoint, [])]
            opened_by = st.savepoint
        elif st.tx == "release" and segments is not None and st.savepoint == opened_by == segments[1][0]:
            kept += _flatten(segments)  # releasing the savepoint that opened the transaction commits it
            segments = None
        elif st.tx == "release" and segments is not None:
            segments = _release(segments, st.savepoint)
        elif st.tx == "savepoint":
            loose[st.savepoint] = len(kept)
        elif st.tx == "rollback_to" and segments is not None:
            segments = _rollback_to(segments, st.savepoint, kept)
        elif st.tx == "rollback_to" and len(kept) > loose.get(st.savepoint, len(kept)):
            kept.insert(loose[st.savepoint], Hit("savepoint-no-transaction", st.savepoint, st.text))  # it undid nothing
        elif segments is None:
            kept += st.hits
        elif ddl_commits and lexer.first_word(st.text) in _DDL_OPENERS:
            kept += _flatten(segments) + st.hits
            segments = None
        else:
            segments[-1][1].extend(st.hits)
    return kept + _flatten(segments)


def _flatten(segments: list[tuple[str, list[Hit]]] | None) -> list[Hit]:
    return [h for _, hits in segments or () for h in hits]


def _survivors(hits: list[Hit]) -> list[Hit]:
    return [h for h in hits if not transactional(h.kind)]


def _release(segments: list[tuple[str, list[Hit]]], name: str) -> list[tuple[str, list[Hit]]]:
    """RELEASE forgets the savepoint and those after it; what followed them stays in the transaction."""
    for i in range(len(segments) - 1, 0, -1):
        if segments[i][0] == name:
            return segments[: i - 1] + [(segments[i - 1][0], segments[i - 1][1] + _flatten(segments[i:]))]
    return segments


def _rollback_to(segments: list[tuple[str, list[Hit]]], name: str, kept: list[Hit]) -> list[tuple[str, list[Hit]]]:
    for i in range(len(segments) - 1, 0, -1):
        if segments[i][0] == name:
            kept += _survivors(_flatten(segments[i:]))
            return segments[:i] + [(name, [])]
    return segments
