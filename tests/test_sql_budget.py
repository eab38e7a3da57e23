"""SQL made of many statements never makes a check slow (analyze/sql/budget.py).

A statement PostgreSQL's parser does not read goes down the slow chain (sqlglot's dialects, then
the lexical readers): `"a;" * 5000` took 3.3 s and 100 kB of `"\\u00a0a;"` over 9 s. Each check now
reads only so much outside PostgreSQL's grammar; past that the SQL asks (`too-many-unread`), on
every surface that carries SQL. Scripts PostgreSQL reads (a seed of thousands of INSERTs, a long
migration) spend nothing and keep their verdicts; scripts in other dialects are read fully up to
the budget. The bound here is generous so a loaded machine does not flake; the real figures are
in the commit that added the budget.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pg import PgServer, postgres  # noqa: F401  (the session fixture)
from test_pg_proxy import BASE_POLICY, RunningProxy, psql, write_policy
from test_regex_budget import UNITS, _timed

from blastwall.engine import check
from blastwall.model import Decision, Verdict

BOUND_S = 3.0  # the shapes took 3-13 s before the budget; ~0.5 s with it, more when the suite runs beside others
TOO_MANY = "sql.parse:too-many-unread"
COLUMNS = ", ".join(f"c{i}" for i in range(300))

SLOW_SHAPES = {
    "tiny statements no parser reads": "a;" * 5000,
    "the same up to the size limit": "a;" * 120_000,
    "no-break spaces before each": "\u00a0a;" * 33_333,
    "each one different": "".join(f"a{i};" for i in range(20_000)),
    "a statement only MySQL reads": "DESC t;" * 20_000,
    "T-SQL procedure calls": "EXEC sp_who;" * 10_000,
    "long statements every parser reads to the end": f"SELECT {COLUMNS} FROM t WHERE ));\n" * 60,
    "PostgreSQL statements around one it does not read": "SELECT 1;" * 25_000 + "a;",
    "rolled back transactions": "BEGIN; a; ROLLBACK;" * 5000,
}


def _verdict(payload: object, kind: str = "sql", **kw: Any) -> tuple[float, Verdict]:
    import time

    t0 = time.perf_counter()
    v = check(payload, kind, **kw)  # type: ignore[arg-type]
    return time.perf_counter() - t0, v


def _ids(v: Verdict) -> set[str]:
    return {f.rule_id for f in v.findings}


@pytest.fixture(autouse=True, scope="module")
def _warm() -> None:
    for text in ("SELECT 1", "a;b", "DESC t; a"):
        check(text, "sql", read_files=False)


@pytest.mark.parametrize("name", SLOW_SHAPES)
def test_many_statements_outside_postgres_grammar_finish_within_the_bound_and_ask(name: str) -> None:
    took, decision = _timed(SLOW_SHAPES[name], "sql")
    assert took < BOUND_S, f"{name}: {took:.2f} s"
    assert decision is Decision.ASK
    v = check(SLOW_SHAPES[name], "sql", read_files=False)
    assert TOO_MANY in _ids(v)
    reason = next(f.reason for f in v.findings if f.rule_id == TOO_MANY)
    assert reason.startswith("the SQL holds ") and "a human must read it" in reason


def test_the_unread_count_is_said() -> None:
    v = check("a;" * 5000, "sql", read_files=False)
    reason = next(f.reason for f in v.findings if f.rule_id == TOO_MANY)
    count = int(reason.split()[3])
    assert 4000 < count < 5000, reason  # the statements past the budget, not the ones read


@pytest.mark.parametrize("where", ["before", "after"])
def test_a_drop_among_unreadable_statements_is_never_allowed(where: str) -> None:
    filler = "a;" * 3000
    text = "DROP TABLE users;" + filler if where == "before" else filler + "DROP TABLE users;"
    took, v = _verdict(text, read_files=False)
    assert took < BOUND_S
    assert v.decision is not Decision.ALLOW
    if where == "before":  # read before the budget ran out: named as what it is
        assert "sql.postgres:drop-table" in _ids(v)
    else:
        assert TOO_MANY in _ids(v)


def test_a_rollback_after_the_budget_does_not_undo_the_ask() -> None:
    text = "BEGIN; DELETE FROM users;" + "a1;" * 4000 + "ROLLBACK;"
    v = check(text, "sql", read_files=False)
    assert v.decision is Decision.ASK and TOO_MANY in _ids(v)


# ---- scripts that are read fully ---------------------------------------------------------------
def _pg_seed(rows: int) -> str:
    return "".join(f"INSERT INTO users (id, name, email) VALUES ({i}, 'user {i}', 'u{i}@example.com');\n"
                   for i in range(rows))


def _migration(tables: int) -> str:
    return "".join(f"CREATE TABLE t{i} (id bigint PRIMARY KEY, note text);\n"
                   f"ALTER TABLE t{i} ADD COLUMN created_at timestamptz DEFAULT now();\n"
                   f"CREATE INDEX t{i}_created ON t{i} (created_at);\n" for i in range(tables))


def _mysql_seed(rows: int) -> str:
    return "".join(f"INSERT INTO `users` (`id`, `name`) VALUES ({i}, 'user {i}');\n" for i in range(rows))


@pytest.mark.parametrize("name, text", [
    ("a PostgreSQL seed of 2,500 INSERTs", _pg_seed(2500)),
    ("a long PostgreSQL migration", _migration(1000)),
    ("a MySQL seed of 300 INSERTs", _mysql_seed(300)),
])
def test_a_big_readable_script_is_judged_fully(name: str, text: str) -> None:
    took, v = _verdict(text, read_files=False)
    assert took < BOUND_S, f"{name}: {took:.2f} s"
    assert v.decision is Decision.ALLOW, v.reasons
    lines = text.splitlines(keepends=True)
    middle = len(lines) // 2
    dropped = "".join(lines[:middle]) + "DROP TABLE users;\n" + "".join(lines[middle:])
    took, v = _verdict(dropped, read_files=False)
    assert took < BOUND_S, f"{name} with a DROP: {took:.2f} s"
    assert v.decision is Decision.ASK and TOO_MANY not in _ids(v)
    assert any(f.rule_id.endswith(":drop-table") for f in v.findings), _ids(v)


def test_a_mysql_seed_in_its_named_dialect_is_read_fully() -> None:
    text = _mysql_seed(300)
    took, v = _verdict(text, context={"dialect": "mysql"}, read_files=False)
    assert took < BOUND_S and v.decision is Decision.ALLOW, v.reasons
    v = check(text + "DROP TABLE users;", "sql", context={"dialect": "mysql"}, read_files=False)
    assert v.decision is Decision.ASK and TOO_MANY not in _ids(v)


def test_a_mysql_seed_past_the_budget_asks_rather_than_passing_half_read() -> None:
    took, v = _verdict(_mysql_seed(3000), context={"dialect": "mysql"}, read_files=False)
    assert took < BOUND_S and v.decision is Decision.ASK and TOO_MANY in _ids(v)


# ---- every surface that carries SQL shares one budget per check -----------------------------------
UNREADABLE = "SELECT id FROM users;" + "a;" * 5000


def test_psql_c() -> None:
    took, v = _verdict(f"psql -d app -c '{UNREADABLE}'", "shell", read_files=False)
    assert took < BOUND_S and v.decision is Decision.ASK and TOO_MANY in _ids(v)


def test_psql_heredoc() -> None:
    took, v = _verdict(f"psql -d app <<'SQL'\n{UNREADABLE}\nSQL", "shell", read_files=False)
    assert took < BOUND_S and v.decision is Decision.ASK and TOO_MANY in _ids(v)


def test_psql_f_of_a_big_file(tmp_path: Path) -> None:
    (tmp_path / "big.sql").write_text("\u00a0a;\n" * 25_000, encoding="utf-8")
    took, v = _verdict("psql -d app -f big.sql", "shell", context={"cwd": str(tmp_path)})
    assert took < BOUND_S and v.decision is Decision.ASK and TOO_MANY in _ids(v)


def test_many_psql_commands_each_under_the_budget_share_it() -> None:
    """The budget is the check's, not each script's: twenty `psql -c` of 400 statements each."""
    line = " && ".join(f"psql -d app -c '{''.join(f'a{i}_{j};' for j in range(400))}'" for i in range(20))
    took, v = _verdict(line, "shell", read_files=False)
    assert took < BOUND_S, f"{took:.2f} s"
    assert v.decision is Decision.ASK and TOO_MANY in _ids(v)


def test_mcp_database_tool() -> None:
    call = {"server": "supabase", "tool": "execute_sql", "arguments": {"project_id": "p", "query": UNREADABLE}}
    took, v = _verdict(call, "mcp", read_files=False)
    assert took < BOUND_S and v.decision is Decision.ASK and TOO_MANY in _ids(v)


@pytest.fixture()
def proxy_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres: PgServer) -> Iterator[None]:  # noqa: F811
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"), ("XDG_DATA_HOME", "data")):
        monkeypatch.setenv(var, str(tmp_path / sub))
    for var in ("BLASTWALL_DATABASE_URL", "BLASTWALL_ENVIRONMENT", "BLASTWALL_PG_ADMIN_DSN", "PGPASSWORD"):
        monkeypatch.delenv(var, raising=False)
    write_policy(tmp_path, monkeypatch, BASE_POLICY)
    yield


def test_pg_proxy_query_message_of_many_statements(postgres: PgServer, proxy_home: None) -> None:  # noqa: F811
    """psql -c sends the whole text as one simple-protocol Query message; the proxy's check of it
    is bounded and the message is refused, the session's server untouched."""
    from blastwall.engine import check_action

    postgres.create_database("sqlbudget")
    took: list[float] = []

    def timed(action: Any, policy: Any) -> Any:
        import time

        t0 = time.perf_counter()
        try:
            return check_action(action, policy)
        finally:
            took.append(time.perf_counter() - t0)

    p = RunningProxy(postgres, checker=timed)
    try:
        r = psql("-c", UNREADABLE, port=p.port, dbname="sqlbudget")
    finally:
        p.close()
    assert r.returncode != 0 and "blastwall:" in r.stderr, r.stderr[-500:]
    assert "did not read" in r.stderr
    assert took and max(took) < BOUND_S, took


# ---- repeated-unit SQL texts ---------------------------------------------------------------------
SQL_UNITS = UNITS + ["a;", "\u00a0a;", "a1;", "DESC t;", "SELECT 1;", "BEGIN;", "ROLLBACK;", "EXEC sp_who;",
                     "INSERT INTO `t` VALUES (1);", "SELECT a FROM t WHERE ))", "GO\n", "END;", "CALL p();",
                     "WHILE 1=1 BEGIN ", "EXECUTE IMMEDIATE 'a';", "$$", "DROP TABLE users;"]


@st.composite
def repeated_sql(draw: Any) -> str:
    """A few SQL units, each repeated into a long run, up to 100 kB in all."""
    runs = draw(st.lists(st.tuples(st.sampled_from(SQL_UNITS), st.integers(1, 20_000)), min_size=1, max_size=4))
    return "".join(u * n for u, n in runs)[:100_000]


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck),
          phases=(Phase.explicit, Phase.reuse, Phase.generate))  # no shrinking or explain: they trace the code they time
@given(repeated_sql())
def test_repeated_unit_sql_finishes_within_the_bound(text: str) -> None:
    took, decision = _timed(text, "sql")
    assert took < BOUND_S, f"{len(text)} chars took {took:.2f} s"
    if "DROP TABLE users" in text:
        assert decision is not Decision.ALLOW


# ---- comments that never end -------------------------------------------------------------------
def test_tens_of_thousands_of_nested_comment_openings_are_read_quickly() -> None:
    """PostgreSQL's scanner takes seconds to reject `/*/*/*...` that never closes; such text is not
    given to it, and the statements before the comment are still read by the other grammars."""
    junk = "/*" * 33000 + "a" * 4000 + "(" * 5000
    took, _ = _verdict(junk, read_files=False)
    assert took < BOUND_S, f"{took:.2f} s"
    took, v = _verdict("DROP TABLE users; " + junk, read_files=False)
    assert took < BOUND_S and v.decision is not Decision.ALLOW
