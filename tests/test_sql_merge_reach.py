"""MERGE judged like UPDATE and DELETE; a WHERE is selective only when it pins a key-like column
(not a category such as a status or a flag); job runs and webhook deliveries are short-lived."""

from __future__ import annotations

import pytest
from verdicts import allowed_and_asked

import blastwall
from blastwall.analyze.base import Scope
from blastwall.analyze.sql import analyze_sql
from blastwall.analyze.sql.where import key_like
from blastwall.engine import make_action


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def decision(sql: str) -> str:
    return blastwall.check(make_action("sql", sql, None)).decision.value


def rules(sql: str, dialect: str | None = None) -> list[str]:
    return [f.rule_id for f in analyze_sql(sql, Scope(), dialect=dialect)]


MERGE_ALL = [
    "MERGE INTO balances b USING (SELECT 0 AS amt) z ON TRUE WHEN MATCHED THEN UPDATE SET amount = z.amt;",
    "merge into balances using (select 0 as amt) z on 1 = 1 when matched then update set amount = z.amt",
    "MERGE INTO balances b USING (SELECT 0 AS amt) z ON 'a' = 'a' WHEN MATCHED THEN UPDATE SET amount = 0",
    "MERGE INTO balances USING (SELECT 1 AS k) z ON balances.id = balances.id WHEN MATCHED THEN UPDATE SET amount = 0",
    "MERGE INTO balances b USING (SELECT 0 AS amt) z ON (TRUE OR b.id = 1) WHEN MATCHED THEN UPDATE SET amount = 0",
]


@pytest.mark.parametrize("dialect", [None, "tsql", "snowflake"])
@pytest.mark.parametrize("sql", MERGE_ALL)
def test_merge_on_always_true_updates_every_row(sql: str, dialect: str | None) -> None:
    assert "sql.postgres:update-without-where" in rules(sql, dialect)


MERGE_ASKED = [
    # a table source: an upsert that overwrites whatever it matches
    "MERGE INTO balances b USING staging s ON b.id = s.id WHEN MATCHED THEN UPDATE SET amount = s.amt",
    # few source rows, but joined on a category, not a key
    "MERGE INTO pages p USING (VALUES ('draft')) v(s) ON p.status = v.s WHEN MATCHED THEN UPDATE SET body = ''",
    "MERGE INTO customers c USING (SELECT 1) s ON true WHEN MATCHED THEN DELETE",
    "MERGE INTO stock t USING (SELECT 1) s ON (1=1) WHEN MATCHED THEN DELETE",
    "MERGE INTO dim AS t USING stg AS s ON t.id = s.id WHEN NOT MATCHED BY SOURCE THEN DELETE",
    "MERGE INTO dim AS t USING (VALUES (1)) s(id) ON t.id = s.id WHEN NOT MATCHED BY SOURCE THEN UPDATE SET gone = true",
    "MERGE INTO balances b USING (SELECT 0 AS amt) z ON TRUE WHEN MATCHED AND b.status = 'open' THEN UPDATE SET amount = 0",
]
MERGE_ALLOWED = [
    "MERGE INTO balances b USING (VALUES (1, 10), (2, 20)) v(id, amt) ON b.id = v.id "
    "WHEN MATCHED THEN UPDATE SET amount = v.amt WHEN NOT MATCHED THEN INSERT VALUES (v.id, v.amt)",
    "MERGE INTO balances b USING staging s ON b.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.amt)",
    "MERGE INTO t USING (VALUES (5)) v(id) ON t.id = v.id WHEN MATCHED THEN DELETE",
    "MERGE INTO balances b USING (SELECT 0 AS amt) z ON TRUE WHEN MATCHED AND b.id = 7 THEN UPDATE SET amount = 0",
]


test_merge_by_key_or_insert_only_passes, test_merge_reaching_unknown_rows_is_asked = allowed_and_asked(
    MERGE_ALLOWED, MERGE_ASKED, judge=decision)


CATEGORY_PINS = [
    "DELETE FROM cms_pages WHERE status IN ('published','draft');",
    "DELETE FROM products WHERE type = 'simple'",
    "UPDATE users SET plan = 'free' WHERE is_active = false",
    "DELETE FROM posts WHERE published = true",
    "DELETE FROM orders WHERE status_code = 3",
    "DELETE FROM items WHERE category_id = 4",
    "UPDATE accounts SET locked = true WHERE role = 'member'",
    "DELETE FROM orders WHERE country = 'DE' AND status = 'open'",
    "DELETE FROM invoices WHERE paid = false",
    "DELETE FROM pages WHERE id IN (SELECT page_id FROM revisions WHERE kind = 'auto')",
    "DELETE FROM users WHERE email LIKE '%@example.com'",  # a stand-in for a real domain
    "DELETE FROM users WHERE email LIKE '%@example.test%'",
    "DELETE FROM users WHERE email LIKE '%example.test'",
    "DELETE FROM users WHERE name LIKE '%@example.test'",
]
KEY_PINS = [
    "DELETE FROM cms_pages WHERE id = 42",
    "DELETE FROM cms_pages WHERE slug IN ('about', 'contact')",
    "UPDATE users SET plan = 'free' WHERE email = 'a@b.co'",
    "DELETE FROM orders WHERE order_number = 'A-100'",
    "UPDATE customers SET name = 'x' WHERE customerid = 7",
    "DELETE FROM sessions_data WHERE userId = 5 AND status = 'stale'",
    "DELETE FROM wp_options WHERE option_name = 'my_plugin_cache'",
    "DELETE FROM users WHERE email LIKE '%@example.test' AND created_by = 'seed-script'",
    "DELETE FROM users WHERE email LIKE '%@qa.invalid'",
]


test_a_key_pin_is_selective, test_a_category_pin_is_broad = allowed_and_asked(KEY_PINS, CATEGORY_PINS, judge=decision)


@pytest.mark.parametrize(("column", "key"), [
    ("id", True), ("user_id", True), ("userId", True), ("customerid", True), ("uuid", True), ("email", True),
    ("slug", True), ("order_no", True), ("status", False), ("status_code", False), ("type_id", False),
    ("is_active", False), ("paid", False), ("valid", False), ("kind", False), ("created_by", False),
])
def test_key_like(column: str, key: bool) -> None:
    assert key_like(column) is key


EXPIRED = [
    "DELETE FROM job_runs WHERE finished_at < now() - interval '30 days';",
    "DELETE FROM workflow_runs WHERE created_at < now() - interval '90 days' AND status = 'succeeded'",
    "DELETE FROM django_celery_results_taskresult WHERE date_done < now() - interval '7 days'",
    "DELETE FROM webhook_deliveries WHERE delivered_at < now() - interval '90 days' AND status = 'delivered'",
    "DELETE FROM session_items WHERE session_id IN (SELECT id FROM sessions WHERE expires_at < now())",
]
NOT_EXPIRED = [
    "DELETE FROM job_runs WHERE finished_at > now() - interval '30 days'",
    "DELETE FROM job_runs WHERE status = 'failed'",
    "DELETE FROM webhooks WHERE created_at < now() - interval '90 days'",
    "DELETE FROM jobs WHERE created_at < now() - interval '90 days'",
    "DELETE FROM payment_job_runs WHERE finished_at < now() - interval '30 days'",
    "DELETE FROM cart_items WHERE cart_id IN (SELECT id FROM carts WHERE updated_at < now() - interval '60 days')",
    "DELETE FROM session_items WHERE session_id IN (SELECT id FROM sessions WHERE expires_at > now())",
    "DELETE FROM session_items WHERE session_id NOT IN (SELECT id FROM sessions WHERE expires_at < now())",
]


test_expired_runs_and_deliveries_pass, test_other_cleanups_stay_asked = allowed_and_asked(
    EXPIRED, NOT_EXPIRED, judge=decision)
