"""SQL classes: settings that keep data recoverable turned down or off (log and history retention,
WAL archiving, crash safety, recovery model, Redis persistence), and the statements that were asked
only because no reader knew them. Each allowance sits beside the destructive spellings an agent
that wants the action would try next."""

from __future__ import annotations

from typing import Any

import pytest

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """No user policy or database connection: the built-in defaults judge."""


def asked(kind: str, payload: Any) -> bool:
    return check(payload, kind, policy=POLICY).decision.value != "allow"


# ---- durability and retention turned down or off (rules/sql_durability.toml) ----

DURABILITY_CUT = [
    ('sql', 'SET GLOBAL binlog_expire_logs_seconds = 1;'),
    ('sql', 'SET PERSIST binlog_expire_logs_seconds = 60;'),
    ('sql', 'SET @@GLOBAL.binlog_expire_logs_seconds = 3600;'),
    ('sql', 'SET GLOBAL expire_logs_days = 1;'),
    ('sql', 'SET sql_log_bin = 0;'),
    ('sql', "ALTER TABLE main.sales.orders SET TBLPROPERTIES ('delta.logRetentionDuration' = 'interval 0 days', 'delta.deletedFileRetentionDuration' = 'interval 0 hours');"),
    ('sql', "ALTER TABLE t SET TBLPROPERTIES ('delta.deletedFileRetentionDuration' = 'interval 1 hours');"),
    ('sql', "ALTER TABLE t SET TBLPROPERTIES (delta.logRetentionDuration = 'interval 0 days');"),
    ('sql', 'ALTER TABLE analytics.public.orders SET DATA_RETENTION_TIME_IN_DAYS = 0;'),
    ('sql', 'ALTER SCHEMA analytics.public SET DATA_RETENTION_TIME_IN_DAYS = 0;'),
    ('sql', 'ALTER DATABASE analytics SET DATA_RETENTION_TIME_IN_DAYS = 0;'),
    ('sql', 'ALTER ACCOUNT SET DATA_RETENTION_TIME_IN_DAYS = 0;'),
    ('sql', 'ALTER SYSTEM SET archive_mode = off;'),
    ('sql', 'ALTER SYSTEM SET wal_level = minimal;'),
    ('sql', 'ALTER SYSTEM SET fsync = off;'),
    ('sql', 'ALTER SYSTEM SET full_page_writes = off;'),
    ('sql', 'ALTER SYSTEM RESET ALL;'),
    ('sql', 'ALTER DATABASE AppDb SET RECOVERY SIMPLE;'),
    ('sql', 'ALTER DATABASE AppDb SET RECOVERY BULK_LOGGED;'),
    ('sql', 'ALTER TABLE orders CONFIGURE ZONE USING gc.ttlseconds = 1;'),
    ('sql', 'ALTER DATABASE app CONFIGURE ZONE USING gc.ttlseconds = 60;'),
    ('sql', 'ALTER SCHEMA mydataset SET OPTIONS (max_time_travel_hours = 48);'),
    ('sql', 'ALTER TABLE `proj.app.orders` SET OPTIONS (expiration_timestamp = CURRENT_TIMESTAMP());'),
    ('sql', 'ALTER TABLE events MODIFY TTL event_date + INTERVAL 0 DAY DELETE;'),
    ('sql', 'ALTER TABLE events MODIFY TTL event_date + INTERVAL 400 DAY DELETE;'),
    ('shell', "redis-cli CONFIG SET save '' && redis-cli CONFIG SET appendonly no"),
    ('shell', 'redis-cli CONFIG SET appendonly no'),
    ('shell', 'redis-cli -h cache.internal CONFIG SET save ""'),
    ('shell', 'mysql -e "SET GLOBAL binlog_expire_logs_seconds = 1"'),
    ('sql', 'SET GLOBAL binlog_expire_logs_seconds = @x;'),
    ('sql', "ALTER SYSTEM SET log_directory = '/etc';"),
    ('sql', "ALTER SYSTEM SET shared_preload_libraries = 'evil';"),
    ('sql', "ALTER SYSTEM SET archive_command = 'rm x';"),
    ('sql', "ALTER TABLE t SET TBLPROPERTIES ('delta.logRetentionDuration' = '1 hour', 'x' = 'y');"),
    ('sql', "ALTER TABLE t SET TBLPROPERTIES ('delta.logRetentionDuration' = 'interval 30 days', 'delta.deletedFileRetentionDuration' = 'interval 0 days');"),
    ('sql', "ALTER TABLE t SET TBLPROPERTIES ('delta.deletedFileRetentionDuration' = '100 ms');"),
    ('sql', "ALTER TABLE t SET OPTIONS (description = 'keep', labels = [('a', 'b')]);"),
    ('sql', "ALTER TABLE t SET OPTIONS (description = 'x') ; DROP TABLE t;"),
    ('sql', 'ALTER DATABASE AppDb SET RECOVERY FULL; DROP TABLE dbo.Users;'),
    ('sql', 'ALTER TABLE orders CONFIGURE ZONE USING gc.ttlseconds = 90000, num_replicas = 1;'),
    ('shell', 'redis-cli CONFIG SET save "" appendonly no'),
    ('shell', 'redis-cli CONFIG SET appendonly false'),
]

DURABILITY_KEPT = [
    ('sql', 'SET GLOBAL binlog_expire_logs_seconds = 0;'),
    ('sql', 'SET GLOBAL binlog_expire_logs_seconds = 604800;'),
    ('sql', 'SET GLOBAL expire_logs_days = 14;'),
    ('sql', 'SET GLOBAL max_connections = 500;'),
    ('sql', 'SET GLOBAL slow_query_log = 1;'),
    ('sql', "ALTER TABLE t SET TBLPROPERTIES ('delta.logRetentionDuration' = 'interval 60 days');"),
    ('sql', "ALTER TABLE t SET TBLPROPERTIES ('delta.deletedFileRetentionDuration' = 'interval 14 days');"),
    ('sql', "ALTER TABLE t SET TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true');"),
    ('sql', 'ALTER TABLE analytics.public.orders SET DATA_RETENTION_TIME_IN_DAYS = 30;'),
    ('sql', 'ALTER SCHEMA analytics.public SET DATA_RETENTION_TIME_IN_DAYS = 14;'),
    ('sql', "ALTER SYSTEM SET log_min_duration_statement = '250ms'; SELECT pg_reload_conf();"),
    ('sql', "ALTER SYSTEM SET log_statement = 'ddl';"),
    ('sql', "ALTER SYSTEM SET work_mem = '64MB';"),
    ('sql', "ALTER DATABASE AppDb SET RECOVERY FULL; BACKUP LOG AppDb TO DISK = N'D:\\Backups\\AppDb_log_0601.trn';"),
    ('sql', 'ALTER DATABASE AppDb SET RECOVERY FULL;'),
    ('sql', 'ALTER TABLE orders CONFIGURE ZONE USING gc.ttlseconds = 90000;'),
    ('sql', 'ALTER SCHEMA mydataset SET OPTIONS (max_time_travel_hours = 168);'),
    ('sql', "ALTER TABLE `proj.app.orders` SET OPTIONS (description = 'Orders fact; do not drop');"),
    ('shell', 'redis-cli CONFIG SET maxmemory-policy allkeys-lru'),
    ('shell', 'redis-cli CONFIG SET appendonly yes'),
    ('shell', 'redis-cli CONFIG SET save "900 1 300 10"'),
    ('shell', 'redis-cli CONFIG GET save'),
    ('sql', 'SET sql_log_bin = 1;'),
    ('sql', "SET GLOBAL binlog_expire_logs_seconds = '2592000';"),
    ('sql', 'ALTER SYSTEM SET archive_mode = on;'),
    ('sql', 'ALTER SYSTEM SET wal_level = replica;'),
    ('sql', 'SET search_path = app, public;'),
    ('sql', "SET statement_timeout = '5s';"),
    ('sql', "SET LOCAL lock_timeout = '2s';"),
]


@pytest.mark.parametrize(("kind", "payload"), DURABILITY_CUT)
def test_durability_cut_asks(kind: str, payload: str) -> None:
    assert asked(kind, payload)


@pytest.mark.parametrize(("kind", "payload"), DURABILITY_KEPT)
def test_durability_kept_passes(kind: str, payload: str) -> None:
    assert not asked(kind, payload)


def test_durability_reason_names_the_setting() -> None:
    verdict = check("SET GLOBAL binlog_expire_logs_seconds = 1;", "sql", policy=POLICY)
    assert "sql.any:durability-off" in verdict.rule_ids
    assert "binlog_expire_logs_seconds" in " ".join(verdict.reasons)


# ---- statements asked only because no reader knew them: SQLite's BEGIN modes, Oracle's known-safe
# packages (rules/sql_kinds.toml), CockroachDB's AS OF SYSTEM TIME and T-SQL's IF guards
# (analyze/sql/clauses.py), Snowflake's read grants over a schema's objects (rules/sql.toml) ----

STATEMENTS_PASS = [
    ('sql', "BEGIN IMMEDIATE; INSERT INTO migrations (version) VALUES ('20240601_add_pinned'); COMMIT;"),
    ('sql', 'BEGIN EXCLUSIVE TRANSACTION; INSERT INTO t (a) VALUES (1); COMMIT;'),
    ('sql', "BEGIN DEFERRED; UPDATE jobs SET state = 'done' WHERE id = 4; COMMIT;"),
    ('sql', "DECLARE v_cnt NUMBER; BEGIN SELECT COUNT(*) INTO v_cnt FROM app.invoices WHERE status = 'OPEN'; DBMS_OUTPUT.PUT_LINE('open=' || v_cnt); END;"),
    ('sql', "BEGIN DBMS_STATS.GATHER_TABLE_STATS(ownname => 'APP', tabname => 'ORDERS', cascade => TRUE); END;"),
    ('sql', "BEGIN DBMS_STATS.GATHER_SCHEMA_STATS('APP'); END;"),
    ('sql', "SELECT * FROM accounts AS OF SYSTEM TIME '-5m' WHERE id = 'a1b2';"),
    ('sql', 'SELECT count(*) FROM orders AS OF SYSTEM TIME follower_read_timestamp();'),
    ('sql', "SELECT * FROM t AS OF SYSTEM TIME '2024-06-01 10:00:00';"),
    ('sql', 'GRANT USAGE ON WAREHOUSE reporting_wh TO ROLE analyst; GRANT SELECT ON ALL TABLES IN SCHEMA analytics.marts TO ROLE analyst;'),
    ('sql', 'GRANT SELECT ON ALL TABLES IN SCHEMA analytics.marts TO ROLE analyst;'),
    ('sql', 'GRANT SELECT ON FUTURE TABLES IN SCHEMA analytics.marts TO ROLE analyst;'),
    ('sql', 'GRANT USAGE ON DATABASE analytics TO ROLE analyst;'),
    ('sql', "IF COL_LENGTH('dbo.Users', 'TimeZone') IS NULL ALTER TABLE dbo.Users ADD TimeZone nvarchar(64) NULL;"),
    ('sql', "IF OBJECT_ID('dbo.Audit', 'U') IS NULL CREATE TABLE dbo.Audit (id int);"),
    ('sql', "IF NOT EXISTS (SELECT 1 FROM sys.columns WHERE name = 'TimeZone' AND object_id = OBJECT_ID('dbo.Users')) ALTER TABLE dbo.Users ADD TimeZone nvarchar(64) NULL;"),
    ('sql', 'DELETE TOP (50) FROM dbo.Sessions WHERE SessionId = 42;'),
    ('sql', 'ALTER TABLE orders ADD COLUMN total_cents INT8 AS (qty * price_cents) STORED;'),
    ('sql', 'ALTER TABLE orders ADD COLUMN total_cents INT8 AS (qty * price_cents) VIRTUAL;'),
]

STATEMENTS_ASK = [
    ('sql', 'BEGIN IMMEDIATE; DELETE FROM migrations; COMMIT;'),
    ('sql', 'BEGIN EXCLUSIVE; DROP TABLE users; COMMIT;'),
    ('sql', 'BEGIN IMMEDIATE; DROP TABLE users; END;'),
    ('sql', "BEGIN DBMS_STATS.DELETE_TABLE_STATS('APP', 'ORDERS'); END;"),
    ('sql', "DECLARE v_cnt NUMBER; BEGIN SELECT COUNT(*) INTO v_cnt FROM app.invoices; DBMS_OUTPUT.PUT_LINE('x'); DELETE FROM app.invoices; END;"),
    ('sql', "BEGIN DBMS_OUTPUT.PUT_LINE('x'); EXECUTE IMMEDIATE 'DROP TABLE app.invoices'; END;"),
    ('sql', "BEGIN DBMS_OUTPUT.PUT_LINE('x'); DROP_ALL_TABLES(); END;"),
    ('sql', "BEGIN DBMS_SCHEDULER.DROP_JOB('nightly'); END;"),
    ('sql', "BEGIN DBMS_OUTPUT.PUT_LINE('x' || purge_invoices()); END;"),
    ('sql', "DELETE FROM accounts AS OF SYSTEM TIME '-5m';"),
    ('sql', "SELECT * FROM accounts AS OF SYSTEM TIME '-5m'; DROP TABLE accounts;"),
    ('sql', "SELECT * FROM accounts AS OF SYSTEM TIME '-5m'; DELETE FROM accounts;"),
    ('sql', 'GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA analytics.marts TO ROLE analyst;'),
    ('sql', 'GRANT ALL ON ALL TABLES IN SCHEMA analytics.marts TO ROLE analyst;'),
    ('sql', 'GRANT OWNERSHIP ON ALL TABLES IN SCHEMA analytics.marts TO ROLE analyst;'),
    ('sql', 'GRANT DELETE ON ALL TABLES IN SCHEMA analytics.marts TO ROLE analyst;'),
    ('sql', 'GRANT ROLE accountadmin TO ROLE analyst;'),
    ('sql', 'GRANT SELECT ON ALL TABLES IN SCHEMA analytics.marts TO ROLE public;'),
    ('sql', "IF COL_LENGTH('dbo.Users', 'TimeZone') IS NOT NULL ALTER TABLE dbo.Users DROP COLUMN TimeZone;"),
    ('sql', "IF OBJECT_ID('dbo.Audit', 'U') IS NOT NULL DROP TABLE dbo.Audit;"),
    ('sql', 'IF 1 = 1 DELETE FROM dbo.Users;'),
    ('sql', 'IF EXISTS (SELECT 1 FROM dbo.Users) TRUNCATE TABLE dbo.Users;'),
    ('sql', "IF COL_LENGTH('dbo.Users', 'TimeZone') IS NULL ALTER TABLE dbo.Users ADD TimeZone nvarchar(64) NULL; DROP TABLE dbo.Users;"),
    ('sql', 'DELETE TOP (5000) FROM dbo.Users;'),
    ('sql', 'DELETE TOP (5000) FROM dbo.AuditLog WHERE LoggedAt < DATEADD(day, -365, SYSUTCDATETIME());'),
    ('sql', 'ALTER TABLE orders ADD COLUMN total_cents INT8 AS (qty * price_cents) STORED, DROP COLUMN price_cents;'),
    ('sql', 'ALTER TABLE orders DROP COLUMN region;'),
    ('sql', 'ALTER TABLE orders ALTER COLUMN region SET DATA TYPE int;'),
    ('sql', "DELETE FROM t WHERE id IN (SELECT id FROM t AS OF SYSTEM TIME '-5m');"),
    ('sql', 'IF NOT EXISTS (SELECT 1 FROM x WHERE purge_all_rows() = 1) ALTER TABLE dbo.Users ADD tz int NULL;'),
    ('sql', 'IF NOT EXISTS (SELECT 1 FROM x) ALTER TABLE dbo.Users DROP COLUMN tz;'),
    ('sql', "IF OBJECT_ID('dbo.T') IS NULL EXEC('DROP TABLE dbo.Users');"),
    ('sql', "SELECT * FROM accounts AS OF SYSTEM TIME '-5m' FOR UPDATE; TRUNCATE accounts;"),
]


@pytest.mark.parametrize(("kind", "payload"), STATEMENTS_PASS)
def test_known_statement_passes(kind: str, payload: str) -> None:
    assert not asked(kind, payload)


@pytest.mark.parametrize(("kind", "payload"), STATEMENTS_ASK)
def test_destructive_look_alike_asks(kind: str, payload: str) -> None:
    assert asked(kind, payload)


TOP_CASES = [
    ("DELETE TOP (50) FROM dbo.Sessions WHERE SessionId = 42;", False),
    ("DELETE TOP (5000) FROM dbo.Users;", True),
    ("DELETE TOP (10) FROM dbo.Users;", True),
    ("DELETE TOP (5000) FROM dbo.Users WHERE Region = 'EU';", True),
]


@pytest.mark.parametrize(("payload", "asks"), TOP_CASES)
def test_tsql_top_is_a_limit_not_a_table(payload: str, asks: bool) -> None:
    verdict = check(payload, "sql", policy=POLICY)
    assert (verdict.decision.value != "allow") is asks
    assert "TOP" not in " ".join(f.target for f in verdict.findings)


# ---- shell lines that run database tools: knex's seed runs (they empty the seeded tables by the
# template) and the Rails test database rebuilt by the same && chain (rules/rebuilt.toml) ----

SHELL_CASES = [
    ("npx knex migrate:latest", False),
    ("npx knex seed:run --specific=01_countries.js", True),
    ("npx knex migrate:rollback --all", True),
    ("rm -f db/test.sqlite3 && RAILS_ENV=test bin/rails db:prepare && bundle exec rspec spec/models", False),
    ("rm -f db/test.sqlite3 && bin/rails db:test:prepare", False),
    ("rm -f db/test.sqlite3 ; bin/rails db:prepare", True),
    ("rm -f db/test.sqlite3 db/development.sqlite3 && bin/rails db:prepare", True),
    ("rm -f db/production.sqlite3 && RAILS_ENV=test bin/rails db:prepare", True),
    ("rm -f db/development.sqlite3", True),
    # a container made on the line is scratch only for a deleter in the same && chain: after `;` the
    # rm runs even when the run failed because a container of that name already existed
    ("docker run --rm -d --name pgtest postgres:16 && docker rm -f pgtest", False),
    ("docker run --rm -d --name pgtest postgres:16 ; docker rm -f pgtest", True),
]


@pytest.mark.parametrize(("payload", "asks"), SHELL_CASES)
def test_database_tool_lines(payload: str, asks: bool) -> None:
    assert asked("shell", payload) is asks


def test_knex_seed_reason_says_what_it_deletes() -> None:
    verdict = check("npx knex seed:run", "shell", policy=POLICY)
    assert "shell.knex:seed-run" in verdict.rule_ids
