"""TimescaleDB retention policies, judged as the drop_chunks() they schedule: on a hypertable of
short-lived data with a positive age they are its retention window and pass; on any other table,
with an age blastwall cannot place, or with unknown arguments, they ask. Removing a policy passes."""

from __future__ import annotations

import pytest
from verdicts import verdict as _verdict


def verdict(action: str, kind: str = "sql") -> tuple[str, list[str]]:
    v = _verdict(action, kind)
    return v.decision.value, list(v.rule_ids)


ASKED = [
    "SELECT add_retention_policy('orders', INTERVAL '30 days')",
    "SELECT add_retention_policy('conditions', drop_after => INTERVAL '90 days')",
    "SELECT public.add_retention_policy('orders'::regclass, INTERVAL '1 day')",
    "select add_retention_policy('invoices', interval '7 days', if_not_exists => true)",
    # a short-lived table, but no age that keeps anything, or one blastwall cannot place
    "SELECT add_retention_policy('metrics', INTERVAL '0 days')",
    "SELECT add_retention_policy('metrics', INTERVAL '-1 day')",
    "SELECT add_retention_policy('metrics', now())",
    "SELECT add_retention_policy('metrics', 86400)",  # an integer-time hypertable's own unit
    "SELECT add_retention_policy('metrics', :age)",
    "SELECT add_retention_policy(relation => 'metrics')",
    "SELECT add_retention_policy('metrics', INTERVAL '30 days', cascade => true)",  # an argument it does not know
    # inside a block or a schedule
    "DO $$ BEGIN PERFORM add_retention_policy('orders', INTERVAL '1 day'); END $$",
    "SELECT cron.schedule('r', '@daily', $$SELECT add_retention_policy('orders', INTERVAL '1 day')$$)",
]

PASSES = [
    "SELECT add_retention_policy('metrics', INTERVAL '30 days')",
    "SELECT add_retention_policy('metrics', drop_after => INTERVAL '30 days', if_not_exists => true)",
    "SELECT add_retention_policy('public.metrics', drop_created_before => INTERVAL '30 days')",
    "SELECT add_retention_policy('request_logs', INTERVAL '14 days', INTERVAL '1 day')",
    "SELECT remove_retention_policy('orders')",
    "SELECT remove_retention_policy('metrics', if_exists => true)",
]


@pytest.mark.parametrize("sql", ASKED)
def test_retention_policies_that_may_drop_kept_data_ask(sql: str) -> None:
    decided, rules = verdict(sql)
    assert decided != "allow" and "sql.timescale:retention-policy" in rules, rules


@pytest.mark.parametrize("sql", PASSES)
def test_retention_windows_of_short_lived_data_and_removals_pass(sql: str) -> None:
    assert verdict(sql)[0] == "allow"


def test_the_same_policy_through_psql() -> None:
    assert verdict("psql -c \"SELECT add_retention_policy('orders', INTERVAL '30 days')\"", "shell")[0] != "allow"
    assert verdict("psql -c \"SELECT add_retention_policy('metrics', INTERVAL '30 days')\"", "shell")[0] == "allow"
