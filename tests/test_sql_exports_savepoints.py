"""COPY ... TO a new data file is an export, like the shell's `> out/x.csv`; SAVEPOINT outside a
transaction undoes nothing, and the reason says so."""

from __future__ import annotations

from pathlib import Path

import pytest

import blastwall
from blastwall.engine import make_action


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def verdict(sql: str, cwd: Path | None = None) -> blastwall.Verdict:
    return blastwall.check(make_action("sql", sql, {"cwd": str(cwd)} if cwd else None))


@pytest.mark.parametrize("sql", [
    "COPY (SELECT * FROM orders WHERE created_at >= '2024-01-01') TO '/tmp/orders_2024.csv' WITH CSV HEADER;",
    "COPY (SELECT * FROM sales) TO 'exports/sales.csv' WITH (FORMAT csv);",
    "COPY (SELECT * FROM events) TO 'out/events.parquet' (FORMAT PARQUET);",
    "COPY orders TO '/var/tmp/orders.jsonl.gz'",
])
def test_export_to_a_new_data_file_passes(sql: str, tmp_path: Path) -> None:
    assert verdict(sql, tmp_path).decision.value == "allow"


@pytest.mark.parametrize("sql", [
    "COPY t TO '/etc/cron.d/x.csv'",
    "COPY t TO '/root/.ssh/authorized_keys'",
    "COPY t TO '~/.ssh/authorized_keys.csv'",
    "COPY t TO '/home/dev/.bashrc'",
    "COPY t TO '/tmp/.bashrc'",
    "COPY t TO '/tmp/run.sh'",
    "COPY t TO '../shared/x.csv'",
    "COPY t TO '/var/lib/postgresql/data/pg_hba.conf'",
    "COPY t TO '/srv/app/exports/x.csv'",
    "COPY t TO 'exports/existing.csv'",
    "COPY t TO PROGRAM 'gzip > /tmp/x.csv.gz'",
])
def test_copy_over_a_kept_file_or_outside_asks(sql: str, tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "existing.csv").write_text("a,b\n")
    assert verdict(sql, tmp_path).decision.value != "allow"


def test_a_relative_export_without_a_working_directory_is_not_measured() -> None:
    from blastwall.analyze.base import Scope
    from blastwall.analyze.sql.exports import new_export

    assert new_export("exports/never-made.csv", Scope(cwd=None)) is False
    assert new_export("/tmp/never-made.csv", Scope(cwd=None)) is True


def test_savepoint_outside_begin_asks_and_says_why() -> None:
    v = verdict("SAVEPOINT before_fix; UPDATE products SET price = 0; ROLLBACK TO SAVEPOINT before_fix;")
    assert v.decision.value != "allow"
    assert any("outside BEGIN" in r for r in v.reasons), v.reasons


@pytest.mark.parametrize("sql", [
    "BEGIN; SAVEPOINT a; UPDATE products SET price = 0; ROLLBACK TO SAVEPOINT a; ROLLBACK;",
    "BEGIN; SAVEPOINT a; DELETE FROM products; ROLLBACK TO SAVEPOINT a; COMMIT;",
    "START TRANSACTION; SAVEPOINT a; UPDATE products SET price = 0; ROLLBACK TO a; ROLLBACK;",
])
def test_savepoint_inside_a_transaction_undoes(sql: str) -> None:
    assert verdict(sql).decision.value == "allow"


@pytest.mark.parametrize("sql", [
    "BEGIN; SAVEPOINT a; UPDATE products SET price = 0; RELEASE SAVEPOINT a; COMMIT;",
    "SAVEPOINT a; DELETE FROM products; ROLLBACK TO SAVEPOINT a;",
    "BEGIN; SAVEPOINT a; UPDATE products SET price = 0; ROLLBACK TO SAVEPOINT b; COMMIT;",
])
def test_savepoints_that_undo_nothing_ask(sql: str) -> None:
    assert verdict(sql).decision.value != "allow"
