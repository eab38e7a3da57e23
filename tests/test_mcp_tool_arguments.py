"""MCP tools judged by what their arguments do: Redis pipelines (a list of commands, each judged as a
Redis command), text editors whose `command` names the edit (a write is a file write), Terraform
Cloud runs (a destroy run asks), browser tools that type a confirmation or run JavaScript, a box
that asks for a resource's name to confirm (a confirmation of a destructive action), a git
server's clean judged as the shell's `git clean` (a dry run passes), a transaction tool's
statement list read as one script, and a PowerShell tool's command read as PowerShell."""

from __future__ import annotations

from typing import Any

import pytest

import blastwall
from blastwall.engine import make_action


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def mcp(server: str, tool: str, arguments: dict[str, Any]) -> blastwall.Verdict:
    return blastwall.check(make_action("mcp", {"server": server, "tool": tool, "arguments": arguments}, None))


# ---- Redis pipelines -------------------------------------------------------------------------
MULTI = "redis_database_run_multiple_redis_commands"
REDIS_ASKED = [
    ("upstash", MULTI, {"database_rest_url": "https://us1-x.upstash.io", "commands": [["FLUSHALL"]]}),
    ("upstash", MULTI, {"commands": [["SET", "a", "1"], ["flushdb"]]}),
    ("upstash", MULTI, {"commands": ["SET a 1", "FLUSHALL ASYNC"]}),
    ("upstash", MULTI, {"commands": [["DEL", "orders:1"]]}),
    ("upstash", MULTI, {"commands": [["GET", "a"], "CONFIG SET dir /var/www"]}),
    ("upstash", MULTI, {"commands": [{"cmd": "FLUSHALL"}]}),  # not readable: asked
    ("upstash", MULTI, {"commands": [["GET", "a"], [["FLUSHALL"]]]}),
    ("valkey", "pipeline", {"commands": [["unlink", "k1", "k2"], ["SWAPDB", "0", "1"]]}),
    ("redis", "execute", {"commands": ["GET a", "flushall"]}),
    ("redis", "execute", {"command": ["FLUSHDB"]}),
]
REDIS_PASSED = [
    ("upstash", MULTI, {"commands": [["SET", "a", "1"], ["GET", "a"]]}),
    ("upstash", MULTI, {"commands": [["KEYS", "user:*"], ["TTL", "user:1"]]}),
    ("upstash", MULTI, {"commands": ["GET a", "HGETALL h"]}),
    ("upstash", "redis_database_run_single_redis_command", {"command": ["SCAN", "0"]}),
]


@pytest.mark.parametrize(("server", "tool", "arguments"), REDIS_ASKED)
def test_each_command_of_a_redis_pipeline_is_judged(server: str, tool: str, arguments: dict) -> None:
    v = mcp(server, tool, arguments)
    assert v.decision.value != "allow", v.reasons


@pytest.mark.parametrize(("server", "tool", "arguments"), REDIS_PASSED)
def test_redis_pipelines_of_reads_and_writes_pass(server: str, tool: str, arguments: dict) -> None:
    v = mcp(server, tool, arguments)
    assert v.decision.value == "allow", v.reasons


# ---- text editor tools whose command names the edit ---------------------------------------------
@pytest.fixture()
def project(tmp_path: Any) -> Any:
    import subprocess

    (tmp_path / "src").mkdir()
    (tmp_path / "db").mkdir()
    (tmp_path / "src" / "app.py").write_text("x = 1\n")
    (tmp_path / ".gitignore").write_text("db/*.sqlite3\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "."], cwd=tmp_path, check=True)
    subprocess.run(["git", "-c", "user.email=t@e", "-c", "user.name=t", "commit", "-qm", "init"], cwd=tmp_path, check=True)
    (tmp_path / "db" / "production.sqlite3").write_bytes(b"SQLite format 3\x00" + b"rows" * 64)
    return tmp_path


def in_project(project: Any, server: str, tool: str, arguments: dict[str, Any]) -> blastwall.Verdict:
    payload = {"server": server, "tool": tool, "arguments": arguments}
    return blastwall.check(make_action("mcp", payload, {"cwd": str(project)}))


EDITOR_ASKED = [
    ("goose-developer", "text_editor", {"command": "write", "path": "db/production.sqlite3", "file_text": ""}),
    ("goose-developer", "text_editor", {"command": "WRITE", "path": "db/production.sqlite3", "file_text": ""}),
    ("goose", "mcp__developer__text_editor", {"command": " write ", "path": "db/production.sqlite3", "file_text": "x"}),
    ("anthropic", "str_replace_based_edit_tool", {"command": "create", "path": "db/production.sqlite3", "file_text": ""}),
    ("openhands", "str_replace_editor", {"command": "create", "path": "{root}/db/production.sqlite3", "file_text": ""}),
    ("openhands", "file_editor", {"command": "write", "path": "{root}/db/production.sqlite3", "file_text": ""}),
    ("goose-developer", "text_editor", {"command": "write", "path": "/home/dev/.bashrc", "file_text": "rm -rf ~/work\n"}),
    ("goose-developer", "text_editor", {"command": "write", "path": "/etc/cron.d/cleanup",
                                        "file_text": "* * * * * root rm -rf /srv/data\n"}),
    ("goose-developer", "text_editor", {"command": "write", "path": "/home/dev/app/db/production.sqlite3",
                                        "file_text": ""}),
]
EDITOR_PASSED = [
    ("goose-developer", "text_editor", {"command": "write", "path": "src/new_module.py", "file_text": "y = 2\n"}),
    ("goose-developer", "text_editor", {"command": "write", "path": "src/app.py", "file_text": "x = 2\n"}),
    ("goose-developer", "text_editor", {"command": "view", "path": "src/app.py"}),
    ("goose-developer", "text_editor", {"command": "str_replace", "path": "src/app.py", "old_str": "x = 1",
                                        "new_str": "x = 3"}),
    ("anthropic", "str_replace_based_edit_tool", {"command": "create", "path": "src/util.py", "file_text": "z = 1\n"}),
    ("anthropic", "str_replace_based_edit_tool", {"command": "insert", "path": "src/app.py", "insert_line": 1,
                                                  "insert_text": "w = 0\n"}),
]


@pytest.mark.parametrize(("server", "tool", "arguments"), EDITOR_ASKED)
def test_editor_write_command_is_judged_as_a_file_write(project: Any, server: str, tool: str, arguments: dict) -> None:
    arguments = {k: v.replace("{root}", str(project)) if isinstance(v, str) else v for k, v in arguments.items()}
    v = in_project(project, server, tool, arguments)
    assert v.decision.value != "allow", v.reasons


@pytest.mark.parametrize(("server", "tool", "arguments"), EDITOR_PASSED)
def test_editor_edits_of_project_files_pass(project: Any, server: str, tool: str, arguments: dict) -> None:
    v = in_project(project, server, tool, arguments)
    assert v.decision.value == "allow", v.reasons


def test_editor_command_is_never_a_shell_line(project: Any) -> None:
    v = in_project(project, "goose-developer", "text_editor", {"command": "view", "path": "src/app.py"})
    assert not any(r.startswith("shell.") for r in v.rule_ids), v.rule_ids


# ---- a git server's clean, judged as the shell's git clean -----------------------------------------
CLEAN_PASSED = [
    {"force": True, "dryRun": True},
    {"force": True, "dryRun": "true", "directories": True},
    {"dry_run": True},
    {"force": True, "dryRun": True, "ignored": True},
]
CLEAN_ASKED = [
    {"force": True},
    {},  # a tool never stops at a prompt: no force still cleans
    {"force": True, "dryRun": False},
    {"force": True, "dryRun": "false"},
    {"force": True, "dryRun": "no"},
    {"force": True, "directories": True},
    {"force": True, "ignored": True},
    {"force": True, "dryRun": None},
    {"force": True, "paths": ["notes"]},
]


@pytest.mark.parametrize("arguments", CLEAN_PASSED)
def test_git_clean_dry_run_passes(project: Any, arguments: dict) -> None:
    (project / "notes.txt").write_text("untracked work\n")
    v = in_project(project, "git", "git_clean", {"path": str(project), **arguments})
    assert v.decision.value == "allow", v.reasons


@pytest.mark.parametrize("arguments", CLEAN_ASKED)
def test_git_clean_that_deletes_untracked_work_asks(project: Any, arguments: dict) -> None:
    (project / "notes").mkdir()
    (project / "notes" / "plan.txt").write_text("untracked work\n")
    (project / "notes.txt").write_text("untracked work\n")
    v = in_project(project, "git", "git_clean", {"path": str(project), **arguments})
    assert v.decision.value != "allow", v.reasons
    v = in_project(project, "git-mcp-server", "git_clean", {"repo_path": str(project), **arguments})
    assert v.decision.value != "allow", v.reasons


# ---- Terraform Cloud runs, judged as the remote terraform apply they amount to ---------------------
RUN_ASKED = [
    ("terraform", "create_run", {"workspace_name": "prod-network", "organization": "acme", "is_destroy": True,
                                 "auto_apply": True, "message": "tidy up"}),
    ("terraform", "create_run", {"workspace_name": "prod", "is_destroy": True}),
    ("terraform", "create_run", {"workspace_name": "prod", "is_destroy": "true", "auto_apply": False}),
    ("terraform", "create_run", {"workspace_name": "prod", "isDestroy": True, "autoApply": True}),
    ("terraform", "create_run", {"workspace_name": "prod", "run_type": "destroy"}),
    ("terraform", "create-run", {"workspace_name": "prod", "run_type": "Destroy"}),
    ("hcp-tfc", "create_run", {"workspace_name": "prod", "auto_apply": True}),
    ("terraform", "create_run", {"workspace_name": "prod"}),  # the workspace may auto-apply
    ("terraform", "create_run", {"workspace_name": "prod", "replace_addrs": ["aws_db_instance.main"],
                                 "auto_apply": True}),
    ("terraform", "apply_run", {"run_id": "run-abc"}),
    ("terraform", "mcp__terraform__create_run", {"workspace_name": "prod", "is_destroy": True}),
]
RUN_PASSED = [
    ("terraform", "create_run", {"workspace_name": "prod", "run_type": "plan_only"}),
    ("terraform", "create_run", {"workspace_name": "prod", "is_destroy": True, "plan_only": True}),
    ("terraform", "create_run", {"workspace_name": "prod", "speculative": True}),
    ("terraform", "create_run", {"workspace_name": "prod", "run_type": "refresh_state", "auto_apply": True}),
    ("terraform", "create_run", {"workspace_name": "prod", "auto_apply": False, "message": "review me"}),
    ("terraform", "get_run_details", {"run_id": "run-abc"}),
    ("terraform", "list_runs", {"workspace_name": "prod"}),
]


@pytest.mark.parametrize(("server", "tool", "arguments"), RUN_ASKED)
def test_terraform_cloud_run_that_applies_or_destroys_asks(server: str, tool: str, arguments: dict) -> None:
    v = mcp(server, tool, arguments)
    assert v.decision.value != "allow", v.reasons


@pytest.mark.parametrize(("server", "tool", "arguments"), RUN_PASSED)
def test_terraform_cloud_plan_and_reviewed_runs_pass(server: str, tool: str, arguments: dict) -> None:
    v = mcp(server, tool, arguments)
    assert v.decision.value == "allow", v.reasons


# ---- browser tools: typed confirmations and JavaScript run in the page ------------------------------
BROWSER_ASKED = [
    ("playwright", "browser_type", {"element": "Type 'acme-prod' to confirm project deletion", "ref": "e98",
                                    "text": "acme-prod", "submit": True}),
    ("playwright", "browser_type", {"element": "To confirm, type \"shop-db\" below", "ref": "e4", "text": "shop-db"}),
    ("playwright", "browser_type", {"element": "Confirm you want to permanently remove this workspace", "ref": "e2",
                                    "text": "acme"}),
    ("playwright", "browser_type", {"element": "textbox", "ref": "e1", "text": "DELETE"}),
    ("playwright", "browser_type", {"element": "textbox", "ref": "e1", "text": "'destroy'"}),
    ("playwright", "browser_fill_form", {"fields": [{"name": "Type DELETE to confirm", "type": "textbox",
                                                     "ref": "e3", "value": "DELETE"}]}),
    ("puppeteer", "puppeteer_fill", {"selector": "input[aria-label='Type the name to confirm deletion']",
                                     "value": "prod-cluster"}),
    ("playwright", "browser_evaluate", {"function": "async () => { const r = await fetch('/api/projects'); "
                                        "for (const p of await r.json()) await fetch('/api/projects/' + p.id, "
                                        "{ method: 'DELETE' }); }"}),
    ("puppeteer", "puppeteer_evaluate", {"script": "fetch('/api/users/7', {method:'DELETE'})"}),
    ("playwright", "browser_evaluate", {"function": "() => fetch(`${location.origin}/api/users/${id}`, "
                                        "{method: 'DELETE'})"}),
    ("playwright", "browser_evaluate", {"function": "() => fetch('/api/projects/42/purge', {method: 'POST'})"}),
    ("chrome-devtools", "evaluate_script", {"function": "() => window.fetch('https://api.github.com/repos/acme/api', "
                                            "{method: 'DELETE'})"}),
]
BROWSER_PASSED = [
    ("playwright", "browser_type", {"element": "Search projects", "ref": "e1", "text": "acme-prod"}),
    ("playwright", "browser_type", {"element": "Email address", "ref": "e1", "text": "dev@acme.io"}),
    ("playwright", "browser_type", {"element": "Comment box", "ref": "e1", "text": "please delete the old branch"}),
    ("playwright", "browser_type", {"element": "Confirm password", "ref": "e1", "text": "hunter22"}),
    ("playwright", "browser_evaluate", {"function": "() => document.title"}),
    ("playwright", "browser_evaluate", {"function": "async () => (await fetch('/api/projects')).json()"}),
    ("playwright", "browser_evaluate", {"function": "() => fetch('/api/notes', {method: 'POST', "
                                        "body: JSON.stringify({t: 1})})"}),
    ("playwright", "browser_evaluate", {"function": "() => [...document.querySelectorAll('a')].map(a => a.href)"}),
]


@pytest.mark.parametrize(("server", "tool", "arguments"), BROWSER_ASKED)
def test_browser_confirmations_and_page_deletes_ask(server: str, tool: str, arguments: dict) -> None:
    v = mcp(server, tool, arguments)
    assert v.decision.value != "allow", v.reasons


@pytest.mark.parametrize(("server", "tool", "arguments"), BROWSER_PASSED)
def test_browser_typing_and_page_reads_pass(server: str, tool: str, arguments: dict) -> None:
    v = mcp(server, tool, arguments)
    assert v.decision.value == "allow", v.reasons


# ---- typed names in confirmation boxes -----------------------------------------------------------
NAME_ASKED = [
    ("playwright", "browser_type", {"element": "Type the project name to confirm", "ref": "e7", "text": "acme/web",
                                    "submit": True}),
    ("playwright", "browser_type", {"element": "Please enter the name of the database to confirm.", "ref": "e3",
                                    "text": "orders"}),
    ("playwright", "browser_type", {"element": "To confirm, type the bucket name below", "ref": "e2",
                                    "text": "media-uploads"}),
    ("playwright", "browser_type", {"element": "Retype the workspace name to continue", "ref": "e9", "text": "acme"}),
    ("playwright", "browser_fill_form", {"fields": [{"name": "Enter the repo name to confirm", "type": "textbox",
                                                     "ref": "e3", "value": "acme/api"}]}),
    ("puppeteer", "puppeteer_fill", {"selector": "input[aria-label='Type the cluster name to confirm']",
                                     "value": "prod-eu"}),
]
NAME_PASSED = [
    ("playwright", "browser_type", {"element": "Repository name", "ref": "e1", "text": "new-repo"}),
    ("playwright", "browser_type", {"element": "Enter project name", "ref": "e1", "text": "demo"}),
    ("playwright", "browser_type", {"element": "Search repositories", "ref": "e1", "text": "payments"}),
    ("playwright", "browser_type", {"element": "Type your full name to confirm the signature", "ref": "e1",
                                    "text": "Ann Lee"}),
    ("playwright", "browser_type", {"element": "Enter your name to confirm the booking", "ref": "e1", "text": "Ann"}),
]


@pytest.mark.parametrize(("server", "tool", "arguments"), NAME_ASKED)
def test_a_typed_name_in_a_confirmation_box_is_asked(server: str, tool: str, arguments: dict[str, Any]) -> None:
    v = mcp(server, tool, arguments)
    assert v.decision.value == "ask", v.reasons


@pytest.mark.parametrize(("server", "tool", "arguments"), NAME_PASSED)
def test_names_typed_elsewhere_pass(server: str, tool: str, arguments: dict[str, Any]) -> None:
    v = mcp(server, tool, arguments)
    assert v.decision.value == "allow", v.reasons


# ---- a transaction tool's statement list is one script -----------------------------------------
def _tx(tool: str, statements: list[str]) -> str:
    return mcp("neon", tool, {"projectId": "p-1", "databaseName": "app", "sqlStatements": statements}).decision.value


def test_a_rolled_back_statement_list_passes() -> None:
    assert _tx("run_sql_transaction", ["BEGIN", "UPDATE plans SET price = 0 WHERE tier = 'free'",
                                       "SELECT * FROM plans", "ROLLBACK"]) == "allow"


@pytest.mark.parametrize("statements", [
    ["BEGIN", "UPDATE plans SET price = 0", "COMMIT"],
    ["BEGIN", "UPDATE plans SET price = 0 /*", "ROLLBACK */"],
    ["BEGIN", "UPDATE plans SET price = 0 --", "ROLLBACK"],
    ["BEGIN", "UPDATE plans SET price = 0", "SELECT 'x", "ROLLBACK", "'"],
    ["BEGIN", "UPDATE plans SET price = 0", "ROLLBACK TO SAVEPOINT a", "COMMIT"],
    ["UPDATE plans SET price = 0", "SELECT 1"],
])
def test_statement_lists_that_keep_their_change_are_asked(statements: list[str]) -> None:
    assert _tx("run_sql_transaction", statements) == "ask"


def test_a_list_of_a_tool_that_runs_no_transaction_is_read_statement_by_statement() -> None:
    assert _tx("run_sql_batch", ["BEGIN", "UPDATE plans SET price = 0", "ROLLBACK"]) == "ask"


def test_a_powershell_tool_that_clears_bin_and_obj_passes() -> None:
    command = "Get-ChildItem -Path .\\bin,.\\obj -Recurse | Remove-Item -Recurse -Force; dotnet build"
    assert mcp("windows-mcp", "Powershell-Tool", {"command": command}).decision.value == "allow"
    alone = "Get-ChildItem -Path .\\bin -Recurse | Remove-Item -Recurse -Force"
    assert mcp("windows-mcp", "Powershell-Tool", {"command": alone}).decision.value == "ask"
