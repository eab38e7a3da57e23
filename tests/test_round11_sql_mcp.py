"""SQL and MCP classes: expired cleanups in every dialect's spelling of "now" and of an age, finished
rows by state and age, child rows of expired parents, COPY into a relative output file, and MCP
database tools whose command is SQL. Each allowance sits beside the destructive spellings an agent
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


# ---- expired cleanups in more dialects: SQLite strftime/julianday, epoch seconds, age differences ----

EXPIRED_ALLOWED = [
    ("sql", "DELETE FROM cache WHERE expires_at < strftime('%s','now') - 86400;"),
    ("sql", "DELETE FROM cache WHERE expires_at < strftime('%s', 'now');"),
    ("sql", "DELETE FROM login_attempts WHERE attempted_at < strftime('%s','now','-1 day')"),
    ("sql", "DELETE FROM sessions WHERE created_at < CAST(strftime('%s','now') AS INTEGER) - 604800"),
    ("sql", "DELETE FROM sessions WHERE julianday('now') - julianday(created_at) > 30"),
    ("sql", "DELETE FROM sessions WHERE 30 < julianday('now') - julianday(last_seen_at)"),
    ("sql", "DELETE FROM sessions WHERE now() - created_at > interval '30 days'"),
    ("sql", "DELETE FROM api_tokens WHERE created_at < extract(epoch from now()) - 86400"),
    ("sql", "DELETE FROM api_tokens WHERE created_at < date_part('epoch', now()) - 86400"),
    ("sql", "DELETE FROM sessions WHERE expires_at < 'now'::timestamp"),
    ("sql", "DELETE FROM sessions WHERE created_at < UNIX_TIMESTAMP() - 86400"),
    ("sql", "DELETE FROM cache WHERE expires_at < to_char(now(), 'YYYY-MM-DD')"),
    ("shell", "sqlite3 app.db \"DELETE FROM cache_entries WHERE expires_at < strftime('%s','now')\""),
    ("shell", "sqlite3 app.db \"DELETE FROM sessions WHERE julianday('now') - julianday(created_at) > 7\""),
]

EXPIRED_ASKED = [
    # the future, now for an age column (every row), a format that does not order like time
    ("sql", "DELETE FROM sessions WHERE created_at < strftime('%s','now') + 86400"),
    ("sql", "DELETE FROM sessions WHERE created_at < strftime('%s','now')"),
    ("sql", "DELETE FROM sessions WHERE expires_at < strftime('%s','now','+7 days')"),
    ("sql", "DELETE FROM cache WHERE expires_at < strftime('%H','now')"),
    ("sql", "DELETE FROM cache WHERE expires_at < to_char(now(), 'HH24')"),
    # kept tables, every row, the young rows, the wrong direction
    ("sql", "DELETE FROM orders WHERE created_at < strftime('%s','now') - 86400"),
    ("sql", "DELETE FROM audit_logs WHERE julianday('now') - julianday(created_at) > 30"),
    ("sql", "DELETE FROM sessions WHERE julianday('now') - julianday(created_at) > 0"),
    ("sql", "DELETE FROM sessions WHERE julianday('now') - julianday(created_at) < 30"),
    ("sql", "DELETE FROM sessions WHERE julianday(created_at) - julianday('now') > 30"),
    ("sql", "DELETE FROM sessions WHERE julianday('now') - julianday(created_at) > 30 OR 1 = 1"),
    ("sql", "DELETE FROM sessions WHERE now() - created_at > interval '-30 days'"),
    ("sql", "DELETE FROM users WHERE now() - created_at > interval '30 days'"),
    ("sql", "DELETE FROM sessions WHERE created_at < extract(hour from now()) - 1"),
    ("sql", "DELETE FROM sessions WHERE created_at < 'tomorrow'::timestamp"),
    ("shell", "sqlite3 app.db \"DELETE FROM cache_entries WHERE expires_at < strftime('%s','now','+1 day')\""),
    ("shell", "sqlite3 app.db \"DELETE FROM payments WHERE julianday('now') - julianday(created_at) > 7\""),
]


@pytest.mark.parametrize(("kind", "payload"), EXPIRED_ALLOWED)
def test_expired_cleanups_in_more_dialects_pass(kind: str, payload: Any) -> None:
    assert not asked(kind, payload), payload


@pytest.mark.parametrize(("kind", "payload"), EXPIRED_ASKED)
def test_unbounded_or_kept_lookalikes_ask(kind: str, payload: Any) -> None:
    assert asked(kind, payload), payload


# ---- finished rows by state and age; child rows of expired parents ----

FINISHED_ALLOWED = [
    ("sql", "DELETE FROM notifications WHERE read_at IS NOT NULL AND read_at < now() - interval '180 days';"),
    ("sql", "DELETE FROM notifications WHERE read_at < now() - interval '90 days'"),
    ("sql", "DELETE FROM user_notifications WHERE is_read = true AND created_at < now() - interval '90 days'"),
    ("sql", "DELETE FROM notifications WHERE status IN ('read', 'dismissed') AND created_at < NOW() - INTERVAL 60 DAY"),
    ("sql", "DELETE FROM cart_items WHERE cart_id IN (SELECT id FROM carts WHERE updated_at < now() - interval '30 days'"
            " AND checked_out = false);"),
    ("sql", "DELETE FROM session_data WHERE session_id IN (SELECT id FROM sessions WHERE expires_at < now())"),
    ("sql", "DELETE FROM job_logs WHERE job_id IN (SELECT id FROM jobs WHERE state = 'completed'"
            " AND completed_at < now() - interval '7 days')"),
]

FINISHED_ASKED = [
    # a business table by age alone, unread or unknown states, no age, recent rows
    ("sql", "DELETE FROM notifications WHERE created_at < now() - interval '90 days'"),
    ("sql", "DELETE FROM notifications WHERE read_at IS NULL AND created_at < now() - interval '90 days'"),
    ("sql", "DELETE FROM notifications WHERE is_read = false AND created_at < now() - interval '90 days'"),
    ("sql", "DELETE FROM notifications WHERE status = 'unread' AND created_at < now() - interval '90 days'"),
    ("sql", "DELETE FROM notifications WHERE read_at IS NOT NULL"),
    ("sql", "DELETE FROM notifications WHERE read_at > now() - interval '90 days'"),
    ("sql", "DELETE FROM notifications WHERE read_at < now() - interval '90 days' OR 1 = 1"),
    ("sql", "DELETE FROM messages WHERE read_at < now() - interval '90 days'"),
    ("sql", "DELETE FROM audit_notifications WHERE read_at < now() - interval '90 days'"),
    ("sql", "DELETE FROM jobs WHERE failed_at < now() - interval '14 days'"),
    ("sql", "DELETE FROM jobs WHERE finished_at < now() - interval '14 days'"),
    ("sql", "DELETE FROM orders WHERE created_at < now() - interval '2 years'"),
    # children of parents that would not pass on their own, or of another name
    ("sql", "DELETE FROM cart_items WHERE cart_id IN (SELECT id FROM carts WHERE updated_at < now() - interval '30 days')"),
    ("sql", "DELETE FROM cart_items WHERE cart_id IN (SELECT id FROM carts WHERE updated_at > now() - interval '30 days'"
            " AND checked_out = false)"),
    ("sql", "DELETE FROM cart_items WHERE cart_id NOT IN (SELECT id FROM carts WHERE updated_at < now() - interval"
            " '30 days' AND checked_out = false)"),
    ("sql", "DELETE FROM cart_items WHERE cart_id IN (SELECT id FROM carts WHERE updated_at < now() - interval"
            " '30 days' AND checked_out = false) OR true"),
    ("sql", "DELETE FROM orders WHERE cart_id IN (SELECT id FROM carts WHERE updated_at < now() - interval '30 days'"
            " AND checked_out = false)"),
    ("sql", "DELETE FROM users WHERE id IN (SELECT user_id FROM sessions WHERE expires_at < now())"),
    ("sql", "DELETE FROM order_items WHERE order_id IN (SELECT id FROM orders WHERE created_at < now() - interval '1 year')"),
    ("sql", "DELETE FROM cart_items WHERE cart_id IN (SELECT id FROM carts)"),
]


@pytest.mark.parametrize(("kind", "payload"), FINISHED_ALLOWED)
def test_finished_rows_and_children_of_expired_parents_pass(kind: str, payload: Any) -> None:
    assert not asked(kind, payload), payload


@pytest.mark.parametrize(("kind", "payload"), FINISHED_ASKED)
def test_business_rows_by_age_and_unrelated_children_ask(kind: str, payload: Any) -> None:
    assert asked(kind, payload), payload


# ---- COPY ... TO a relative file with no working directory: judged as the shell judges `> path` ----

def test_copy_to_relative_output_agrees_with_the_shell_redirection() -> None:
    for path in ("out/events.csv", "build/reports/events.jsonl", "dist/x.json", "data/x.csv", "../x.csv",
                 "out/events_june.parquet", "out/app.db"):
        shell = asked("shell", f"echo id,total > {path}")
        sql = asked("sql", f"COPY (SELECT * FROM events) TO '{path}' (FORMAT csv)")
        assert shell == sql, path


COPY_ALLOWED = [
    "COPY (SELECT * FROM events WHERE ts >= TIMESTAMP '2024-06-01') TO 'out/events.csv' (FORMAT csv);",
    "COPY (SELECT id, total FROM orders) TO 'build/report.csv' WITH (FORMAT csv, HEADER)",
    "COPY (SELECT 1) TO 'out/events-2024-06.parquet' (FORMAT parquet)",
]

COPY_ASKED = [
    "COPY (SELECT 1) TO 'data/events.csv'",
    "COPY (SELECT 1) TO 'exports/orders.csv'",
    "COPY (SELECT 1) TO 'out/events.parquet' (FORMAT parquet)",
    "COPY (SELECT 1) TO '../events.csv'",
    "COPY (SELECT 1) TO '/var/lib/postgresql/data/events.csv'",
    "COPY (SELECT 1) TO '/etc/cron.d/events.csv'",
    "COPY (SELECT 1) TO '~/.ssh/authorized_keys.csv'",
    "COPY (SELECT 1) TO 'out/app.db'",
    "COPY orders TO PROGRAM 'gzip > out/orders.csv.gz'",
    "COPY (SELECT 1) TO 'migrations/0001_init.sql'",
]


@pytest.mark.parametrize("sql", COPY_ALLOWED)
def test_copy_to_project_or_regenerable_output_passes(sql: str) -> None:
    assert not asked("sql", sql), sql


@pytest.mark.parametrize("sql", COPY_ASKED)
def test_copy_to_data_system_or_program_asks(sql: str) -> None:
    assert asked("sql", sql), sql


# ---- MCP tools of SQL clients: their command is SQL, not a shell line ----

def tool(server: str, name: str, command: str) -> dict[str, Any]:
    return {"server": server, "tool": name, "arguments": {"app": "shop-prod", "command": command}}


SQL_TOOL_ALLOWED = [
    tool("heroku", "pg_psql", "SELECT count(*) FROM orders;"),
    tool("heroku", "pg_psql", "select id, email from users order by id desc limit 20"),
    tool("heroku", "pg_psql", "\\dt"),
    tool("heroku", "pg_psql", "DELETE FROM sessions WHERE expires_at < now()"),
    tool("planetscale", "mysql_exec", "SELECT * FROM orders LIMIT 5"),
    tool("sqlite", "sqlite_command", ".tables"),
]

SQL_TOOL_ASKED = [
    tool("heroku", "pg_psql", "DROP TABLE orders;"),
    tool("heroku", "pg_psql", "DELETE FROM orders;"),
    tool("heroku", "pg_psql", "truncate orders"),
    tool("heroku", "pg_psql", "UPDATE users SET admin = true"),
    tool("heroku", "pg_psql", "SELECT 1; DROP TABLE users"),
    tool("heroku", "pg_psql", "/* hi */ DROP TABLE users"),
    tool("heroku", "pg_psql", "\\o /etc/passwd"),
    tool("heroku", "pg_psql", "\\! rm -rf /srv/app"),
    tool("heroku", "pg_psql", "rm -rf /var/lib/postgresql"),
    tool("heroku", "pg_psql", "./scripts/wipe_db.sh"),
    tool("planetscale", "mysql_exec", "DROP DATABASE shop"),
    tool("sqlite", "sqlite_command", ".output /etc/passwd"),
    tool("sqlite", "sqlite_command", ".shell rm -rf /srv/app"),
    tool("desktop-commander", "run_command", "psql -c 'DROP TABLE orders'"),
]


@pytest.mark.parametrize("payload", SQL_TOOL_ALLOWED)
def test_sql_client_tools_reads_pass(payload: dict[str, Any]) -> None:
    assert not asked("mcp", payload), payload


@pytest.mark.parametrize("payload", SQL_TOOL_ASKED)
def test_sql_client_tools_destructive_sql_or_shell_asks(payload: dict[str, Any]) -> None:
    assert asked("mcp", payload), payload
