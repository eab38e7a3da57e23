"""Bounded data changes are measured before anyone is asked (real PostgreSQL).

An UPDATE or DELETE with a WHERE on a verified non-production target is counted read-only when
a connection is configured, and allowed under the policy's row threshold (1,000 by default);
above it, on an unknown or production target, or without a connection, it asks with the reason.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pg import PgServer, postgres  # noqa: F401  (the session fixture)

from blastwall.engine import check_action, make_action
from blastwall.model import Decision, Verdict
from blastwall.policy.engine import Policy, compile_layers, default_document, default_policy

DEV_DB = "h19_shop"  # on this machine, not named for test: dev
TEST_DB = "h19_shop_test"
PROD_DB = "h19_shop_production"
PROVIDER = "[inventory.providers.postgres]\nprobe = true\ntimeout_s = 2.0\n"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PGHOST", "PGHOSTADDR", "PGSERVICE", "DATABASE_URL", "BLASTWALL_POLICY", "BLASTWALL_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture(scope="module")
def db(postgres: PgServer) -> PgServer:  # noqa: F811
    """sessions: 3,000 rows, 400 expired long ago; users: 500 with no plan."""
    for name in (DEV_DB, TEST_DB, PROD_DB):
        postgres.create_database(name)
        postgres.execute(name, """
            CREATE TABLE sessions (id int PRIMARY KEY, expires_at timestamptz NOT NULL);
            CREATE TABLE users (id int PRIMARY KEY, plan text);
            INSERT INTO sessions SELECT g, CASE WHEN g <= 400 THEN now() - interval '200 days'
                                                ELSE now() + interval '1 day' END FROM generate_series(1, 3000) g;
            INSERT INTO users SELECT g, CASE WHEN g <= 500 THEN NULL ELSE 'pro' END FROM generate_series(1, 2000) g;
            ANALYZE;
        """)
    return postgres


def policy(provider: bool = True) -> Policy:
    if not provider:
        return default_policy()
    return compile_layers([("test.toml", tomllib.loads(PROVIDER)), ("defaults", default_document())])


def sql(db: PgServer, text: str, database: str = DEV_DB, pol: Policy | None = None) -> Verdict:
    action = make_action("sql", text, {"database": db.dsn(database)})
    return check_action(action, pol or policy())


def counted(v: Verdict) -> int | None:
    radii = [f.radius for f in v.findings if f.radius and f.radius.get("measured")]
    return radii[0]["counts"]["rows"] if radii else None


def test_a_bounded_backfill_on_a_local_dev_database_is_allowed(db: PgServer) -> None:
    v = sql(db, "UPDATE users SET plan = 'free' WHERE plan IS NULL")
    assert v.decision is Decision.ALLOW, v.reasons
    assert counted(v) == 500
    f = v.findings[0]
    assert f.environment == "dev" and any("loopback" in e for e in f.evidence)
    assert "measured: overwrites 500 of 2,000 rows in users" in v.reasons[0]


def test_a_bounded_cleanup_of_expired_rows_is_allowed(db: PgServer) -> None:
    v = sql(db, "DELETE FROM sessions WHERE expires_at < now() - interval '90 days'")
    assert v.decision is Decision.ALLOW, v.reasons
    assert counted(v) == 400


def test_above_the_row_threshold_it_asks(db: PgServer) -> None:
    v = sql(db, "DELETE FROM sessions WHERE expires_at > now()")
    assert v.decision is Decision.ASK
    assert counted(v) == 2600 and "deletes 2,600 of 3,000 rows in sessions" in v.reasons[0]


def test_a_production_named_database_asks_whatever_the_count(db: PgServer) -> None:
    v = sql(db, "UPDATE users SET plan = 'free' WHERE plan IS NULL", PROD_DB)
    assert v.decision is Decision.ASK
    assert v.findings[0].environment == "production"


def test_a_test_database_is_allowed_above_the_threshold(db: PgServer) -> None:
    v = sql(db, "DELETE FROM sessions WHERE expires_at > now()", TEST_DB)
    assert v.decision is Decision.ALLOW and v.findings[0].environment == "test"


def test_without_a_connection_it_asks_with_the_reason(db: PgServer) -> None:
    v = sql(db, "UPDATE users SET plan = 'free' WHERE plan IS NULL", pol=policy(provider=False))
    assert v.decision is Decision.ASK
    assert "no connection is configured to count its rows" in v.reasons[0]
    v = check_action(make_action("sql", "UPDATE users SET plan = 'free' WHERE plan IS NULL"), policy())
    assert v.decision is Decision.ASK and v.findings[0].environment == "unverified"  # the inventory's word for unknown
    assert "does not name the server it runs on" in v.reasons[0]


def test_a_remote_looking_name_for_the_same_server_is_not_local(db: PgServer) -> None:
    """The host decides, as the client resolves it: the server's own address, not a name for it."""
    dsn = db.dsn(DEV_DB).replace(f"@{db.host}:", "@db.example.invalid:")
    v = check_action(make_action("sql", "UPDATE users SET plan = 'free' WHERE plan IS NULL", {"database": dsn}),
                     policy())
    assert v.decision is Decision.ASK and v.findings[0].environment in ("unknown", "unverified")


def test_psql_in_a_shell_command(db: PgServer) -> None:
    cmd = (f"psql -h {db.host} -p {db.port} -U {db.user} -d {DEV_DB} "
           "-c \"DELETE FROM sessions WHERE expires_at < now() - interval '90 days'\"")
    v = check_action(make_action("shell", cmd), policy())
    assert v.decision is Decision.ALLOW, v.reasons
    assert counted(v) == 400
    assert v.findings[0].environment == "dev"
