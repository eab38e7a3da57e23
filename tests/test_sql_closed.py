"""SQL closed by default: overwrites without DROP or DELETE, MySQL executable comments, renames
that move a table away, CREATE OR REPLACE, index drops outside development, scratch that the
session owns, and statement kinds blastwall does not know."""

from __future__ import annotations

import pytest

from blastwall.analyze.base import Scope
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.sql import analyze_sql
from blastwall.engine import check
from blastwall.model import Severity
from blastwall.policy.engine import default_policy

POLICY = default_policy()


def asked(text: str, **context: str) -> bool:
    return check(text, "sql", context=context or None, policy=POLICY).decision.value != "allow"


def rule_ids(text: str, dialect: str | None = None) -> list[str]:
    return [f.rule_id for f in analyze_sql(text, Scope.start(), dialect=dialect) if f.severity >= Severity.MEDIUM]


DESTRUCTIVE = [
    # MySQL / MariaDB executable comments run their body
    ("SELECT 1; /*!50000 DROP TABLE users */;", "sql.postgres:drop-table"),
    ("/*!DROP TABLE users*/", "sql.postgres:drop-table"),
    ("/*!40101 TRUNCATE orders */", "sql.postgres:truncate"),
    ("/*M!100100 DELETE FROM orders */", "sql.postgres:delete-without-where"),
    ("SELECT /*!50000 1; DROP DATABASE app */", "sql.postgres:drop-database"),
    ("/*! /*! DROP TABLE users */ */", "sql.postgres:drop-table"),
    # upserts that overwrite existing rows from a query
    ("INSERT INTO users SELECT * FROM users_backup ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email",
     "sql.postgres:upsert-overwrite"),
    ("insert into users (id, email) select id, email from staging on conflict on constraint users_pkey do update "
     "set email = excluded.email", "sql.postgres:upsert-overwrite"),
    ("WITH s AS (SELECT * FROM old) INSERT INTO users SELECT * FROM s ON CONFLICT (id) DO UPDATE SET name = 'x'",
     "sql.postgres:upsert-overwrite"),
    ("INSERT INTO t (a, b) SELECT a, b FROM s ON DUPLICATE KEY UPDATE b = VALUES(b)", "sql.postgres:upsert-overwrite"),
    ("REPLACE INTO settings SELECT * FROM settings_defaults", "sql.mysql:replace-into"),
    ("INSERT OR REPLACE INTO settings SELECT * FROM defaults", "sql.mysql:replace-into"),
    # renames and moves that take a table away from its name
    ("ALTER TABLE users RENAME TO users_old; CREATE TABLE users (id int);", "sql.mysql:rename-table"),
    ("ALTER TABLE IF EXISTS public.users RENAME TO users_old", "sql.mysql:rename-table"),
    ("ALTER TABLE users SET SCHEMA archive", "sql.mysql:rename-table"),
    ("ALTER VIEW active_users RENAME TO active_users_v1", "sql.mysql:rename-table"),
    ("ALTER SCHEMA app RENAME TO app_old", "sql.mysql:rename-table"),
    ("ALTER DATABASE app RENAME TO app_old", "sql.mysql:rename-table"),
    ("RENAME TABLE users TO users_old", "sql.mysql:rename-table"),
    # CREATE OR REPLACE
    ("CREATE OR REPLACE TABLE users (id int)", "sql.postgres:replace-table"),
    ("CREATE OR REPLACE TABLE users AS SELECT 1 AS id", "sql.postgres:replace-table"),
    ("CREATE OR REPLACE VIEW active_users AS SELECT * FROM users", "sql.postgres:replace-definition"),
    ("CREATE OR REPLACE FUNCTION total() RETURNS int LANGUAGE sql AS 'SELECT 1'", "sql.postgres:replace-definition"),
    ("CREATE OR REPLACE PROCEDURE p() LANGUAGE sql AS 'SELECT 1'", "sql.postgres:replace-definition"),
    ("CREATE OR REPLACE TRIGGER t BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION f()",
     "sql.postgres:replace-definition"),
    ("CREATE OR REPLACE RULE r AS ON INSERT TO t DO INSTEAD NOTHING", "sql.postgres:replace-definition"),
    # index drops (asked unless the database is a development one)
    ("DROP INDEX CONCURRENTLY idx_orders_customer;", "sql.postgres:drop-index"),
    ("DROP INDEX IF EXISTS idx_orders_customer", "sql.postgres:drop-index"),
    # sequences, prepared statements, procedures
    ("ALTER SEQUENCE orders_id_seq RESTART WITH 1", "sql.postgres:sequence-restart"),
    ("EXECUTE wipe_orders", "sql.postgres:execute-prepared"),
    ("CALL purge_old_orders()", "sql.postgres:call-destructive"),
    ("CALL app.dropAllTables()", "sql.postgres:call-destructive"),
    # statement kinds blastwall does not know
    ("LOAD 'plpython3u'", "sql.parse:unknown-statement"),
    ("ALTER DATABASE app WITH ALLOW_CONNECTIONS false", "sql.parse:unknown-statement"),
    ("ALTER POLICY tenant_isolation ON orders USING (true)", "sql.parse:unknown-statement"),
    ("INSTALL PLUGIN x SONAME 'x.so'", "sql.parse:unknown-statement"),
    ("UPSERT INTO t VALUES (1)", "sql.parse:unknown-statement"),
    ("PURGE BINARY LOGS BEFORE NOW()", "sql.mysql:binlog-reset"),
]

SAFE = [
    "DROP TABLE IF EXISTS pg_temp.scratch;",
    "DROP TABLE pg_temp_3.scratch",
    "CREATE TEMP TABLE scratch AS SELECT * FROM orders LIMIT 100;",
    "CREATE TEMP TABLE s (id int); INSERT INTO s VALUES (1); TRUNCATE s; DELETE FROM s; DROP TABLE s",
    "CREATE TEMPORARY TABLE s AS SELECT 1 AS id; UPDATE s SET id = 2; ALTER TABLE s DROP COLUMN id",
    "CREATE TABLE users_new (LIKE users); ALTER TABLE users_new RENAME TO users_v2",
    "INSERT INTO orders (user_id, total) SELECT id, 0 FROM users WHERE id = 5 ON CONFLICT DO NOTHING;",
    "INSERT INTO users (id, email) VALUES (1, 'a@x') ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email",
    "INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = 2",
    "SELECT 'DROP TABLE ' || quote_ident(tablename) || ';' FROM pg_tables WHERE schemaname = 'public'",
    "SELECT format('TRUNCATE %I;', relname) FROM pg_class",
    "SELECT string_agg('DROP INDEX ' || indexname, '; ') FROM pg_indexes",
    "SELECT '/*!50000 DROP TABLE users */'",
    "/*!40101 SET NAMES utf8mb4 */;",
    "/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;",
    "PREPARE p AS SELECT * FROM users WHERE id = $1; EXECUTE p(1)",
    "CALL refresh_stats()",
    "CREATE VIEW v AS SELECT 1",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "ALTER TABLE users RENAME COLUMN name TO full_name",
    "ALTER INDEX idx_a RENAME TO idx_b",
    "REFRESH MATERIALIZED VIEW CONCURRENTLY mv",
    "REINDEX TABLE orders",
    "CLUSTER orders USING orders_pkey",
    "COMMENT ON TABLE users IS 'people'",
    "SET search_path TO app",
    "SHOW server_version",
    "VACUUM ANALYZE orders",
    "LOCK TABLE orders IN SHARE MODE",
    "OPTIMIZE TABLE orders",
    "FLUSH PRIVILEGES",
    "TABLE users",
    "VALUES (1), (2)",
    "DISCARD ALL",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO reader",
    "CREATE INDEX CONCURRENTLY idx ON orders (customer_id)",
    "ALTER SEQUENCE orders_id_seq INCREMENT BY 1",
    "SUMMARIZE orders",
]


@pytest.mark.parametrize("text,rule", DESTRUCTIVE, ids=[t[:60] for t, _ in DESTRUCTIVE])
def test_destructive_is_found_and_asked(text: str, rule: str) -> None:
    assert rule in rule_ids(text), rule_ids(text)
    assert asked(text)


@pytest.mark.parametrize("text", SAFE, ids=[t[:60] for t in SAFE])
def test_safe_is_allowed(text: str) -> None:
    verdict = check(text, "sql", policy=POLICY)
    assert verdict.decision.value == "allow", (verdict.reasons, verdict.rule_ids)


def test_scratch_is_only_the_sessions_own() -> None:
    assert asked("DROP TABLE pg_temp.s, users")  # one real table among temporary ones
    assert asked("DROP TABLE scratch; CREATE TEMP TABLE scratch (id int)")  # dropped before it was made
    assert asked("CREATE TABLE IF NOT EXISTS users (id int); ALTER TABLE users RENAME TO users_old")  # may exist


def test_index_drop_is_allowed_in_a_development_database() -> None:
    assert not asked("DROP INDEX CONCURRENTLY idx_orders_customer", database="postgres://dev@localhost:5432/app")
    assert asked("DROP INDEX CONCURRENTLY idx_orders_customer", environment="local")  # a name alone proves nothing
    assert asked("DROP INDEX CONCURRENTLY idx_orders_customer", environment="production")
    assert asked("DROP INDEX CONCURRENTLY idx_orders_customer")  # a database nobody placed


def test_executable_comment_is_named_in_the_reason() -> None:
    found = analyze_sql("SELECT 1; /*!50000 DROP TABLE users */", Scope.start())
    assert any("executable comment" in f.reason for f in found)


def test_every_postgres_statement_kind_is_classified() -> None:
    """A new pglast statement type must be put in a list: handled, harmless or asked."""
    import pglast.ast

    from blastwall.analyze.sql.pg import HANDLERS

    lists = load_table("sql")["pg"]["statements"]
    known = set(HANDLERS) | set(lists["harmless"]) | set(lists["ask"])
    kinds = {n for n in dir(pglast.ast) if n.endswith("Stmt")}
    assert kinds - known == set()
    assert not set(lists["harmless"]) & set(lists["ask"])


@pytest.mark.parametrize("kind", load_table("sql")["pg"]["statements"]["ask"])
def test_asked_kinds_have_no_handler_or_harmless_entry(kind: str) -> None:
    from blastwall.analyze.sql.pg import HANDLERS

    assert kind not in HANDLERS and kind not in load_table("sql")["pg"]["statements"]["harmless"]


@pytest.mark.parametrize("text", [
    "CREATE TEMP TABLE users (id int); DROP TABLE users; DROP TABLE users",  # the second drop finds the real one
    "CREATE TEMP TABLE users (id int); ALTER TABLE users RENAME TO u2; TRUNCATE users",
    "CREATE TEMP TABLE users (id int); DISCARD TEMP; DELETE FROM users",
    "CREATE TEMP TABLE users (id int); SET search_path = public, pg_temp; DROP TABLE users",
    "BEGIN; CREATE TEMP TABLE users (id int) ON COMMIT DROP; COMMIT; DROP TABLE users",
])
def test_a_temporary_name_stops_being_scratch_when_the_table_is_gone(text: str) -> None:
    assert asked(text)


@pytest.mark.parametrize("text,dialect,destructive", [
    ("CALL purge_orders()", "mysql", True), ("CALL app.purge_orders();", "mysql", True),
    ("CALL refresh_stats()", "mysql", False), ("EXEC dbo.purge_orders", "tsql", True),
    ("EXEC dbo.ClearOldData", "tsql", True), ("EXEC sp_who2", "tsql", False), ("EXEC dbo.RefreshStats", "tsql", False),
])
def test_procedures_are_judged_by_their_names_in_every_dialect(text: str, dialect: str, destructive: bool) -> None:
    assert bool(rule_ids(text, dialect)) is destructive
