"""The pg-proxy's shape cache (doors/pg_proxy/shapes.py) never lets a literal change a verdict.

Invariant: for a statement that has a shape, any statement with the same mask (other numbers,
other string contents) gets the engine's same decision. Near misses, where a literal can decide
the outcome (`x OR 1 = 1`, `dblink_exec('...')`), have no shape at all.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blastwall.doors.pg_proxy.shapes import mask, shape
from blastwall.engine import check

SHAPED = [
    "SELECT abalance FROM pgbench_accounts WHERE aid = {n};",
    "SELECT * FROM users WHERE name = {s} AND age > {n} ORDER BY id LIMIT {n}",
    "SELECT a, b FROM t WHERE a IN ({n}, {n}, {n}) OR b LIKE {s}",
    "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ({n}, {n}, {n}, -{n}, CURRENT_TIMESTAMP);",
    "INSERT INTO notes VALUES ({n}, {s})",
    "UPDATE pgbench_accounts SET abalance = abalance + -{n} WHERE aid = {n};",
    "UPDATE accounts SET note = {s}, n = {n} WHERE id = {n} AND owner = {s}",
    "DELETE FROM sessions WHERE id = {n}",
    "DELETE FROM sessions WHERE user_id IN ({n}, {n}) RETURNING id",
    "DELETE FROM sessions WHERE expires < {n}",  # broad: asks, whatever the number
    "UPDATE t SET a = {n}",  # no WHERE: asks, whatever the number
]

NO_SHAPE = [
    "DELETE FROM t WHERE id = 1 OR 1 = 1",
    "DELETE FROM t WHERE 1 = 1",
    "UPDATE t SET a = 1 WHERE 'a' = 'a'",
    "DELETE FROM t WHERE id = 5 + 0",
    "DELETE FROM t WHERE id = 1::int",
    "DELETE FROM t WHERE id IN (SELECT id FROM u LIMIT 5)",
    "SELECT dblink_exec('host=x', 'DROP TABLE t')",
    "SELECT pg_terminate_backend(123)",
    "SELECT 1; DROP TABLE t",
    "SELECT 1 -- DROP TABLE t",
    "SELECT 1 /* x */",
    "SELECT $$DROP TABLE t$$",
    "SELECT E'\\\\x'",
    "SELECT * INTO copy_of_t FROM t",
    "WITH d AS (DELETE FROM t RETURNING *) SELECT 1",
    'SELECT "quoted" FROM t',
    "SELECT $1",
    "DROP TABLE t",
    "TRUNCATE t",
    "CALL p(1)",
    "INSERT INTO t SELECT * FROM u ON CONFLICT (id) DO UPDATE SET a = 1",
]


def fill(template: str, numbers: list[int], strings: list[str]) -> str:
    out, ni, si = template, 0, 0
    while "{n}" in out or "{s}" in out:
        n_at, s_at = out.find("{n}"), out.find("{s}")
        if n_at >= 0 and (s_at < 0 or n_at < s_at):
            out = out.replace("{n}", str(numbers[ni % len(numbers)]), 1)
            ni += 1
        else:
            out = out.replace("{s}", "'" + strings[si % len(strings)].replace("'", "''") + "'", 1)
            si += 1
    return out


@pytest.mark.parametrize("template", SHAPED)
def test_statements_with_a_shape(template: str) -> None:
    sql = fill(template, [1], ["a"]).encode()
    assert shape(sql) is not None, sql


@pytest.mark.parametrize("sql", NO_SHAPE)
def test_near_misses_have_no_shape(sql: str) -> None:
    assert shape(sql.encode()) is None, sql


_TEXT = st.text(alphabet=st.sampled_from(list("abc xyz01;-*/()=$DROPTABLE")), max_size=12)


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(template=st.sampled_from(SHAPED), numbers=st.lists(st.integers(0, 10**12), min_size=1, max_size=4),
       strings=st.lists(_TEXT, min_size=1, max_size=3))
def test_the_same_mask_means_the_same_decision(template: str, numbers: list[int], strings: list[str]) -> None:
    base = fill(template, [1], ["a"])
    other = fill(template, numbers, strings)
    assert mask(base.encode()) == mask(other.encode())
    assert check(other, "sql").decision == check(base, "sql").decision, (base, other)
