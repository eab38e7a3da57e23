"""SQL handed to a program no table knows is judged as SQL (rules/shell_db.toml [sql_arguments]).
Payloads live only in these strings; nothing here runs them."""

from __future__ import annotations

import pytest
from verdicts import allowed_and_asked

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()


ASKED = [
    "mysqlsh --sql -e 'DROP DATABASE shop'",
    "pgcli -e 'DROP TABLE users' app",
    "litecli app.db -e 'DROP TABLE users'",
    "mycli --execute='DELETE FROM users' shop",
    "dbtool run \"UPDATE users SET email = NULL\"",
    "mytool --sql 'WITH x AS (DELETE FROM t RETURNING *) SELECT 1'",
    "mytool 'select 1; drop table users'",
    "mytool -q 'TRUNCATE orders'",
    "mytool -q 'truncate table orders'",
    "mytool 'ALTER TABLE users DROP COLUMN email'",
    "mytool 'CREATE OR REPLACE TABLE users AS SELECT 1'",
    "mytool \"COPY t FROM PROGRAM 'rm -rf /srv/data'\"",
    "mytool 'DROP SCHEMA IF EXISTS public CASCADE'",
]

ALLOWED = [
    "mytool update",
    "mycli -e 'SELECT * FROM users'",
    "dbtool --query 'SELECT count(*) FROM orders'",
    "notify-send 'Deleted old builds'",
    "mytool 'delete from users where id = 3'",
    "say 'update the docs'",
]


(test_reads_and_words_pass,
 test_destructive_sql_in_arguments_is_asked) = allowed_and_asked(ALLOWED, ASKED, probe=True)


# HTTP DELETE requests from interpreter one-liners of Ruby, Perl and PHP (rules/code.toml).
HTTP_DELETES = [
    "ruby -rnet/http -e 'Net::HTTP.new(\"api.github.com\",443).delete(\"/repos/acme/app\")'",
    "ruby -e 'require \"httparty\"; HTTParty.delete(\"https://api.github.com/repos/acme/app\")'",
    "ruby -e 'Faraday.delete(\"https://api.example.com/v1/projects/7\")'",
    "perl -MLWP::UserAgent -e 'LWP::UserAgent->new->delete(\"https://api.github.com/repos/acme/app\")'",
    "perl -MHTTP::Request -e 'HTTP::Request->new(DELETE => \"https://api.example.com/v1/x\")'",
    "php -r '$c=curl_init(\"https://api.github.com/repos/acme/app\"); "
    "curl_setopt($c, CURLOPT_CUSTOMREQUEST, \"DELETE\"); curl_exec($c);'",
]
HTTP_READS = [
    "ruby -e 'puts Net::HTTP.get(URI(\"https://api.github.com\"))'",
    "ruby -e 'h = {a: 1}; h.delete(:a); p h'",
    "php -r 'echo file_get_contents(\"https://example.com\");'",
]


(test_interpreter_reads_pass,
 test_interpreter_http_deletes_are_asked) = allowed_and_asked(HTTP_READS, HTTP_DELETES, probe=True)


# A multi-purpose MCP tool told what to do by an argument (rules/mcp.toml operation_keys).
OPERATIONS_ASKED = [
    {"server": "x", "tool": "manage", "arguments": {"action": "delete", "resource": "database", "name": "prod"}},
    {"server": "git", "tool": "git_stash", "arguments": {"path": "/r", "mode": "clear"}},
    {"server": "git", "tool": "git_stash", "arguments": {"path": "/r", "mode": "drop"}},
    {"server": "x", "tool": "records", "arguments": {"op": "purge", "table": "orders"}},
    {"server": "x", "tool": "volumes", "arguments": {"operation": "destroy", "id": "vol-1"}},
]
OPERATIONS_ALLOWED = [
    {"server": "git", "tool": "git_stash", "arguments": {"path": "/r", "mode": "list"}},
    {"server": "x", "tool": "manage", "arguments": {"action": "list"}},
    {"server": "x", "tool": "notes", "arguments": {"mode": "append", "text": "delete later"}},
]


@pytest.mark.parametrize("call", OPERATIONS_ASKED, ids=range(len(OPERATIONS_ASKED)))
def test_mcp_operation_arguments_that_destroy_are_asked(call: dict) -> None:
    v = check(call, "mcp", policy=POLICY, read_files=False)
    assert v.decision.value != "allow", (call, v.reasons)


@pytest.mark.parametrize("call", OPERATIONS_ALLOWED, ids=range(len(OPERATIONS_ALLOWED)))
def test_mcp_operation_arguments_that_read_pass(call: dict) -> None:
    v = check(call, "mcp", policy=POLICY, read_files=False)
    assert v.decision.value == "allow", (call, v.reasons)
