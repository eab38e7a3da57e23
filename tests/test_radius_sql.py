"""Blast radius of SQL against a real server (tests/pg.py): what blastwall measures read-only is what
the statement then really does (run in a transaction that is rolled back), and a server that
cannot answer in time or cannot be reached leaves the finding unmeasured, never zero.
"""

from __future__ import annotations

import statistics
import threading
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pg import PgServer, postgres  # noqa: F401  (the session fixture)

from blastwall.analyze.base import Scope
from blastwall.analyze.sql import analyze_sql
from blastwall.engine import check_action, make_action
from blastwall.policy.engine import Policy, compile_layers, default_document
from blastwall.radius import measure_all

DB = "radius_app"
PROVIDER = '[inventory.providers.postgres]\nprobe = true\ntimeout_s = 2.0\ndsn_env = "DATABASE_URL"\n'


def policy_from(text: str) -> Policy:
    return compile_layers([("test.toml", tomllib.loads(text)), ("defaults", default_document())])


def policy(*, provider: bool = True) -> Policy:
    text = f'[inventory.environments.production]\ndatabases = ["{DB}"]\n'
    return policy_from(text + (PROVIDER if provider else ""))


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


@pytest.fixture(scope="module")
def db(postgres: PgServer) -> PgServer:  # noqa: F811
    """customers (40), orders (1,000, FK to customers), order_items (FK to orders), a view and a
    publication on orders, and an empty table."""
    postgres.create_database(DB)
    postgres.execute(DB, """
        CREATE TABLE customers (id int PRIMARY KEY, name text, gone bool NOT NULL DEFAULT false);
        CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers (id),
                             total numeric NOT NULL, status text NOT NULL);
        CREATE TABLE order_items (id int PRIMARY KEY, order_id int REFERENCES orders (id) ON DELETE CASCADE, sku text);
        CREATE TABLE "Audit Log" (id int);
        CREATE VIEW order_totals AS SELECT sum(total) AS total FROM orders;
        CREATE PUBLICATION orders_pub FOR TABLE orders;
        INSERT INTO customers SELECT g, 'c' || g, g % 4 = 0 FROM generate_series(1, 40) g;
        INSERT INTO orders SELECT g, 1 + g % 40, g, CASE WHEN g % 10 = 0 THEN 'cancelled' ELSE 'paid' END
          FROM generate_series(1, 1000) g;
        INSERT INTO order_items SELECT g, 1 + g % 1000, 's' || g FROM generate_series(1, 300) g;
        INSERT INTO "Audit Log" VALUES (1), (2);
        ANALYZE;
    """)
    return postgres


def state(server: PgServer) -> list[tuple[Any, ...]]:
    return server.execute(DB, "SELECT (SELECT count(*) FROM orders), (SELECT sum(total) FROM orders), "
                              "(SELECT count(*) FROM order_items), (SELECT count(*) FROM customers), "
                              "(SELECT string_agg(status, '' ORDER BY id) FROM orders)")


def radii(sql: str, server: PgServer, pol: Policy | None = None, *, budget_s: float = 5.0,
          database: str | None = None) -> list[dict[str, Any]]:
    action = make_action("sql", sql, {"database": database if database is not None else server.dsn(DB)})
    findings = analyze_sql(sql, Scope(read_files=False))
    out = measure_all(action, findings, pol or policy(), budget_s=budget_s)
    return [f.radius for f in out if f.radius is not None]


def real_rowcount(server: PgServer, sql: str) -> int:
    """What the statement really does, in a transaction that is rolled back."""
    with server.connect(DB) as conn:
        conn.autocommit = False
        with conn.cursor() as cur:
            cur.execute(sql.encode())
            n = cur.rowcount
        conn.rollback()
    return int(n)


# -- measured equals the real effect ------------------------------------------------------------

EFFECTS = [
    pytest.param("DELETE FROM orders WHERE status <> 'paid'", 100, id="delete-where"),
    pytest.param("UPDATE orders SET total = 0 WHERE total > 900", 100, id="update-where"),
    pytest.param("DELETE FROM orders o USING customers c WHERE o.customer_id = c.id AND c.gone", 250,
                 id="delete-using"),
    pytest.param("DELETE FROM orders WHERE customer_id IN (SELECT id FROM customers WHERE name LIKE 'c1%')", 275,
                 id="subquery-where"),
    pytest.param("DELETE FROM orders", 1000, id="delete-all"),
    pytest.param("UPDATE orders SET status = 'x'", 1000, id="update-all"),
    # a join that reaches each order many times: each row is still deleted once
    pytest.param("DELETE FROM orders USING order_items i WHERE i.id > 0 AND orders.id < 50", 49, id="join-duplicates"),
    pytest.param("UPDATE orders SET total = 1 FROM customers c WHERE c.id = orders.customer_id AND c.id <= 2", 50,
                 id="update-from"),
    pytest.param("WITH old AS (SELECT id FROM orders WHERE id > 990) DELETE FROM orders WHERE id IN "
                 "(SELECT id FROM old)", 10, id="cte"),
]


@pytest.mark.parametrize(("sql", "expected"), EFFECTS)
def test_measured_rows_equal_the_real_effect(db: PgServer, sql: str, expected: int) -> None:
    before = state(db)
    (r,) = radii(sql, db)
    assert r["measured"], r["summary"]
    assert state(db) == before  # measuring changed nothing
    assert r["counts"]["rows"] == real_rowcount(db, sql) == expected
    assert r["counts"]["rows_total"] == 1000
    assert r["estimate"] is False and r["irreplaceable"] is True and r["source"] == "postgres"
    assert f"{expected:,} of 1,000 rows in orders" in r["summary"]


def test_an_empty_result_set_destroys_nothing(db: PgServer) -> None:
    (r,) = radii("DELETE FROM orders WHERE status LIKE 'refund%'", db)
    assert r["measured"] and r["counts"]["rows"] == 0
    assert r["irreplaceable"] is False
    assert r["summary"].startswith("matches 0 of 1,000 rows in orders")


def test_truncate_counts_rows_bytes_and_referencing_tables(db: PgServer) -> None:
    (r,) = radii("TRUNCATE orders CASCADE", db)
    assert r["measured"] and r["irreplaceable"] is True
    c = r["counts"]
    assert c["rows"] == 1000 and c["bytes"] > 0
    assert c["tables_referencing"] == 1 and c["views"] == 1 and c["publications"] == 1
    assert any("1 table referencing it" in d for d in r["details"])


def test_drop_table_with_a_view_on_it(db: PgServer) -> None:
    (r,) = radii("DROP TABLE orders CASCADE", db)
    assert r["measured"] and r["summary"].startswith("drops orders: 1,000 rows")
    assert r["counts"]["views"] == 1 and r["counts"]["tables_referencing"] == 1
    assert db.execute(DB, "SELECT to_regclass('order_totals') IS NOT NULL") == [(True,)]


def test_several_tables_and_quoted_names(db: PgServer) -> None:
    (r,) = radii('TRUNCATE customers, "Audit Log" CASCADE', db)
    assert r["measured"], r["summary"]
    assert r["counts"]["rows"] == 42 and r["counts"]["tables_referencing"] == 1
    assert '"Audit Log"' in r["summary"]


# -- unmeasured, never zero -----------------------------------------------------------------------

def test_a_slow_where_is_unmeasured(db: PgServer) -> None:
    t0 = time.monotonic()
    (r,) = radii("DELETE FROM orders WHERE pg_sleep(0.01) IS NOT NULL AND status <> 'x'", db, budget_s=0.4)
    assert time.monotonic() - t0 < 1.0
    assert r["measured"] is False and "rows" not in r["counts"]
    assert "did not answer" in r["summary"] or "budget" in r["summary"]


def test_a_lock_held_by_another_session_is_unmeasured(db: PgServer) -> None:
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.connect(DB) as conn:
            conn.autocommit = False
            conn.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
            locked.set()
            release.wait(10)
            conn.rollback()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        t0 = time.monotonic()
        (r,) = radii("DELETE FROM orders WHERE status <> 'paid'", db, budget_s=0.4)
        assert time.monotonic() - t0 < 1.0
    finally:
        release.set()
        holder.join()
    assert r["measured"] is False and r["counts"] == {}


def test_no_credentials_is_unmeasured(db: PgServer) -> None:
    (r,) = radii("DELETE FROM orders WHERE status <> 'paid'", db, database="$DATABASE_URL")
    assert r["measured"] is False and "DATABASE_URL is not set" in r["summary"]


def test_without_the_provider_blastwall_connects_nowhere(db: PgServer) -> None:
    """No connection: nothing is counted, and the radius says why (the verdict's reason shows it)."""
    (r,) = radii("DELETE FROM orders WHERE status <> 'paid'", db, policy(provider=False))
    assert r["measured"] is False and "no connection is configured" in r["summary"]
    (r,) = radii("DELETE FROM orders WHERE status <> 'paid'", db, database="")  # bare SQL: no server
    assert r["measured"] is False and "does not name the server" in r["summary"]
    assert radii("DROP TABLE orders", db, policy(provider=False)) == []  # nothing to say about a DROP


def test_an_unreachable_server_is_unmeasured(db: PgServer) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (r,) = radii("DELETE FROM orders WHERE status <> 'paid'", db, database=f"postgresql://postgres@127.0.0.1:{port}/x")
    assert r["measured"] is False and "refused" in r["summary"]


def test_the_password_is_never_shown(db: PgServer) -> None:
    dsn = f"postgresql://nobody:hunter2-secret@{db.host}:{db.port}/{DB}"
    (r,) = radii("DELETE FROM orders WHERE status <> 'paid'", db, database=dsn)
    assert "hunter2" not in repr(r)


@pytest.mark.parametrize("call", ["pg_terminate_backend(1)", "pg_reload_conf()", "pg_switch_wal() IS NOT NULL",
                                  "public.dblink_exec('x', 'y') = ''", "pg_advisory_lock(1) IS NULL",
                                  "PG_NOTIFY('a', 'b') IS NULL"])
def test_a_where_with_effects_is_not_run(db: PgServer, call: str) -> None:
    (r,) = radii(f"DELETE FROM orders WHERE {call} OR status <> 'x'", db)
    assert r["measured"] is False and "functions with effects" in r["summary"]


def test_a_data_modifying_cte_is_never_run_to_count(db: PgServer) -> None:
    before = state(db)
    found = radii("WITH x AS (DELETE FROM order_items RETURNING order_id) "
                  "DELETE FROM orders WHERE id IN (SELECT order_id FROM x) OR total > 500", db)
    by_summary = sorted(r["summary"] for r in found)
    assert state(db) == before
    assert any(r["measured"] and r["counts"]["rows"] == 300 for r in found), by_summary  # the CTE's own DELETE
    assert any(not r["measured"] for r in found), by_summary  # the outer one would run the CTE


def test_quoted_names_and_only(db: PgServer) -> None:
    (r,) = radii('DELETE FROM ONLY "Audit Log" WHERE id > 1', db)
    assert r["measured"] and r["counts"]["rows"] == 1 and r["counts"]["rows_total"] == 2


# -- shell psql and the engine --------------------------------------------------------------------

def test_psql_in_a_shell_command_with_dsn_env(db: PgServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db.dsn(DB))
    action = make_action("shell", """psql "$DATABASE_URL" -c "DELETE FROM orders WHERE status <> 'paid'" """)
    verdict = check_action(action, policy())
    (f,) = [f for f in verdict.findings if f.radius]
    r = f.radius or {}
    assert r["measured"], r
    assert r["counts"]["rows"] == 100
    assert f.environment == "production"


def test_psql_with_host_and_database_options(db: PgServer) -> None:
    cmd = f"psql -h {db.host} -p {db.port} -U {db.user} -d {DB} -c 'UPDATE orders SET total = 0 WHERE total > 900'"
    verdict = check_action(make_action("shell", cmd), policy())
    (f,) = [f for f in verdict.findings if f.radius]
    assert (f.radius or {})["counts"]["rows"] == 100


# -- estimates --------------------------------------------------------------------------------------

def test_large_tables_are_estimated_and_labeled(db: PgServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from blastwall.radius import postgres as measure_pg

    monkeypatch.setattr(measure_pg, "LARGE_ROWS", 500)
    (r,) = radii("DELETE FROM orders WHERE status <> 'paid'", db)
    assert r["measured"] and r["estimate"] is True
    assert r["counts"]["rows_total"] == 1000  # reltuples after ANALYZE
    assert 50 <= r["counts"]["rows"] <= 200  # the planner's guess, near the real 100
    assert "about" in r["summary"] and any("estimate" in d for d in r["details"])


def test_large_heaps_are_estimated_too(db: PgServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from blastwall.radius import postgres as measure_pg

    monkeypatch.setattr(measure_pg, "LARGE_BYTES", 8192)
    (r,) = radii("TRUNCATE orders", db)
    assert r["measured"] and r["estimate"] is True and r["counts"]["rows"] == 1000  # reltuples
    assert r["summary"].startswith("empties orders: about 1,000 rows")


# -- timing -----------------------------------------------------------------------------------------

TIMED = ["DELETE FROM orders WHERE status <> 'paid'",
         "DELETE FROM orders o USING customers c WHERE o.customer_id = c.id AND c.gone",
         "UPDATE orders SET total = 0 WHERE total > 900", "TRUNCATE orders CASCADE", "DROP TABLE orders"]


def test_measuring_is_fast(db: PgServer, capsys: pytest.CaptureFixture[str]) -> None:
    medians = []
    for sql in TIMED:
        times = []
        for _ in range(15):
            (r,) = radii(sql, db, budget_s=2.0)
            assert r["measured"]
            times.append(r["elapsed_ms"])
        medians.append(statistics.median(times))
        with capsys.disabled():
            print(f"\nradius postgres: median {medians[-1]:.1f} ms (n={len(times)}) {sql[:60]}")
    assert statistics.median(medians) < 400


# -- rehearsal on a throwaway copy ---------------------------------------------------------------

def rehearse(server: PgServer, sql: str, **kw: Any) -> dict[str, Any]:
    from blastwall.radius.rehearse import rehearse as run

    return run(sql, server.dsn(DB), server.dsn("postgres"), **kw).to_dict()


def scratch_databases(server: PgServer) -> list[tuple[Any, ...]]:
    return server.execute("postgres", "SELECT datname FROM pg_database WHERE datname LIKE 'blastwall_rehearsal_%'")


@pytest.fixture
def other_session(db: PgServer) -> Iterator[None]:
    """Someone else connected to the source database: no TEMPLATE copy, pg_dump instead."""
    with db.connect(DB):
        yield


@pytest.mark.parametrize("method", ["template", "dump"])
def test_rehearsal_reports_the_real_effect_and_leaves_the_original_alone(db: PgServer, method: str,
                                                                          request: pytest.FixtureRequest) -> None:
    if method == "dump":
        request.getfixturevalue("other_session")
    before = state(db)
    r = rehearse(db, "DELETE FROM orders WHERE total <= 30")
    assert state(db) == before and scratch_databases(db) == []
    assert r["measured"] and r["source"] == "rehearsal", r["summary"]
    assert r["summary"] == "rehearsed on a copy: DELETE 30"
    assert r["counts"]["rows"] == 30 and r["counts"]["rows_total"] == 1000
    assert r["counts"]["rows_cascaded"] == 29 == db.execute(DB, "SELECT count(*) FROM order_items WHERE order_id <= 30")[0][0]
    assert any("cascades to public.order_items (29 rows)" in d for d in r["details"])
    assert any(("TEMPLATE" if method == "template" else "pg_dump") in d for d in r["details"])


def test_rehearsed_drop_without_cascade_fails_as_it_would(db: PgServer) -> None:
    r = rehearse(db, "DROP TABLE orders")
    assert "fails on a copy" in r["summary"] and "2BP01" in r["summary"]  # a view and a table depend on it
    assert state(db)[0][0] == 1000 and scratch_databases(db) == []


def test_rehearsed_truncate_cascade(db: PgServer) -> None:
    r = rehearse(db, "TRUNCATE orders CASCADE")
    assert r["counts"]["rows"] == 1000 and r["counts"]["rows_cascaded"] == 300
    assert r["irreplaceable"] is True and state(db)[0][0] == 1000


def test_rehearsal_of_nothing(db: PgServer) -> None:
    r = rehearse(db, "DELETE FROM orders WHERE total < 0")
    assert r["measured"] and r["counts"]["rows"] == 0 and r["irreplaceable"] is False


@pytest.mark.parametrize("sql", [
    "DELETE FROM orders WHERE total < 5; DROP ROLE somebody",
    "DELETE FROM orders WHERE pg_terminate_backend(1) AND total < 5",
    "DROP DATABASE postgres",
    "DO $$ BEGIN EXECUTE 'DELETE FROM orders'; END $$",
    "ALTER SYSTEM SET work_mem = '1GB'",
    "DELETE FROM orders WHERE pg_reload_conf() AND total < 5",
])
def test_statements_with_effects_outside_the_copy_are_not_rehearsed(db: PgServer, sql: str) -> None:
    r = rehearse(db, sql)
    assert r["measured"] is False and r["summary"].startswith("not rehearsed"), r["summary"]
    assert scratch_databases(db) == []


def test_a_failed_copy_leaves_no_scratch_database(db: PgServer, other_session: None,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from blastwall.radius import rehearse as module

    monkeypatch.setattr(module, "_program", lambda name: "/bin/false")  # pg_dump fails
    r = rehearse(db, "DELETE FROM orders WHERE total <= 30")
    assert r["measured"] is False and "pg_dump could not copy" in r["summary"]
    assert scratch_databases(db) == [] and state(db)[0][0] == 1000


def test_rehearsal_respects_the_size_limit(db: PgServer, other_session: None) -> None:
    r = rehearse(db, "DELETE FROM orders WHERE total <= 30", max_bytes=1000)
    assert r["measured"] is False and "rehearsal limit" in r["summary"]
    assert scratch_databases(db) == []


def with_radius_section(pol: Policy, section: dict[str, Any]) -> Policy:
    return pol._replace(sections=tuple(sorted((*(s for s in pol.sections if s[0] != "radius"), ("radius", section)))))


def test_rehearsal_through_the_measurer(db: PgServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLASTWALL_TEST_CREATEDB", db.dsn("postgres"))
    pol = with_radius_section(policy(), {"rehearse": True, "rehearse_dsn_env": "BLASTWALL_TEST_CREATEDB"})
    before = state(db)
    (r,) = radii("DELETE FROM orders WHERE total <= 30", db, pol, budget_s=30)
    assert r["source"] == "rehearsal" and r["counts"]["rows"] == 30 and r["counts"]["rows_cascaded"] == 29
    assert any(d.startswith("read-only measurement: deletes 30 of 1,000 rows") for d in r["details"])
    assert state(db) == before and scratch_databases(db) == []


def test_rehearsal_without_a_createdb_connection_says_so(db: PgServer) -> None:
    pol = with_radius_section(policy(), {"rehearse": True, "rehearse_dsn_env": "BLASTWALL_TEST_CREATEDB"})
    (r,) = radii("DELETE FROM orders WHERE total <= 30", db, pol)
    assert r["source"] == "postgres" and r["counts"]["rows"] == 30
    assert "not rehearsed: $BLASTWALL_TEST_CREATEDB is not set for blastwall" in r["details"]


def test_an_untrusted_project_file_cannot_turn_rehearsal_on() -> None:
    from blastwall.policy.trust import tighten_only

    doc = {"radius": {"budget_ms": 800, "rehearse": True, "rehearse_dsn_env": "DATABASE_URL"}}
    kept, dropped = tighten_only(doc, default_document())
    assert kept["radius"] == {"budget_ms": 800}  # measuring longer only costs time
    assert any("[radius] rehearse" in d for d in dropped)
    kept, dropped = tighten_only({"radius": {"budget_ms": 50}}, default_document())
    assert kept["radius"] == {} and any("measures less" in d for d in dropped)


def test_the_rehearse_command(db: PgServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from blastwall.cli import main

    monkeypatch.setenv("APP_DSN", db.dsn(DB))
    monkeypatch.setenv("BLASTWALL_TEST_CREATEDB", db.dsn("postgres"))
    before = state(db)
    with pytest.raises(SystemExit) as exit_:
        main(["rehearse", "UPDATE orders SET status = 'x' WHERE total > 990", "--database", "$APP_DSN",
              "--scratch-env", "BLASTWALL_TEST_CREATEDB", "--json"])
    assert exit_.value.code == 0
    r = json.loads(capsys.readouterr().out)
    assert r["summary"] == "rehearsed on a copy: UPDATE 10" and r["counts"]["rows"] == 10
    assert state(db) == before
    with pytest.raises(SystemExit) as exit_:
        main(["rehearse", "DELETE FROM orders", "--database", "$APP_DSN", "--scratch-env", "NOT_SET_ANYWHERE"])
    assert exit_.value.code == 1
    assert "not rehearsed: $NOT_SET_ANYWHERE is not set" in capsys.readouterr().out


# -- scenarios (tests/scenarios/sql/*.toml, format in its README) -------------------------------

SCENARIOS = sorted((Path(__file__).parent / "scenarios" / "sql").glob("*.toml"))


def scenario_verdict(case: dict[str, Any], dsn: str, database: str, off: bool) -> tuple[str, str, int]:
    from blastwall.approvals.settings import settings_of

    env = case["environment"]
    doc = tomllib.loads(f'[inventory.environments.{env}]\ndatabases = ["{database}"]\n' + PROVIDER
                        + case.get("policy", ""))
    layers = [("scenario", doc), ("defaults", default_document())]
    pol = compile_layers([("measuring off", {"radius": {"budget_ms": 0}}), *layers] if off else layers)
    verdict = check_action(make_action("sql", case["action"], {"database": dsn}), pol)
    required = settings_of(pol).required_for([f.to_dict() for f in verdict.findings])
    return verdict.decision.value, " | ".join(verdict.reasons), required


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_sql_scenario(path: Path, postgres: PgServer) -> None:  # noqa: F811
    case = tomllib.loads(path.read_text())
    database = "scenario_" + path.stem[:40]
    postgres.create_database(database)
    postgres.execute(database, case["setup"])
    expect = case["expect"]
    decision, reasons, required = scenario_verdict(case, postgres.dsn(database), database, off=False)
    assert (decision, expect["reason"] in reasons) == (expect["decision"], True), reasons
    assert required == expect.get("require", 1)
    decision, reasons, required = scenario_verdict(case, postgres.dsn(database), database, off=True)
    assert decision == expect["unmeasured"], reasons
    assert required == expect.get("unmeasured_require", 1)
