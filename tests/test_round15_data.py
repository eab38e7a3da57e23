"""Round 15 classes of SQL, HTTP and MCP: savepoints, key expiry, compose tools, short-lived rows."""

from __future__ import annotations

from typing import Any

import pytest
from verdicts import decide

# ---- DML rolled back to a savepoint (analyze/sql/script.py) ----

SAVEPOINT_UNDONE = [  # (sql, dialect or "")
    ("BEGIN; SAVEPOINT s1; DELETE FROM carts; ROLLBACK TO SAVEPOINT s1; COMMIT;", ""),
    ("START TRANSACTION; SAVEPOINT s1; UPDATE carts SET qty = 0; ROLLBACK TO SAVEPOINT s1; COMMIT;", "mysql"),
    ("BEGIN; SAVEPOINT a; SAVEPOINT b; DELETE FROM carts; RELEASE b; ROLLBACK TO a; COMMIT;", ""),
    ("SAVEPOINT s1; DELETE FROM carts; ROLLBACK TO SAVEPOINT s1;", "sqlite"),  # SQLite: it opens a transaction
    ("SAVEPOINT s1; DELETE FROM carts; ROLLBACK TO s1; RELEASE s1;", "sqlite"),
    ("SAVEPOINT s1; DELETE FROM carts; ROLLBACK;", "sqlite"),
]
SAVEPOINT_KEPT = [
    ("BEGIN; DELETE FROM carts; SAVEPOINT s1; ROLLBACK TO SAVEPOINT s1; COMMIT;", ""),  # taken after the delete
    ("BEGIN; SAVEPOINT s1; DELETE FROM carts; RELEASE SAVEPOINT s1; ROLLBACK TO SAVEPOINT s1; COMMIT;", ""),
    ("START TRANSACTION; SAVEPOINT s1; DELETE FROM carts; RELEASE SAVEPOINT s1; ROLLBACK TO s1; COMMIT;", "mysql"),
    ("BEGIN; SAVEPOINT s1; DELETE FROM carts; COMMIT; ROLLBACK TO SAVEPOINT s1;", ""),
    ("START TRANSACTION; SAVEPOINT s1; DROP TABLE carts; ROLLBACK TO SAVEPOINT s1; COMMIT;", ""),  # DDL by dialect
    ("SAVEPOINT s1; DELETE FROM carts; ROLLBACK TO SAVEPOINT s1;", ""),  # outside BEGIN: MySQL autocommits it
    ("SAVEPOINT s1; DELETE FROM carts; ROLLBACK TO SAVEPOINT s1;", "mysql"),
    ("SAVEPOINT s1; DELETE FROM carts; ROLLBACK TO SAVEPOINT s1;", "postgres"),
    ("SAVEPOINT s1; DELETE FROM carts; RELEASE s1;", "sqlite"),
    ("SAVEPOINT s1; DELETE FROM carts; RELEASE s1; ROLLBACK;", "sqlite"),  # the release committed it
    ("SAVEPOINT s1; DELETE FROM carts; ROLLBACK TO s2;", "sqlite"),
]


def _sql(sql: str, dialect: str) -> str:
    return decide(sql, "sql", dialect=dialect) if dialect else decide(sql, "sql")


@pytest.mark.parametrize("sql,dialect", SAVEPOINT_UNDONE)
def test_dml_rolled_back_to_a_savepoint_passes(sql: str, dialect: str) -> None:
    assert _sql(sql, dialect) == "allow", (sql, dialect)


@pytest.mark.parametrize("sql,dialect", SAVEPOINT_KEPT)
def test_dml_a_savepoint_does_not_undo_asks(sql: str, dialect: str) -> None:
    assert _sql(sql, dialect) != "allow", (sql, dialect)


def _unused(_: Any) -> None:  # keeps Any imported for the tables below
    return None
