"""Redis commands that lose or move keys without DEL or FLUSH, in redis-cli lines (any option
spelling), text piped to redis-cli, Redis text given as SQL and Redis MCP tools; each beside the
look-alikes that only read, copy or schedule, which pass. Text piped to a raw network client (nc,
socat, telnet) for a service's port is that service's commands (rules/raw_clients.toml). A command
no table names is asked."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from verdicts import allowed_and_asked, verdict


def decision(action: object, kind: str = "shell", cwd: str | None = None) -> tuple[str, list[str]]:
    v = verdict(action, kind, cwd=cwd)
    return v.decision.value, list(v.rule_ids)


PAST = str(int(time.time()) - 3600)
FUTURE = str(int(time.time()) + 86400 * 365)


def _id(line: str) -> str:
    """A test id that does not change with the clock."""
    return line.replace(PAST, "<past>").replace(FUTURE, "<future>")

ASKED = [
    ("RENAME user:1 user:2", "sql.redis:rename"),  # overwrites user:2, user:1's readers find nothing
    ("rename user:1 user:2", "sql.redis:rename"),
    ("RENAMENX user:1 user:2", "sql.redis:move-away"),
    ("MOVE user:1 2", "sql.redis:move-away"),
    ("COPY a b REPLACE", "sql.redis:replace"),
    ("COPY a b DB 2 replace", "sql.redis:replace"),
    ("RESTORE k 0 payload REPLACE", "sql.redis:replace"),
    ("RESTORE k 0 payload REPLACE ABSTTL", "sql.redis:replace"),
    ("MIGRATE host 6379 k 0 5000", "sql.redis:migrate"),  # without COPY the key leaves this server
    ("MIGRATE host 6379 k 0 5000 REPLACE", "sql.redis:migrate"),
    ("MIGRATE host 6379 k 0 5000 COPY REPLACE", "sql.redis:migrate"),
    ("MIGRATE host 6379 \"\" 0 5000 KEYS a b", "sql.redis:migrate"),
    ("SWAPDB 0 1", "sql.redis:swapdb"),
    ("UNLINK user:1", "sql.redis:del"),
    ("GETDEL user:1", "sql.redis:del"),
    ("EXPIRE user:1 0", "sql.redis:expire-now"),
    ("EXPIRE user:1 -1", "sql.redis:expire-now"),
    ("PEXPIRE user:1 0", "sql.redis:expire-now"),
    ("EXPIRE user:1 0 NX", "sql.redis:expire-now"),
    (f"EXPIREAT user:1 {PAST}", "sql.redis:expire-now"),
    (f"PEXPIREAT user:1 {PAST}000", "sql.redis:expire-now"),
    ("EXPIREAT user:1 1", "sql.redis:expire-now"),
    ("FUNCTION FLUSH", "sql.redis:function-flush"),
    ("FUNCTION DELETE mylib", "sql.redis:function-flush"),
    ("CONFIG SET dir /var/lib/postgresql", "sql.redis:config-set-file"),
    ("CONFIG SET dbfilename authorized_keys", "sql.redis:config-set-file"),
    ("DEBUG RELOAD", "sql.redis:shutdown"),
    ("CLUSTER RESET HARD", "sql.redis:cluster-reset"),
    ("CLUSTER RESET SOFT", "sql.redis:cluster-reset"),
    ("cluster reset", "sql.redis:cluster-reset"),
    ("CLUSTER FLUSHSLOTS", "sql.redis:cluster-reset"),
    ("CLUSTER FORGET 07c37dfeb235213a872192d90877d0cd55635b91", "sql.redis:cluster-reset"),
    ("ACL DELUSER bob", "sql.redis:acl-change"),
    ("XGROUP DESTROY events workers", "sql.redis:del"),
    # every element removed, as DEL of the key
    ("XTRIM orders MAXLEN 0", "sql.redis:del"),
    ("xtrim orders maxlen = 0", "sql.redis:del"),
    ("XTRIM orders MAXLEN ~ 0", "sql.redis:del"),
    ("LTRIM queue:jobs 1 0", "sql.redis:del"),
    ("LTRIM jobs -1 -2", "sql.redis:del"),
    ("ZREMRANGEBYRANK leaderboard 0 -1", "sql.redis:del"),
    ("ZREMRANGEBYSCORE leaderboard -inf +inf", "sql.redis:del"),
    ("ZREMRANGEBYLEX names - +", "sql.redis:del"),
    ("FAILOVER", "sql.redis:unknown-command"),  # closed by default: a command no row names
    ("FOOBAR x", "sql.redis:unknown-command"),
]

PASSES = [
    "COPY a b",  # fails when b exists
    "COPY a b DB 3",
    "RESTORE k 0 payload",  # fails when k exists
    "MIGRATE host 6379 k 0 5000 COPY",
    "EXPIRE user:1 3600",
    "PEXPIRE user:1 60000",
    f"EXPIREAT user:1 {FUTURE}",
    f"PEXPIREAT user:1 {FUTURE}000",
    "EXPIRE cache:user:1 0",  # a short-lived namespace, as DEL of it passes
    "SET user:1 v",  # an ordinary write, over existing data or not
    "GETSET user:1 v",
    "HDEL user:1 email",
    "LPOP queue:jobs",
    "XTRIM events MAXLEN ~ 10000",  # caps the stream, keeps the newest
    "XTRIM events MINID 1700000000000-0",
    "LTRIM recent 0 99",
    "LTRIM recent -100 -1",
    "ZREMRANGEBYRANK leaderboard 0 -101",  # all but the top 100
    "ZREMRANGEBYSCORE expiring -inf 1700000000",
    "XTRIM cache:events MAXLEN 0",  # a short-lived namespace
    "SCRIPT FLUSH",  # a cache the clients fill again (EVALSHA falls back to EVAL)
    "SCRIPT LOAD \"return 1\"",
    "CONFIG SET maxmemory 2gb",
    "CLUSTER INFO",
    "CLUSTER NODES",
    "XGROUP CREATE events workers $ MKSTREAM",
    "SAVE",
    "TTL user:1",
    "OBJECT ENCODING user:1",
]


@pytest.mark.parametrize("line,rule", ASKED, ids=[_id(a) for a, _ in ASKED])
def test_redis_cli_commands_that_lose_or_move_keys_are_asked(line: str, rule: str) -> None:
    decided, rules = decision(f"redis-cli {line}")
    assert decided != "allow" and rule in rules, (decided, rules)


@pytest.mark.parametrize("line", PASSES, ids=[_id(a) for a in PASSES])
def test_redis_cli_commands_that_keep_every_key_pass(line: str) -> None:
    assert decision(f"redis-cli {line}")[0] == "allow"


@pytest.mark.parametrize("line,rule", ASKED[:12], ids=[a for a, _ in ASKED[:12]])
def test_the_same_commands_as_redis_text_are_asked(line: str, rule: str) -> None:
    v = verdict(line, "sql", dialect="redis")
    assert v.decision.value != "allow" and rule in v.rule_ids


@pytest.mark.parametrize("command", [
    # flags take no value: the next word is the command
    "redis-cli --csv FLUSHALL",
    "redis-cli -e FLUSHALL",
    "redis-cli --tls FLUSHALL",
    "redis-cli --raw --no-auth-warning FLUSHALL",
    "redis-cli -c -3 FLUSHALL",
    "valkey-cli --json FLUSHDB",
    "keydb-cli -x FLUSHALL",
    "redis-cli -n 2 --user admin --pass s3cret RENAME a b",
    "redis-cli --pass=s3cret -n 2 rename a b",
    "redis-cli EXPIRE user:1 -1",  # a word after the command that looks like an option is the command's
    "redis-cli -h cache.prod EVAL \"return redis.call('FLUSHALL')\" 0",  # the script is one argument
    "redis-cli EVAL \"redis.call('rename', KEYS[1], KEYS[2])\" 2 a b",
    "redis-cli --cluster call 10.0.0.1:6379 FLUSHALL",
    "redis-cli --cluster del-node 10.0.0.1:6379 07c37dfeb235",
    "redis-cli --cluster import 10.0.0.1:6379 --cluster-from 10.0.0.9:6379",
    "redis-cli --eval /nonexistent/wipe.lua",
    "echo 'RENAME a b' | redis-cli",
    "printf 'GET a\\nSWAPDB 0 1\\n' | redis-cli",
    "redis-cli $CMD a b",
])
def test_option_spellings_and_carriers_are_asked(command: str) -> None:
    assert decision(command)[0] != "allow"


@pytest.mark.parametrize("command", [
    "redis-cli --scan --pattern 'user:*'",
    "redis-cli --csv GET a",
    "redis-cli -h cache.prod -p 6380 --tls --cacert ca.pem INFO memory",
    "redis-cli --bigkeys",
    "redis-cli --cluster check 10.0.0.1:6379",
    "redis-cli --cluster call 10.0.0.1:6379 INFO keyspace",
    "redis-cli EVAL \"return redis.call('GET', KEYS[1])\" 1 a",
    "echo 'GET a' | redis-cli",
])
def test_reading_spellings_pass(command: str) -> None:
    assert decision(command)[0] == "allow"


def test_an_eval_script_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "read.lua").write_text("return redis.call('GET', KEYS[1])\n")
    (tmp_path / "wipe.lua").write_text("redis.call('FLUSHALL')\nreturn 1\n")
    assert decision("redis-cli --eval read.lua a", cwd=str(tmp_path))[0] == "allow"
    decided, rules = decision("redis-cli --eval wipe.lua", cwd=str(tmp_path))
    assert decided != "allow" and "sql.redis:flushall" in rules


@pytest.mark.parametrize("server,tool,args,rule", [
    ("redis", "execute_command", {"command": "RENAME a b"}, "sql.redis:rename"),
    ("redis", "run_command", {"command": "SWAPDB 0 1"}, "sql.redis:swapdb"),
    ("redis", "execute", {"command": "COPY", "args": ["a", "b", "REPLACE"]}, "sql.redis:replace"),
    ("upstash-redis", "redis_command", {"command": ["MIGRATE", "h", "6379", "k", "0", "5000"]}, "sql.redis:migrate"),
    ("redis", "rename", {"old_key": "a", "new_key": "b"}, "sql.redis:rename"),
    ("valkey", "expire", {"name": "a", "expire_seconds": 0}, "sql.redis:expire-now"),
    ("redis", "run_command", {"command": "DEBUG RELOAD"}, "sql.redis:shutdown"),
])
def test_redis_mcp_tools_are_judged_as_their_command(server: str, tool: str, args: dict[str, object],
                                                     rule: str) -> None:
    decided, rules = decision({"server": server, "tool": tool, "arguments": args}, "mcp")
    assert decided != "allow" and rule in rules, rules


@pytest.mark.parametrize("tool,args", [
    ("run_command", {"command": "GET a"}),
    ("expire", {"name": "a", "expire_seconds": 60}),
    ("set", {"key": "a", "value": "b"}),
    ("get", {"key": "a"}),
    ("hdel", {"name": "a", "key": "f"}),
    ("dbsize", {}),
    ("info", {"section": "memory"}),
])
def test_redis_mcp_tools_that_keep_every_key_pass(tool: str, args: dict[str, object]) -> None:
    assert decision({"server": "redis", "tool": tool, "arguments": args}, "mcp")[0] == "allow"


# Text piped to a raw network client for a service's port is that service's commands (rules/raw_clients.toml).
RAW_CLIENT_ASKED = [
    "printf 'FLUSHALL\\r\\n' | nc redis.internal 6379",
    "printf '*1\\r\\n$8\\r\\nFLUSHALL\\r\\n' | ncat cache 6379",
    "echo flush_all | nc cache 11211",
    "echo 'FLUSHDB' | nc -q 1 redis 6379",
    "nc redis 6379 <<< 'DEL users'",
    "cat /nonexistent/cmds.txt | nc redis 6379",
    "echo FLUSHALL | socat - TCP:redis:6379",
    "echo FLUSHALL | telnet redis 6379",
    "echo FLUSHALL | sudo nc -w 2 redis 6380",
]
RAW_CLIENT_SAFE = [
    "printf 'PING\\r\\n' | nc redis.internal 6379",
    "echo stats | nc cache 11211",
    "nc -zv redis 6379",
    "echo hi | nc example.com 7",
    "nc -l 6379",
]


test_raw_clients_reads_pass, test_raw_clients_send_service_commands = allowed_and_asked(
    RAW_CLIENT_SAFE, RAW_CLIENT_ASKED)
