"""Round 15 classes of SQL, HTTP and MCP: savepoints, key expiry, compose tools, short-lived rows."""

from __future__ import annotations

from typing import Any

import pytest
from verdicts import decide, rule_ids

# ---- DML rolled back to a savepoint (analyze/sql/script.py) ----

SAVEPOINT_UNDONE = [  # (sql, dialect or "")
    ("BEGIN; SAVEPOINT s1; DELETE FROM carts; ROLLBACK TO SAVEPOINT s1; COMMIT;", ""),
    ("START TRANSACTION; SAVEPOINT s1; UPDATE carts SET qty = 0; ROLLBACK TO SAVEPOINT s1; COMMIT;", "mysql"),
    ("BEGIN; SAVEPOINT a; SAVEPOINT b; DELETE FROM carts; RELEASE b; ROLLBACK TO a; COMMIT;", ""),
    ("SAVEPOINT s1; DELETE FROM carts; ROLLBACK TO SAVEPOINT s1;", "sqlite"),  # SQLite: it opens a transaction
    ("SAVEPOINT s1; DELETE FROM carts; ROLLBACK TO s1; RELEASE s1;", "sqlite"),
    ("SAVEPOINT s1; DELETE FROM carts; ROLLBACK;", "sqlite"),
]
SAVEPOINT_KEPT = [
    ("BEGIN; DELETE FROM carts; SAVEPOINT s1; ROLLBACK TO SAVEPOINT s1; COMMIT;", ""),  # taken after the delete
    ("BEGIN; SAVEPOINT s1; DELETE FROM carts; RELEASE SAVEPOINT s1; ROLLBACK TO SAVEPOINT s1; COMMIT;", ""),
    ("START TRANSACTION; SAVEPOINT s1; DELETE FROM carts; RELEASE SAVEPOINT s1; ROLLBACK TO s1; COMMIT;", "mysql"),
    ("BEGIN; SAVEPOINT s1; DELETE FROM carts; COMMIT; ROLLBACK TO SAVEPOINT s1;", ""),
    ("START TRANSACTION; SAVEPOINT s1; DROP TABLE carts; ROLLBACK TO SAVEPOINT s1; COMMIT;", ""),  # DDL by dialect
    ("SAVEPOINT s1; DELETE FROM carts; ROLLBACK TO SAVEPOINT s1;", ""),  # outside BEGIN: MySQL autocommits it
    ("SAVEPOINT s1; DELETE FROM carts; ROLLBACK TO SAVEPOINT s1;", "mysql"),
    ("SAVEPOINT s1; DELETE FROM carts; ROLLBACK TO SAVEPOINT s1;", "postgres"),
    ("SAVEPOINT s1; DELETE FROM carts; RELEASE s1;", "sqlite"),
    ("SAVEPOINT s1; DELETE FROM carts; RELEASE s1; ROLLBACK;", "sqlite"),  # the release committed it
    ("SAVEPOINT s1; DELETE FROM carts; ROLLBACK TO s2;", "sqlite"),
]


def _sql(sql: str, dialect: str) -> str:
    return decide(sql, "sql", dialect=dialect) if dialect else decide(sql, "sql")


@pytest.mark.parametrize("sql,dialect", SAVEPOINT_UNDONE)
def test_dml_rolled_back_to_a_savepoint_passes(sql: str, dialect: str) -> None:
    assert _sql(sql, dialect) == "allow", (sql, dialect)


@pytest.mark.parametrize("sql,dialect", SAVEPOINT_KEPT)
def test_dml_a_savepoint_does_not_undo_asks(sql: str, dialect: str) -> None:
    assert _sql(sql, dialect) != "allow", (sql, dialect)


# ---- HTTP: expiring a key or token is a revoke (rules/http_generic.toml credential_end_verbs) ----

CREDENTIAL_ENDS = [
    "https://api.stripe.com/v1/api_keys/rk_live_123/expire",
    "https://api.example.com/v2/tokens/tok_9/invalidate",
    "https://api.example.com/v2/users/42/sessions/invalidate",
    "https://api.example.com/v2/auth/expireToken",
    "https://api.example.com/v1/keys/abc123:expire",
    "https://api.example.com/v1/projects/p1/secrets/db-password/expire",
    "https://api.example.com/v1/credentials/c_1/invalidate",
]
NOT_CREDENTIALS = [
    "https://api.example.com/v1/cache/invalidate",
    "https://api.example.com/v1/carts/123/expire",
    "https://api.example.com/v1/cdn/paths/invalidate",
]


@pytest.mark.parametrize("url", CREDENTIAL_ENDS)
def test_expiring_a_credential_asks(url: str) -> None:
    assert decide({"method": "POST", "url": url}, "http") != "allow", url


@pytest.mark.parametrize("url", NOT_CREDENTIALS)
def test_expiring_other_things_passes(url: str) -> None:
    assert decide({"method": "POST", "url": url}, "http") == "allow", url


def test_reading_a_key_passes() -> None:
    assert decide({"method": "GET", "url": CREDENTIAL_ENDS[0]}, "http") == "allow"


# ---- MCP: a boolean argument that stands for a destructive option (rules/mcp.toml program_boolean_options) ----

def docker(tool: str, **arguments: Any) -> dict[str, Any]:
    return {"server": "docker", "tool": tool, "arguments": arguments}


COMPOSE_SAFE = [
    docker("docker_compose_down", project="shop"),
    docker("docker_compose_down", project="shop", remove_volumes=False),
    docker("docker_compose_down", project="shop", remove_orphans=True),
    docker("docker_compose_up", project="shop", detach=True),
]
COMPOSE_DATA_LOST = [
    docker("docker_compose_down", project="shop", remove_volumes=True),
    docker("docker_compose_down", project="shop", removeVolumes=True),
    docker("docker_compose_down", project="shop", delete_volumes=True),
    docker("docker_compose_down", project="shop", delete_data=True),
    docker("docker_compose_down", project="shop", volumes=True),
    docker("docker_compose_down", project="shop", v=True),
    docker("docker_volume_prune", force=True),
    {"server": "podman", "tool": "podman_compose_down", "arguments": {"project": "shop", "remove_volumes": True}},
]


@pytest.mark.parametrize("call", COMPOSE_SAFE)
def test_compose_tools_that_keep_volumes_pass(call: dict[str, Any]) -> None:
    assert decide(call, "mcp") == "allow", call


@pytest.mark.parametrize("call", COMPOSE_DATA_LOST)
def test_compose_tools_that_remove_volumes_ask(call: dict[str, Any]) -> None:
    assert decide(call, "mcp") != "allow", call


# ---- SQL: short-lived rows cleaned by a short past bound (rules/sql.toml [expired] age_stems) ----

EXPIRED = [
    "DELETE FROM rate_limit_hits WHERE window_start < now() - interval '1 hour';",
    "DELETE FROM throttle_buckets WHERE bucket_end < now() - interval '5 minutes';",
    "DELETE FROM api_rate_limits WHERE period_end < NOW() - INTERVAL 1 HOUR;",
    "DELETE FROM otp_codes WHERE created_at < now() - interval '10 minutes';",
    "DELETE FROM password_resets WHERE created_at < now() - interval '1 hour';",
    "DELETE FROM nonces WHERE issued_at < now() - interval '15 minutes';",
]
NOT_EXPIRED = [
    "DELETE FROM rate_limit_hits WHERE window_start < now() + interval '1 hour';",  # the future: every row
    "DELETE FROM rate_limit_hits WHERE window_start > now() - interval '1 hour';",  # the live rows
    "DELETE FROM rate_limit_hits WHERE window_start < now() - interval '1 hour' OR 1=1;",
    "DELETE FROM rate_limit_hits;",
    "DELETE FROM orders WHERE created_at < now() - interval '1 hour';",  # kept on purpose
    "DELETE FROM payments WHERE window_start < now() - interval '1 hour';",
    "DELETE FROM audit_log WHERE created_at < now() - interval '1 hour';",
]


@pytest.mark.parametrize("sql", EXPIRED)
def test_short_lived_rows_past_a_short_bound_are_an_expired_cleanup(sql: str) -> None:
    assert rule_ids(sql, "sql") == ["sql.postgres:delete-expired-rows"], sql


@pytest.mark.parametrize("sql", NOT_EXPIRED)
def test_live_rows_and_kept_tables_are_not_expired(sql: str) -> None:
    ids = rule_ids(sql, "sql")
    assert ids and ids != ["sql.postgres:delete-expired-rows"], sql
    assert decide(sql, "sql") != "allow", sql
