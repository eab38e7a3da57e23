"""The radius of SQL a migration runs later, measured on a real PostgreSQL server where a
connection is configured ([inventory.providers.postgres] dsn_env), and nowhere otherwise."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pg import PgServer, postgres  # noqa: F401  (the session fixture)

from blastwall.engine import check_action, make_action
from blastwall.policy.engine import Policy, compile_layers, default_document

DB = "later_app"
PROVIDER = '[inventory.providers.postgres]\nprobe = true\ntimeout_s = 2.0\ndsn_env = "DATABASE_URL"\n'


def policy(provider: bool = True) -> Policy:
    text = f'[inventory.environments.production]\ndatabases = ["{DB}"]\n' + (PROVIDER if provider else "")
    return compile_layers([("test.toml", tomllib.loads(text)), ("defaults", default_document())])


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


@pytest.fixture(scope="module")
def db(postgres: PgServer) -> PgServer:  # noqa: F811
    postgres.create_database(DB)
    postgres.execute(DB, """
        CREATE TABLE bookings (id int PRIMARY KEY, status text NOT NULL);
        INSERT INTO bookings SELECT g, CASE WHEN g % 4 = 0 THEN 'cancelled' ELSE 'paid' END FROM generate_series(1, 480) g;
        ANALYZE;
    """)
    return postgres


def _write(tmp_path: Path, path: str, content: str, pol: Policy) -> list:
    action = make_action("file_write", {"path": path, "content": content}, {"cwd": str(tmp_path)})
    return list(check_action(action, pol).findings)


def test_a_dropping_migration_is_measured_where_it_will_run(db: PgServer, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db.dsn(DB))
    found = _write(tmp_path, "migrations/0002_cleanup.sql", "DROP TABLE bookings;\n", policy())
    (f,) = [f for f in found if f.rule_id == "later.sql.postgres:drop-table"]
    r = f.radius or {}
    assert r.get("measured"), r
    assert r["counts"]["rows"] == 480
    assert "480" in r["summary"] and "bookings" in r["summary"]


def test_a_framework_migration_delete_counts_its_rows(db: PgServer, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db.dsn(DB))
    code = "def upgrade():\n    op.execute(\"DELETE FROM bookings WHERE status <> 'paid'\")\n"
    found = _write(tmp_path, "alembic/versions/9_purge.py", code, policy())
    (f,) = [f for f in found if f.rule_id.startswith("later.sql.postgres:delete")]
    assert (f.radius or {}).get("counts", {}).get("rows") == 120


def test_without_a_configured_connection_nothing_is_measured(db: PgServer, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db.dsn(DB))
    found = _write(tmp_path, "migrations/0002_cleanup.sql", "DROP TABLE bookings;\n", policy(provider=False))
    (f,) = [f for f in found if f.rule_id == "later.sql.postgres:drop-table"]
    assert not (f.radius or {}).get("measured")
    assert db.execute(DB, "SELECT count(*) FROM bookings") == [(480,)]
