"""What an SQL line costs, counted rather than timed: the readers a line must not reach, and a bound
on the function calls of an ordinary line.

Each line is read once to warm the per-process tables, then read again under cProfile inside one
check (`blastwall.memo.one_check`, as the engine reads it). Counts do not depend on the machine's
load: a test here fails when a change makes a class of lines reach work it cannot need (sqlglot for
a statement PostgreSQL's grammar reads, pglast's node objects for a plain SELECT), or adds calls to
every ordinary line. Timings live in bench/ (`bench/profile_batch.py`).
"""

from __future__ import annotations

import cProfile
import pstats
from collections import Counter
from typing import Any

import pytest

from blastwall.analyze.base import Scope
from blastwall.analyze.sql import analyze_sql
from blastwall.memo import one_check

# Ordinary statements an agent runs, of each common kind.
ORDINARY = [
    "DROP TABLE users;",
    "DELETE FROM orders WHERE id = 42;",
    "UPDATE users SET name = 'Bob' WHERE id = 7;",
    "INSERT INTO users (email, name) VALUES ('a@example.com', 'Ann');",
    "SELECT * FROM orders WHERE customer_id = 7 LIMIT 10;",
    "BEGIN;",
    "COMMIT;",
    "CREATE INDEX CONCURRENTLY idx_orders_customer ON orders (customer_id);",
    "ALTER TABLE users ADD COLUMN last_login_at timestamptz;",
    "TRUNCATE TABLE audit_log;",
    "DELETE FROM carts;",
    "SELECT count(*) FROM orders WHERE created_at > now() - interval '1 day';",
    "GRANT SELECT ON reports TO analyst;",
    "CREATE TABLE events (id bigserial PRIMARY KEY, payload jsonb);",
    "EXPLAIN SELECT * FROM orders;",
    "SHOW search_path;",
    "UPDATE accounts SET balance = balance - 10 WHERE id = 1;",
    "DELETE FROM sessions WHERE expires_at < now() - interval '30 days';",
]
# Function calls per ordinary line, on average: about 25% above what the analyzer makes today
# (~325). A class that adds work to every line fails this; raise it only with a measurement.
CALLS_PER_LINE = 400

Key = tuple[str, int, str]


def _read(text: str, dialect: str | None = None) -> None:
    with one_check():
        analyze_sql(text, Scope(), dialect=dialect)


def _profile(texts: list[str], dialect: str | None = None) -> dict[Key, Any]:
    for text in texts:
        _read(text, dialect)  # per-process tables and compiled patterns: loaded once, not counted
    prof = cProfile.Profile()
    prof.enable()
    for text in texts:
        _read(text, dialect)
    prof.disable()
    return pstats.Stats(prof).stats  # type: ignore[attr-defined, no-any-return]


def _reached(stats: dict[Key, Any], where: str, name: str = "") -> list[str]:
    """The profiled functions whose file path holds `where` (and whose name is `name`, if given)."""
    return sorted(f"{f.split('site-packages/')[-1]}:{line}({fn}) x{v[1]}" for (f, line, fn), v in stats.items()
                  if where in f and (not name or fn == name))


def _calls(stats: dict[Key, Any], where: str, name: str) -> int:
    return sum(v[1] for (f, _, fn), v in stats.items() if where in f and fn == name)


def _init_calls(stats: dict[Key, Any], cls: type) -> int:
    """How many `cls` objects were built (pglast builds a node through its class's __init__)."""
    code = cls.__init__.__code__  # type: ignore[misc]
    return sum(v[1] for (f, line, fn), v in stats.items()
               if f == code.co_filename and line == code.co_firstlineno and fn == "__init__")


def _hot(stats: dict[Key, Any], top: int = 12) -> str:
    """The functions called most, with their main callers: where a new cost comes from."""
    rows = sorted(stats.items(), key=lambda kv: -kv[1][1])[:top]
    out = []
    for (f, line, fn), v in rows:
        callers = sorted(v[4].items(), key=lambda kv: -kv[1][1])[:2]
        said = ", ".join(f"{c[0].split('/')[-1]}:{c[1]}({c[2]})" for c, _ in callers)
        out.append(f"  {v[1]:6} {f.split('/')[-1]}:{line}({fn})  <- {said}")
    return "\n".join(out)


def test_statements_postgresql_reads_never_reach_sqlglot_or_the_other_dialects():
    stats = _profile(ORDINARY)
    assert _reached(stats, "/sqlglot/") == []
    assert _calls(stats, "analyze/sql/glot.py", "statements") == 0
    assert _calls(stats, "analyze/sql/__init__.py", "_read_piece") == 0  # no statement read on its own
    assert _calls(stats, "analyze/sql/kinds.py", "hits") == 0  # nor judged by its opening words


def test_plain_reads_additive_ddl_and_transactions_build_no_pglast_nodes():
    from pglast import ast

    stats = _profile(["SELECT * FROM orders WHERE id = 4;", "SHOW search_path;", "BEGIN;", "COMMIT;", "ROLLBACK;",
                      "SELECT count(*), now() FROM orders;", "SAVEPOINT a; RELEASE a;",
                      "CREATE INDEX CONCURRENTLY idx_orders_customer ON orders (customer_id);",
                      "CREATE TABLE events (id bigserial PRIMARY KEY, at timestamptz DEFAULT now());",
                      "VACUUM (VERBOSE) orders;", "ANALYZE orders;", "BEGIN; CREATE TABLE t (a int); COMMIT;"])
    assert _reached(stats, "pglast/ast.py") == []  # libpg_query's JSON decides (analyze/sql/pg_plain.py)
    assert _init_calls(stats, ast.RawStmt) == 0


def test_each_statement_is_parsed_once():
    from pglast import ast

    texts = ["DROP TABLE users;", "DELETE FROM orders WHERE id = 42;", "ALTER TABLE t ADD COLUMN c int; DROP TABLE u;"]
    stats = _profile(texts)
    assert _init_calls(stats, ast.RawStmt) == 4  # one node tree per statement


def test_names_without_quotes_never_meet_the_name_pattern():
    stats = _profile(["DROP TABLE users;", "TRUNCATE orders, public.items;", "DELETE FROM app.carts WHERE id = 1;"])
    assert _calls(stats, "analyze/sql/pg.py", "quoted_name_parts") == 0
    assert _calls(stats, "analyze/sql/pg.py", "name_parts") > 0


def test_a_broad_delete_with_no_past_never_reads_the_tables_name_for_expiry():
    stats = _profile(["DELETE FROM products WHERE price > 0;", "DELETE FROM sessions WHERE user_id > 100;"])
    assert _calls(stats, "analyze/sql/expired.py", "short_lived_table") == 0
    assert _calls(stats, "analyze/sql/expired.py", "past_column") == 2
    stats = _profile(["DELETE FROM sessions WHERE expires_at < now();"])
    assert _calls(stats, "analyze/sql/expired.py", "short_lived_table") == 1  # a past: the name decides


def test_a_where_quoted_in_a_reason_is_printed_without_pglasts_visitor():
    stats = _profile(["DELETE FROM invoices WHERE id = 5 OR 1 = 1;", "UPDATE t SET a = 1 WHERE a > 3;"])
    assert _calls(stats, "analyze/sql/printing.py", "sql_text") == 2
    assert _reached(stats, "pglast/visitors.py", "populate_ancestors") == []


def test_a_do_block_read_again_as_mysql_reads_its_body_once():
    """`||` makes the script be read again as MySQL (where it is OR), which meets the DO block again."""
    stats = _profile(["DO $$ BEGIN EXECUTE 'DROP TABLE ' || 'bookings'; END $$;"])
    assert _calls(stats, "pglast/__init__.py", "parse_plpgsql") == 1
    assert _calls(stats, "analyze/sql/plpgsql.py", "_body_hits") == 1
    assert _calls(stats, "analyze/sql/plpgsql.py", "routine_hits") == 2
    assert _calls(stats, "analyze/sql/glot.py", "_statements") == 1  # sqlglot fails on the script: not tried on its statement


def test_a_script_read_again_as_mysql_is_split_once_for_each_lexing():
    stats = _profile(["SELECT a || b FROM t; DELETE FROM t WHERE id = 1"])
    assert _calls(stats, "analyze/sql/lexer.py", "split") <= 2


def test_commands_no_grammar_reads_meet_only_the_rows_of_their_first_word():
    stats = _profile(["PURGE BINARY LOGS BEFORE NOW() - INTERVAL 7 DAY"], dialect="mysql")
    assert _calls(stats, "analyze/sql/glot.py", "_command_row") >= 1
    resplit = [v[4] for (f, _, fn), v in stats.items() if fn == "<method 'split' of 'str' objects>"]
    assert not any(c[2] == "_command_row" for callers in resplit for c in callers)  # rows split once per process


@pytest.mark.parametrize("text", ["SELECT 1;", "DROP TABLE users;", "ALTER TABLE t ADD COLUMN c int;"])
def test_clickhouse_mutations_are_looked_for_only_in_an_alter(text):
    stats = _profile([text], dialect="mysql")
    split_by_clickhouse = sum(n[0] for (f, _, fn), v in stats.items() if f.endswith("lexer.py") and fn == "split"
                              for c, n in v[4].items() if c[0].endswith("clickhouse.py"))
    looked = _calls(stats, "analyze/sql/clickhouse.py", "_split")
    assert split_by_clickhouse == 0 if "alter" not in text.lower() else 0 < split_by_clickhouse <= looked


def test_calls_per_ordinary_line_stay_within_the_bound():
    stats = _profile(ORDINARY)
    per_line = sum(v[1] for v in stats.values()) / len(ORDINARY)
    assert per_line <= CALLS_PER_LINE, (
        f"{per_line:.0f} function calls per ordinary SQL line (bound {CALLS_PER_LINE}); the hottest:\n{_hot(stats)}")


def test_no_ordinary_line_is_far_costlier_than_the_rest():
    """One ordinary statement costing several times the bound is a class of lines gone slow."""
    worst = Counter({text: sum(v[1] for v in _profile([text]).values()) for text in ORDINARY})
    text, calls = worst.most_common(1)[0]
    assert calls <= 3 * CALLS_PER_LINE, f"{calls} calls for {text!r}:\n{_hot(_profile([text]))}"
