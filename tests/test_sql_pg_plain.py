"""PostgreSQL scripts read from libpg_query's JSON (analyze/sql/pg_plain.py) are read exactly as
from pglast's node objects: `pg.statements` against `pg._from_nodes` over the SQL of every
corpus and over scripts made of its statements, plain SELECTs and transaction statements."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from blastwall.analyze.sql import pg, pg_plain

ROOT = Path(__file__).resolve().parent
CORPORA = [*sorted((ROOT.parents[1] / "shared" / "corpus").rglob("*.jsonl")), *sorted((ROOT / "blind").glob("*.jsonl")),
           *sorted((ROOT / "cases").glob("*.jsonl"))]


def _sql_texts() -> list[str]:
    """The SQL of the corpora: SQL lines, and the strings of MCP arguments that name SQL."""
    found: list[str] = []
    for path in CORPORA:
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if not isinstance(row, dict):
                continue
            if row.get("kind") == "sql" and isinstance(row.get("input"), str):
                found.append(row["input"])
            elif row.get("kind") == "mcp" and isinstance(row.get("input"), dict):
                args = row["input"].get("arguments")
                found += [v for v in (args.values() if isinstance(args, dict) else ()) if isinstance(v, str)]
    return sorted(set(found))


SQL = _sql_texts()
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
