"""SQL classes of caches, plans, scratch, compute and backups (allowed), next to the spellings that
destroy and must still be asked: catalog writes, EXPLAIN ANALYZE, permanent replaces, replica drops,
backups over existing sets, and equality on a container key (a whole bucket or tenant)."""

from __future__ import annotations

import pytest

from blastwall.analyze.base import Scope
from blastwall.analyze.sql import analyze_sql
from blastwall.analyze.sql.catalog import is_catalog
from blastwall.engine import check
from blastwall.model import Severity
from blastwall.policy.engine import default_policy

POLICY = default_policy()


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """No user policy or database connection: the built-in defaults judge."""


def asked(text: str) -> bool:
    return check(text, "sql", policy=POLICY).decision.value != "allow"


def rule_ids(text: str, dialect: str | None = None) -> list[str]:
    return [f.rule_id for f in analyze_sql(text, Scope.start(), dialect=dialect) if f.severity >= Severity.MEDIUM]


ALLOWED = [
    # caches only (ClickHouse)
    "SYSTEM DROP DNS CACHE",
    "system drop uncompressed cache;",
    "SYSTEM DROP QUERY CACHE ON CLUSTER 'main'",
    "SYSTEM DROP SCHEMA CACHE FOR S3",
    "SYSTEM FLUSH LOGS",
    "SYSTEM STOP MERGES events",
    "SYSTEM SYNC REPLICA db.events",
    # plans that run nothing
    "EXPLAIN QUERY PLAN DELETE FROM notes WHERE archived = 1",
    "explain query plan update notes set body = '' ",
    "EXPLAIN PLAN FOR DELETE FROM ledger",
    "EXPLAIN FORMAT=JSON DELETE FROM orders",
    "EXPLAIN PIPELINE SELECT * FROM t",
    # temporary objects replace only the session's own
    "CREATE OR REPLACE TEMP TABLE stage AS SELECT * FROM read_parquet('in/*.parquet')",
    "CREATE OR REPLACE TEMPORARY TABLE stage (id INT)",
    "CREATE OR REPLACE TEMP VIEW recent AS SELECT * FROM orders WHERE id > 10",
    # cancelling a query is not killing a session
    "SELECT pg_cancel_backend(4242)",
    "select pg_cancel_backend(pid) from pg_stat_activity where state = 'active' and pid <> pg_backend_pid()",
    # attaching a database reads it (or makes a new file)
    "ATTACH 'warehouse.duckdb' AS w (READ_ONLY); SELECT count(*) FROM w.rides",
    "ATTACH DATABASE 'archive.db' AS archive",
    "DETACH archive",
    # compute only (Snowflake)
    "ALTER WAREHOUSE reporting_wh SUSPEND",
    "alter warehouse if exists reporting_wh resume if suspended",
    "ALTER WAREHOUSE reporting_wh SET WAREHOUSE_SIZE = 'XLARGE' AUTO_SUSPEND = 60",
    # a new backup (T-SQL)
    "BACKUP DATABASE Billing TO DISK = 'E:\\bak\\Billing_full.bak' WITH COMPRESSION, CHECKSUM",
    "BACKUP LOG Billing TO DISK = 'E:\\bak\\Billing.trn' WITH NOINIT",
    # reading the catalog
    "SELECT name, sql FROM sqlite_master WHERE type = 'table'",
    "SELECT relname FROM pg_catalog.pg_class WHERE relkind = 'r'",
    # one row of a bucket, one bucket by its own key
    "DELETE FROM storage.objects WHERE bucket_id = 'avatars' AND name = 'u/42.png'",
    "DELETE FROM buckets WHERE bucket_id = 'scratch-tmp'",
    "DELETE FROM cart_items WHERE cart_id = 99",
]

ASKED = [
    # the catalog's own rows, whatever the WHERE
    ("PRAGMA writable_schema = 1; DELETE FROM sqlite_master WHERE type = 'table'", "sql.catalog:write"),
    ("pragma writable_schema=ON; update sqlite_schema set sql = 'CREATE TABLE t(x)' where name = 't'",
     "sql.catalog:write"),
    ("DELETE FROM main.sqlite_master WHERE name = 'users'", "sql.catalog:write"),
    ("UPDATE pg_catalog.pg_class SET relname = 'gone' WHERE oid = 16384", "sql.catalog:write"),
    ('DELETE FROM "pg_catalog"."pg_attribute" WHERE attrelid = 16384', "sql.catalog:write"),
    ("delete from pg_database where datname = 'app'", "sql.catalog:write"),
    ("UPDATE mysql.user SET authentication_string = '' WHERE User = 'root'", "sql.catalog:write"),
    ("UPDATE `mysql`.`user` SET Host = '%' WHERE User = 'app'", "sql.catalog:write"),
    ("INSERT INTO mysql.user (Host, User) VALUES ('%', 'agent')", "sql.catalog:write"),
    ("INSERT INTO sqlite_sequence (name, seq) VALUES ('orders', 0)", "sql.catalog:write"),
    # EXPLAIN ANALYZE runs the statement
    ("EXPLAIN ANALYZE DELETE FROM orders", "sql.postgres:delete-without-where"),
    ("EXPLAIN (ANALYSE) DELETE FROM orders", "sql.postgres:delete-without-where"),
    ("EXPLAIN ANALYZE FORMAT=TREE DELETE FROM orders", "sql.postgres:delete-without-where"),
    ("EXPLAIN QUERY PLAN SELECT 1; DELETE FROM orders", "sql.postgres:delete-without-where"),
    # permanent objects replaced
    ("CREATE OR REPLACE TABLE stage AS SELECT 1", "sql.postgres:replace-table"),
    ("CREATE OR REPLACE TRANSIENT TABLE stage AS SELECT 1", "sql.postgres:replace-table"),
    ("CREATE OR REPLACE TABLE temp AS SELECT 1", "sql.postgres:replace-table"),
    ("CREATE OR REPLACE VIEW recent AS SELECT 1", "sql.postgres:replace-definition"),
    # killing, not cancelling
    ("SELECT pg_terminate_backend(4242)", "sql.postgres:terminate-backend"),
    # a replica's metadata, not a cache; unknown SYSTEM commands
    ("SYSTEM DROP REPLICA 'r2' FROM TABLE db.events", "sql.parse:unparsed-destructive"),
    ("SYSTEM DROP DATABASE REPLICA 'shard1|r2' FROM DATABASE cache", "sql.parse:unparsed-destructive"),
    ("SYSTEM DROP MARK CACHE; DROP TABLE events", "sql.postgres:drop-table"),
    ("SYSTEM UNFREEZE WITH NAME 'backup_2024'", "sql.dialect:destructive-statement"),
    ("SYSTEM STOP LISTEN QUERIES ALL", "sql.parse:unparsed-destructive"),
    # a warehouse renamed or dropped
    ("ALTER WAREHOUSE reporting_wh RENAME TO old_wh", "sql.parse:unparsed-destructive"),
    ("DROP WAREHOUSE reporting_wh", "sql.parse:unparsed-destructive"),
    # a backup over the sets already there, or the log thrown away
    ("BACKUP DATABASE Billing TO DISK = 'E:\\bak\\Billing.bak' WITH INIT", "sql.mssql:backup-overwrite"),
    ("backup database Billing to disk = 'E:\\bak\\Billing.bak' with format, compression",
     "sql.mssql:backup-overwrite"),
    ("BACKUP LOG Billing WITH TRUNCATE_ONLY", "sql.parse:unknown-statement"),
    # a whole bucket, tenant or workspace
    ("delete from storage.objects where bucket_id = 'avatars'", "sql.postgres:delete-broad-where"),
    ("DELETE FROM documents WHERE workspaceId = 7", "sql.postgres:delete-broad-where"),
    ("UPDATE invoices SET status = 'void' WHERE tenant_id = 3", "sql.postgres:update-broad-where"),
    ("DELETE FROM events WHERE org_slug = 'acme'", "sql.postgres:delete-broad-where"),
]


@pytest.mark.parametrize("sql", ALLOWED)
def test_caches_plans_scratch_compute_and_backups_are_allowed(sql: str) -> None:
    assert not asked(sql), rule_ids(sql)


@pytest.mark.parametrize(("sql", "rule"), ASKED)
def test_the_destructive_look_alikes_are_asked(sql: str, rule: str) -> None:
    assert rule in rule_ids(sql)
    assert asked(sql)


@pytest.mark.parametrize("dialect", ["sqlite", "mysql", "duckdb", "clickhouse", "tsql", "snowflake"])
def test_a_named_dialect_reads_them_alike(dialect: str) -> None:
    assert rule_ids("EXPLAIN QUERY PLAN DELETE FROM notes", dialect) == []
    assert rule_ids("SYSTEM DROP MARK CACHE", dialect) == []
    assert "sql.catalog:write" in rule_ids("DELETE FROM sqlite_master WHERE type = 'table'", dialect)
    assert rule_ids("EXPLAIN ANALYZE DELETE FROM notes", dialect)


@pytest.mark.parametrize(("name", "catalog"), [
    ("sqlite_master", True), ("main.sqlite_schema", True), ("pg_catalog.pg_proc", True), ("pg_authid", True),
    ("mysql.db", True), ("information_schema.columns", True), ("public.orders", False), ("orders", False),
    ("pg_temp.scratch", False), ("app.pg_like_name", False),
])
def test_catalog_names(name: str, catalog: bool) -> None:
    assert is_catalog(name) is catalog
