"""Preflight's PostgreSQL probes against a real server (tests/pg.py starts one per session).

A destructive SQL finding whose connection reaches production, or that cannot be verified,
is never allowed, and its reason says what the server said: which database, on which server,
which tables reference the target, which views are built on it, about how many rows it holds.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg import PgServer, postgres  # noqa: F401  (the session fixture)

import blastwall
from blastwall.engine import make_action
from blastwall.model import Decision, Severity
from blastwall.policy.engine import Policy, PolicyError, compile_layers, default_document, default_policy
from blastwall.preflight.inventory import parse_inventory
from blastwall.preflight.providers import postgres as pgprovider

PASSWORD = "s3cret-pw-4711"


def policy_from(text: str) -> Policy:
    return compile_layers([("test.toml", tomllib.loads(text)), ("defaults", default_document())])


def inventory(*, production: str = "", dev: str = "", provider: str = "probe = true\ntimeout_s = 2.0\n") -> Policy:
    text = "[inventory.environments.production]\n" + production + "\n[inventory.environments.dev]\n" + dev + "\n"
    if provider:
        text += "[inventory.providers.postgres]\n" + provider
    return policy_from(text)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("BLASTWALL_POLICY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)


@pytest.fixture(scope="module")
def db(postgres: PgServer) -> PgServer:  # noqa: F811
    """`app`: orders, order_items (FK to orders), a view on orders; `scratch`: notes, alone."""
    postgres.create_database("app")
    postgres.execute("app", """
        CREATE TABLE orders (id int PRIMARY KEY, total numeric NOT NULL);
        CREATE TABLE order_items (id int PRIMARY KEY, order_id int NOT NULL REFERENCES orders (id), sku text);
        CREATE VIEW order_totals AS SELECT sum(total) AS total FROM orders;
        INSERT INTO orders VALUES (1, 10), (2, 20), (3, 30);
        INSERT INTO order_items VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'c');
        ANALYZE orders; ANALYZE order_items;
    """)
    postgres.create_database("scratch")
    postgres.execute("scratch", "CREATE TABLE notes (id int, body text); INSERT INTO notes VALUES (1, 'x'), (2, 'y');"
                                "ANALYZE notes;")
    return postgres


def state(server: PgServer) -> list[tuple]:
    return server.execute("app", "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM order_items), "
                                 "(SELECT sum(total) FROM orders), to_regclass('order_totals') IS NOT NULL")


class Listener:
    """A TCP port that accepts connections, counts them and never answers (a hung server)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.sock.close()
        for c in self.accepted:
            c.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def reason_of(v: blastwall.Verdict) -> str:
    return " ".join(v.reasons)


# -- what the server says --------------------------------------------------------------------

def test_drop_table_in_production_names_dependents(db: PgServer) -> None:
    before = state(db)
    policy = inventory(production=f'hosts = ["127.0.0.1:{db.port}"]')
    v = blastwall.check(f"psql {db.dsn('app')} -c 'DROP TABLE orders'", policy=policy)
    assert v.decision is Decision.ASK
    [f] = v.findings
    assert f.rule_id == "sql.postgres:drop-table" and f.environment == "production"
    assert (f"table orders is in database app on 127.0.0.1:{db.port} (cluster blastwall-test), which is production "
            "(inventory); 1 table references orders (order_items); view order_totals depends on it; about 3 rows "
            "(PostgreSQL)") in f.reason
    assert state(db) == before  # the probe changed nothing


def test_connection_string_from_dsn_env(db: PgServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command names only `$DATABASE_URL`: the server says which database it is."""
    monkeypatch.setenv("DATABASE_URL", db.dsn("app", user=f"postgres:{PASSWORD}"))
    policy = inventory(production='databases = ["app"]', provider='dsn_env = "DATABASE_URL"\ntimeout_s = 2\n')
    v = blastwall.check('psql "$DATABASE_URL" -c "TRUNCATE orders, order_items"', policy=policy)
    assert v.decision is Decision.ASK and v.findings[0].environment == "production"
    reason = reason_of(v)
    assert f"tables orders and order_items are in database app on 127.0.0.1:{db.port}" in reason
    assert "1 table references orders (order_items)" in reason and "about 3 rows in order_items" in reason
    assert PASSWORD not in json.dumps(v.to_dict())


def test_unconfigured_variable_is_unverified(db: PgServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTHER_URL", db.dsn("app"))
    v = blastwall.check('psql "$OTHER_URL" -c "DROP TABLE orders"', policy=inventory(dev='databases = ["app"]'))
    assert v.decision is Decision.ASK and v.findings[0].environment == "unverified"
    assert "could not verify table orders: the command connects with $OTHER_URL, which [inventory.providers.postgres] " \
           "dsn_env does not name; treat it as production" in v.reasons[0]


def test_table_without_dependents_in_dev_still_asks(db: PgServer) -> None:
    policy = inventory(production='databases = ["app"]', dev='databases = ["scratch"]')
    v = blastwall.check(f"psql {db.dsn('scratch')} -c 'DROP TABLE notes'", policy=policy)
    assert v.decision is Decision.ASK  # a drop is a drop
    [f] = v.findings
    assert f.environment == "dev" and f.severity is Severity.HIGH
    assert f"table notes is in database scratch on 127.0.0.1:{db.port} (cluster blastwall-test), which is dev " \
           "(inventory); about 2 rows (PostgreSQL)" in f.reason
    assert "reference" not in f.reason and "depends" not in f.reason


def test_server_nothing_places_is_placed_by_its_evidence(db: PgServer) -> None:
    """Nothing in the inventory places the server: its evidence does (docs/environments.md). This
    one is on loopback and the database is named scratch, so it is local; the probe's facts stay."""
    v = blastwall.check(f"psql {db.dsn('scratch')} -c 'DELETE FROM notes'", policy=inventory(production='databases = ["app"]'))
    assert v.decision is Decision.ALLOW and v.findings[0].environment == "local"
    assert "which nothing in [inventory] places" in v.reasons[0]
    assert "environment local: 127.0.0.1 (the connection string) is a loopback address" in v.reasons[0]
    # the same server through a tunnel opened on the line proves nothing: unverified, as before
    v = blastwall.check(f"ssh -fN -L 6000:db.example.com:5432 bastion; psql {db.dsn('scratch')} -c 'DELETE FROM notes'",
                        policy=inventory(production='databases = ["app"]'))
    assert v.decision is Decision.ASK and v.findings[0].environment == "unverified"
    assert "nothing in [inventory] places it; treat it as production" in v.reasons[0]


def test_sql_with_connection_string_context(db: PgServer) -> None:
    policy = inventory(production=f'databases = ["postgresql://*@127.0.0.1:{db.port}/app"]')
    v = blastwall.check("UPDATE orders SET total = 0", "sql", context={"database": db.dsn("app")}, policy=policy)
    assert v.decision is Decision.ASK and v.findings[0].environment == "production"
    assert "1 table references orders (order_items)" in v.reasons[0]


def test_non_table_finding_names_the_database(db: PgServer) -> None:
    v = blastwall.check(f"psql {db.dsn('app')} -c 'DROP SCHEMA public CASCADE'",
                        policy=inventory(production=f'hosts = ["127.0.0.1:{db.port}"]'))
    assert v.findings[0].environment == "production"
    assert f"database 127.0.0.1:{db.port}/app reaches database app on 127.0.0.1:{db.port} (cluster blastwall-test), " \
           "which is production (inventory) (PostgreSQL)" in v.reasons[0]


def test_psql_flags_and_missing_table(db: PgServer) -> None:
    policy = inventory(dev='databases = ["app"]')
    v = blastwall.check(f"psql -h 127.0.0.1 -p {db.port} -U postgres -d app -c 'DROP TABLE nosuch'", policy=policy)
    assert v.decision is Decision.ASK and v.findings[0].environment == "dev"
    assert "app has no table nosuch" in v.reasons[0]


def test_password_never_echoed(db: PgServer) -> None:
    dsn = db.dsn("app", user=f"postgres:{PASSWORD}")
    for port in (db.port, _closed_port()):
        v = blastwall.check(f"psql '{dsn.replace(str(db.port), str(port))}' -c 'DROP TABLE orders'",
                            policy=inventory(production='databases = ["app"]'))
        assert v.decision is Decision.ASK
        assert PASSWORD not in json.dumps(v.to_dict())


# -- failures are unverified, never a pass ---------------------------------------------------

def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_port_is_unverified() -> None:
    port = _closed_port()
    policy = inventory(dev='hosts = ["127.0.0.1"]')
    v = blastwall.check(f"psql postgresql://postgres@127.0.0.1:{port}/app -c 'DROP TABLE orders'", policy=policy)
    assert v.decision is Decision.ASK and v.findings[0].environment == "unverified"
    assert f"could not verify table orders: PostgreSQL at 127.0.0.1:{port}/app refused the connection; " \
           "treat it as production" in v.reasons[0]


def test_missing_database_is_unverified(db: PgServer) -> None:
    v = blastwall.check(f"psql {db.dsn('nope')} -c 'DROP TABLE orders'", policy=inventory(dev='databases = ["nope"]'))
    assert v.findings[0].environment == "unverified"
    assert "says the database or role does not exist" in v.reasons[0]


def test_hung_server_times_out_as_unverified(listener: Listener) -> None:
    policy = inventory(dev='hosts = ["127.0.0.1"]', provider="timeout_s = 0.5\n")
    t0 = time.monotonic()
    v = blastwall.check(f"psql postgresql://postgres@127.0.0.1:{listener.port}/app -c 'DROP TABLE orders; "
                        "TRUNCATE order_items'", policy=policy)
    elapsed = time.monotonic() - t0
    assert elapsed < 1.5, elapsed  # one timeout for the server, not one per finding
    assert [f.environment for f in v.findings] == ["unverified", "unverified"]
    assert v.decision is Decision.ASK
    assert f"PostgreSQL at 127.0.0.1:{listener.port}/app did not answer within 0.5 s; treat it as production" \
        in v.reasons[0]


# -- no configuration, no connection ---------------------------------------------------------

@pytest.mark.parametrize("policy_text", [
    None,  # no inventory at all
    '[inventory.environments.dev]\nhosts = ["127.0.0.1"]\n',  # an inventory without the provider
    '[inventory.environments.dev]\nhosts = ["127.0.0.1"]\n[inventory.providers.postgres]\nprobe = false\n',
])
def test_not_configured_no_connection(listener: Listener, policy_text: str | None) -> None:
    policy = default_policy() if policy_text is None else policy_from(policy_text)
    cmd = f"psql postgresql://postgres@127.0.0.1:{listener.port}/app -c 'DROP TABLE orders'"
    v = blastwall.check(cmd, policy=policy)
    assert v.decision is Decision.ASK
    assert "PostgreSQL" not in reason_of(v)
    time.sleep(0.1)
    assert listener.accepted == []


def test_other_databases_are_not_probed(listener: Listener) -> None:
    v = blastwall.check(f"mysql -h 127.0.0.1 -P {listener.port} -e 'DROP TABLE orders'",
                        policy=inventory(dev='hosts = ["127.0.0.1"]'))
    assert v.decision is Decision.ASK
    time.sleep(0.1)
    assert listener.accepted == []


def test_probe_modules_load_lazily(tmp_path: Path) -> None:
    (tmp_path / "blastwall.toml").write_text(textwrap.dedent("""
        [inventory.environments.dev]
        hosts = ["localhost"]
        [inventory.providers.postgres]
        probe = true
    """))
    code = textwrap.dedent(f"""
        import sys, blastwall
        blastwall.check("rm -rf ./src", context={{"cwd": {str(tmp_path)!r}}})
        blastwall.check("git push --force origin main", context={{"cwd": {str(tmp_path)!r}}})
        assert "psycopg" not in sys.modules
        assert "blastwall.preflight.providers.postgres" not in sys.modules
        blastwall.check("DROP TABLE t", "sql", context={{"cwd": {str(tmp_path)!r}}})
        assert "psycopg" not in sys.modules  # no connection named: nothing to ask
    """)
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=tmp_path)


# -- the adapter's pieces --------------------------------------------------------------------

def test_only_catalog_selects_are_sent() -> None:
    import pglast

    for query in pgprovider.READ_ONLY_QUERIES:
        [stmt] = pglast.parse_sql(query.replace("%s", "$1"))
        assert type(stmt.stmt).__name__ == "SelectStmt"
    with pytest.raises(pgprovider.ProbeError):
        pgprovider._checked("DELETE FROM orders")


@pytest.mark.parametrize(("command", "expected"), [
    ("psql postgres://u:pw@db:5432/app -c 'DROP TABLE t'", ["postgres://u:pw@db:5432/app"]),
    ("psql -d 'postgresql://db/app' -c 'DROP TABLE t'", ["postgresql://db/app"]),
    ("psql 'host=db dbname=app' -c 'DROP TABLE t'", ["host=db dbname=app"]),
    ("psql -h db -p 5433 -U me app -c 'DROP TABLE t'", ["dbname='app' host='db' port='5433' user='me'"]),
    ("psql --host=db --dbname=app -f x.sql", ["dbname='app' host='db'"]),
    ("psql \"$DATABASE_URL\" -c 'DROP TABLE t'", ["$DATABASE_URL"]),
    ("psql ${DATABASE_URL} -c 'DROP TABLE t'", ["${DATABASE_URL}"]),
    ("psql -c 'DROP TABLE t'", []),  # names nothing: libpq's defaults are not a verified target
    ("PGHOST=prod psql -d app -c 'DROP TABLE t'", []),  # settings blastwall does not see
    ("mysql -h db -e 'DROP TABLE t'", []),
])
def test_connections(command: str, expected: list[str]) -> None:
    assert pgprovider.connections(make_action("shell", command)) == expected


@pytest.mark.parametrize(("table", "where", "message"), [
    ({"probe": "yes"}, "[inventory.providers.postgres]", "'probe' must be true or false"),
    ({"endpoint": "https://x"}, "[inventory.providers.postgres]", "unknown key(s) 'endpoint'"),
    ({"dsn_env": "A B"}, "[inventory.providers.postgres]", "'dsn_env' must name an environment variable"),
    ({"timeout_s": 0}, "[inventory.providers.postgres]", "'timeout_s' must be"),
])
def test_provider_config_errors(table: dict, where: str, message: str) -> None:
    with pytest.raises(PolicyError) as err:
        parse_inventory({"providers": {"postgres": table}})
    assert err.value.where == where and message in err.value.message


def test_provider_config_parses() -> None:
    cfg = parse_inventory({"providers": {"postgres": {"timeout_s": 1.5, "dsn_env": "DATABASE_URL"}}}).provider("postgres")
    assert cfg is not None and cfg.probe and cfg.timeout_s == 1.5 and cfg.dsn_env == "DATABASE_URL"
