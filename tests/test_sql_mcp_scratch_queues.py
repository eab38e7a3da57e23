"""Finished rows of work queues cleaned by age, tables a script made and dropped, a terminal tool's
command line read as a command line, and targeted edits of project documents over MCP. Each
allowance sits beside the spellings an agent that wants the destructive action would try next."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pg import PgServer, postgres  # noqa: F401  (the session fixture)

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """No user policy or database connection: the built-in defaults judge."""


def verdict(kind: str, payload: Any) -> str:
    return check(payload, kind, policy=POLICY).decision.value


# ---- finished rows of job queues, outboxes, inboxes and tasks, older than an age bound ----------

FINISHED_OLD = [
    "DELETE FROM jobs WHERE state = 'completed' AND finished_at < now() - interval '30 days'",
    "DELETE FROM background_jobs WHERE status = 'succeeded' AND updated_at < now() - interval '7 days'",
    "DELETE FROM outbox WHERE processed_at IS NOT NULL AND processed_at < now() - interval '7 days'",
    "DELETE FROM outbox_messages WHERE processed_at IS NOT NULL AND created_at < now() - interval '3 days'",
    "DELETE FROM inbox_messages WHERE processed = true AND received_at < now() - interval '14 days'",
    "DELETE FROM tasks WHERE status IN ('done', 'completed') AND completed_at < now() - interval '90 days'",
    "DELETE FROM job_queue WHERE done AND finished_at < now() - interval '1 day'",
    "DELETE FROM outbox_events WHERE published IS TRUE AND published_at < CURRENT_TIMESTAMP - INTERVAL '2 days'",
    "delete from jobs j where j.state = 'processed' and j.finished_at < now() - interval '30 days'",
    # MySQL's spelling, read by sqlglot
    "DELETE FROM jobs WHERE status = 'completed' AND finished_at < DATE_SUB(NOW(), INTERVAL 30 DAY) LIMIT 1000",
    "DELETE FROM `outbox` WHERE `sent_at` IS NOT NULL AND `sent_at` < NOW() - INTERVAL 7 DAY",
]

FINISHED_LOOK_ALIKES = [
    # age alone, no age, or not finished
    "DELETE FROM jobs WHERE finished_at < now() - interval '30 days'",
    "DELETE FROM jobs WHERE created_at < now() - interval '30 days'",
    "DELETE FROM jobs WHERE state = 'completed'",
    "DELETE FROM outbox WHERE processed_at IS NOT NULL",
    "DELETE FROM jobs WHERE state = 'completed' AND finished_at < now()",
    "DELETE FROM jobs WHERE state = 'completed' AND finished_at > now() - interval '30 days'",
    # pending, failed, unknown, a mixed list, a negation, an OR
    "DELETE FROM jobs WHERE state = 'failed' AND finished_at < now() - interval '30 days'",
    "DELETE FROM jobs WHERE state = 'pending' AND created_at < now() - interval '30 days'",
    "DELETE FROM jobs WHERE state IN ('completed', 'failed') AND finished_at < now() - interval '30 days'",
    "DELETE FROM jobs WHERE state <> 'completed' AND created_at < now() - interval '30 days'",
    "DELETE FROM jobs WHERE state NOT IN ('completed') AND created_at < now() - interval '30 days'",
    "DELETE FROM outbox WHERE processed_at IS NULL AND created_at < now() - interval '7 days'",
    "DELETE FROM outbox WHERE processed = false AND created_at < now() - interval '7 days'",
    "DELETE FROM outbox WHERE NOT processed AND created_at < now() - interval '7 days'",
    "DELETE FROM outbox WHERE processed IS NOT FALSE AND created_at < now() - interval '7 days'",
    "DELETE FROM jobs WHERE (state = 'completed' OR state = 'failed') AND finished_at < now() - interval '30 days'",
    "DELETE FROM jobs WHERE state = 'completed' OR finished_at < now() - interval '30 days'",
    "DELETE FROM jobs WHERE state = 'completed' AND finished_at < now() - interval '30 days' OR true",
    # a subquery or a function may do more than narrow
    "DELETE FROM jobs WHERE state = 'completed' AND finished_at < now() - interval '30 days' "
    "AND id IN (SELECT id FROM users)",
    # tables that are kept, or only look like queues
    "DELETE FROM job_applications WHERE status = 'completed' AND updated_at < now() - interval '30 days'",
    "DELETE FROM orders WHERE status = 'completed' AND completed_at < now() - interval '30 days'",
    "DELETE FROM deliveries WHERE status = 'delivered' AND delivered_at < now() - interval '30 days'",
    "DELETE FROM messages WHERE status = 'sent' AND sent_at < now() - interval '30 days'",
    "DELETE FROM billing_jobs WHERE state = 'completed' AND finished_at < now() - interval '30 days'",
    "DELETE FROM payment_tasks WHERE status = 'done' AND finished_at < now() - interval '30 days'",
    # a finished queue's other ways to lose everything
    "TRUNCATE jobs",
    "DELETE FROM jobs",
    "DROP TABLE outbox",
    "UPDATE jobs SET state = 'pending' WHERE state = 'completed' AND finished_at < now() - interval '30 days'",
    "DELETE FROM jobs USING users WHERE jobs.state = 'completed' AND jobs.finished_at < now() - interval '30 days'",
]


@pytest.mark.parametrize("sql", FINISHED_OLD)
def test_finished_work_items_older_than_an_age_bound_pass(sql: str) -> None:
    assert verdict("sql", sql) == "allow"


@pytest.mark.parametrize("sql", FINISHED_LOOK_ALIKES)
def test_unfinished_ageless_or_kept_rows_are_asked(sql: str) -> None:
    assert verdict("sql", sql) != "allow"


# ---- a table a script created (no IF NOT EXISTS, no OR REPLACE) and dropped in one string ------------

SCRATCH_SCRIPTS = [
    ("shell", "sqlite3 /tmp/probe.db 'create table t(x); insert into t values (1); select * from t; drop table t;'"),
    ("shell", "sqlite3 :memory: 'CREATE TABLE probe (id integer); DELETE FROM probe; DROP TABLE probe'"),
    ("shell", "sqlite3 /tmp/x.db 'create table t as select 1 as x; drop table t'"),
    ("shell", "psql -c 'create table scratch_probe(x int); insert into scratch_probe values (1); "
              "drop table scratch_probe;'"),
    ("shell", "psql -h db.local -U app -d app --command='CREATE TABLE t (x int); TRUNCATE t; DROP TABLE t'"),
    ("shell", "mysql -e 'create table t (x int); insert into t values (1); drop table t' app"),
    ("sql", "CREATE TABLE t (x int); INSERT INTO t VALUES (1); DELETE FROM t; DROP TABLE t;"),
]

SCRATCH_LOOK_ALIKES = [
    # the CREATE succeeds whether or not the name was taken
    ("shell", "sqlite3 /tmp/probe.db 'create table if not exists t(x); drop table t'"),
    ("shell", "psql -c 'create table if not exists t(x int); drop table t'"),
    ("shell", "duckdb /tmp/x.duckdb 'create or replace table t as select 1 as x; drop table t'"),
    ("shell", "psql -c 'create or replace view t as select 1; drop view t; drop table t'"),
    # another name, a second drop after the first forgot it, another qualifier
    ("shell", "sqlite3 /tmp/probe.db 'create table t(x); drop table users'"),
    ("shell", "psql -c 'create table t(x int); drop table t; drop table t'"),
    ("shell", "psql -c 'create table t(x int); drop table public.t'"),
    # a client that goes on after the failed CREATE
    ("shell", "psql -c 'create table t(x int)' -c 'drop table t'"),
    ("shell", "sqlite3 -cmd 'select 1' /tmp/probe.db 'create table t(x); drop table t'"),
    ("shell", "mysql --force -e 'create table t (x int); drop table t' app"),
    ("shell", "psql app <<'SQL'\ncreate table t(x int);\ndrop table t;\nSQL"),
    ("shell", "printf 'create table t(x);\\ndrop table t;\\n' | sqlite3 /tmp/probe.db"),
    # a rename brings another table to the name
    ("shell", "psql -c 'create table t(x int); alter table users rename to t; drop table t'"),
    ("sql", "CREATE TABLE t (x int); ALTER TABLE users RENAME TO t; DELETE FROM t;"),
    ("sql", "CREATE TABLE t (x int); ALTER TABLE t RENAME TO t2; ALTER TABLE users RENAME TO t; TRUNCATE t;"),
    # emptying or deleting another table, or through CASCADE to the tables that refer to the new one
    ("sql", "CREATE TABLE t (x int); DELETE FROM users;"),
    ("sql", "CREATE TABLE t (x int); TRUNCATE t, users;"),
    ("sql", "CREATE TABLE t (id int primary key); ALTER TABLE users ADD FOREIGN KEY (id) REFERENCES t (id); "
            "TRUNCATE t CASCADE;"),
    ("sql", "CREATE TABLE IF NOT EXISTS t (x int); DELETE FROM t;"),
    ("sql", "CREATE TABLE t (x int); UPDATE users SET x = 1;"),
    ("shell", "sqlite3 /tmp/probe.db 'create table if not exists t(x); delete from t'"),
    ("shell", "mysql -e 'create table if not exists t (x int); truncate table t' app"),
]


def test_sqlite3_ends_one_sql_argument_at_its_failed_create(tmp_path: Path) -> None:
    """The fact the allowance rests on, from the real client: a statement after a CREATE that
    failed over a taken name never runs (sqlite3 exits at an argument's first error)."""
    if shutil.which("sqlite3") is None:
        pytest.skip("sqlite3 is not installed")
    db = str(tmp_path / "probe.db")
    subprocess.run(["sqlite3", db, "create table a(x)"], check=True, capture_output=True)
    subprocess.run(["sqlite3", db, "create table a(x); create table after_failure(x)", "create table next_arg(x)"],
                   capture_output=True, check=False)
    tables = subprocess.run(["sqlite3", db, ".tables"], capture_output=True, text=True, check=True).stdout.split()
    assert "after_failure" not in tables
    assert "next_arg" not in tables


def test_psql_c_ends_its_string_at_its_failed_create(postgres: PgServer) -> None:
    """psql sends one `-c` string as one query: after a failed CREATE the rest is skipped."""
    if shutil.which("psql") is None:
        pytest.skip("psql is not installed")
    dsn = postgres.dsn("postgres")
    postgres.execute("postgres", "CREATE TABLE IF NOT EXISTS taken_name (x int)")
    subprocess.run(["psql", dsn, "-c", "CREATE TABLE taken_name (x int); CREATE TABLE after_failure (x int);"],
                   capture_output=True, check=False)
    rows = postgres.execute("postgres", "SELECT count(*) FROM pg_tables WHERE tablename = 'after_failure'")
    assert rows == [(0,)]


@pytest.mark.parametrize(("kind", "payload"), SCRATCH_SCRIPTS)
def test_a_table_the_script_created_is_its_own_to_drop(kind: str, payload: str) -> None:
    assert verdict(kind, payload) == "allow"


@pytest.mark.parametrize(("kind", "payload"), SCRATCH_LOOK_ALIKES)
def test_a_table_the_script_may_not_have_made_is_asked(kind: str, payload: str) -> None:
    assert verdict(kind, payload) != "allow"


# ---- a terminal tool's command is a command line; a server named for a program alone runs it ----------

def mcp(server: str, tool: str, **arguments: Any) -> dict[str, Any]:
    return {"server": server, "tool": tool, "arguments": arguments}


TERMINAL_SAFE = [
    mcp("goose-developer", "shell", command="cargo clean && cargo test"),
    mcp("goose", "shell", command="cargo clean && cargo build"),
    mcp("desktop-commander", "start_process", command="npm run build && npm test"),
    mcp("shell", "execute", command="git status && git diff"),
    mcp("terminal", "run_command", command="make clean && make", cwd="/srv/acme"),
    mcp("iterm", "write_to_terminal", command="go test ./..."),
    mcp("warp", "run_command", command="docker compose down && docker compose up -d"),
    mcp("kubectl-terminal", "shell", command="kubectl get pods -A"),
    mcp("git", "bash", command="push --force"),  # bash runs a program named push: there is none
]

TERMINAL_AND_PROGRAM_ASKED = [
    # the command line itself destroys
    mcp("goose-developer", "shell", command="goose -dir db/migrations postgres $DATABASE_URL reset"),
    mcp("goose", "shell", command="goose reset"),
    mcp("desktop-commander", "start_process", command="rm -rf ~/projects"),
    mcp("kubectl-terminal", "shell", command="kubectl delete namespace prod"),
    mcp("warp", "run_command", command="docker compose down -v"),
    mcp("terminal", "run_command", command="bin/rails db:reset"),
    mcp("git", "shell", command="git push --force origin main"),
    # a server named for the program alone runs it with the tool's arguments
    mcp("goose", "run", args=["reset"]),
    mcp("goose-mcp", "run", args=["down-to", "0"]),
    mcp("git", "push", remote="origin", refspec=":main"),
    mcp("mcp-server-git", "git_push", force=True, branch="main"),
    mcp("kubectl-mcp", "run", args=["delete", "namespace", "prod"]),
    mcp("git", "run_command", command="push --force origin main"),
    mcp("terraform", "run", args=["destroy", "-auto-approve"]),
    mcp("helm", "uninstall", name="web"),
]


@pytest.mark.parametrize("payload", TERMINAL_SAFE)
def test_a_terminal_tools_command_line_is_read_as_a_command_line(payload: dict[str, Any]) -> None:
    assert verdict("mcp", payload) == "allow"


@pytest.mark.parametrize("payload", TERMINAL_AND_PROGRAM_ASKED)
def test_destructive_command_lines_and_program_servers_ask(payload: dict[str, Any]) -> None:
    assert verdict("mcp", payload) != "allow"


def test_a_word_inside_a_product_name_is_not_the_program() -> None:
    from blastwall.analyze.mcp_programs import program_argv

    assert program_argv("goose-developer", "shell", {"command": "cargo clean"}) is None
    assert program_argv("goose", "shell", {"command": "cargo clean"}) is None
    assert program_argv("git", "push", {"remote": "origin"}) == ["git", "push", "origin"]
    assert program_argv("kubectl-mcp", "run", {"args": ["get", "pods"]}) == ["kubectl", "get", "pods"]


# ---- a targeted edit of a document or source file in a folder below home -------------------------

def edit_block(path: str, old: str = "## Setup", new: str = "## Setup\n\nRun make first.") -> dict[str, Any]:
    return mcp("desktop-commander", "edit_block", file_path=path, old_string=old, new_string=new)


HOME_EDITS = [
    edit_block("/home/dev/acme-api/README.md"),
    edit_block("/Users/ana/shop/CHANGELOG.md"),
    edit_block("/home/dev/acme-api/docs/setup.md"),
    edit_block("/home/dev/acme/api/README.md"),
    edit_block("/home/dev/acme-api/main.go", "x := 1", "x := 2"),
    edit_block("/home/dev/acme-api/config.yaml", "replicas: 1", "replicas: 2"),
    mcp("filesystem", "edit_file", path="/home/dev/acme-api/README.md",
        edits=[{"oldText": "## Setup", "newText": "## Setup\nmake"}]),
    mcp("text-editor", "str_replace", path="/home/dev/acme-api/notes.txt", old_str="TODO", new_str="DONE"),
]

HOME_EDITS_ASKED = [
    # startup files, dot folders, keys and secrets, right in home, personal folders
    edit_block("/home/dev/.bashrc", "a", "b"),
    edit_block("/home/dev/.zshrc", "a", "b"),
    edit_block("/home/dev/.ssh/authorized_keys", "ssh-ed25519 AAAA", "ssh-ed25519 BBBB"),
    edit_block("/home/dev/.ssh/config", "Host a", "Host b"),
    edit_block("/home/dev/.config/app/settings.json", "a", "b"),
    edit_block("/home/dev/acme-api/.env", "DEBUG=0", "DEBUG=1"),
    edit_block("/home/dev/acme-api/.github/workflows/ci.yml", "a", "b"),
    edit_block("/home/dev/acme-api/id_ed25519", "a", "b"),
    edit_block("/home/dev/acme-api/credentials.json", "a", "b"),
    edit_block("/home/dev/notes.md"),
    edit_block("/home/dev/Documents/taxes.md"),
    edit_block("/home/dev/acme-api/../.profile", "a", "b"),
    edit_block("/home/dev/$PROJECT/README.md"),
    # data, an applied migration, a file of no known kind
    edit_block("/home/dev/acme-api/prod.db", "a", "b"),
    edit_block("/home/dev/acme-api/db/migrate/001_init.rb", "a", "b"),
    edit_block("/home/dev/acme-api/Makefile", "a", "b"),
    # a whole-file write, or an edit that names no old text
    mcp("desktop-commander", "write_file", path="/home/dev/acme-api/README.md", content="x"),
    mcp("filesystem", "write_file", path="/home/dev/acme/todo.md", content="x"),
    mcp("filesystem", "edit_file", path="/home/dev/acme-api/README.md", edits=[{"newText": "x"}]),
    # a delete is never a project guess
    mcp("filesystem", "delete_file", path="/home/dev/acme-api/README.md"),
]


@pytest.mark.parametrize("payload", HOME_EDITS)
def test_a_targeted_edit_of_a_project_document_under_home_passes(payload: dict[str, Any]) -> None:
    assert verdict("mcp", payload) == "allow"


@pytest.mark.parametrize("payload", HOME_EDITS_ASKED)
def test_startup_files_secrets_and_whole_writes_under_home_still_ask(payload: dict[str, Any]) -> None:
    assert verdict("mcp", payload) != "allow"
