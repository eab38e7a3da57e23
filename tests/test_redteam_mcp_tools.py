"""Red team of the MCP door, round 6: tools named after a program, code under any key, git pushes,
API operations, GraphQL and HTTP paths on a provider's server, and SQL a dialect reads as always
true. Each destructive spelling beside the look-alikes that must stay allowed.

Payloads live only in these strings and dictionaries; nothing here runs them.
"""

from __future__ import annotations

from typing import Any

import pytest

from blastwall.analyze.mcp_programs import program_argv
from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()
GH = "https://api.github.com/repos/acme/api"


def mcp(server: str, tool: str, arguments: Any) -> str:
    payload = {"server": server, "tool": tool, "arguments": arguments}
    return check(payload, "mcp", policy=POLICY).decision.value


def sql(text: str, dialect: str | None = None) -> str:
    return check(text, "sql", context={"dialect": dialect} if dialect else None, policy=POLICY).decision.value


# ---- tools named after a program, given its arguments ------------------------------------------

PROGRAM_TOOLS = [
    ("curl", "curl", {"args": ["-X", "DELETE", GH]}),
    ("x", "curl", {"args": ["-X", "DELETE", GH]}),
    ("x", "run_curl", {"arguments": f"-X DELETE {GH}"}),
    ("kubectl", "kubectl", {"args": ["delete", "namespace", "prod"]}),
    ("x", "kubectl", {"args": ["delete", "namespace", "prod"]}),
    ("x", "kubectl", {"command": "delete namespace prod"}),
    ("x", "kubectl", {"command": "kubectl delete namespace prod"}),
    ("kubectl-mcp", "run", {"args": ["delete", "pvc", "data"]}),
    ("x", "kubectl_delete", {"resource": "namespace", "name": "prod"}),
    ("x", "git", {"command": "push --force"}),
    ("x", "git", {"args": ["push", "--force", "origin", "main"]}),
    ("git", "run_git", {"subcommand": "push", "args": ["--force", "origin", "main"]}),
    ("x", "run_git", {"subcommand": "push", "args": ["--force"]}),
    ("x", "exec_command", {"program": "rm", "args": ["-rf", "~/data"]}),
    ("x", "exec", {"executable": "/bin/rm", "arguments": ["-rf", "/home/user/data"]}),
    ("x", "spawn", {"program": "git", "args": ["push", "-f"]}),
    ("docker", "docker", {"args": ["volume", "rm", "pgdata"]}),
    ("x", "docker", {"args": "system prune -af --volumes"}),
    ("x", "terraform", {"args": ["destroy", "-auto-approve"]}),
    ("x", "aws", {"args": ["s3", "rb", "s3://prod-bucket", "--force"]}),
    ("aws", "call_aws", {"cli_command": "s3 rb s3://prod --force"}),
    ("aws", "call_aws", {"command": "ec2 terminate-instances --instance-ids i-1"}),
    ("x", "helm", {"args": ["uninstall", "api", "-n", "prod"]}),
]


@pytest.mark.parametrize(("server", "tool", "arguments"), PROGRAM_TOOLS)
def test_program_tools_are_judged_as_their_command_line(server: str, tool: str, arguments: dict[str, Any]) -> None:
    assert mcp(server, tool, arguments) != "allow"


PROGRAM_TOOLS_SAFE = [
    ("x", "git", {"command": "status"}),
    ("git", "run_git", {"subcommand": "log", "args": ["--oneline"]}),
    ("x", "kubectl", {"args": ["get", "pods"]}),
    ("x", "kubectl", {"command": "describe pod api-1"}),
    ("x", "curl", {"args": ["https://example.com"]}),
    ("x", "docker", {"args": ["ps"]}),
    ("aws", "call_aws", {"cli_command": "s3 ls"}),
    ("aws", "call_aws", {"cli_command": "aws ec2 describe-instances"}),
    ("git", "git_commit", {"repo_path": "/tmp", "message": "Drop unused deleteAll helper"}),
    ("docker", "list_containers", {"all": True}),
    ("x", "exec_command", {"program": "ls", "args": ["-la"]}),
    ("kubernetes", "kubectl_rollout", {"subCommand": "restart", "resourceType": "deployment", "name": "api",
                                       "namespace": "staging"}),
    ("kubernetes", "kubectl_rollout", {"subCommand": "undo", "resourceType": "deployment", "name": "api"}),
    ("docker", "run_container", {"image": "postgres:16", "name": "scratch-pg", "auto_remove": True}),
    ("claude-code", "Grep", {"pattern": "DROP TABLE", "path": "db/migrations"}),
]


@pytest.mark.parametrize(("server", "tool", "arguments"), PROGRAM_TOOLS_SAFE)
def test_program_tool_reads_stay_allowed(server: str, tool: str, arguments: dict[str, Any]) -> None:
    assert mcp(server, tool, arguments) == "allow"


def test_program_argv_shapes() -> None:
    assert program_argv("x", "git", {"command": "git push --force"}) == ["git", "push", "--force"]
    assert program_argv("git", "git_push", {"force": True, "remote": "origin", "branch": "main"}) == \
        ["git", "push", "--force", "origin", "main"]
    assert program_argv("x", "kubectl", {"args": ["get", "pods"]}) == ["kubectl", "get", "pods"]
    assert program_argv("kubectl-mcp", "run", {"args": ["get", "pods"]}) == ["kubectl", "get", "pods"]
    assert program_argv("x", "docker_tool", {"all": True}) is None  # nothing for the program to do
    assert program_argv("github", "create_issue", {"title": "x"}) is None


# ---- code under keys not read as code -----------------------------------------------------------

CODE_ANYWHERE = [
    ("x", "run", {"code": "DROP TABLE users"}),
    ("x", "run", {"input": "DROP TABLE users"}),
    ("x", "query", {"text": "DROP TABLE users"}),
    ("x", "do", {"statement": "TRUNCATE users"}),
    ("x", "do", {"script": "DELETE FROM users"}),
    ("x", "do", {"payload": "DROP DATABASE prod"}),
    ("x", "do", {"body": "rm -rf ~/data"}),
    ("x", "do", {"value": "git push --force origin main"}),
    ("x", "do", {"job": {"steps": [{"line": "UPDATE users SET email = NULL"}]}}),
    ("x", "do", {"argv": ["rm", "-rf", "/home/user/data"]}),
    ("x", "run", {"command": "FLUSHALL"}),
    ("cache", "exec", {"command": "flushdb"}),
    ("x", "exec", {"args": ["FLUSHALL"]}),
    ("x", "exec", {"cmd": "DEL session:1 users:all"}),
]


@pytest.mark.parametrize(("server", "tool", "arguments"), CODE_ANYWHERE)
def test_code_under_any_key_is_judged(server: str, tool: str, arguments: dict[str, Any]) -> None:
    assert mcp(server, tool, arguments) != "allow"


CODE_ANYWHERE_SAFE = [
    ("x", "run", {"code": "SELECT count(*) FROM users"}),
    ("x", "run", {"command": "echo FLUSHALL"}),
    ("x", "note", {"text": "remember to drop table users later"}),
    ("x", "save_note", {"text": "DROP TABLE is dangerous"}),
    ("github", "create_issue", {"owner": "a", "repo": "b", "title": "x", "body": "DROP TABLE users broke prod"}),
    ("slack", "post_message", {"channel": "C1", "text": "rm -rf ~/data happened again"}),
    ("x", "translate", {"input": "rm is a command"}),
    ("x", "search", {"query": "how to delete a repository"}),
    ("x", "set_level", {"level": "DEBUG"}),
    ("x", "describe", {"what": "docker ps"}),
]


@pytest.mark.parametrize(("server", "tool", "arguments"), CODE_ANYWHERE_SAFE)
def test_text_that_is_not_destructive_code_stays_allowed(server: str, tool: str, arguments: dict[str, Any]) -> None:
    assert mcp(server, tool, arguments) == "allow"


# ---- git pushes through MCP ---------------------------------------------------------------------

GIT_PUSHES = [
    ("github", "git_push", {"options": ["--force"], "remote": "origin", "branch": "main"}),
    ("github", "git_push", {"force": True, "remote": "origin", "branch": "main"}),
    ("git", "git_push", {"refspec": "+main:main"}),
    ("git", "git_push", {"remote": "origin", "refspec": "+main:main"}),
    ("git", "git_push", {"refspec": ":main"}),
    ("git", "push", {"remote": "origin", "refspec": ":main"}),
    ("mcp-server-git", "push", {"remote": "origin", "branch": "main", "forcePush": True}),
    ("git", "git_push", {"delete": True, "remote": "origin", "branch": "main"}),
]


@pytest.mark.parametrize(("server", "tool", "arguments"), GIT_PUSHES)
def test_forced_and_deleting_pushes_through_mcp_ask(server: str, tool: str, arguments: dict[str, Any]) -> None:
    assert mcp(server, tool, arguments) != "allow"


@pytest.mark.parametrize(("server", "tool", "arguments"), [
    ("git", "git_push", {"remote": "origin", "branch": "feature/x"}),
    ("git", "push", {"remote": "origin", "refspec": "feature/x"}),
    ("git", "status", {}),
    ("git", "fetch", {"remote": "origin"}),
])
def test_plain_pushes_and_reads_through_mcp_pass(server: str, tool: str, arguments: dict[str, Any]) -> None:
    assert mcp(server, tool, arguments) == "allow"


def test_force_with_lease_through_mcp_is_judged_as_the_shell_judges_it() -> None:
    shell = check("git push --force-with-lease origin main", "shell", policy=POLICY).decision.value
    assert mcp("git", "git_push", {"options": ["--force-with-lease"], "remote": "origin", "branch": "main"}) == shell
    assert mcp("git", "git_push", {"force_with_lease": True, "remote": "origin", "branch": "main"}) == shell


# ---- MongoDB pipelines through servers not named for Mongo --------------------------------------

@pytest.mark.parametrize(("server", "arguments"), [
    ("mongo", {"collection": "orders", "pipeline": [{"$match": {}}, {"$out": "users"}]}),
    ("x", {"collection": "orders", "pipeline": [{"$merge": {"into": "users"}}]}),
    ("data", {"collection": "orders", "pipeline": '[{"$out": "users"}]'}),
])
def test_aggregate_writing_a_collection_asks(server: str, arguments: dict[str, Any]) -> None:
    assert mcp(server, "aggregate", arguments) != "allow"


def test_aggregate_that_only_reads_passes() -> None:
    assert mcp("x", "aggregate", {"collection": "orders", "pipeline": [{"$match": {"note": "$out: x"}}]}) == "allow"
    assert mcp("mongo", "aggregate", {"collection": "orders", "pipeline": [{"$group": {"_id": "$user"}}]}) == "allow"


# ---- requests and GraphQL on a provider's server ------------------------------------------------

PROVIDER_CALLS = [
    ("github", "api", {"method": "DELETE", "path": "/repos/o/r"}),
    ("github", "github_api", {"method": "delete", "endpoint": "repos/o/r"}),
    ("stripe", "request", {"method": "DELETE", "path": "/v1/customers/cus_1"}),
    ("railway", "api", {"method": "POST", "path": "/graphql/v2",
                        "body": {"query": 'mutation { volumeDelete(volumeId: "v") }'}}),
    ("railway", "graphql", {"query": 'mutation { volumeDelete(volumeId: "v") }'}),
    ("railway-mcp", "run", {"document": 'mutation Del($id: String!) { volumeDelete(volumeId: $id) }',
                            "variables": {"id": "v"}}),
    ("github", "graphql", {"query": 'mutation { deleteRepository(input:{repositoryId:"R"}) { clientMutationId } }'}),
    ("shopify", "graphql", {"query": 'mutation { productDelete(input:{id:"gid://shopify/Product/1"}) { deletedProductId } }'}),
    ("linear", "run", {"query": 'mutation { issueDelete(id: "x") { success } }'}),
]


@pytest.mark.parametrize(("server", "tool", "arguments"), PROVIDER_CALLS)
def test_provider_requests_are_judged_with_the_http_catalogs(server: str, tool: str, arguments: dict[str, Any]) -> None:
    assert mcp(server, tool, arguments) != "allow"


@pytest.mark.parametrize(("server", "tool", "arguments"), [
    ("github", "api", {"method": "GET", "path": "/repos/o/r"}),
    ("railway", "graphql", {"query": "query { me { id } }"}),
    ("github", "graphql", {"query": "query { viewer { login } }"}),
    ("linear", "list_issues", {"query": "delete", "limit": 10}),
    ("stripe", "request", {"method": "GET", "path": "/v1/customers/cus_1"}),
])
def test_provider_reads_pass(server: str, tool: str, arguments: dict[str, Any]) -> None:
    assert mcp(server, tool, arguments) == "allow"


# ---- SQL a dialect reads as always true ---------------------------------------------------------

@pytest.mark.parametrize("text", [
    "DELETE FROM users WHERE id = 5 || 1",
    "UPDATE users SET email = NULL WHERE id = 5 || 1",
    "DELETE FROM users WHERE id = 5 || true",
])
def test_or_bars_without_a_dialect_reach_every_row(text: str) -> None:
    assert sql(text) != "allow"
    assert sql(text, "mysql") != "allow"


def test_or_bars_in_postgres_are_concatenation() -> None:
    assert sql("DELETE FROM users WHERE id = 5 || 1", "postgres") == "allow"
    assert sql("DELETE FROM users WHERE name = 'a' || 'b'") == "allow"
