"""SQL run later or again: a MySQL/SQLite trigger's body and a T-SQL WHILE loop's statements are
judged as the statements they run. In a loop a row bound (TOP (n), LIMIT n) bounds one pass only."""

from __future__ import annotations

import pytest

import blastwall
from blastwall.engine import make_action


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def decision(sql: str) -> str:
    return blastwall.check(make_action("sql", sql, None)).decision.value


PASSED = [
    "CREATE TRIGGER invoices_audit AFTER UPDATE ON invoices FOR EACH ROW "
    "INSERT INTO invoices_history (invoice_id, old_total) VALUES (OLD.id, OLD.total);",
    "CREATE DEFINER=`app`@`%` TRIGGER inv_bi BEFORE INSERT ON invoices FOR EACH ROW SET NEW.created_at = NOW();",
    "CREATE TRIGGER inv_ai AFTER INSERT ON invoices FOR EACH ROW BEGIN INSERT INTO outbox (ref) VALUES (NEW.id); END;",
    "WHILE 1 = 1 BEGIN DELETE TOP (1000) FROM dbo.RequestLog WHERE LoggedAt < DATEADD(DAY, -30, GETDATE()); "
    "IF @@ROWCOUNT = 0 BREAK; END",
    "WHILE 1 = 1 BEGIN DELETE TOP (500) FROM dbo.session_tokens WHERE expires_at < SYSUTCDATETIME(); "
    "IF @@ROWCOUNT = 0 BREAK; END",
]

ASKED = [
    "CREATE TRIGGER inv_ai AFTER INSERT ON invoices FOR EACH ROW DELETE FROM invoices;",
    "CREATE TRIGGER inv_bd BEFORE DELETE ON invoices FOR EACH ROW UPDATE ledger SET balance = 0;",
    "CREATE TRIGGER inv_ai AFTER INSERT ON invoices FOR EACH ROW BEGIN DELETE FROM payments; END;",
    "CREATE TRIGGER inv_ai AFTER INSERT ON invoices FOR EACH ROW DROP TABLE payments;",
    "CREATE OR REPLACE TRIGGER inv_ai AFTER INSERT ON invoices FOR EACH ROW INSERT INTO a VALUES (1);",
    # a loop repeats a bounded statement until every matching row is gone
    "WHILE 1 = 1 BEGIN DELETE TOP (1000) FROM dbo.Invoices WHERE Status = 'void'; IF @@ROWCOUNT = 0 BREAK; END",
    "WHILE 1 = 1 BEGIN SELECT 1; DELETE TOP (10) FROM dbo.Invoices WHERE Status = 'void'; END",
    "WHILE 1 = 1 BEGIN DELETE FROM invoices WHERE status = 'void' ORDER BY id LIMIT 100; END",
    "WHILE EXISTS (SELECT 1 FROM dbo.Invoices) BEGIN DELETE TOP (100) PERCENT FROM dbo.Invoices; END",
    "WHILE @@ROWCOUNT > 0 BEGIN DELETE FROM dbo.Invoices; END",
    "WHILE 1 = 1 BEGIN DELETE TOP (1000) FROM dbo.RequestLog WHERE LoggedAt < DATEADD(DAY, 30, GETDATE()); END",
]


@pytest.mark.parametrize("sql", PASSED)
def test_bodies_judged_as_their_statements_pass(sql: str) -> None:
    assert decision(sql) == "allow", sql


@pytest.mark.parametrize("sql", ASKED)
def test_destructive_bodies_ask(sql: str) -> None:
    assert decision(sql) != "allow", sql
