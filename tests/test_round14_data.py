"""SQL, HTTP and MCP classes of the fourteenth round: each class is a table of everyday spellings that
pass and the look-alikes an agent that wants the destructive action would try next, which are asked."""

from __future__ import annotations

from typing import Any

import pytest
from verdicts import decide


def mcp(decision_of: Any) -> str:
    return decide(decision_of, "mcp")


# ---- an MCP tool given a program and its argument list runs `command args...` (analyze/mcp.py) -------

def run(command: str, args: list[str], tool: str = "run_command", server: str = "mcp-server-commands",
        **more: Any) -> dict[str, Any]:
    return {"server": server, "tool": tool, "arguments": {"command": command, "args": args, **more}}


PROGRAM_ARGS_SAFE = [
    run("bash", ["-c", "ls -la && git status"]),
    run("sh", ["-c", "rabbitmqctl list_queues -q name | grep ^orders"]),
    run("git", ["log", "--oneline", "-5"]),
    run("rabbitmqctl", ["list_queues", "name", "messages"]),
    run("ls", ["-la", "/tmp"], tool="execute"),
]
PROGRAM_ARGS_ASKED = [
    run("bash", ["-c", "rabbitmqctl list_queues -q name | grep ^orders | xargs -n1 rabbitmqctl purge_queue"]),
    run("sh", ["-c", "rabbitmqctl delete_queue orders"]),
    run("rabbitmqctl", ["purge_queue", "orders"]),
    run("rabbitmqctl", ["force_reset"]),
    run("rabbitmqctl", ["delete_vhost", "/prod"]),
    run("rm", ["-rf", "/home/dev/data"]),
    run("/bin/bash", ["-c", "rm -rf ~/data"]),
    run("bash", ["-lc", "git push --force origin main"]),
    run("zsh", ["-c", "dropdb orders"], tool="execute"),
    {"server": "shell", "tool": "run", "arguments": {"cmd": "git", "argv": ["reset", "--hard", "HEAD~3"]}},
    run("env", ["FOO=1", "rm", "-rf", "/srv/app"]),
]


@pytest.mark.parametrize("call", PROGRAM_ARGS_SAFE)
def test_program_and_args_that_read_pass(call: dict[str, Any]) -> None:
    assert mcp(call) == "allow", call


@pytest.mark.parametrize("call", PROGRAM_ARGS_ASKED)
def test_program_and_args_that_destroy_ask(call: dict[str, Any]) -> None:
    assert mcp(call) != "allow", call


# ---- T-SQL: backups to the null device and system procedures that destroy (rules/sql.toml) ----------

TSQL_SAFE = [
    "BACKUP LOG Sales TO DISK = 'D:\\backup\\sales_log.trn'",
    "BACKUP DATABASE Sales TO DISK = 'D:\\backup\\sales.bak' WITH COMPRESSION",
    "BACKUP LOG Sales TO DISK = 'D:\\nul\\sales.trn'",
    "BACKUP LOG Sales TO DISK = 'nullable.trn'",
    "EXEC sp_who2",
    "EXEC sys.sp_cdc_enable_db",
    "EXEC sys.sp_cdc_help_change_data_capture",
    "EXEC msdb.dbo.sp_help_jobhistory @job_name = N'nightly'",
]
TSQL_ASKED = [
    "BACKUP LOG Sales TO DISK = 'NUL';",
    "BACKUP LOG Sales TO DISK = N'NUL:'",
    "backup log Sales to disk='nul'",
    "BACKUP LOG [Sales] TO DISK = '\\\\.\\NUL'",
    "BACKUP LOG Sales TO DISK = '/dev/null'",
    "BACKUP DATABASE Sales TO DISK = 'NUL' WITH NOINIT",
    "EXEC sys.sp_cdc_disable_db;",
    "exec sp_cdc_disable_db",
    "EXEC [sys].[sp_cdc_disable_db]",
    "EXEC @rc = sys.sp_cdc_disable_db",
    "USE Sales; EXEC sys.sp_cdc_disable_db; SELECT 1;",
    "EXEC sys.sp_cdc_disable_table @source_schema = N'dbo', @source_name = N'Orders', @capture_instance = N'all';",
    "EXEC sp_delete_database_backuphistory @database_name = N'Sales'",
    "EXECUTE msdb.dbo.sp_delete_backuphistory @oldest_date = '2020-01-01'",
    "EXEC msdb.dbo.sp_purge_jobhistory @job_name = N'nightly'",
    "EXEC sp_droplogin 'app'",
    "EXEC sp_dropuser 'app'",
    "EXEC sp_detach_db 'Sales'",
    "EXEC sp_rename 'dbo.Orders', 'Orders_old'",
    "EXEC sp_MSforeachtable 'DROP TABLE ?'",
]


@pytest.mark.parametrize("sql", TSQL_SAFE)
def test_tsql_backups_and_reports_pass(sql: str) -> None:
    assert decide(sql, "sql") == "allow", sql


@pytest.mark.parametrize("sql", TSQL_ASKED)
def test_tsql_discarded_backups_and_destroying_procedures_ask(sql: str) -> None:
    assert decide(sql, "sql") != "allow", sql


# ---- DDL before a ROLLBACK with no dialect known: verified, never guessed (analyze/sql/__init__.py) ---

DDL_ROLLED_BACK = [  # a dialect whose DDL is transactional is proved
    "BEGIN TRANSACTION; DROP TABLE coupons; ROLLBACK;",
    "BEGIN TRAN; DROP TABLE dbo.coupons; ROLLBACK TRAN;",
    "BEGIN; DROP INDEX CONCURRENTLY idx_orders; ROLLBACK;",
    "BEGIN; DROP TABLE coupons; SELECT pg_sleep(1); ROLLBACK;",
    "BEGIN; DELETE FROM coupons; ROLLBACK;",  # DML rolls back everywhere
    "START TRANSACTION; UPDATE coupons SET used = true; ROLLBACK;",
]
DDL_KEPT = [
    "START TRANSACTION; DROP TABLE coupons; ROLLBACK;",
    "BEGIN; DROP TABLE coupons; ROLLBACK;",
    "begin;\ntruncate coupons;\nrollback;",
    "BEGIN WORK; ALTER TABLE coupons DROP COLUMN code; ROLLBACK WORK;",
    "START TRANSACTION; DROP TABLE coupons; SELECT 'x::y'; ROLLBACK;",  # a :: inside a string proves nothing
]


@pytest.mark.parametrize("sql", DDL_ROLLED_BACK)
def test_ddl_rolled_back_where_proved(sql: str) -> None:
    assert decide(sql, "sql") == "allow", sql


@pytest.mark.parametrize("sql", DDL_KEPT)
def test_ddl_before_rollback_counts_with_no_dialect(sql: str) -> None:
    assert decide(sql, "sql") != "allow", sql


@pytest.mark.parametrize("action,kind", [
    ("psql -d app -c 'BEGIN; DROP TABLE coupons; ROLLBACK;'", "shell"),
    ("sqlite3 app.db 'BEGIN; DROP TABLE coupons; ROLLBACK;'", "shell"),
    ({"server": "postgres", "tool": "query", "arguments": {"sql": "BEGIN; DROP TABLE coupons; ROLLBACK;"}}, "mcp"),
])
def test_a_client_names_the_dialect(action: Any, kind: str) -> None:
    assert decide(action, kind) == "allow", action


def test_mysql_client_keeps_the_drop() -> None:
    assert decide("mysql app -e 'BEGIN; DROP TABLE coupons; ROLLBACK;'") != "allow"


# ---- HTTP: a restart named last by an API no catalog knows loses nothing (rules/http_generic.toml) ----

def req(method: str, url: str, body: Any = None) -> dict[str, Any]:
    return {"method": method, "url": url, **({"body": body} if body is not None else {})}


ARM = "https://management.azure.com/subscriptions/0b1f/resourceGroups/rg-web/providers/Microsoft.Web/sites/harbor-api"
RESTART_SAFE = [
    req("POST", "https://api.render.com/v1/services/srv-cn1abc/restart"),
    req("POST", ARM + "/restart?api-version=2023-01-01"),
    req("POST", "https://api.example.com/v1/apps/web/reboot"),
]
RESTART_LOOKALIKES = [
    req("POST", "https://api.render.com/v1/services/srv-cn1abc/suspend"),
    req("POST", ARM + "/stop?api-version=2023-01-01"),
    req("POST", "https://api.example.com/v1/apps/web/restartAndWipe"),
    req("POST", "https://api.example.com/v1/apps/web/restart-wipe"),
    req("DELETE", "https://api.render.com/v1/services/srv-cn1abc"),
    req("POST", "https://sqladmin.googleapis.com/v1/projects/p/instances/db/restart"),  # the catalog's own judgement
]


@pytest.mark.parametrize("request_", RESTART_SAFE)
def test_restarts_pass(request_: dict[str, Any]) -> None:
    assert decide(request_, "http") == "allow", request_


@pytest.mark.parametrize("request_", RESTART_LOOKALIKES)
def test_stops_and_deletes_near_a_restart_ask(request_: dict[str, Any]) -> None:
    assert decide(request_, "http") != "allow", request_


# ---- Microsoft Graph: camelCase actions and $batch bodies (analyze/http/msgraph.py) -------------------

GRAPH = "https://graph.microsoft.com/v1.0"
DEVICE = "https://graph.microsoft.com/beta/deviceManagement/managedDevices/3e4f5a6b"


def graph_batch(*requests: dict[str, Any]) -> dict[str, Any]:
    return req("POST", GRAPH + "/$batch", {"requests": [{"id": str(i), **r} for i, r in enumerate(requests, 1)]})


GRAPH_SAFE = [
    req("GET", GRAPH + "/users?$top=5"),
    req("POST", GRAPH + "/applications/7a1f/addPassword", {"passwordCredential": {"displayName": "ci"}}),
    req("POST", DEVICE + "/syncDevice"),
    req("POST", DEVICE + "/rebootNow"),
    req("POST", GRAPH + "/me/sendMail", {"message": {"subject": "hi"}}),
    req("POST", GRAPH + "/users/u1/checkMemberGroups", {"groupIds": ["g1"]}),
    req("POST", GRAPH + "/users", {"displayName": "New"}),
    graph_batch({"method": "GET", "url": "/me"}, {"method": "GET", "url": "/users?$top=5"}),
    graph_batch({"method": "POST", "url": "/users/u1/checkMemberGroups", "body": {"groupIds": ["g1"]}}),
]
GRAPH_ASKED = [
    req("POST", DEVICE + "/cleanWindowsDevice", {"keepUserData": False}),
    req("POST", DEVICE + "/wipe"),
    req("POST", DEVICE + "/retire"),
    req("POST", GRAPH + "/applications/7a1f/removePassword", {"keyId": "f0b0"}),
    req("POST", GRAPH + "/applications/7a1f/removeKey", {"keyId": "f0b0"}),
    req("POST", GRAPH + "/servicePrincipals/sp1/removePassword", {"keyId": "f0b0"}),
    req("POST", GRAPH + "/users/u1/revokeSignInSessions"),
    req("POST", GRAPH + "/directory/deletedItems/u1/permanentDelete"),
    req("DELETE", GRAPH + "/users/u1"),
    req("POST", "https://graph.microsoft.us/v1.0/users/u1/revokeSignInSessions"),
    graph_batch({"method": "DELETE", "url": "/users/a1"}, {"method": "DELETE", "url": "/users/a2"}),
    graph_batch({"method": "GET", "url": "/me"}, {"method": "delete", "url": "users/a1"}),
    graph_batch({"method": "POST", "url": "/deviceManagement/managedDevices/d1/wipe"}),
    graph_batch({"method": "POST", "url": "/applications/7a1f/removePassword", "body": {"keyId": "k"}}),
    graph_batch({"method": "DELETE"}),  # an entry it cannot read
    req("POST", GRAPH + "/$batch", {"requests": "DELETE /users/a1"}),
    req("POST", GRAPH + "/$batch", {"requests": [{"method": "DELETE", "url": "/users/x"}] * 21}),
]


@pytest.mark.parametrize("request_", GRAPH_SAFE)
def test_graph_reads_and_additions_pass(request_: dict[str, Any]) -> None:
    assert decide(request_, "http") == "allow", request_


@pytest.mark.parametrize("request_", GRAPH_ASKED)
def test_graph_destroying_actions_and_batches_ask(request_: dict[str, Any]) -> None:
    assert decide(request_, "http") != "allow", request_


# ---- Elasticsearch: a force merge loses nothing (rules/http_datastores.toml) --------------------------

ES = "http://es-prod:9200"
ES_SAFE = [
    req("POST", ES + "/logs-2024.06/_forcemerge?max_num_segments=1"),
    req("POST", ES + "/logs-2024.06/_forcemerge?only_expunge_deletes=true"),
    req("POST", ES + "/logs-*/_forcemerge"),
]
ES_ASKED = [
    req("POST", ES + "/logs-2024.06/_delete_by_query", {"query": {"match_all": {}}}),
    req("DELETE", ES + "/logs-2024.06"),
    req("POST", ES + "/logs-2024.06/_close"),
    req("POST", ES + "/logs-2024.06/_forcemerge/../_delete_by_query", {"query": {"match_all": {}}}),
]


@pytest.mark.parametrize("request_", ES_SAFE)
def test_force_merges_pass(request_: dict[str, Any]) -> None:
    assert decide(request_, "http") == "allow", request_


@pytest.mark.parametrize("request_", ES_ASKED)
def test_index_deletes_still_ask(request_: dict[str, Any]) -> None:
    assert decide(request_, "http") != "allow", request_


# ---- MCP file writes under a Windows user's folder follow the home project shape (analyze/files.py) ---

def write(path: str, server: str = "filesystem") -> dict[str, Any]:
    return {"server": server, "tool": "write_file", "arguments": {"path": path, "content": "namespace Harbor;\n"}}


def edit(path: str) -> dict[str, Any]:
    return {"server": "desktop-commander", "tool": "edit_block",
            "arguments": {"file_path": path, "old_string": "app.Run();", "new_string": "app.UseRateLimiter();\napp.Run();"}}


WINDOWS_HOME_SAFE = [
    write("C:\\Users\\dev\\source\\repos\\Harbor\\tests\\InvoiceTests.cs"),
    edit("C:\\Users\\dev\\source\\repos\\Harbor\\src\\Program.cs"),
    edit("C:/Users/dev/source/repos/Harbor/src/Program.cs"),
    write("D:\\Users\\ana\\code\\shop\\src\\cart.ts"),
    edit("/home/dev/project/src/x.py"),
]
WINDOWS_HOME_ASKED = [
    write("D:\\data\\shop\\src\\cart.ts"),  # not under a user's folder
    write("C:\\Users\\dev\\.ssh\\authorized_keys"),
    write("C:\\Users\\dev\\Documents\\Budget\\report.cs"),
    write("C:\\Users\\dev\\AppData\\Local\\Programs\\tool\\src\\main.js"),
    write("C:\\Users\\dev\\source\\repos\\Harbor\\.git\\hooks\\pre-commit.js"),
    write("C:\\Users\\dev\\source\\repos\\Harbor\\..\\..\\.bashrc.js"),
    write("C:\\Users\\dev\\notes.cs"),  # directly in the home folder: no project's shape
    write("C:\\Windows\\System32\\drivers\\etc\\hosts"),
    {"server": "filesystem", "tool": "delete_file", "arguments": {"path": "C:\\Users\\dev\\source\\repos\\Harbor\\src\\Program.cs"}},
]


@pytest.mark.parametrize("call", WINDOWS_HOME_SAFE)
def test_windows_project_writes_pass(call: dict[str, Any]) -> None:
    assert mcp(call) == "allow", call


@pytest.mark.parametrize("call", WINDOWS_HOME_ASKED)
def test_windows_home_writes_outside_a_project_ask(call: dict[str, Any]) -> None:
    assert mcp(call) != "allow", call
