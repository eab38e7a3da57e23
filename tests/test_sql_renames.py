"""Renames that move a table, view or database away from the name its readers use, in every
dialect and every door (SQL text, psql/mysql/sqlite3/clickhouse-client/sqlcmd strings, MCP SQL
tools): asked. A column or index renamed keeps the table's data under its name and passes in every
dialect, as PostgreSQL's RENAME COLUMN does."""

from __future__ import annotations

import pytest
from verdicts import decide

from blastwall.analyze.base import Scope
from blastwall.analyze.sql import analyze_sql

RULE = "sql.mysql:rename-table"


def rule_ids(text: str, dialect: str | None = None) -> list[str]:
    return [f.rule_id for f in analyze_sql(text, Scope.start(), dialect=dialect)]


# (statement, dialect named by the door or None)
MOVED_AWAY = [
    ("ALTER TABLE orders RENAME TO orders_old", None),
    ("ALTER TABLE orders RENAME TO orders_old;", "mysql"),
    ("ALTER TABLE orders RENAME orders_old", "mysql"),  # MySQL's TO is optional
    ("ALTER TABLE orders RENAME orders_old", None),
    ("alter table `orders` rename to `orders_old`", "mysql"),
    ("ALTER TABLE orders ADD COLUMN x int, RENAME TO o2", "mysql"),  # one action among others
    ("ALTER TABLE orders RENAME TO orders_old # moved", "mysql"),
    ("ALTER TABLE orders RENAME TO orders_old", "sqlite"),
    ("ALTER TABLE orders RENAME TO orders_old", "duckdb"),
    ("ALTER TABLE orders RENAME TO orders_old", "snowflake"),
    ("ALTER TABLE orders RENAME TO orders_old", "bigquery"),
    ("ALTER TABLE orders RENAME TO orders_old", "clickhouse"),
    ("RENAME TABLE orders TO orders_old, orders_new TO orders", "mysql"),
    ("RENAME TABLE db.orders TO db.orders_old", "clickhouse"),
    ("RENAME DATABASE app TO app_old", "clickhouse"),
    ("RENAME DICTIONARY d TO d2", None),
    ("EXCHANGE TABLES orders AND orders_new", None),  # both names now hold the other's data
    ("EXCHANGE TABLES orders AND orders_new", "clickhouse"),
    ("exchange dictionaries d1 and d2", None),
    # T-SQL's rename procedures, every way of calling them
    ("EXEC sp_rename 'dbo.orders', 'orders_old'", None),
    ("EXEC sp_rename 'dbo.orders', 'orders_old'", "tsql"),
    ("EXEC sp_rename 'dbo.orders', 'orders_old', 'OBJECT'", "tsql"),
    ("exec sp_rename N'dbo.orders', N'orders_old', N'object'", "tsql"),
    ("EXEC sp_rename @objname = N'dbo.orders', @newname = 'orders_old'", "tsql"),
    ("EXECUTE sys.sp_rename N'dbo.orders', N'o2'", "tsql"),
    ("exec [sys].[sp_rename] 'orders', 'o2'", "tsql"),
    ("sp_rename 'orders', 'orders_old'", None),  # a batch's first procedure runs without EXEC
    ("EXEC('sp_rename ''dbo.orders'', ''orders_old''')", "tsql"),
    ("EXEC sp_renamedb 'app', 'app_old'", "tsql"),
    # the type is not a constant: it may be OBJECT
    ("EXEC sp_rename 'dbo.orders', 'orders_old', @kind", "tsql"),
    ("EXEC sp_rename @name, 'orders_old'", "tsql"),
]

KEPT = [
    ("ALTER TABLE orders RENAME COLUMN total TO amount", None),
    ("ALTER TABLE orders RENAME COLUMN total TO amount", "mysql"),
    ("ALTER TABLE orders RENAME COLUMN total TO amount", "sqlite"),
    ("ALTER TABLE orders RENAME COLUMN total TO amount", "clickhouse"),
    ("ALTER TABLE orders RENAME INDEX ix_a TO ix_b", "mysql"),
    ("ALTER TABLE orders RENAME KEY ix_a TO ix_b", "mysql"),
    ("ALTER INDEX ix_a RENAME TO ix_b", None),
    ("EXEC sp_rename 'dbo.orders.total', 'amount', 'COLUMN'", "tsql"),
    ("EXEC sp_rename 'dbo.orders.ix_a', 'ix_b', 'INDEX'", "tsql"),
    ("EXEC sp_rename @objtype = 'COLUMN', @objname = N'dbo.orders.a', @newname = 'b'", "tsql"),
    ("sp_rename 'dbo.orders.total', 'amount', 'COLUMN'", None),
    ("EXEC('sp_rename ''dbo.orders.a'', ''b'', ''COLUMN''')", "tsql"),
    # a table the same script created (the CREATE fails if the name is taken), or a temporary one
    ("CREATE TABLE t2 (id int) ENGINE=InnoDB; ALTER TABLE t2 RENAME TO t3", "mysql"),
    ("CREATE TEMPORARY TABLE t2 (id int); ALTER TABLE t2 RENAME TO t3", "mysql"),
    ("CREATE TABLE t2 (id int); RENAME TABLE t2 TO t3", "mysql"),
]


@pytest.mark.parametrize("text,dialect", MOVED_AWAY, ids=[f"{d}:{t[:50]}" for t, d in MOVED_AWAY])
def test_a_rename_away_is_found_and_asked(text: str, dialect: str | None) -> None:
    assert RULE in rule_ids(text, dialect), rule_ids(text, dialect)
    assert decide(text, "sql", **({"dialect": dialect} if dialect else {})) != "allow"


@pytest.mark.parametrize("text,dialect", KEPT, ids=[f"{d}:{t[:50]}" for t, d in KEPT])
def test_a_column_or_index_rename_or_the_scripts_own_table_passes(text: str, dialect: str | None) -> None:
    assert rule_ids(text, dialect) == []
    assert decide(text, "sql", **({"dialect": dialect} if dialect else {})) == "allow"


def test_a_table_that_may_exist_before_the_script_stays_asked() -> None:
    assert RULE in rule_ids("CREATE TABLE IF NOT EXISTS t2 (id int); ALTER TABLE t2 RENAME TO t3", "mysql")
    assert RULE in rule_ids("CREATE TABLE t2 (id int); ALTER TABLE orders RENAME TO t2_old", "mysql")


@pytest.mark.parametrize("command", [
    "psql -c 'ALTER TABLE orders RENAME TO orders_old'",
    "mysql -e 'ALTER TABLE orders RENAME orders_old' app",
    "mysql -e 'RENAME TABLE orders TO orders_old' app",
    "sqlite3 app.db 'ALTER TABLE orders RENAME TO orders_old'",
    "duckdb app.duckdb -c 'ALTER TABLE orders RENAME TO orders_old'",
    "clickhouse-client -q 'RENAME TABLE orders TO orders_old'",
    "clickhouse-client --query 'EXCHANGE TABLES orders AND orders_new'",
    "sqlcmd -Q \"EXEC sp_rename 'dbo.orders', 'orders_old'\"",
])
def test_renames_in_database_clients_are_asked(command: str) -> None:
    assert decide(command, "shell") != "allow"


@pytest.mark.parametrize("command", [
    "sqlite3 app.db 'ALTER TABLE orders RENAME COLUMN a TO b'",
    "mysql -e 'ALTER TABLE orders RENAME COLUMN a TO b' app",
    "clickhouse-client -q 'ALTER TABLE orders RENAME COLUMN a TO b'",
])
def test_column_renames_in_database_clients_pass(command: str) -> None:
    assert decide(command, "shell") == "allow"


@pytest.mark.parametrize("server,tool,args", [
    ("postgres", "query", {"sql": "ALTER TABLE orders RENAME TO orders_old"}),
    ("mysql", "execute_sql", {"query": "ALTER TABLE orders RENAME orders_old"}),
    ("mssql", "execute_sql", {"query": "EXEC sp_rename 'dbo.orders', 'orders_old'"}),
    ("sqlite", "write_query", {"query": "ALTER TABLE orders RENAME TO orders_old"}),
])
def test_renames_through_mcp_sql_tools_are_asked(server: str, tool: str, args: dict[str, str]) -> None:
    assert decide({"server": server, "tool": tool, "arguments": args}, "mcp") != "allow"
