"""Classes closed in SQL, HTTP and MCP, each beside the look-alike spellings an agent that wants the
destructive action would try.

- clearly expired cleanups (`DELETE FROM sessions WHERE expires_at < now()`), in every dialect and
  door, and their abuses;
- dynamic SQL, access loss, history loss and overwrites in other dialects;
- action-suffix POSTs (`.../cancel`, `.../revoke`), token revocation, regenerable CI caches;
- MCP filesystem tools with Windows paths, new files and moves, unknown servers' verb-named tools.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from pg import PgServer, postgres  # noqa: F401  (the session fixture)

import blastwall
from blastwall.analyze.base import Scope
from blastwall.analyze.sql import analyze_sql
from blastwall.engine import check_action, make_action
from blastwall.policy.engine import Policy, compile_layers, default_document

EXPIRED = "sql.postgres:delete-expired-rows"


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def rules(sql: str) -> list[str]:
    return [f.rule_id for f in analyze_sql(sql, Scope(read_files=False))]


def verdict(kind: str, payload: Any, context: dict[str, Any] | None = None, **kw: Any) -> Any:
    return blastwall.check(make_action(kind, payload, context), **kw)


# ---- 1. clearly expired cleanups ------------------------------------------------------------------

EXPIRED_CLEANUPS = [
    "DELETE FROM sessions WHERE expires_at < now() - interval '30 days'",
    "DELETE FROM sessions WHERE expires_at < now()",
    "DELETE FROM password_reset_tokens WHERE expires_at < NOW();",
    "DELETE FROM django_session WHERE expire_date < now();",
    "DELETE FROM oauth_nonces WHERE created_at < now() - interval '1 hour';",
    "DELETE FROM cache_entries WHERE created_at < NOW() - INTERVAL 7 DAY;",  # MySQL
    "DELETE FROM cache WHERE expiration <= NOW()",
    "DELETE FROM `sessions` WHERE `expires_at` < CURRENT_TIMESTAMP",
    "DELETE FROM sessions WHERE created_at < DATE_SUB(NOW(), INTERVAL 7 DAY)",
    "DELETE FROM sessions WHERE created_at < TIMESTAMPADD(DAY, -7, NOW())",
    "DELETE FROM [dbo].[Sessions] WHERE [ExpiresAt] < SYSUTCDATETIME()",  # T-SQL
    "DELETE FROM Sessions WHERE CreatedAt < DATEADD(day, -7, GETDATE())",
    "DELETE FROM sessions WHERE expires_at < datetime('now')",  # SQLite
    "DELETE FROM sessions WHERE created_at < datetime('now', '-7 days')",
    "DELETE FROM sessions WHERE expires_at < SYSDATE",  # Oracle
    "DELETE FROM sessions WHERE created_at < SYSDATE - 7",
    "DELETE FROM public.user_sessions s WHERE s.expires_at < now() AT TIME ZONE 'utc'",
    "DELETE FROM sessions WHERE now() > expires_at",
    "DELETE FROM refresh_tokens WHERE expires_at < CURRENT_TIMESTAMP - '1 day'::interval",
    "DELETE FROM sessions WHERE last_seen < now() - make_interval(days => 30)",
    "DELETE FROM rate_limits WHERE window_started_at < now() - interval '1 hour'",
    "DELETE FROM failed_jobs WHERE failed_at < now() - interval '30 days'",
    "DELETE FROM request_logs WHERE created_at < now() - interval '90 days'",
    "DELETE FROM sessions WHERE expires_at < now() AND user_id > 42",  # narrows further
    "DELETE FROM sessions WHERE created_at < CURRENT_TIMESTAMP + INTERVAL '-7 DAY'",
]


@pytest.mark.parametrize("sql", EXPIRED_CLEANUPS)
def test_an_expired_cleanup_is_allowed_and_says_what_it_keeps(sql: str) -> None:
    assert EXPIRED in rules(sql), rules(sql)
    v = verdict("sql", sql)
    assert v.decision.value == "allow", v.reasons
    assert "deletes only rows of" in v.reasons[0] and " past " in v.reasons[0]


NOT_EXPIRED = [
    # the future, or every row
    "DELETE FROM sessions WHERE expires_at < now() + interval '100 years'",
    "DELETE FROM sessions WHERE expires_at < now() - interval '-7 days'",
    "DELETE FROM sessions WHERE expires_at < now() - interval '7 days ago'",
    "DELETE FROM sessions WHERE expires_at < now() - interval '1 day' - interval '-2 days'",
    "DELETE FROM sessions WHERE expires_at > now()",
    "DELETE FROM sessions WHERE expires_at <> now()",
    "DELETE FROM sessions WHERE created_at < now()",
    "DELETE FROM sessions WHERE created_at <= CURRENT_TIMESTAMP",
    "DELETE FROM sessions WHERE created_at < now() - interval '0 days'",
    "DELETE FROM sessions WHERE created_at < datetime('now', '+7 days')",
    "DELETE FROM sessions WHERE created_at < datetime('now', 'start of day')",
    "DELETE FROM sessions WHERE created_at < DATE_ADD(NOW(), INTERVAL 7 DAY)",
    "DELETE FROM sessions WHERE created_at < DATE_SUB(NOW(), INTERVAL -7 DAY)",
    "DELETE FROM Sessions WHERE ExpiresAt < DATEADD(year, 100, GETDATE())",
    "DELETE FROM sessions WHERE expires_at < expires_at + interval '1 day'",
    "DELETE FROM sessions WHERE expires_at < '2999-01-01'",
    # ORs, NULLs, subqueries, calls
    "DELETE FROM sessions WHERE expires_at < now() OR 1=1",
    "DELETE FROM sessions WHERE expires_at < now() OR true",
    "DELETE FROM sessions WHERE expires_at IS NULL OR expires_at < now()",
    "DELETE FROM sessions WHERE expires_at < now() OR user_id > 0",
    "DELETE FROM sessions WHERE NOT (expires_at > now())",
    "DELETE FROM sessions WHERE expires_at < (SELECT max(expires_at) FROM sessions)",
    "DELETE FROM sessions WHERE expires_at < now() AND id IN (SELECT id FROM sessions)",
    "DELETE FROM sessions WHERE expires_at < now() AND pg_sleep(1) IS NOT NULL",
    "DELETE FROM sessions WHERE expires_at < my_now()",
    "DELETE FROM sessions WHERE other.expires_at < now()",
    # tables whose rows are kept on purpose
    "DELETE FROM orders WHERE expires_at < now()",
    "DELETE FROM payments WHERE created_at < now() - interval '30 days'",
    "DELETE FROM users WHERE last_seen < now() - interval '1 year'",
    "DELETE FROM subscriptions WHERE expires_at < now()",
    "DELETE FROM audit_logs WHERE created_at < now() - interval '30 days'",
    "DELETE FROM session_audit WHERE created_at < now() - interval '30 days'",
    "DELETE FROM payment_tokens WHERE expires_at < now()",
    "DELETE FROM catalog WHERE created_at < now() - interval '30 days'",
    "DELETE FROM blog WHERE created_at < now() - interval '30 days'",
    # other statements and shapes
    "DELETE FROM sessions USING users WHERE sessions.expires_at < now()",
    "WITH d AS (DELETE FROM users RETURNING id) DELETE FROM sessions WHERE expires_at < now()",
    "WITH old AS (SELECT 1) DELETE FROM sessions WHERE expires_at < now()",
    "DELETE s FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.expires_at < NOW()",
    "UPDATE sessions SET data = '' WHERE expires_at < now()",
]


@pytest.mark.parametrize("sql", NOT_EXPIRED)
def test_look_alikes_of_an_expired_cleanup_still_ask(sql: str) -> None:
    assert EXPIRED not in rules(sql), rules(sql)
    assert verdict("sql", sql).decision.value in ("ask", "deny")


@pytest.mark.parametrize("sql", ["TRUNCATE sessions", "DELETE FROM sessions", "DROP TABLE sessions"])
def test_wiping_a_short_lived_table_still_asks(sql: str) -> None:
    assert verdict("sql", sql).decision.value in ("ask", "deny")


SAFE = "DELETE FROM sessions WHERE expires_at < now() - interval '30 days'"
PLAIN = "DELETE FROM sessions WHERE expires_at < now()"  # no quotes: it goes inside quoted shell words
ABUSE = "DELETE FROM sessions WHERE expires_at < now() OR true"


@pytest.mark.parametrize(("kind", "payload"), [
    ("shell", 'psql -c "{q}"'),
    ("shell", 'psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -c "{q}"'),
    ("shell", "python -c 'import psycopg; psycopg.connect().execute(\"{q}\")'"),
    ("shell", "node -e 'knex.raw(\"{q}\")'"),
    ("mcp", {"server": "postgres", "tool": "execute_sql", "arguments": {"query": "{q}"}}),
    ("mcp", {"server": "postgres", "tool": "query", "arguments": {"sql": "{q}"}}),
])
def test_every_door_judges_the_statement_alike(kind: str, payload: Any) -> None:
    def fill(p: Any, q: str) -> Any:
        if isinstance(p, str):
            return p.replace("{q}", q)
        return {k: fill(v, q) for k, v in p.items()}

    assert verdict(kind, fill(payload, PLAIN)).decision.value == "allow"
    assert verdict(kind, fill(payload, ABUSE)).decision.value in ("ask", "deny")


def test_the_table_words_are_data() -> None:
    from blastwall.analyze.sql import expired

    for name in ("sessions", "django_session", "PasswordResetTokens", "passwordresettokens", "oauth_auth_codes",
                 "otp_codes", "cache_entries", "cache_locks", "rate_limits", "failed_jobs", "job_history", "api_request_logs",
                 "webauthn_challenges", "idempotency_keys", "magic_links", "email_verifications", "public.user_sessions"):
        assert expired.short_lived(name), name
    for name in ("orders", "payments", "users", "subscriptions", "audit_logs", "audit_log", "ledger_entries",
                 "sessions_archive", "catalog", "blog", "backlog", "clocks", "invoices", "verifications", "codes",
                 "challenges", "order_sessions"):
        assert not expired.short_lived(name), name


# -- with a connection: the count decides as for any other DELETE -----------------------------------

DB = "expired_app"
PROVIDER = '[inventory.providers.postgres]\nprobe = true\ntimeout_s = 2.0\ndsn_env = "DATABASE_URL"\n'


def _policy(extra: str = "") -> Policy:
    return compile_layers([("test.toml", tomllib.loads(PROVIDER + extra)), ("defaults", default_document())])


@pytest.fixture(scope="module")
def db(postgres: PgServer) -> PgServer:  # noqa: F811
    postgres.create_database(DB)
    postgres.execute(DB, """
        CREATE TABLE sessions (id int PRIMARY KEY, expires_at timestamptz NOT NULL);
        INSERT INTO sessions SELECT g, now() + (g - 30) * interval '1 day' FROM generate_series(1, 100) g;
    """)
    return postgres


def test_a_connection_counts_the_rows_and_the_count_decides(db: PgServer) -> None:
    action = make_action("sql", SAFE, {"database": db.dsn(DB)})
    v = check_action(action, _policy('[inventory.environments.production]\ndatabases = ["expired_app"]\n'))
    (f,) = [f for f in v.findings if f.rule_id == EXPIRED]
    assert (f.radius or {}).get("measured") is True and f.radius["counts"]["rows"] == 0
    assert v.decision.value == "ask"  # production: asked as any DELETE there, with the count shown


def test_a_count_that_fails_still_asks(db: PgServer) -> None:
    dead = db.dsn(DB).replace(f":{db.port}/", ":1/")
    v = check_action(make_action("sql", SAFE, {"database": dead}), _policy())
    (f,) = [f for f in v.findings if f.rule_id == EXPIRED]
    assert (f.radius or {}).get("measured") is False
    assert v.decision.value == "ask", v.reasons


def test_without_a_connection_it_is_allowed_with_the_reason() -> None:
    v = check_action(make_action("sql", SAFE), _policy())
    assert v.decision.value == "allow"
    assert "sessions past expires_at" in v.reasons[0]


# ---- 2. SQL that destroys through strings, logins, logs and overwrites ------------------------------

SQL_DESTRUCTIVE = [
    # dynamic SQL: the string is read as SQL
    ("EXEC('DELETE FROM Payments');", "sql.postgres:delete-without-where"),
    ("exec ( 'DELETE FROM ' + 'Payments' )", "sql.postgres:delete-without-where"),
    ("EXECUTE('DROP TABLE Payments')", "sql.postgres:drop-table"),
    ("EXEC sp_executesql N'DELETE FROM Payments'", "sql.postgres:delete-without-where"),
    ("EXEC dbo.sp_executesql @stmt = N'TRUNCATE TABLE Payments'", "sql.postgres:truncate"),
    ("EXECUTE IMMEDIATE 'DELETE FROM payments'", "sql.postgres:delete-without-where"),
    ("EXECUTE IMMEDIATE 'TRUNCATE TABLE payments' USING x", "sql.postgres:truncate"),
    ("PREPARE s FROM 'DELETE FROM payments'; EXECUTE s;", "sql.postgres:delete-without-where"),
    ("PREPARE s FROM \"DROP TABLE payments\"", "sql.postgres:drop-table"),
    ("EXEC('EXEC(''DROP TABLE t'')')", "sql.postgres:drop-table"),
    ("SELECT 1; EXEC('DELETE FROM Payments'); SELECT 2", "sql.postgres:delete-without-where"),
    # a string built at run time
    ("EXEC(@sql)", "sql.mssql:exec-dynamic"),
    ("EXEC (@a + 'x')", "sql.mssql:exec-dynamic"),
    ("EXECUTE IMMEDIATE v_sql", "sql.mssql:exec-dynamic"),
    ("EXECUTE IMMEDIATE 'DELETE FROM ' || tbl", "sql.mssql:exec-dynamic"),
    ("SET @q = 'DELETE FROM payments'; PREPARE s FROM @q; EXECUTE s;", "sql.mssql:exec-dynamic"),
    # access loss
    ("ALTER USER postgres WITH NOLOGIN;", "sql.postgres:role-lockout"),
    ("alter role app nologin", "sql.postgres:role-lockout"),
    ("ALTER ROLE app CONNECTION LIMIT 0", "sql.postgres:role-lockout"),
    ("ALTER USER app VALID UNTIL '2000-01-01'", "sql.postgres:role-lockout"),
    ("ALTER ROLE app RENAME TO app_old", "sql.postgres:role-lockout"),
    ("ALTER USER 'app'@'%' ACCOUNT LOCK", "sql.postgres:role-lockout"),
    ("ALTER USER app PASSWORD EXPIRE", "sql.postgres:role-lockout"),
    ("ALTER LOGIN sa DISABLE", "sql.postgres:role-lockout"),
    ("REVOKE ALL ON payments FROM app", "sql.postgres:revoke"),
    ("REVOKE CONNECT ON DATABASE app FROM PUBLIC", "sql.postgres:revoke"),
    ("DENY CONNECT TO app", "sql.postgres:revoke"),
    # history loss
    ("RESET MASTER;", "sql.mysql:binlog-reset"),
    ("reset  master", "sql.mysql:binlog-reset"),
    ("RESET BINARY LOGS AND GTIDS", "sql.mysql:binlog-reset"),
    ("PURGE BINARY LOGS BEFORE NOW()", "sql.mysql:binlog-reset"),
    ("PURGE MASTER LOGS TO 'mysql-bin.010'", "sql.mysql:binlog-reset"),
    ("RESET REPLICA ALL", "sql.mysql:replication-reset"),
    ("RESET SLAVE", "sql.mysql:replication-reset"),
    # overwrites
    ("INSERT OVERWRITE TABLE sales SELECT * FROM sales WHERE 1 = 0;", "sql.spark:insert-overwrite"),
    ("insert overwrite sales select 1", "sql.spark:insert-overwrite"),
    ("INSERT OVERWRITE TABLE sales PARTITION (d='2024') SELECT 1", "sql.spark:insert-overwrite"),
    ("INSERT OVERWRITE DIRECTORY '/data/out' SELECT * FROM t", "sql.spark:insert-overwrite"),
]


@pytest.mark.parametrize(("sql", "rule"), SQL_DESTRUCTIVE)
def test_sql_destructive_classes(sql: str, rule: str) -> None:
    assert rule in rules(sql), rules(sql)
    assert verdict("sql", sql).decision.value in ("ask", "deny")


@pytest.mark.parametrize(("sql", "dialect"), [
    ("EXEC('DELETE FROM Payments')", "tsql"),
    ("PREPARE s FROM 'DELETE FROM payments'", "mysql"),
    ("RESET MASTER", "mysql"),
    ("INSERT OVERWRITE TABLE sales SELECT 1", "spark"),
])
def test_named_dialects_see_the_same(sql: str, dialect: str) -> None:
    assert analyze_sql(sql, Scope(read_files=False), dialect=dialect)


SQL_HARMLESS = [
    "EXEC('SELECT 1')",
    "EXEC sp_executesql N'SELECT * FROM Payments WHERE id = @id', N'@id int', @id = 1",
    "EXECUTE IMMEDIATE 'SELECT 1' INTO v",
    "PREPARE s FROM 'SELECT * FROM t WHERE id = ?'",
    "EXEC('DELETE FROM sessions WHERE expires_at < GETDATE()')",
    "ALTER ROLE app LOGIN",
    "ALTER ROLE app CONNECTION LIMIT 10",
    "ALTER USER app VALID UNTIL 'infinity'",
    "CREATE ROLE reader NOLOGIN",
    "RESET search_path",
    "RESET ALL",
    "INSERT INTO TABLE sales SELECT 1",
]


@pytest.mark.parametrize("sql", SQL_HARMLESS)
def test_sql_look_alikes_that_destroy_nothing(sql: str) -> None:
    assert verdict("sql", sql).decision.value == "allow", verdict("sql", sql).reasons


# ---- 3. a temporary table the same script made is scratch ----------------------------------------------

SCRATCH = [
    ("CREATE TEMPORARY TABLE scratch_ids (id int); INSERT INTO scratch_ids VALUES (1),(2); "
     "DELETE FROM scratch_ids; DROP TEMPORARY TABLE scratch_ids;", None),
    ("CREATE TEMPORARY TABLE scratch_ids (id int); DELETE FROM scratch_ids; DROP TEMPORARY TABLE scratch_ids;", "mysql"),
    ("CREATE TEMPORARY TABLE s (id int); TRUNCATE s; DROP TEMPORARY TABLE IF EXISTS s", None),
    ("CREATE TEMP TABLE s AS SELECT 1 AS id; DELETE FROM s; DROP TABLE s", None),
    ("DELETE FROM pg_temp.x WHERE id > 0; DROP TEMPORARY TABLE IF EXISTS y; DROP TABLE pg_temp.x", None),
    ("SELECT 1 AS id INTO #t; DELETE FROM #t; DROP TABLE #t", "tsql"),
    ("CREATE TABLE #t (id int); TRUNCATE TABLE #t", None),
]


@pytest.mark.parametrize(("sql", "dialect"), SCRATCH)
def test_scratch_made_in_the_same_script(sql: str, dialect: str | None) -> None:
    assert analyze_sql(sql, Scope(read_files=False), dialect=dialect) == []


SCRATCH_LOOK_ALIKES = [
    # the temporary table is gone, so the name finds the permanent one
    "CREATE TEMPORARY TABLE orders (id int); DROP TEMPORARY TABLE orders; DELETE FROM orders;",
    # scratch and a real table in one statement
    "CREATE TEMPORARY TABLE s (id int); DELETE FROM s, orders;",
    # a permanent table that may have been there before is not scratch (one the script surely made is:
    # test_sql_mcp_scratch_queues.py)
    "CREATE TABLE IF NOT EXISTS s (id int); DELETE FROM s; DROP TEMPORARY TABLE x",
    # the temporary table is another one
    "CREATE TEMPORARY TABLE s (id int); DELETE FROM orders; DROP TEMPORARY TABLE s",
    # MySQL reads `#` as a comment: the statement deletes orders
    "DELETE FROM #scratch\norders",
]


@pytest.mark.parametrize("sql", SCRATCH_LOOK_ALIKES)
def test_scratch_look_alikes_still_ask(sql: str) -> None:
    assert verdict("sql", sql).decision.value in ("ask", "deny")


# ---- 4. HTTP: actions named by the last path segment, token revocation, regenerable caches ----------

HTTP_DESTRUCTIVE = [
    ("POST", "https://api.stripe.com/v1/subscriptions/sub_1MowQVLkdIwHu7ix/cancel"),
    ("POST", "https://api.stripe.com/v1/subscriptions/sub_1/Cancel"),
    ("POST", "https://oauth2.googleapis.com/revoke?token=1/fFAGRNJru1FTz70BzhT3Zg"),
    ("POST", "https://accounts.google.com/o/oauth2/revoke?token=x"),
    ("POST", "https://api.example.com/v1/tokens/tok_1/revoke"),
    ("PUT", "https://api.example.com/v1/keys/k1/revoke"),
    ("POST", "https://api.example.com/v1/jobs/42/terminate"),
    ("POST", "https://api.example.com/v1/cdn/purge"),
    ("POST", "https://api.example.com/v1/invoices/in_1/void"),
    ("POST", "https://api.example.com/v1/users/42/deactivate"),
    ("PATCH", "https://api.example.com/v1/users/42/disable"),
    ("POST", "https://api.example.com/v1/deployments/9/rollback"),
    ("POST", "https://api.example.com/v1/operations/op1:cancel"),
    ("POST", "https://api.example.com/v1/instances/i-1/cancel_subscription"),
    ("POST", "https://api.example.com/v1/accounts/acct_1/close"),
]


@pytest.mark.parametrize(("method", "url"), HTTP_DESTRUCTIVE)
def test_action_suffix_posts_ask(method: str, url: str) -> None:
    v = verdict("http", {"method": method, "url": url})
    assert v.decision.value == "ask", v.reasons


HTTP_SAFE = [
    ("POST", "https://api.example.com/v1/subscriptions"),
    ("POST", "https://api.example.com/v1/orders/42/confirm"),
    ("POST", "https://api.example.com/v1/payment_intents/pi_1/capture"),
    ("POST", "https://api.example.com/v1/users/42/reset-password"),
    ("POST", "https://api.example.com/v1/search"),
    ("POST", "https://oauth2.googleapis.com/token"),
    ("POST", "https://api.stripe.com/v1/subscriptions/sub_1/resume"),
    ("GET", "https://api.example.com/v1/jobs/42/cancel"),  # a read of an API page named cancel is not the action
    ("POST", "http://localhost:3000/api/jobs/42/cancel"),  # a dev server's fixtures
    ("DELETE", "https://api.github.com/repos/acme/web/actions/caches?key=npm-cache-linux"),
    ("DELETE", "https://api.github.com/repos/acme/web/actions/caches/123"),
]


@pytest.mark.parametrize(("method", "url"), HTTP_SAFE)
def test_action_look_alikes_that_destroy_nothing(method: str, url: str) -> None:
    v = verdict("http", {"method": method, "url": url})
    assert v.decision.value == "allow", v.reasons


@pytest.mark.parametrize("url", [
    "https://api.github.com/repos/acme/web/actions/artifacts/123",
    "https://api.github.com/repos/acme/web/actions/runs/5",
    "https://api.github.com/repos/acme/web/caches",
])
def test_other_ci_deletes_still_ask(url: str) -> None:
    assert verdict("http", {"method": "DELETE", "url": url}).decision.value in ("ask", "deny")


@pytest.mark.parametrize("payload", [
    "curl -X POST https://api.stripe.com/v1/subscriptions/sub_1/cancel -u sk_live_x:",
    "curl -d token=abc https://oauth2.googleapis.com/revoke",
])
def test_the_same_requests_from_the_shell(payload: str) -> None:
    assert verdict("shell", payload).decision.value in ("ask", "deny")


# ---- 5. MCP: Windows paths, other servers' paths, new files and moves --------------------------------

def mcp(server: str, tool: str, **arguments: Any) -> str:
    return verdict("mcp", {"server": server, "tool": tool, "arguments": arguments}).decision.value


@pytest.mark.parametrize("path", [
    "C:\\Users\\ana\\Documents\\thesis.docx",
    "c:/Users/ana/Documents/thesis.docx",
    "D:\\backups\\db.bak",
    "\\\\fileserver\\share\\report.xlsx",
    "%USERPROFILE%\\Documents\\thesis.docx",
])
@pytest.mark.parametrize(("server", "tool"), [
    ("desktop-commander", "delete_file"),
    ("filesystem", "delete_file"),
    ("filesystem", "write_file"),
    ("desktop-commander", "write_file"),
    ("filesystem", "move_file"),
])
def test_windows_paths_are_never_project_files(server: str, tool: str, path: str) -> None:
    if tool == "move_file":
        assert mcp(server, tool, source=path, destination=path + ".old") in ("ask", "deny")
    else:
        assert mcp(server, tool, path=path, content="x") in ("ask", "deny")


@pytest.mark.parametrize(("server", "tool", "arguments"), [
    ("vault", "delete_secret", {"path": "secret/prod/db"}),
    ("vault", "destroy_secret_versions", {"path": "secret/prod/db", "versions": [1]}),
    ("hashicorp-vault", "remove_secret", {"path": "kv/app"}),
    ("acme", "delete_record", {"path": "records/1"}),
    ("consul", "kv_delete", {"path": "config/app"}),
    ("notion", "delete_page", {"path": "workspace/roadmap"}),
])
def test_another_servers_path_is_not_a_local_file(server: str, tool: str, arguments: dict[str, Any]) -> None:
    assert mcp(server, tool, **arguments) in ("ask", "deny")


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder of this machine with a documents folder holding two files."""
    h = tmp_path / "home" / "dev"
    (h / "docs").mkdir(parents=True)
    (h / "docs" / "draft.md").write_text("draft\n")
    (h / "docs" / "design.md").write_text("design\n")
    (h / ".config").mkdir()
    monkeypatch.setenv("HOME", str(h))
    from blastwall import locations

    for fn in (getattr(locations, n, None) for n in ("home_dirs",)):
        if fn is not None and hasattr(fn, "cache_clear"):
            fn.cache_clear()
    return h


def test_a_new_file_is_created_and_an_existing_one_asks(home: Path) -> None:
    assert mcp("filesystem", "write_file", path=str(home / "docs" / "plan-2024-06.md"), content="# Plan\n") == "allow"
    assert mcp("filesystem", "write_file", path=str(home / "docs" / "design.md"), content="x") == "ask"
    # a folder that is not there: nothing proves the file is not (the server may see another disk)
    assert mcp("filesystem", "write_file", path=str(home / "nowhere" / "plan.md"), content="x") == "ask"
    assert mcp("filesystem", "write_file", path="/home/nobody-here/notes/plan.md", content="x") == "ask"
    # ... unless its path has a project's shape: a project write, as the agent's own Write tool gets
    # (rules/paths.toml [project_shape], tests/test_home_projects.py)
    assert mcp("filesystem", "write_file", path="/home/nobody-here/project/notes/plan.md", content="x") == "allow"
    # hidden folders hold configuration that runs by itself
    assert mcp("filesystem", "write_file", path=str(home / ".config" / "autostart.desktop"), content="x") == "ask"
    assert mcp("filesystem", "write_file", path=str(home / ".bashrc"), content="x") == "ask"


def test_a_move_to_a_new_name_keeps_the_file(home: Path) -> None:
    src, docs = str(home / "docs" / "draft.md"), home / "docs"
    assert mcp("filesystem", "move_file", source=src, destination=str(docs / "final.md")) == "allow"
    assert mcp("filesystem", "move_file", source=src, destination=str(docs / "design.md")) == "ask"  # overwrites
    assert mcp("filesystem", "move_file", source=src, destination=str(home / "gone" / "x.md")) == "ask"
    assert mcp("filesystem", "move_file", source=src, destination="/dev/null") in ("ask", "deny")
    assert mcp("filesystem", "move_file", source="/etc/passwd", destination=str(docs / "passwd")) in ("ask", "deny")
    assert mcp("filesystem", "move_file", source=src, destination=str(home / ".bashrc")) == "ask"


def test_a_dry_run_argument_the_tool_does_not_take_is_no_dry_run() -> None:
    # mcp-server-kubernetes' kubectl_delete has no dryRun parameter: the server ignores it and deletes
    assert mcp("kubernetes", "kubectl_delete", resourceType="namespace", name="payments", dryRun="server") == "ask"
