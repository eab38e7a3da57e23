"""Red team of the SQL, HTTP and MCP doors: spellings of a destructive action that reached `allow`,
each fixed as a class, beside the look-alikes that must stay allowed.

Payloads live only in these strings and dictionaries; nothing here runs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()


def sql(text: str, dialect: str | None = None) -> str:
    ctx = {"dialect": dialect} if dialect else None
    return check(text, "sql", context=ctx, policy=POLICY).decision.value


def http(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> str:
    payload: dict[str, Any] = {"method": method, "url": url, "body": body}
    if headers is not None:
        payload["headers"] = headers
    return check(payload, "http", policy=POLICY).decision.value


def mcp(server: Any, tool: Any, arguments: Any, annotations: Any = None, cwd: str | None = None) -> str:
    payload: dict[str, Any] = {"server": server, "tool": tool, "arguments": arguments}
    if annotations is not None:
        payload["annotations"] = annotations
    return check(payload, "mcp", context={"cwd": cwd} if cwd else None, policy=POLICY).decision.value


# ---- SQL -------------------------------------------------------------------------------------

# EXISTS over a subquery that names no column of the target is true for every row or for none.
EXISTS_ALL = [
    "DELETE FROM users WHERE EXISTS (SELECT 1)",
    "DELETE FROM users WHERE EXISTS (SELECT 1 FROM orders WHERE id = 5)",
    "DELETE FROM users WHERE EXISTS (SELECT id FROM orders WHERE orders.id = 5)",
    "UPDATE users SET email = NULL WHERE EXISTS (SELECT 1 FROM orders WHERE id = 5)",
    "DELETE FROM users WHERE id = 5 OR EXISTS (SELECT 1)",
    "DELETE FROM users WHERE EXISTS (SELECT 1 FROM (VALUES (1)) v(x))",
]


@pytest.mark.parametrize("text", EXISTS_ALL)
@pytest.mark.parametrize("dialect", [None, "mysql"])
def test_uncorrelated_exists_reaches_every_row(text: str, dialect: str | None) -> None:
    assert sql(text, dialect) != "allow"


def test_correlated_exists_on_a_key_stays_selective() -> None:
    assert sql("DELETE FROM users u WHERE u.id = 5 AND EXISTS (SELECT 1 FROM banned b WHERE b.user_id = u.id)") == "allow"
    assert sql("DELETE FROM users WHERE id = 5") == "allow"


# A quoted identifier that holds a dot is one name of the search path, not a schema and a table.
QUOTED_DOTS = [
    'DROP TABLE "pg_temp.users"',
    'TRUNCATE "pg_temp.users"',
    'DELETE FROM "pg_temp.users"',
    'DROP VIEW "pg_temp.active"',
    'DROP TABLE public."pg_temp.users"',
    'DROP TABLE "pg_temp_3.users"',
]


@pytest.mark.parametrize("text", QUOTED_DOTS)
@pytest.mark.parametrize("dialect", [None, "mysql"])
def test_quoted_dotted_name_is_not_the_temp_schema(text: str, dialect: str | None) -> None:
    assert sql(text, dialect) != "allow"


@pytest.mark.parametrize("text", [
    "DROP TABLE pg_temp.users",
    'DROP TABLE "pg_temp".users',
    "CREATE TEMP TABLE x (a int); DROP TABLE x",
    'CREATE TEMP TABLE "a.b" (x int); DROP TABLE "a.b"',
    "TRUNCATE pg_temp.staging",
])
def test_temp_schema_stays_scratch(text: str) -> None:
    assert sql(text) == "allow"


# Functions with an effect outside the rows: SQL text run elsewhere (dblink, a background worker, a
# Citus shard command), server files deleted or moved, a shell command run by a UDF, a file replaced.
SIDE_EFFECT_CALLS = [
    "SELECT * FROM dblink('DELETE FROM users RETURNING 1') AS t(x int)",
    "SELECT * FROM dblink('dbname=prod', 'DELETE FROM users RETURNING 1') AS t(x int)",
    "SELECT * FROM dblink('DELETE FROM users RETURNING 1', false) AS t(x int)",
    "SELECT * FROM dblink('conn', 'TRUNCATE users', true) AS t(x text)",
    "SELECT dblink_send_query('conn', 'DROP TABLE users')",
    "SELECT pg_background_launch('DROP TABLE users')",
    "SELECT run_command_on_shards('users', 'TRUNCATE %s')",
    "SELECT pg_file_unlink('postgresql.conf')",
    "SELECT pg_catalog.pg_file_unlink('pg_hba.conf')",
    "SELECT pg_file_rename('empty.conf', 'postgresql.conf')",
]


@pytest.mark.parametrize("text", SIDE_EFFECT_CALLS)
def test_side_effect_functions_ask(text: str) -> None:
    assert sql(text) != "allow"


@pytest.mark.parametrize("text", ["SELECT sys_exec('rm -rf /var/lib/mysql')", "SELECT sys_eval('id')",
                                  "SELECT writefile('app.db', '')", "SELECT 1 FROM t WHERE writefile('x', data) > 0"])
@pytest.mark.parametrize("dialect", [None, "mysql", "sqlite"])
def test_shell_and_file_functions_ask_in_every_dialect(text: str, dialect: str | None) -> None:
    assert sql(text, dialect) != "allow"


@pytest.mark.parametrize("text", [
    "SELECT * FROM dblink('dbname=prod', 'SELECT id FROM users') AS t(x int)",
    "SELECT * FROM dblink('SELECT 1', false) AS t(x int)",
    "SELECT run_command_on_shards('users', 'VACUUM %s')",
    "SELECT readfile('notes.txt')",
])
def test_reading_side_of_those_functions_stays_allowed(text: str) -> None:
    assert sql(text) == "allow"


# ---- HTTP ------------------------------------------------------------------------------------

_REPO = "https://api.github.com/repos/acme/api"


# A method override with several values: servers differ in which they take (the first of a comma-joined
# header, the last of a repeated parameter), so the one that can change the most counts.
@pytest.mark.parametrize(("url", "body", "headers"), [
    (_REPO, None, {"X-HTTP-Method-Override": "DELETE, GET"}),
    (_REPO, None, {"X-HTTP-Method-Override": "GET,DELETE"}),
    (_REPO + "?_method=GET&_method=DELETE", None, None),
    (_REPO + "?_method=DELETE&_method=GET", None, None),
    (_REPO + "?_METHOD=delete", None, None),
    (_REPO + "?%5Fmethod=DELETE", None, None),
    (_REPO, {"_Method": "DELETE"}, None),
    (_REPO + "?_method=GET", {"_method": "DELETE"}, None),
    ("https://api.stripe.com/v1/customers/cus_123", "_method=DELETE",
     {"Content-Type": "application/x-www-form-urlencoded"}),
])
def test_method_override_lists_take_the_strongest(url: str, body: Any, headers: dict[str, str] | None) -> None:
    assert http("POST", url, body, headers) != "allow"


def test_override_to_a_read_stays_a_read() -> None:
    assert http("POST", _REPO, None, {"X-HTTP-Method-Override": "GET"}) == "allow"
    assert http("POST", _REPO + "?_method=GET") == "allow"


_RW = "https://backboard.railway.com/graphql/v2"
_VOLUME_DELETE = 'mutation { volumeDelete(volumeId: "v1") }'


# A provider's GraphQL endpoint sent a body with no document blastwall can read: a stored query run
# by its id, or the query under a key or in a shape the reader does not take.
@pytest.mark.parametrize("body", [
    {"id": "abc123", "variables": {"volumeId": "v1"}},
    {"documentId": "abc123"},
    {"doc_id": "7", "variables": {"volumeId": "v1"}},
    {"Query": _VOLUME_DELETE},
    {"query": [_VOLUME_DELETE]},
    {"query": {"text": _VOLUME_DELETE}},
])
def test_graphql_body_without_a_readable_document_asks(body: Any) -> None:
    assert http("POST", _RW, body) != "allow"


@pytest.mark.parametrize("body", [{"query": "query { me { id } }"}, {"query": "{ projects { edges { node { id } } } }"}, None, ""])
def test_graphql_reads_and_empty_posts_stay_allowed(body: Any) -> None:
    assert http("POST", _RW, body) == "allow"


_RPC = "https://proj.supabase.co/rest/v1/rpc/"


# A PostgREST RPC is the SQL call it makes: a function that runs SQL text, or one whose name destroys.
@pytest.mark.parametrize(("function", "body"), [
    ("exec_sql", {"sql": "DROP TABLE users"}),
    ("exec_sql", "DROP TABLE users"),
    ("run_sql", {"q": "TRUNCATE users"}),
    ("execute", {"command": "DELETE FROM users"}),
    ("execute_query", {"query": "DELETE FROM users WHERE 1 = 1"}),
    ("delete_all_users", {}),
    ("purge_tenant", {"tenant_id": 7}),
])
def test_postgrest_rpc_is_read_as_its_sql_call(function: str, body: Any) -> None:
    assert http("POST", _RPC + function, body) != "allow"


@pytest.mark.parametrize(("method", "url", "body"), [
    ("POST", _RPC + "get_user_stats", {"user_id": 5}),
    ("GET", _RPC + "search_posts?term=it's", None),
    ("POST", _RPC + "exec_sql", {"sql": "SELECT count(*) FROM users"}),
    ("POST", _RPC + "run_sql", {"q": "SELECT 1"}),
])
def test_postgrest_rpc_reads_stay_allowed(method: str, url: str, body: Any) -> None:
    assert http(method, url, body) == "allow"


# ---- MCP -------------------------------------------------------------------------------------

@pytest.mark.parametrize("arguments", ["DROP TABLE users", ["DROP TABLE users"], 5, "rm -rf ~/data"])
@pytest.mark.parametrize("tool", ["x", "execute_sql", "run"])
def test_arguments_that_are_not_an_object_ask(arguments: Any, tool: str) -> None:
    assert mcp("db", tool, arguments) != "allow"


@pytest.mark.parametrize("hints", [
    {"destructiveHint": "true"}, {"destructiveHint": 1}, {"destructivehint": True}, {"destructive_hint": "yes"},
    {"DestructiveHint": True}, {"destructiveHint": True, "readOnlyHint": True},
])
def test_destructive_hint_in_any_spelling_is_a_floor(hints: dict[str, Any]) -> None:
    assert mcp("x", "do_thing", {}, hints) != "allow"


_GH = "https://api.github.com/repos/acme/api"


# Arguments nested in objects and lists are read as the tool's own: SQL, commands, requests, file
# writes, a chosen operation, and a call of another tool a dispatcher names.
@pytest.mark.parametrize(("server", "tool", "arguments"), [
    ("x", "batch", {"ops": [{"type": "sql", "sql": "DROP TABLE users"}]}),
    ("x", "batch", {"requests": [{"method": "DELETE", "url": _GH}]}),
    ("x", "batch", {"steps": [{"command": "rm -rf ~/data"}]}),
    ("x", "run", {"job": {"steps": [{"command": "rm -rf ~/data"}]}}),
    ("http", "http_request", {"request": {"url": _GH, "method": "DELETE"}}),
    ("http", "fetch", {"url": _GH, "options": {"method": "DELETE"}}),
    ("http", "fetch", {"url": _GH, "init": {"method": "delete"}}),
    ("github", "call_tool", {"name": "delete_repository", "arguments": {"owner": "acme", "repo": "api"}}),
    ("github", "batch", {"operations": [{"tool": "delete_repository", "arguments": {"owner": "acme", "repo": "api"}}]}),
    ("github", "batch", {"operations": [{"op": "delete", "path": "/repos/acme/api"}]}),
    ("x", "thing", {"params": {"action": "delete"}}),
    ("postgres", "run", {"queries": [{"sql": "TRUNCATE users"}]}),
])
def test_nested_arguments_are_read(server: str, tool: str, arguments: dict[str, Any]) -> None:
    assert mcp(server, tool, arguments) != "allow"


def test_nested_file_writes_are_read(tmp_path: Path) -> None:
    data = tmp_path / "orders.csv"
    data.write_text("id,total\n" + "1,10\n" * 200)
    home = Path.home() / ".blastwall-redteam-doors"
    home.mkdir(exist_ok=True)
    kept = home / "orders.csv"
    kept.write_text(data.read_text())
    try:
        assert mcp("filesystem", "write_files", {"files": [{"path": str(kept), "content": ""}]}) != "allow"
        assert mcp("filesystem", "write_file", {"path": str(kept), "content": ""}) != "allow"
    finally:
        kept.unlink()
        home.rmdir()


@pytest.mark.parametrize(("server", "tool", "arguments"), [
    ("x", "batch", {"ops": [{"type": "sql", "sql": "SELECT 1"}]}),
    ("http", "fetch", {"url": _GH, "options": {"method": "GET", "headers": {"Accept": "application/json"}}}),
    ("github", "call_tool", {"name": "get_repository", "arguments": {"owner": "acme", "repo": "api"}}),
    ("x", "create_event", {"event": {"name": "launch", "location": {"url": "https://example.com/venue"}}}),
    ("notion", "create_page", {"parent": {"page_id": "p"}, "properties": {"title": {"title": [{"text": {"content": "x"}}]}}}),
    ("x", "batch", {"steps": [{"command": "npm test"}, {"command": "ls -la"}]}),
])
def test_nested_safe_arguments_stay_allowed(server: str, tool: str, arguments: dict[str, Any]) -> None:
    assert mcp(server, tool, arguments) == "allow"


@pytest.mark.parametrize("levels", [3, 7, 30, 100, 900, 3000])
def test_deeply_nested_code_is_never_allowed(levels: int) -> None:
    deep: dict[str, Any] = {"sql": "DROP TABLE users"}
    for _ in range(levels):
        deep = {"x": deep}
    assert mcp("x", "batch", deep) != "allow"  # read, or asked when deeper than blastwall reads


@pytest.mark.parametrize("hints", [{"destructiveHint": False}, {"destructiveHint": "false"}, {"destructiveHint": 0},
                                   {"readOnlyHint": True}, {}])
def test_no_destructive_hint_leaves_a_read_alone(hints: dict[str, Any]) -> None:
    assert mcp("x", "list_items", {}, hints) == "allow"
    assert mcp("x", "list_items", None, hints) == "allow"
