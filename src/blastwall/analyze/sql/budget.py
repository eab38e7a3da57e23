"""How much SQL one check reads outside PostgreSQL's grammar.

PostgreSQL's parser (pglast, in C) reads a statement in microseconds. A statement it does not
take goes down the slow chain: sqlglot's dialects (pure Python: ~0.3 ms an attempt and up to
~8 µs a character) and then the lexical readers (`glot.unparsed_hits`, ~0.2-0.6 ms). A text of
thousands of tiny statements no parser reads (`a;a;a;...`) cost seconds that way, so each check
has one budget for the slow chain, shared by every script the check reads (the `psql -c`
arguments and heredocs of one command line, dynamic SQL inside statements, the MySQL re-reading):

    budget = current()                 # the check's budget (a fresh one outside a check)
    if not budget.spend(len(piece) + ATTEMPT):
        ...                            # stop reading: the script asks (`too-many-unread`)

The budget counts work, not time: the same text gets the same verdict on an idle machine and a
loaded one. It is chosen from measurement (tests/test_sql_budget.py): a spent budget is about
0.5 s of reading: some 550 statements that no parser reads, or 500 MySQL INSERT rows read by
sqlglot; a PostgreSQL script of any length (pglast reads it) spends nothing.
"""

from __future__ import annotations

from blastwall.analyze.sql.rules import Hit
from blastwall.memo import once

UNITS = 150_000  # characters' worth of reading statement by statement in one check
PIECE = 60  # one statement read on its own (blastwall's checks of its shape, PostgreSQL's parser), besides its characters
ATTEMPT = 50  # one sqlglot attempt's or one lexical reading's fixed cost, besides the characters sqlglot reads


class Budget:
    """What is left of one check's budget, and how many statements went unread when it ran out."""

    __slots__ = ("left", "unread")

    def __init__(self) -> None:
        self.left = UNITS
        self.unread = 0

    def spend(self, units: int) -> bool:
        """Take `units` from the budget; False (and nothing taken) when they are not left."""
        if units > self.left:
            self.left = -1  # spent: every later reading stops too
            return False
        self.left -= units
        return True

    @property
    def spent(self) -> bool:
        return self.left < 0

    def stop(self, unread: int) -> Hit:
        """The hit of a script whose last `unread` statements were not read."""
        self.left = -1
        self.unread = max(self.unread, unread)
        return self.hit()

    def hit(self) -> Hit:
        said = f"{self.unread} statements" if self.unread > 1 else "statements"
        return Hit("too-many-unread", "", "", said)


def current() -> Budget:
    """The check's budget (blastwall.memo: the one value of a check its readers change);
    outside a check, a fresh budget for each script read."""
    return once(("sql.read-budget",), Budget)
