"""Epoch-second spellings of "now" in expired cleanups: SQLite `unixepoch()` and MySQL
`UNIX_TIMESTAMP()` without arguments are the current time, as `now()` is."""

from __future__ import annotations

import json

from blastwall.batch import check_line
from verdicts import POLICY, allowed_and_asked


def _sql(statement: str) -> str:
    """As `check --batch` judges a line: no connection, so an expired cleanup is not counted."""
    return str(check_line(json.dumps({"id": "x", "kind": "sql", "input": statement}), 1, POLICY)["decision"])


SAFE = [
    "DELETE FROM cache_entries WHERE expires_at < unixepoch();",
    "DELETE FROM sessions WHERE expires_at <= UNIX_TIMESTAMP();",
    "DELETE FROM password_reset_tokens WHERE created_at < UNIX_TIMESTAMP() - 86400;",
]
LOOKALIKES = [
    "DELETE FROM orders WHERE expires_at < unixepoch();",  # kept records
    "DELETE FROM cache_entries WHERE expires_at < unixepoch() + 86400;",  # rows still valid tomorrow
    "DELETE FROM cache_entries WHERE expires_at < unixepoch('2999-01-01');",  # a date, not now
    "DELETE FROM sessions WHERE created_at < UNIX_TIMESTAMP();",  # every row created so far
    "DELETE FROM sessions WHERE expires_at < UNIX_TIMESTAMP(NOW() + INTERVAL 1 YEAR);",
]

test_epoch_now_cleanups_pass, test_epoch_lookalikes_ask = allowed_and_asked(SAFE, LOOKALIKES, judge=_sql)
