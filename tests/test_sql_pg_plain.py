"""PostgreSQL scripts read from libpg_query's JSON (analyze/sql/pg_plain.py) are read exactly as
from pglast's node objects: `pg.statements` against `pg._from_nodes` over the SQL of every
corpus and over scripts made of its statements, plain SELECTs and transaction statements."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from blastwall.analyze.sql import pg, pg_plain
from tests.corpus_sql import sql_texts

SQL = sql_texts()
PLAIN = [
    "SELECT 1", "select * from users where id = 4", "SHOW search_path", "BEGIN", "COMMIT", "ROLLBACK",
    "SAVEPOINT s1", "ROLLBACK TO SAVEPOINT s1", "RELEASE s1", "START TRANSACTION", "PREPARE TRANSACTION 'x'",
    "COMMIT PREPARED 'x'", "SELECT a FROM t UNION SELECT b FROM u", "SELECT 1 INTO new_t",
    "WITH x AS (SELECT 1) SELECT * FROM x", "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
    "SELECT pg_terminate_backend(1)", "SELECT * FROM t WHERE a IN (SELECT b FROM u)", "-- only a comment",
    "SELECT 'DropStmt'", "SELECT '\"FuncCall\":'", "SELECT \"DeleteStmt\" FROM t", "SELECT 'é' AS \"ü\"",
    "EXPLAIN SELECT 1", "EXPLAIN ANALYZE DELETE FROM t", "SELECT * FROM t FOR UPDATE", "TABLE t", "VALUES (1)",
    "SELECT lo_unlink(1)", "SELECT count(*) FROM t", "DROP TABLE t", "SELECT now(), current_database()",
    "SELECT drop_chunks('t', INTERVAL '1 day')", "SELECT add_retention_policy('t', INTERVAL '7 days')",
    "SELECT exec_sql('DROP TABLE t')", "SELECT cron.schedule('n', '* * * * *', 'DELETE FROM t')",
    "SELECT pg_catalog.now()", "SELECT public.count(1)", "SELECT lower(x) FROM t WHERE y = upper('a')",
    "SELECT purge_old_data()", "SELECT PurgeOldData()", "SELECT f(g(h(1)))", "SELECT dblink_exec('DROP TABLE t')", "SELECT execute(command => 'DELETE FROM t')",
    "SELECT run(query => 'TRUNCATE t')", "SET search_path = x", "SELEC 1", "",
]


def test_every_corpus_script_reads_the_same_both_ways():
    assert len(SQL) > 300
    fast = 0
    for text in SQL:
        assert pg.statements(text) == pg._from_nodes(text, 0, True), text
        fast += pg_plain.read(text, pg._HANDLED, pg.pg_changes.harmless_kinds, pg.quiet_call) is not None
    assert fast  # some corpus scripts take the JSON reading


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(st.sampled_from(SQL + PLAIN) | st.sampled_from(PLAIN), min_size=1, max_size=5),
       sep=st.sampled_from([";", "; ", ";\n", " ;\n-- c\n"]))
def test_scripts_of_corpus_and_plain_statements_read_the_same_both_ways(parts, sep):
    text = sep.join(parts)
    assert pg.statements(text) == pg._from_nodes(text, 0, True)
    assert pg.statements(text, stops=False) == pg._from_nodes(text, 0, False)


def test_plain_statements_take_the_json_reading_and_handled_nodes_do_not():
    def plain(text: str) -> bool:
        return pg_plain.read(text, pg._HANDLED, pg.pg_changes.harmless_kinds, pg.quiet_call) is not None

    assert plain("SELECT * FROM t; SHOW x; BEGIN; COMMIT")
    assert plain("SELECT 'DropStmt', \"FuncCall\" FROM t")  # names in strings are not nodes
    assert not plain("SELECT pg_terminate_backend(1)")  # a function call its handler takes a hit from
    assert plain("SELECT count(*), now() FROM t")  # ones whose names take none
    assert not plain("SELECT purge_old_data()") and not plain("SELECT cron.schedule('a', 'b', 'c')")
    assert not plain("SELECT execute(command => 'DELETE FROM t')")  # an executor given its text by name
    assert not plain("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d")
    assert not plain("SELECT 1; DROP TABLE t")
    assert not plain("EXPLAIN SELECT 1")
    assert not plain("SELEC 1")
    assert not plain("SELECT 'é'")  # pglast's offsets count characters: left to it


DDL = [
    "CREATE TABLE t (id bigserial PRIMARY KEY, at timestamptz DEFAULT now())", "CREATE TABLE t (a int DEFAULT purge_all())",
    "CREATE INDEX CONCURRENTLY i ON t (a) WHERE b > now()", "CREATE UNIQUE INDEX i ON t (lower(a))",
    "CREATE TEMP TABLE s AS SELECT * FROM t LIMIT 10", "CREATE TABLE c AS WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
    "CREATE MATERIALIZED VIEW m AS SELECT 1", "CREATE SCHEMA s CREATE TABLE t (a int) GRANT SELECT ON t TO PUBLIC",
    "CREATE SEQUENCE s", "CREATE EXTENSION IF NOT EXISTS pgcrypto", "CREATE TYPE mood AS ENUM ('a', 'b')",
    "CREATE DOMAIN d AS int CHECK (VALUE > 0)", "VACUUM FULL", "VACUUM (VERBOSE) orders", "ANALYZE orders",
    "REINDEX TABLE t", "CLUSTER t USING i", "REFRESH MATERIALIZED VIEW CONCURRENTLY m", "CHECKPOINT",
    "COMMENT ON TABLE t IS 'x'", "LISTEN c", "NOTIFY c, 'x'", "UNLISTEN *", "LOCK TABLE t IN ACCESS EXCLUSIVE MODE",
    "DECLARE c CURSOR FOR SELECT 1", "DECLARE c CURSOR FOR DELETE FROM t RETURNING *", "FETCH 10 FROM c", "CLOSE c",
    "DEALLOCATE p", "CALL purge_orders()", "CALL f()", "ALTER ROLE x SET search_path = a", "ALTER SYSTEM SET work_mem = '1GB'",
    "ALTER DATABASE d SET statement_timeout = 0", "ALTER DEFAULT PRIVILEGES GRANT ALL ON TABLES TO PUBLIC",
    "ALTER DEFAULT PRIVILEGES REVOKE ALL ON TABLES FROM app", "CREATE TABLE t (a int); DROP TABLE t",
    "CREATE TABLE t (a int); INSERT INTO t SELECT 1", "DISCARD ALL", "CREATE POLICY p ON t USING (owner = current_user)",
    "CREATE TABLE p PARTITION OF t FOR VALUES FROM (1) TO (10)", "CREATE FOREIGN TABLE f (a int) SERVER s",
    "CREATE TABLE t (a int) WITH (fillfactor = 70)", "create   unlogged table u (a int)", "CREATE GLOBAL TEMP TABLE g (a int)",
]


def test_harmless_statements_of_every_kind_read_the_same_both_ways():
    fast = 0
    for text in DDL + [f"SELECT 1; {t}" for t in DDL]:  # a script the gate lets through, then any statement
        assert pg.statements(text) == pg._from_nodes(text, 0, True), text
        assert pg.statements(text, stops=False) == pg._from_nodes(text, 0, False), text
        fast += pg_plain.read(text, pg._HANDLED, pg.pg_changes.harmless_kinds, pg.quiet_call) is not None
    assert fast > 20  # most of them take the JSON reading


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(st.sampled_from(DDL + PLAIN), min_size=1, max_size=4),
       sep=st.sampled_from([";", "; ", ";\n", " ;\n-- c\n"]))
def test_scripts_of_harmless_and_other_statements_read_the_same_both_ways(parts, sep):
    text = sep.join(parts)
    assert pg.statements(text) == pg._from_nodes(text, 0, True)


def test_kinds_that_hide_a_handled_kind_in_a_typed_field_count_as_handled():
    def plain(text: str) -> bool:
        return pg_plain.read(text, pg._HANDLED, pg.pg_changes.harmless_kinds, pg.quiet_call) is not None

    holders = pg_plain.hidden_holders(pg._HANDLED)
    assert {"CallStmt", "AlterRoleSetStmt", "AlterDefaultPrivilegesStmt", "AlterSystemStmt"} <= holders
    assert "SelectStmt" not in holders and "CreateStmt" not in holders and "IndexStmt" not in holders
    assert not plain("VACUUM; ALTER DEFAULT PRIVILEGES GRANT ALL ON TABLES TO PUBLIC")  # a GrantStmt with no key
    assert not plain("VACUUM; ALTER ROLE x SET search_path = a")  # a VariableSetStmt with no key
    assert not plain("SELECT 1; CALL f()")  # a FuncCall with no key
    assert plain("CREATE INDEX i ON t (a)") and plain("VACUUM FULL") and plain("CREATE TABLE t (a int DEFAULT now())")
    assert not plain("CREATE TABLE t (a int DEFAULT purge_all())")  # a call whose name its handler reads
