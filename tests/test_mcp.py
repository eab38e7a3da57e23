"""The MCP analyzer through the real engine: catalog, name rules, annotations, arguments."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blastwall.analyze.base import Scope
from blastwall.analyze.mcp import analyze_call
from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()




def decide(server: str, tool: str, arguments: dict[str, Any], annotations: dict[str, Any] | None = None) -> str:
    payload: dict[str, Any] = {"server": server, "tool": tool, "arguments": arguments}
    if annotations is not None:
        payload["annotations"] = annotations
    return check(payload, "mcp", policy=POLICY).decision.value


def ids(server: str, tool: str, arguments: dict[str, Any], annotations: dict[str, Any] | None = None) -> list[str]:
    return [f.rule_id for f in analyze_call(server, tool, arguments, annotations, Scope())]


TRUE_POSITIVES = [
    ("supabase", "delete_branch", {"branch_id": "br_1"}, "mcp.branching:branch-delete"),
    ("supabase", "reset_branch", {"branch_id": "br_1"}, "mcp.branching:branch-reset"),
    ("supabase", "merge_branch", {"branch_id": "br_1"}, "mcp.branching:branch-merge"),
    ("supabase", "pause_project", {"project_id": "p"}, "mcp.paas:project-pause"),
    ("neon", "delete_project", {"projectId": "p"}, "mcp.paas:project-delete"),
    ("neon", "complete_database_migration", {"migrationId": "m"}, "mcp.neon:migration-complete"),
    ("railway", "remove_volume", {"volume_id": "v", "confirm": True}, "mcp.railway:volume-delete"),
    ("railway", "remove_service", {"service_id": "api", "confirm": True}, "mcp.paas:project-delete"),
    ("railway", "delete_domain", {"domain": "api.example.com", "confirm": True}, "mcp.railway:routing-delete"),
    ("railway", "set_variables", {"environment_id": "production", "variables": {"FLAG": "1"}}, "mcp.variables:set"),
    ("railway", "set_variables", {"environment_id": "staging", "variables": {"DATABASE_URL": "x"}}, "mcp.variables:set"),
    ("kubernetes", "resources_delete", {"apiVersion": "v1", "kind": "Namespace", "name": "production"},
     "mcp.kubernetes:resources-delete"),
    ("kubernetes", "resources_scale", {"kind": "Deployment", "name": "api", "scale": 0}, "mcp.kubernetes:resources-scale"),
    ("kubernetes", "helm_uninstall", {"name": "pg"}, "mcp.kubernetes:resources-delete"),
    ("kubernetes", "pods_exec", {"name": "pg-0", "command": ["sh", "-c", "rm -rf /var/lib/postgresql/data/*"]},
     "shell.fs:rm"),
    ("docker", "remove_container", {"container_id": "db", "force": True}, "mcp.docker:container-remove-force"),
    ("docker", "remove_volume", {"volume_name": "pgdata"}, "mcp.docker:volume-remove"),
    ("stripe", "cancel_subscription", {"subscription": "sub_1"}, "mcp.stripe:cancel-subscription"),
    ("stripe", "create_refund", {"payment_intent": "pi_1"}, "mcp.stripe:refund"),
    ("git", "git_push", {"repo_path": "/r", "force": True}, "mcp.git:push-force"),
    ("git", "git_reset", {"repo_path": "/r", "mode": "hard"}, "mcp.git:reset"),
    ("github", "push_files", {"owner": "a", "repo": "b", "branch": "main", "files": [{"path": "x", "content": "y"}]},
     "mcp.github:default-branch-write"),
    ("github", "create_or_update_file", {"owner": "a", "repo": "b", "path": "x", "content": "y", "sha": "abc"},
     "mcp.github:default-branch-write-implicit"),
    ("github", "delete_file", {"owner": "a", "repo": "b", "path": "x", "branch": "main"}, "mcp.github:file-delete"),
    ("cloudflare", "d1_database_delete", {"database_id": "d"}, "mcp.cloudflare:delete"),
    ("redis", "execute_command", {"command": "FLUSHALL"}, "mcp.redis:flush"),
    ("playwright", "browser_click", {"element": "Delete project button in danger zone", "ref": "e1"},
     "mcp.browser:destructive-click"),
    ("fetch", "fetch", {"url": "https://admin.internal.example.com/api/users/42/delete?confirm=1"},
     "http.generic:state-changing-get"),
    ("mcp-server-commands", "run_command", {"command": "rm -rf ./data ./uploads"}, "shell.fs:rm"),
    ("filesystem", "write_file", {"path": "/workspace/app/prisma/migrations/1_init/migration.sql", "content": "x"},
     "file.write:migration-history"),
    ("filesystem", "edit_file", {"path": "/workspace/app/.env.production", "edits": [], "dryRun": False},
     "file.write:secret"),
    ("filesystem", "write_file", {"path": "/workspace/app/.claude/settings.json", "content": "{}"},
     "file.write:agent-hooks"),
    ("filesystem", "delete_file", {"path": "/etc/hosts"}, "mcp.filesystem:delete"),
    ("anything", "drop_collection", {"name": "users"}, "mcp.generic:delete"),
    ("anything", "users_delete", {"id": 3}, "mcp.generic:delete"),
    ("anything", "revoke_token", {"id": 3}, "mcp.generic:remove"),
    ("anything", "frobnicate", {}, "mcp.annotations:destructive"),
    ("anything", "run_shell", {}, "mcp.generic:unanalyzed-exec"),
]
ANNOTATED = {"frobnicate": {"destructiveHint": True}}


@pytest.mark.parametrize("server,tool,args,rule", TRUE_POSITIVES, ids=[f"{r[0]}:{r[1]}:{r[3]}" for r in TRUE_POSITIVES])
def test_true_positives_ask(server: str, tool: str, args: dict[str, Any], rule: str) -> None:
    hints = ANNOTATED.get(tool)
    assert rule in ids(server, tool, args, hints)
    assert decide(server, tool, args, hints) != "allow"


SAFE = [
    ("filesystem", "write_file", {"path": "/workspace/app/src/components/NewBadge.tsx", "content": "x"}),
    ("filesystem", "read_text_file", {"path": "/workspace/app/.env", "head": 20}),
    ("filesystem", "edit_file", {"path": "/workspace/app/.env.production", "edits": [], "dryRun": True}),
    ("filesystem", "list_directory", {"path": "/workspace/app"}),
    ("git", "git_diff", {"repo_path": "/r", "target": "main"}),
    ("git", "git_reset", {"repo_path": "/r"}),
    ("git", "git_push", {"repo_path": "/r"}),
    ("supabase", "list_tables", {"project_id": "p", "schemas": ["public"]}),
    ("supabase", "search_docs", {"query": "drop table cascade syntax"}),
    ("neon", "create_branch", {"projectId": "p", "branchName": "backup"}),
    ("neon", "prepare_database_migration", {"projectId": "p", "migrationSql": "ALTER TABLE t DROP COLUMN c"}),
    ("railway", "set_variables", {"environment_id": "staging", "variables": {"FEATURE_X": "true"}, "skip_deploys": True}),
    ("railway", "list_variables", {"service_id": "api", "environment_id": "production"}),
    ("railway", "get_logs", {"service_id": "api", "lines": 200}),
    ("github", "push_files", {"owner": "a", "repo": "b", "branch": "f", "files": [{"path": "x", "content": "y"}]}),
    ("github", "merge_pull_request", {"owner": "a", "repo": "b", "pullNumber": 1}),  # a merge loses nothing
    ("github", "create_branch", {"owner": "a", "repo": "b", "branch": "fix", "from_branch": "main"}),
    ("github", "actions_run_trigger", {"method": "run_workflow", "owner": "a", "repo": "b"}),
    ("kubernetes", "resources_list", {"apiVersion": "v1", "kind": "Pod"}),
    ("kubernetes", "resources_scale", {"kind": "Deployment", "name": "api", "scale": 3}),
    ("kubernetes", "pods_exec", {"name": "p", "command": ["sh", "-c", "ls -la /data"]}),
    ("docker", "fetch_container_logs", {"container_id": "web", "tail": 200}),
    ("docker", "remove_container", {"container_id": "old-build"}),
    ("stripe", "search_stripe_documentation", {"question": "How do I cancel a subscription?"}),
    ("stripe", "list_customers", {"limit": 5}),
    ("fetch", "fetch", {"url": "https://docs.railway.com/integrations/api/manage-volumes", "max_length": 5000}),
    ("playwright", "browser_navigate", {"url": "https://status.railway.com"}),
    ("playwright", "browser_snapshot", {}),
    ("playwright", "browser_click", {"element": "Save settings button", "ref": "e2"}),
    ("mcp-server-commands", "run_command", {"command": "ls -la"}),
    ("mcp-server-commands", "run_script", {"interpreter": "python3", "script": "print(sum(range(10)))"}),
    ("somewhere", "create_issue", {"title": "bug"}),
    ("somewhere", "frobnicate", {}),
    ("somewhere", "frobnicate", {}, {"readOnlyHint": True}),
    ("somewhere", "get_weather", {"city": "Paris"}),
    ("memory", "search_nodes", {"query": "delete from the list"}),
]


@pytest.mark.parametrize("case", SAFE, ids=[f"{c[0]}:{c[1]}" for c in SAFE])
def test_tricky_safe_allowed(case: tuple[Any, ...]) -> None:
    server, tool, args, *rest = case
    hints = rest[0] if rest else None
    assert decide(server, tool, args, hints) == "allow", ids(server, tool, args, hints)


def test_read_only_hint_does_not_hide_a_destructive_name() -> None:
    assert decide("x", "delete_everything", {}, {"readOnlyHint": True}) == "ask"


def test_prefixed_tool_names_are_split() -> None:
    assert "mcp.github:repo-delete" in ids("", "mcp__github__delete_repository", {"owner": "a", "repo": "b"})


def test_destructive_hint_is_a_floor_over_the_catalog() -> None:
    assert decide("git", "git_reset", {"repo_path": "/r"}, None) == "allow"  # unstages only
    assert decide("git", "git_reset", {"repo_path": "/r"}, {"destructiveHint": True}) == "ask"
    assert decide("fs", "read_file", {"path": "/tmp/x"}, {"destructiveHint": True, "readOnlyHint": True}) == "ask"


@pytest.mark.parametrize("server,tool,args,expected", [
    ("supabase", "execute_sql", {"project_id": "p", "query": "SELECT id FROM auth.users LIMIT 10;"}, "allow"),
    ("supabase", "execute_sql", {"project_id": "p", "query": "UPDATE public.profiles SET plan = 'free';"}, "ask"),
    ("supabase", "apply_migration", {"name": "n", "query": "ALTER TABLE t ADD COLUMN note text;"}, "allow"),
    ("supabase", "apply_migration", {"name": "n", "query": "TRUNCATE public.events;"}, "ask"),
    ("neon", "run_sql", {"projectId": "p", "sql": "ALTER TABLE users DROP COLUMN phone;"}, "ask"),
    ("neon", "run_sql_transaction", {"projectId": "p", "sqlStatements": ["SELECT 1", "DROP TABLE t"]}, "ask"),
    ("cloudflare-bindings", "d1_database_query", {"database_id": "d", "sql": "SELECT 1", "params": None}, "allow"),
    ("postgres", "query", {"sql": "DROP TABLE users"}, "ask"),
], ids=lambda v: str(v)[:30] if isinstance(v, str) else None)
def test_sql_arguments_go_to_sql_analyzer(server: str, tool: str, args: dict[str, Any], expected: str) -> None:
    assert decide(server, tool, args) == expected


def test_execute_sql_without_sql_asks() -> None:
    assert decide("supabase", "execute_sql", {"project_id": "p"}) == "ask"


arg_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4),
    max_leaves=10,
)
keys = st.sampled_from(["sql", "query", "command", "url", "path", "content", "script", "interpreter", "element",
                        "scale", "force", "variables", "environment_id", "argv", "source", "destination", "x"])


@settings(max_examples=150, deadline=None)
@given(server=st.sampled_from(["supabase", "kubernetes", "x", "filesystem", "git", "railway", ""]),
       tool=st.sampled_from(["execute_sql", "pods_exec", "write_file", "run_command", "fetch", "browser_click",
                             "delete_x", "zzz", "move_file", "set_variables", "resources_scale", ""]),
       args=st.dictionaries(keys, arg_values, max_size=5),
       hints=st.none() | st.dictionaries(st.sampled_from(["destructiveHint", "readOnlyHint"]), arg_values, max_size=2))
def test_random_calls_never_raise(server: str, tool: str, args: dict[str, Any], hints: Any) -> None:
    v = check({"server": server, "tool": tool, "arguments": args, "annotations": hints}, "mcp", policy=POLICY)
    assert "core:internal-error" not in v.rule_ids


@pytest.mark.parametrize("server,tool,args,decision", [
    ("github", "update_ref", {"owner": "a", "repo": "b", "ref": "heads/main", "sha": "abc", "force": True}, "ask"),
    ("github", "update_ref", {"owner": "a", "repo": "b", "ref": "heads/feature", "sha": "abc"}, "allow"),
    ("slack", "slack_delete_message", {"channel": "C1", "ts": "1"}, "ask"),  # server-prefixed tool names
    ("slack", "slack_post_message", {"channel": "C1", "text": "x"}, "allow"),
    ("search", "refresh_index", {"force": True}, "allow"),  # forcing a rebuild destroys nothing
])
def test_forced_calls_and_prefixed_names(server: str, tool: str, args: dict, decision: str) -> None:
    v = check({"server": server, "tool": tool, "arguments": args}, "mcp", policy=POLICY)
    assert v.decision.value == decision, v.reasons
