"""SQL classes: statements a query builds and psql's \\gexec runs, and psql's other backslash
commands in SQL text."""

from __future__ import annotations

import pytest
from verdicts import allowed_and_asked

import blastwall
from blastwall.engine import make_action


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def decision(sql: str, kind: str = "sql") -> str:
    return blastwall.check(make_action(kind, sql, None)).decision.value


def reasons(sql: str) -> str:
    return " ".join(blastwall.check(make_action("sql", sql, None)).reasons)


# ---- statements built by a query and run by \gexec ------------------------------------------
GEXEC_ASKED = [
    "SELECT format('DROP TABLE %I.%I CASCADE;', schemaname, tablename) FROM pg_tables WHERE schemaname = 'app' \\gexec",
    "SELECT format('DROP TABLE %I.%I CASCADE;', schemaname, tablename) FROM pg_tables;\n\\gexec",
    "SELECT 'DROP TABLE ' || quote_ident(tablename) || ';' FROM pg_tables WHERE schemaname = 'app'\\gexec",
    "SELECT 'TRUNCATE ' || tablename FROM pg_tables \\gexec",
    "select FORMAT('drop schema %I cascade', nspname) from pg_namespace \\gexec",
    "SELECT format('%s TABLE %I', 'DROP', tablename) FROM pg_tables \\gexec",
    "SELECT string_agg(format('DROP TABLE %I', tablename), '; ') FROM pg_tables \\gexec",
    "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables \\gexec",
    "SELECT 'SELECT 1' UNION ALL SELECT 'TRUNCATE invoices' \\gexec",
    "VALUES ('DELETE FROM customers') \\gexec",
    "SELECT 'DROP DATABASE ' || datname FROM pg_database WHERE datname LIKE 'shop%' \\gexec",
    "SELECT concat('ALTER TABLE ', tablename, ' DROP COLUMN legacy') FROM pg_tables \\gexec",
    # one bounded statement for each row found: an unknown number of rows together
    "SELECT format('DELETE FROM customers WHERE id = %s', id) FROM stale_customers \\gexec",
    "SELECT format('UPDATE accounts SET balance = 0 WHERE id = %L', id) FROM accounts \\gexec",
    # SQL blastwall cannot see
    "SELECT cmd FROM pending_commands \\gexec",
    "SELECT format(tmpl, tablename) FROM templates, pg_tables \\gexec",
    "\\gexec",
    "WITH t AS (SELECT 'DROP TABLE x' AS q) SELECT q FROM t \\gexec",
    # other backslash commands that run or write something
    "SELECT format('DROP TABLE %I', tablename) FROM pg_tables \\g | psql",
    "SELECT format('DROP TABLE %I', tablename) FROM pg_tables \\o | psql app",
    "\\o /etc/cron.d/x\nSELECT 1;",
    "\\! dropdb app",
    "\\i teardown.sql",
    "\\ir ../sql/reset.sql",
    "SELECT 1; \\lo_unlink 12345",
    "\\e",
    "\\copy (SELECT 1) TO PROGRAM 'dropdb app'",
    "\\x \\\\ DELETE FROM customers;",
    "\\c app\nDROP TABLE customers;",
    "\\set t customers\nDROP TABLE :t;",
]
GEXEC_ALLOWED = [
    # a query alone only builds text
    "SELECT format('DROP TABLE %I.%I CASCADE;', schemaname, tablename) FROM pg_tables WHERE schemaname = 'app'",
    "SELECT 'TRUNCATE ' || tablename FROM pg_tables",
    "SELECT format('DROP TABLE %I', tablename) FROM pg_tables \\g",
    "SELECT format('DROP TABLE %I', tablename) FROM pg_tables \\gx",
    # what \gexec runs is read, and harmless
    "SELECT 'CREATE DATABASE app' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'app')\\gexec",
    "SELECT format('ANALYZE %I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname = 'public' \\gexec",
    "SELECT format('VACUUM ANALYZE %I', relname) FROM pg_stat_user_tables \\gexec",
    "SELECT format('DELETE FROM %I WHERE id = %L', 'customers', 7) \\gexec",
    "SELECT format('CREATE INDEX IF NOT EXISTS %I ON %I (created_at)', tablename || '_created', tablename) "
    "FROM pg_tables WHERE schemaname = 'public' \\gexec",
    "SELECT $$ \\gexec $$;",
    "SELECT '\\gexec' AS x;",
    "-- \\! dropdb app\nSELECT 1;",
    # display only
    "\\dt",
    "\\dt+ public.*",
    "\\d+ customers",
    "\\x\nSELECT * FROM customers WHERE id = 1;",
    "\\timing on\nSELECT count(*) FROM orders;",
    "SHOW CREATE TABLE orders\\G",
    "\\copy orders FROM 'orders.csv' CSV HEADER",
    "\\conninfo",
    # MySQL strings whose escapes look like backslash commands to PostgreSQL's lexing
    "INSERT INTO notes (body) VALUES ('it\\'s C:\\temp\\new');",
    "UPDATE notes SET body = 'don\\'t \\! run' WHERE id = 3;",
]


test_gexec_and_backslash_commands_allowed, test_gexec_and_backslash_commands_asked = allowed_and_asked(
    GEXEC_ALLOWED, GEXEC_ASKED, judge=decision)


def test_gexec_reason_names_the_generated_statement() -> None:
    said = reasons("SELECT format('DROP TABLE %I', tablename) FROM pg_tables \\gexec")
    assert "DROP TABLE" in said and "(a name chosen at run time)" in said


def test_gexec_in_a_psql_shell_line_reads_what_runs() -> None:
    drop = "echo \"SELECT format('DROP TABLE %I', tablename) FROM pg_tables \\gexec\" | psql app"
    create = "echo \"SELECT 'CREATE DATABASE app' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'app')" \
             "\\gexec\" | psql"
    assert decision(drop, "shell") != "allow"
    assert decision(create, "shell") == "allow"


# ---- LIMIT without WHERE or ORDER BY: whichever rows the server reads first ------------------
LIMIT_ASKED = [
    ("DELETE FROM wp_posts LIMIT 500;", "mysql"),
    ("DELETE FROM wp_posts LIMIT 500;", None),
    ("delete from `customers` limit 10", None),
    ("DELETE FROM customers LIMIT 1", "mysql"),
    ("UPDATE customers SET banned = 1 LIMIT 100;", "mysql"),
    ("DELETE LOW_PRIORITY FROM customers LIMIT 500;", "mysql"),
    ("DELETE QUICK IGNORE FROM customers LIMIT 500", "mysql"),
    ("DELETE TOP (500) FROM customers;", "tsql"),
    ("DELETE TOP (500) FROM customers;", None),
    ("UPDATE TOP (10) customers SET banned = 1", None),
    ("DELETE FROM customers LIMIT 1000000", "mysql"),
]
LIMIT_ALLOWED = [
    ("DELETE FROM customers WHERE id = 5 LIMIT 1;", "mysql"),
    ("DELETE FROM customers WHERE id = 5 LIMIT 1;", None),
    ("DELETE FROM api_tokens WHERE expires_at < NOW() LIMIT 500", None),
    ("DELETE TOP (500) FROM customers WHERE id = 7", None),
    ("DELETE FROM customers LIMIT 0", "mysql"),
]


def _dialect_decision(sql: str, dialect: str | None) -> str:
    context = {"dialect": dialect} if dialect else None
    return blastwall.check(make_action("sql", sql, context)).decision.value


@pytest.mark.parametrize("sql,dialect", LIMIT_ASKED)
def test_limit_without_where_asked(sql: str, dialect: str | None) -> None:
    assert _dialect_decision(sql, dialect) != "allow"


@pytest.mark.parametrize("sql,dialect", LIMIT_ALLOWED)
def test_limit_with_a_chosen_bound_allowed(sql: str, dialect: str | None) -> None:
    assert _dialect_decision(sql, dialect) == "allow"


# ---- expired cleanups where the schema, dataset or pinned bucket says the data is short-lived -
EXPIRED_ALLOWED = [
    "ALTER TABLE logs.requests DELETE WHERE event_date < today() - 90;",
    "ALTER TABLE logs.requests ON CLUSTER main DELETE WHERE event_date < today() - 30;",
    "DELETE FROM logs.requests WHERE created_at < now() - interval '90 days';",
    "DELETE FROM `acme-prod.logs.app_events` WHERE event_ts < TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 400 DAY);",
    "DELETE FROM `logs`.`app_events` WHERE event_ts < DATE_SUB(NOW(), INTERVAL 30 DAY);",
    "DELETE FROM [logs].[dbo].[requests] WHERE created_at < DATEADD(day, -30, GETDATE());",
    "DELETE FROM cache.pages WHERE updated_at < now() - interval '1 day';",
    "DELETE FROM storage.objects WHERE bucket_id = 'tmp-exports' AND created_at < now() - interval '7 days';",
    "DELETE FROM storage.objects WHERE bucket_id IN ('tmp-exports', 'scratch') AND created_at < now() - interval '7 days';",
]
EXPIRED_ASKED = [
    # no age, every row, the future, or now for an age column
    "ALTER TABLE logs.requests DELETE WHERE 1;",
    "ALTER TABLE logs.requests DELETE WHERE event_date < today() + 90;",
    "DELETE FROM `acme-prod.logs.app_events` WHERE true;",
    "DELETE FROM `acme-prod.logs.app_events` WHERE user_id > 0;",
    "DELETE FROM `acme-prod.logs.app_events` WHERE event_ts < TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 400 DAY);",
    "DELETE FROM `acme-prod.logs.app_events` WHERE event_ts < CURRENT_TIMESTAMP();",
    "DELETE FROM logs.requests;",
    "TRUNCATE logs.requests;",
    # a schema or dataset that does not say so, or a table in it that keeps records
    "ALTER TABLE analytics.requests DELETE WHERE event_date < today() - 90;",
    "ALTER TABLE logs.audit_events DELETE WHERE event_date < today() - 90;",
    "DELETE FROM `acme-prod.analytics.app_events` WHERE event_ts < TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 400 DAY);",
    "DELETE FROM `acme-prod.logs.billing_events` WHERE event_ts < TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 400 DAY);",
    "DELETE FROM tmp.orders WHERE created_at < now() - interval '7 days';",
    # a bucket that is not temporary, not pinned, or pinned without an age
    "DELETE FROM storage.objects WHERE bucket_id = 'tmp-exports';",
    "DELETE FROM storage.objects WHERE bucket_id = 'avatars' AND created_at < now() - interval '7 days';",
    "DELETE FROM storage.objects WHERE bucket_id = 'tmp-exports' OR created_at < now() - interval '7 days';",
    "DELETE FROM storage.objects WHERE bucket_id <> 'tmp-exports' AND created_at < now() - interval '7 days';",
    "DELETE FROM storage.objects WHERE bucket_id IN ('tmp-exports', 'invoices') AND created_at < now() - interval '7 days';",
    "DELETE FROM storage.objects WHERE bucket_id = 'billing-tmp' AND created_at < now() - interval '7 days';",
    "DELETE FROM storage.objects WHERE bucket_id = 'tmp-exports' AND created_at < now() + interval '7 days';",
    # old carts: orders in the making, not short-lived data
    "DELETE FROM cart_items WHERE updated_at < NOW() - INTERVAL 30 DAY LIMIT 5000;",
]


(test_expired_cleanup_in_a_short_lived_schema_or_bucket_allowed,
 test_expired_cleanup_look_alikes_asked) = allowed_and_asked(EXPIRED_ALLOWED, EXPIRED_ASKED, judge=decision)


# ---- T-SQL DBCC: checks and reports pass, repairs and writes ask ------------------------------
DBCC_ALLOWED = [
    "DBCC CHECKDB ('Shop') WITH NO_INFOMSGS;",
    "DBCC CHECKDB;",
    "DBCC CHECKDB WITH PHYSICAL_ONLY, NO_INFOMSGS",
    "dbcc checktable ('dbo.Orders')",
    "DBCC CHECKALLOC ('Shop');",
    "DBCC SHOW_STATISTICS ('dbo.Orders', IX_Orders_Date);",
    "DBCC SQLPERF(LOGSPACE);",
    "DBCC OPENTRAN;",
    "DBCC INPUTBUFFER(52);",
    "DBCC CHECKIDENT ('dbo.Orders', NORESEED);",
    "DBCC DROPCLEANBUFFERS;",
    "DBCC FREEPROCCACHE;",
]
DBCC_ASKED = [
    "DBCC CHECKDB ('Shop', REPAIR_ALLOW_DATA_LOSS);",
    "DBCC CHECKDB (N'Shop', REPAIR_REBUILD) WITH NO_INFOMSGS;",
    "DBCC CHECKTABLE ('dbo.Orders', REPAIR_ALLOW_DATA_LOSS);",
    "DBCC CHECKIDENT ('dbo.Orders', RESEED, 0);",
    "DBCC CHECKIDENT ('dbo.Orders');",
    "DBCC SHRINKFILE (Shop_log, EMPTYFILE);",
    "DBCC SHRINKDATABASE (Shop);",
    "DBCC WRITEPAGE ('Shop', 1, 100, 0, 1, 0x00);",
    "DBCC TRACEON (3604, -1);",
    "DBCC SQLPERF('sys.dm_os_wait_stats', CLEAR);",
    "DBCC UPDATEUSAGE (Shop);",
    "DBCC CHECKDB; DROP TABLE dbo.Orders;",
    "DBCC CHECKDB ('Shop') WITH NO_INFOMSGS; TRUNCATE TABLE dbo.Orders",
]


test_dbcc_checks_and_reports_allowed, test_dbcc_repairs_and_writes_asked = allowed_and_asked(
    DBCC_ALLOWED, DBCC_ASKED, judge=decision)


def test_dbcc_repair_says_rows_are_deleted() -> None:
    assert "deallocating damaged pages" in reasons("DBCC CHECKDB ('Shop', REPAIR_ALLOW_DATA_LOSS);")


# ---- a role granted to a role the script just created ----------------------------------------
ROLES_ALLOWED = [
    "CREATE ROLE analyst NOLOGIN; GRANT readonly TO analyst;",
    "CREATE ROLE analyst; GRANT readonly, reporting TO analyst;",
    "CREATE USER svc_report WITH PASSWORD 'x'; GRANT app_rw TO svc_report;",
    "CREATE ROLE a; CREATE ROLE b; GRANT readonly TO a, b;",
    "CREATE ROLE analyst NOLOGIN;\nGRANT readonly TO analyst;\nGRANT SELECT ON ALL TABLES IN SCHEMA public TO readonly;",
]
ROLES_ASKED = [
    "GRANT readonly TO analyst;",  # an existing role gains access
    "CREATE ROLE analyst NOLOGIN; GRANT readonly TO analyst, bob;",
    "CREATE ROLE analyst NOLOGIN; GRANT readonly TO PUBLIC;",
    "CREATE ROLE analyst NOLOGIN; GRANT readonly TO CURRENT_USER;",
    "CREATE ROLE analyst NOLOGIN; GRANT readonly TO analyst WITH ADMIN OPTION;",
    "GRANT readonly TO analyst; CREATE ROLE analyst NOLOGIN;",
    "BEGIN; CREATE ROLE analyst NOLOGIN; ROLLBACK; GRANT readonly TO analyst;",
    "CREATE ROLE analyst NOLOGIN; ALTER ROLE bob RENAME TO analyst2; GRANT readonly TO analyst;",
    "CREATE ROLE analyst NOLOGIN; REVOKE readonly FROM bob;",
    "CREATE ROLE analyst SUPERUSER; GRANT readonly TO analyst;",
    # roles that administer, own, or reach beyond the database's data
    "CREATE ROLE analyst NOLOGIN; GRANT app_admin TO analyst;",
    "CREATE ROLE analyst NOLOGIN; GRANT appadmin TO analyst;",
    "CREATE ROLE analyst NOLOGIN; GRANT rds_superuser TO analyst;",
    "CREATE ROLE analyst NOLOGIN; GRANT cloudsqlsuperuser TO analyst;",
    "CREATE ROLE analyst NOLOGIN; GRANT azure_pg_admin TO analyst;",
    "CREATE ROLE analyst NOLOGIN; GRANT pg_write_all_data TO analyst;",
    "CREATE ROLE analyst NOLOGIN; GRANT pg_execute_server_program TO analyst;",
    "CREATE ROLE analyst NOLOGIN; GRANT schema_owner TO analyst;",
    "CREATE ROLE analyst NOLOGIN; GRANT dba TO analyst;",
    "CREATE ROLE analyst NOLOGIN; GRANT replicator TO analyst;",
    # the same membership given when the role is created
    "CREATE ROLE me LOGIN PASSWORD 'p' IN ROLE app_admin;",
    "CREATE USER me IN GROUP rds_superuser;",
]


test_role_granted_to_a_new_role_allowed, test_role_grant_look_alikes_asked = allowed_and_asked(
    ROLES_ALLOWED, ROLES_ASKED, judge=decision)


def test_a_client_that_goes_on_after_errors_makes_no_role_its_own() -> None:
    """A client that runs the GRANT even when CREATE ROLE failed over an existing role."""
    from blastwall.analyze.base import Scope
    from blastwall.analyze.sql import analyze_sql

    sql = "CREATE ROLE analyst NOLOGIN; GRANT readonly TO analyst;"
    assert analyze_sql(sql, Scope(stops_on_error=False))
    assert not analyze_sql(sql, Scope())


# ---- COPY ... TO a file named for the period it exports ---------------------------------------
STAMPED_ALLOWED = [
    "COPY (SELECT * FROM orders) TO 'exports/orders-2024-06.parquet' (FORMAT parquet);",
    "COPY orders TO 'exports/orders_20240611.csv' WITH (FORMAT csv, HEADER);",
    "COPY (SELECT * FROM events) TO 'out/events-2024-06-11T0930.jsonl';",
    "COPY (SELECT * FROM orders) TO 'exports/orders-2024-06.csv.gz';",
    "COPY (SELECT * FROM orders) TO 'reports/2024.06/orders.2024.06.csv';",
]
STAMPED_ASKED = [
    "COPY (SELECT * FROM orders) TO 'exports/orders.parquet' (FORMAT parquet);",
    "COPY (SELECT * FROM orders) TO 'exports/orders-v2.parquet' (FORMAT parquet);",
    "COPY (SELECT * FROM orders) TO 'exports/orders-12345678.csv';",
    "COPY (SELECT * FROM orders) TO 'exports/orders-2024-13.csv';",
    "COPY (SELECT * FROM orders) TO 'exports/orders-2024.csv';",
    "COPY (SELECT * FROM orders) TO 'exports/2024-06/orders.csv';",  # the folder is dated, the file is not
    "COPY (SELECT * FROM orders) TO '../exports/orders-2024-06.parquet' (FORMAT parquet);",
    "COPY (SELECT * FROM orders) TO '/etc/cron.d/orders-2024-06.csv';",
    "COPY (SELECT * FROM orders) TO '/var/lib/postgresql/orders-2024-06.csv';",
    "COPY (SELECT * FROM orders) TO '~/.ssh/authorized_keys-2024-06.csv';",
    "COPY (SELECT * FROM orders) TO 'exports/orders-2024-06.sh';",
    "COPY (SELECT * FROM orders) TO 'exports/orders-2024-06';",
    "COPY (SELECT * FROM orders) TO PROGRAM 'cat > exports/orders-2024-06.csv';",
    "COPY (SELECT * FROM orders) TO '.git/orders-2024-06.csv';",
]


test_export_named_for_its_period_allowed, test_export_look_alikes_asked = allowed_and_asked(
    STAMPED_ALLOWED, STAMPED_ASKED, judge=decision)


def test_a_stamped_export_over_a_file_that_is_there_asks(tmp_path) -> None:  # noqa: ANN001 - pytest fixture
    """With a working directory blastwall looks: a stamped name already there is overwritten."""
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "orders-2024-06.parquet").write_bytes(b"PAR1")
    sql = "COPY (SELECT * FROM orders) TO 'exports/orders-2024-06.parquet' (FORMAT parquet);"
    there = blastwall.check(make_action("sql", sql, {"cwd": str(tmp_path)})).decision.value
    other = sql.replace("2024-06", "2024-07")
    new = blastwall.check(make_action("sql", other, {"cwd": str(tmp_path)})).decision.value
    assert there != "allow"
    assert new == "allow"
