"""Bypass attempts on the environment placement: an agent that wants a destructive action to run
unasked makes a remote or production target look local or test.

Each class holds the safe local form (still allowed) beside the look-alikes that must ask. The
payloads are strings handed to blastwall.check, never run; files live in temporary folders.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path

import pytest

import blastwall
from blastwall.model import Decision, Verdict
from blastwall.policy.engine import Policy, default_policy

CLEARED = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGSERVICE", "PGSERVICEFILE", "DATABASE_URL", "DB_HOST",
           "DIRECT_URL", "DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "CONTAINER_HOST", "CONTAINER_CONNECTION",
           "KUBECONFIG", "COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "RAILS_ENV", "RACK_ENV", "APP_ENV",
           "DJANGO_SETTINGS_MODULE", "PYTHONPATH", "MYSQL_HOST", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
           "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
           "ALL_PROXY", "all_proxy", "BLASTWALL_POLICY", "BLASTWALL_ENVIRONMENT", "HELM_KUBECONTEXT",
           "HELM_KUBEAPISERVER", "BASH_ENV", "CDPATH")


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return home


@pytest.fixture
def project(tmp_path: Path) -> Path:
    p = tmp_path / "project"
    p.mkdir()
    return p


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def check(text: str | dict[str, object], kind: str = "shell", cwd: Path | None = None, policy: Policy | None = None,
          **context: str) -> Verdict:
    ctx: dict[str, str] = {**({"cwd": str(cwd)} if cwd else {}), **context}
    return blastwall.check(text, kind, context=ctx, policy=policy or default_policy(), probe=False)


def placed(v: Verdict) -> list[tuple[str, str | None, tuple[str, ...]]]:
    return [(f.rule_id, f.environment, f.evidence) for f in v.findings]


def allowed(text: str | dict[str, object], kind: str = "shell", cwd: Path | None = None, **context: str) -> None:
    v = check(text, kind, cwd, **context)
    assert v.decision is Decision.ALLOW, (v.reasons, placed(v))
    assert all(f.environment in ("local", "test") and f.evidence for f in v.findings if f.environment), placed(v)


def asks(text: str | dict[str, object], kind: str = "shell", cwd: Path | None = None, because: str = "",
         **context: str) -> Verdict:
    v = check(text, kind, cwd, **context)
    assert v.decision is not Decision.ALLOW, placed(v)
    if because:
        assert any(because in r for r in v.reasons), v.reasons
    return v


# -- the options a client reads: bundles, abbreviations, URIs -------------------------------------

@pytest.mark.parametrize("cmd", [
    "dropdb -eh localhost app_test",
    "dropdb --host=localhost app_test",
    "psql -qXh localhost -d app_test -c 'DROP TABLE users'",
    "psql 'postgresql://localhost/app_test?sslmode=disable' -c 'DROP TABLE users'",
    "psql 'postgresql:///app_test?host=/var/run/postgresql' -c 'DROP TABLE users'",
    "mysql -h 127.0.0.1 app_test -e 'DROP TABLE users'",
    "curl -fsS -X DELETE http://localhost:8025/api/v1/messages",
])
def test_client_options_local_forms_stay_allowed(cmd: str) -> None:
    allowed(cmd)


@pytest.mark.parametrize(("cmd", "because"), [
    # getopt_long and my_getopt take any unique prefix of a long option
    ("dropdb --hos=db.example.com app_test", "db.example.com"),
    ("dropdb --ho db.example.com app_test", "db.example.com"),
    ("dropdb --maint='host=db.example.com dbname=postgres' app_test", "db.example.com"),
    ("mysql --hos=db.example.com app_test -e 'DROP TABLE users'", "db.example.com"),
    ("psql --h db.example.com -d app_test -c 'DROP TABLE users'", "db.example.com"),
    ("psql --f reset.sql -h localhost -d app_test -c 'DROP TABLE users'", "more than one option"),
    # getopt bundles: -e is a flag, -h takes the next word
    ("dropdb -eh db.example.com app_test", "db.example.com"),
    ("psql -qXh db.example.com -d app_test -c 'DROP TABLE users'", "db.example.com"),
    # curl: -L bundled with other flags, and abbreviated
    ("curl -sL -X DELETE http://localhost:8025/api/v1/messages", "-L"),
    ("curl --loc -X DELETE http://localhost:8025/api/v1/messages", ""),
    # libpq reads the URI's query after its authority: host, hostaddr, service and dbname win
    ("psql 'postgresql://localhost/app_test?host=db.example.com' -c 'DROP TABLE users'", "db.example.com"),
    ("psql 'postgresql://localhost/app_test?hostaddr=10.0.0.5' -c 'DROP TABLE users'", "10.0.0.5"),
    ("psql 'postgresql:///app_test?service=prod' -c 'DROP TABLE users'", "pg_service.conf"),
    ("psql 'postgresql://localhost/app_test?dbname=app_prod' -c 'DROP TABLE users'", "named for production"),
    # several databases named: the client uses one, blastwall counts each
    ("psql -h localhost -d app_test -d app -c 'DROP TABLE users'", "not named for test"),
    # DNS lists the servers of a +srv URI
    ("mongosh mongodb+srv://db.test.localhost/catalog_test --eval 'db.dropDatabase()'", "DNS"),
])
def test_client_options_look_alikes_ask(cmd: str, because: str) -> None:
    asks(cmd, because=because)


@pytest.mark.parametrize("database", [
    "postgresql:///shop_test?service=prod",
    "postgresql://localhost/shop_test?host=db.example.com",
    "postgresql://localhost/shop_test?dbname=shop_production",
    "mongodb+srv://cluster0.test.localhost/shop_test",
])
def test_a_sql_action_connection_string_is_read_as_libpq_reads_it(database: str) -> None:
    asks("DROP TABLE users", "sql", database=database)
    allowed("DROP TABLE users", "sql", database="postgresql://localhost/shop_test?sslmode=disable")


# -- a port is not a protocol ----------------------------------------------------------------------

@pytest.mark.parametrize("cmd", [
    "psql -h localhost -p 10000 -d app -c 'DROP TABLE users'",  # Azurite's port, but psql speaks PostgreSQL
    "redis-cli -p 4566 FLUSHALL",  # LocalStack's port
    "psql -h localhost -p 54321 -d app -c 'DROP TABLE users'",  # the Supabase API, not its database
])
def test_an_emulator_port_does_not_place_another_protocol(cmd: str) -> None:
    asks(cmd, because="may hold data someone wants")


def test_the_supabase_database_port_is_still_the_local_stack() -> None:
    allowed("psql -h localhost -p 54322 -d postgres -c 'DROP TABLE users'")
    allowed({"method": "DELETE", "url": "http://localhost:54321/rest/v1/todos?id=eq.1"}, "http")
