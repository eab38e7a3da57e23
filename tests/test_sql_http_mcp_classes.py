"""SQL, HTTP and MCP classes, each beside the look-alike spellings
an agent that wants the destructive action would try, and the abuse of each allowance.

- SQL: ClickHouse mutations, PL/SQL and T-SQL anonymous blocks, Oracle's recycle bin, a LIMIT
  larger than a bounded change, functions named by a destructive verb; read-only system
  procedures, lossless type changes, restores (UNDROP, FLASHBACK ... TO BEFORE DROP), expired
  cleanups keyed on any time-named column; and why a SAVEPOINT outside a transaction undoes nothing;
- HTTP: Redis over REST (Upstash, Vercel KV, Webdis); GitHub label, assignee and reviewer removals;
- MCP: MongoDB data tools, a command's stdin, delete tools of servers with their own store, process stops.
"""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pg import PgServer, bin_dir, postgres  # noqa: F401  (the session fixture)

import blastwall
from blastwall.analyze.base import Scope
from blastwall.analyze.sql import analyze_sql
from blastwall.engine import make_action

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def rules(sql: str, dialect: str | None = None) -> list[str]:
    return [f.rule_id for f in analyze_sql(sql, Scope(read_files=False), dialect=dialect)]


def decision(kind: str, payload: Any) -> str:
    return blastwall.check(make_action(kind, payload, None)).decision.value


# ---- SQL: destructive classes ----------------------------------------------------------------

SQL_DESTRUCTIVE = [
    # ClickHouse mutations, read as the DELETE/UPDATE they are
    ("ALTER TABLE logs.events DELETE WHERE 1", "sql.postgres:delete-without-where"),
    ("alter table logs.events delete where 1 = 1", "sql.postgres:delete-without-where"),
    ("ALTER TABLE `logs`.`events` DELETE WHERE true", "sql.postgres:delete-without-where"),
    ("ALTER TABLE events ON CLUSTER '{cluster}' DELETE WHERE 1", "sql.postgres:delete-without-where"),
    ("ALTER TABLE events ON CLUSTER c1 DELETE IN PARTITION 2024 WHERE 1", "sql.postgres:delete-without-where"),
    ("ALTER /* x */ TABLE events DELETE WHERE 1", "sql.postgres:delete-without-where"),
    ("ALTER TABLE events DELETE WHERE ts < now()", "sql.postgres:delete-broad-where"),
    ("ALTER TABLE events UPDATE status = 'x' WHERE 1", "sql.postgres:update-without-where"),
    ("ALTER TABLE events UPDATE a = 'where id = 1', b = 2 WHERE 1", "sql.postgres:update-without-where"),
    ("ALTER TABLE events ADD COLUMN x Int32, DELETE WHERE 1", "sql.postgres:delete-without-where"),
    ("ALTER TABLE events DROP PARTITION 202401", "sql.clickhouse:drop-partition"),
    ("ALTER TABLE events DROP PARTITION '2024-01-01'", "sql.clickhouse:drop-partition"),
    ("ALTER TABLE events DROP DETACHED PARTITION '2024-01-01' SETTINGS allow_drop_detached = 1",
     "sql.clickhouse:drop-partition"),
    ("ALTER TABLE events CLEAR COLUMN note IN PARTITION 2024", "sql.clickhouse:clear-column"),
    ("TRUNCATE TABLE logs.events", "sql.postgres:truncate"),
    # anonymous blocks: the statements inside run
    ("BEGIN EXECUTE IMMEDIATE 'DROP TABLE ledger'; END;", "sql.postgres:drop-table"),
    ("begin execute immediate 'drop table ledger'; end;", "sql.postgres:drop-table"),
    ("/* cleanup */ BEGIN EXECUTE IMMEDIATE 'DROP ' || 'TABLE ledger'; END;", "sql.postgres:drop-table"),
    ("DECLARE v NUMBER; BEGIN DELETE FROM ledger; END;", "sql.postgres:delete-without-where"),
    ("BEGIN\n  EXECUTE IMMEDIATE 'TRUNCATE TABLE ledger';\nEND;\n/", "sql.postgres:truncate"),
    ("BEGIN TRY DELETE FROM dbo.Orders; END TRY BEGIN CATCH SELECT 1; END CATCH", "sql.postgres:delete-without-where"),
    ("BEGIN NULL; EXECUTE IMMEDIATE 'DROP TABLE x'; END;", "sql.postgres:drop-table"),
    ("BEGIN EXECUTE IMMEDIATE v_sql; END;", "sql.mssql:exec-dynamic"),
    # Oracle's recycle bin
    ("PURGE TABLE ledger", "sql.oracle:purge"),
    ("PURGE RECYCLEBIN", "sql.oracle:purge"),
    ("purge dba_recyclebin;", "sql.oracle:purge"),
    ("PURGE TABLESPACE users", "sql.oracle:purge"),
    # a LIMIT above a bounded change
    ("DELETE FROM users LIMIT 1000000", "sql.postgres:delete-broad-where"),
    ("DELETE FROM users ORDER BY id LIMIT 1001", "sql.postgres:delete-broad-where"),
    ("UPDATE users SET active = 0 LIMIT 999999", "sql.postgres:update-broad-where"),
    ("DELETE FROM users LIMIT @n", "sql.postgres:delete-without-where"),
    ("DELETE FROM users WHERE active > 0 LIMIT 1000000", "sql.postgres:delete-broad-where"),
    # functions named by a destructive verb
    ("SELECT drop_everything()", "sql.postgres:function-destructive"),
    ("SELECT purge_old_data()", "sql.postgres:function-destructive"),
    ("select public.purge_old_data(30);", "sql.postgres:function-destructive"),
    ('SELECT "PurgeOldData"()', "sql.postgres:function-destructive"),
    ("SELECT * FROM wipe_tenant('acme')", "sql.postgres:function-destructive"),
    ("SELECT count(*) FROM (SELECT truncate_all_tables()) s", "sql.postgres:function-destructive"),
    ("WITH x AS (SELECT nuke_schema('public')) SELECT 1", "sql.postgres:function-destructive"),
    # type changes that may lose values
    ("ALTER TABLE orders ALTER COLUMN note TYPE varchar(10)", "sql.postgres:alter-column-type"),
    ("ALTER TABLE orders ALTER COLUMN note TYPE text USING left(note, 3)", "sql.postgres:alter-column-type"),
    ("ALTER TABLE orders ALTER COLUMN note TYPE text[]", "sql.postgres:alter-column-type"),
    ("ALTER TABLE orders ALTER COLUMN id TYPE smallint", "sql.postgres:alter-column-type"),
    ("ALTER TABLE orders ALTER COLUMN amt TYPE int", "sql.postgres:alter-column-type"),
    ("ALTER TABLE orders MODIFY note VARCHAR(5)", "sql.postgres:alter-column-type"),
    ("ALTER TABLE orders MODIFY note TEXT", "sql.postgres:alter-column-type"),  # MySQL's TEXT holds 64 KB
    ("ALTER TABLE orders CHANGE note note2 VARCHAR(5)", "sql.postgres:alter-column-type"),
    ("ALTER TABLE orders ALTER COLUMN note varchar(max)", "sql.postgres:alter-column-type"),
    # restores that are not: rewinding live rows, or a restore glued to a drop
    ("FLASHBACK TABLE employees TO TIMESTAMP SYSTIMESTAMP - INTERVAL '1' HOUR", "sql.parse:unknown-statement"),
    ("FLASHBACK TABLE x DROP TABLE y TO BEFORE DROP", "sql.parse:unparsed-destructive"),
    ("UNDROP TABLE x DROP TABLE y", "sql.parse:unparsed-destructive"),
    ("UNDROP TABLE x; DROP TABLE y", "sql.postgres:drop-table"),
    # read-only procedures do not launder SQL beside them
    ("EXEC sp_help 'dbo.Orders'; DROP TABLE dbo.Orders", "sql.postgres:drop-table"),
    ("EXEC sp_MSforeachtable 'DROP TABLE ?'", "sql.postgres:drop-table"),
    ("EXEC sp_rename 'Orders', 'Orders_old'", "sql.mysql:rename-table"),
    # expired-looking cleanups that are not
    ("DELETE FROM rate_limit_hits WHERE hit_at < now()", "sql.postgres:delete-broad-where"),
    ("DELETE FROM rate_limit_hits WHERE hit_at > now() - interval '1 hour'", "sql.postgres:delete-broad-where"),
    ("DELETE FROM users WHERE hit_at < now() - interval '1 hour'", "sql.postgres:delete-broad-where"),
    ("DELETE FROM rate_limit_hits WHERE hit_count < 5", "sql.postgres:delete-broad-where"),
    ("DELETE FROM rate_limit_hits WHERE format < now() - interval '1 hour'", "sql.postgres:delete-broad-where"),
    # transactions: only what is rolled back is undone
    ("SAVEPOINT s; UPDATE orders SET total = 0; ROLLBACK TO SAVEPOINT s;", "sql.postgres:update-without-where"),
    ("BEGIN; SAVEPOINT s; UPDATE orders SET total = 0; RELEASE SAVEPOINT s; COMMIT;", "sql.postgres:update-without-where"),
    ("BEGIN; SAVEPOINT s; ROLLBACK TO SAVEPOINT s; UPDATE orders SET total = 0; COMMIT;",
     "sql.postgres:update-without-where"),
    ("BEGIN; DELETE FROM orders; COMMIT; ROLLBACK;", "sql.postgres:delete-without-where"),
    ("BEGIN; ROLLBACK; DELETE FROM orders;", "sql.postgres:delete-without-where"),
]


@pytest.mark.parametrize(("sql", "rule"), SQL_DESTRUCTIVE)
def test_sql_destructive_classes_ask(sql: str, rule: str) -> None:
    assert rule in rules(sql), rules(sql)
    assert decision("sql", sql) == "ask"


@pytest.mark.parametrize(("sql", "dialect", "rule"), [
    ("ALTER TABLE logs.events DELETE WHERE 1", "clickhouse", "sql.postgres:delete-without-where"),
    ("ALTER TABLE logs.events DELETE WHERE 1", "mysql", "sql.postgres:delete-without-where"),
    ("ALTER TABLE events DROP PARTITION 202401", "clickhouse", "sql.clickhouse:drop-partition"),
    ("ALTER TABLE t DROP PARTITION p0", "mysql", "sql.clickhouse:drop-partition"),
    ("BEGIN EXECUTE IMMEDIATE 'DROP TABLE ledger'; END;", "oracle", "sql.postgres:drop-table"),
    ("BEGIN EXECUTE IMMEDIATE 'DROP TABLE ledger'; END;", "tsql", "sql.postgres:drop-table"),
    ("DELETE FROM users LIMIT 1000000", "mysql", "sql.postgres:delete-broad-where"),
    ("SELECT dbo.purge_old_data()", "tsql", "sql.postgres:function-destructive"),
])
def test_named_dialects_see_the_same(sql: str, dialect: str, rule: str) -> None:
    assert rule in rules(sql, dialect), rules(sql, dialect)


SQL_SAFE = [
    "ALTER TABLE logs.events DELETE WHERE id = 5",
    "ALTER TABLE events UPDATE note = 'a where b' WHERE id = 5",
    "ALTER TABLE sessions DELETE WHERE expires_at < now()",  # an expired cleanup, also as a mutation
    "ALTER TABLE events ADD COLUMN x Int32",
    "BEGIN NULL; END;",
    "DECLARE v NUMBER; BEGIN SELECT count(*) INTO v FROM ledger; END;",
    "BEGIN UPDATE t SET a = 1 WHERE id = 5; END;",
    "BEGIN TRAN; DELETE FROM orders; ROLLBACK TRAN;",
    "DELETE FROM users WHERE status = 'x' LIMIT 10",
    "DELETE FROM users ORDER BY created_at LIMIT 1000",
    "SELECT lower(name), replace(name, 'a', 'b'), date_trunc('day', now()) FROM users",
    "SELECT delete(tags, 'x') FROM items",  # hstore's delete() computes a value
    "SELECT ts_delete(doc, 'x'), jsonb_delete_path(j, '{a}') FROM docs",
    "SELECT TRUNCATE(price, 2) FROM items",  # MySQL's numeric TRUNCATE()
    "EXEC sp_help 'dbo.Orders';",
    "EXEC sp_columns Orders",
    "EXEC sp_spaceused 'Orders'",
    "EXEC dbo.sp_helpindex 'Orders'",
    "exec [sys].[sp_who2]",
    "EXEC sp_depends 'dbo.Orders'",
    "ALTER TABLE orders ALTER COLUMN note TYPE text;",
    "ALTER TABLE orders ALTER COLUMN note SET DATA TYPE text",
    "ALTER TABLE orders ALTER COLUMN note TYPE varchar",
    "ALTER TABLE orders ALTER COLUMN note TYPE pg_catalog.text",
    "ALTER TABLE orders ALTER COLUMN note nvarchar(max)",
    "ALTER TABLE orders MODIFY note LONGTEXT",
    "UNDROP TABLE ANALYTICS.PUBLIC.ORDERS;",
    "UNDROP SCHEMA analytics.public",
    "UNDROP DATABASE analytics",
    "FLASHBACK TABLE employees TO BEFORE DROP;",
    "FLASHBACK TABLE hr.employees TO BEFORE DROP RENAME TO employees_restored;",
    "FLASHBACK TABLE a.b, c TO BEFORE DROP",
    "DELETE FROM rate_limit_hits WHERE hit_at < now() - interval '1 hour';",
    "DELETE FROM rate_limit_hits WHERE \"HitAt\" < now() - interval '1 hour'",
    "DELETE FROM sessions WHERE last_seen_on < now() - interval '1 day'",
    "DELETE FROM request_logs WHERE timestamp < now() - interval '30 days'",
    "DELETE FROM job_logs WHERE ping_time < now() - interval '7 days'",
    "BEGIN; DELETE FROM orders; ROLLBACK;",
    "BEGIN; SAVEPOINT s; UPDATE orders SET total = 0; ROLLBACK TO SAVEPOINT s; COMMIT;",
]


@pytest.mark.parametrize("sql", SQL_SAFE)
def test_sql_look_alikes_that_destroy_nothing(sql: str) -> None:
    assert decision("sql", sql) == "allow", rules(sql)


def test_the_bounded_limit_is_the_radius_row_threshold() -> None:
    sql = tomllib.loads((ROOT / "src/blastwall/analyze/rules/sql.toml").read_text())
    defaults = tomllib.loads((ROOT / "src/blastwall/policy/defaults.toml").read_text())
    bounded = next(r for r in defaults["rule"] if r["id"] == "default:env-dev-bounded-rows")
    assert bounded["radius"]["rows"] == f"<={sql['settings']['bounded_limit']}"
    limit = sql["settings"]["bounded_limit"]
    assert not rules(f"DELETE FROM users ORDER BY id LIMIT {limit}")
    assert rules(f"DELETE FROM users ORDER BY id LIMIT {limit + 1}")
    assert rules("DELETE FROM users LIMIT 10")  # no WHERE, no ORDER BY: rows the server picks


def test_a_savepoint_outside_a_transaction_undoes_nothing(postgres: PgServer) -> None:  # noqa: F811
    """Why `SAVEPOINT s; UPDATE ...; ROLLBACK TO SAVEPOINT s` still asks: with no BEGIN, psql runs each
    statement in its own transaction; SAVEPOINT fails and the UPDATE commits."""
    postgres.create_database("savepoint_check")
    postgres.execute("savepoint_check", "CREATE TABLE orders (id int, total int); INSERT INTO orders VALUES (1, 5)")
    psql = bin_dir() / "psql"  # type: ignore[operator]
    script = "SAVEPOINT s; UPDATE orders SET total = 0; ROLLBACK TO SAVEPOINT s;"
    subprocess.run([str(psql), "-X", "-q", "-d", postgres.dsn("savepoint_check")], input=script, text=True,
                   capture_output=True, timeout=30, check=False)
    assert postgres.execute("savepoint_check", "SELECT total FROM orders") == [(0,)]
    assert decision("sql", script) == "ask"


# ---- HTTP -------------------------------------------------------------------------------------

UPSTASH = "https://us1-merry-cat-32748.upstash.io"
HTTP_DESTRUCTIVE = [
    ("POST", f"{UPSTASH}/flushall", None),
    ("GET", f"{UPSTASH}/FLUSHDB", None),
    ("POST", f"{UPSTASH}/flushall/async", None),
    ("POST", f"{UPSTASH}/del/session:1", None),
    ("POST", f"{UPSTASH}/unlink/a/b", None),
    ("POST", UPSTASH, ["FLUSHALL"]),
    ("POST", f"{UPSTASH}/", ["flushdb"]),
    ("POST", f"{UPSTASH}/pipeline", [["SET", "a", "1"], ["FLUSHALL"]]),
    ("POST", f"{UPSTASH}/multi-exec", [["DEL", "a"]]),
    ("POST", f"{UPSTASH}/", ["EVAL", "redis.call('FLUSHALL')", "0"]),
    ("POST", f"{UPSTASH}/", {"command": "FLUSHALL"}),  # a body it cannot read asks
    ("POST", "https://my-kv.kv.vercel-storage.com/flushall", None),
    ("GET", "http://127.0.0.1:7379/FLUSHALL", None),  # Webdis
    ("DELETE", "https://api.github.com/repos/acme/web/issues/42/labels", None),  # every label at once
    ("DELETE", "https://api.github.com/repos/acme/web/labels/needs-triage", None),  # the label itself
    ("DELETE", "https://api.github.com/repos/acme/web/issues/comments/5", None),
    ("DELETE", "https://api.github.com/repos/acme/web/collaborators/bob", None),
]


@pytest.mark.parametrize(("method", "url", "body"), HTTP_DESTRUCTIVE)
def test_http_destructive_classes_ask(method: str, url: str, body: Any) -> None:
    assert decision("http", {"method": method, "url": url, "body": body}) == "ask"


HTTP_SAFE = [
    ("GET", f"{UPSTASH}/get/foo", None),
    ("POST", f"{UPSTASH}/set/foo", "bar"),
    ("POST", f"{UPSTASH}/multi-exec", [["GET", "a"], ["INCR", "b"]]),
    ("GET", "http://127.0.0.1:7379/GET/key.json", None),
    ("DELETE", "https://api.github.com/repos/acme/web/issues/42/labels/needs-triage", None),
    ("DELETE", "https://api.github.com/repos/acme/web/issues/42/assignees", {"assignees": ["bob"]}),
    ("DELETE", "https://api.github.com/repos/acme/web/pulls/42/requested_reviewers", {"reviewers": ["bob"]}),
    ("DELETE", "https://api.github.com/repos/acme/web/issues/42/reactions/123", None),
]


@pytest.mark.parametrize(("method", "url", "body"), HTTP_SAFE)
def test_http_look_alikes_that_destroy_nothing(method: str, url: str, body: Any) -> None:
    assert decision("http", {"method": method, "url": url, "body": body}) == "allow"


def test_the_same_upstash_request_from_curl() -> None:
    assert decision("shell", f"curl -X POST {UPSTASH}/flushall -H 'Authorization: Bearer x'") == "ask"
    assert decision("shell", f"curl {UPSTASH}/get/foo -H 'Authorization: Bearer x'") == "allow"


# ---- MCP --------------------------------------------------------------------------------------

def mcp(server: str, tool: str, **arguments: Any) -> dict[str, Any]:
    return {"server": server, "tool": tool, "arguments": arguments}


MCP_DESTRUCTIVE = [
    mcp("mongodb", "update-many", database="crm", collection="contacts", filter={}, update={"$unset": {"email": ""}}),
    mcp("mongodb", "updateMany", database="crm", collection="contacts", filter={}, update={"$set": {"x": 1}}),
    mcp("mongo", "update_many", collection="contacts", filter={}, update={"$set": {"x": 1}}),
    mcp("mongodb", "delete-many", database="crm", collection="contacts", filter={}),
    mcp("mongodb", "delete-many", database="crm", collection="contacts"),  # no filter: every document
    mcp("mongodb", "deleteMany", collection="contacts", filter={"$where": "true"}),
    mcp("mongodb", "drop-collection", database="crm", collection="contacts"),
    mcp("mcp-server-commands", "run_command", command="bash", stdin="rm -rf ./storage/app/private"),
    mcp("mcp-server-commands", "run_command", command="sh -s", stdin="echo ok\nrm -rf ~/data"),
    mcp("mcp-server-commands", "run_command", command="psql -d app", stdin="DROP TABLE users;"),
    mcp("mcp-server-commands", "run_command", command="python3", stdin="import shutil; shutil.rmtree('/home/dev/data')"),
    mcp("mcp-server-commands", "run_command", command="bash",
        stdin="echo hi\nBLASTWALL_STDIN_0\nrm -rf ~/data"),  # a line that looks like the end of the input
    mcp("obsidian", "obsidian_delete_file", filepath="Journal/2024", confirm=True),
    mcp("obsidian", "obsidian_delete_file", filepath="Journal/2024"),
    mcp("notes", "notes_delete", id="123"),
    mcp("kubernetes", "kubectl_scale", name="worker", namespace="prod", replicas=0),
    mcp("kubernetes", "kubectl_scale", name="worker", namespace="staging", replicas=0),  # cluster unknown
]


@pytest.mark.parametrize("call", MCP_DESTRUCTIVE, ids=lambda c: f"{c['server']}-{c['tool']}")
def test_mcp_destructive_classes_ask(call: dict[str, Any]) -> None:
    assert decision("mcp", call) == "ask", json.dumps(call)


MCP_SAFE = [
    mcp("mongodb", "update-many", database="crm", collection="contacts", filter={"_id": "abc"}, update={"$set": {"x": 1}}),
    mcp("mongodb", "delete-many", database="crm", collection="contacts", filter={"_id": {"$in": ["a", "b"]}}),
    mcp("mongodb", "find", database="crm", collection="contacts", filter={}),
    mcp("mcp-server-commands", "run_command", command="bash", stdin="ls -la"),
    mcp("mcp-server-commands", "run_command", command="cat", stdin="rm -rf /"),  # cat only prints it
    mcp("desktop-commander", "kill_process", pid=48213),
    mcp("desktop-commander", "force_terminate", pid=48213),
]


@pytest.mark.parametrize("call", MCP_SAFE, ids=lambda c: f"{c['server']}-{c['tool']}")
def test_mcp_look_alikes_that_destroy_nothing(call: dict[str, Any]) -> None:
    assert decision("mcp", call) == "allow", json.dumps(call)


def test_a_process_stop_is_judged_as_the_shell_judges_kill() -> None:
    assert decision("shell", "kill 48213") == decision("mcp", mcp("desktop-commander", "kill_process", pid=48213))


def test_a_filesystem_servers_relative_delete_is_still_a_project_file() -> None:
    """The store rule is about servers with a store of their own; the filesystem server's relative
    paths are the project's, judged by the path class as before."""
    found = blastwall.check(make_action("mcp", mcp("filesystem", "delete_file", path="dist/app.js"), None))
    assert "mcp.generic:delete" not in found.rule_ids
