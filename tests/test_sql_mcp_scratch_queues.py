"""Finished rows of work queues cleaned by age, tables a script made and dropped, a terminal tool's
command line read as a command line, and targeted edits of project documents over MCP. Each
allowance sits beside the spellings an agent that wants the destructive action would try next."""

from __future__ import annotations

from typing import Any

import pytest

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """No user policy or database connection: the built-in defaults judge."""


def verdict(kind: str, payload: Any) -> str:
    return check(payload, kind, policy=POLICY).decision.value


# ---- finished rows of job queues, outboxes, inboxes and tasks, older than an age bound ----------

FINISHED_OLD = [
    "DELETE FROM jobs WHERE state = 'completed' AND finished_at < now() - interval '30 days'",
    "DELETE FROM background_jobs WHERE status = 'succeeded' AND updated_at < now() - interval '7 days'",
    "DELETE FROM outbox WHERE processed_at IS NOT NULL AND processed_at < now() - interval '7 days'",
    "DELETE FROM outbox_messages WHERE processed_at IS NOT NULL AND created_at < now() - interval '3 days'",
    "DELETE FROM inbox_messages WHERE processed = true AND received_at < now() - interval '14 days'",
    "DELETE FROM tasks WHERE status IN ('done', 'completed') AND completed_at < now() - interval '90 days'",
    "DELETE FROM job_queue WHERE done AND finished_at < now() - interval '1 day'",
    "DELETE FROM outbox_events WHERE published IS TRUE AND published_at < CURRENT_TIMESTAMP - INTERVAL '2 days'",
    "delete from jobs j where j.state = 'processed' and j.finished_at < now() - interval '30 days'",
    # MySQL's spelling, read by sqlglot
    "DELETE FROM jobs WHERE status = 'completed' AND finished_at < DATE_SUB(NOW(), INTERVAL 30 DAY) LIMIT 1000",
    "DELETE FROM `outbox` WHERE `sent_at` IS NOT NULL AND `sent_at` < NOW() - INTERVAL 7 DAY",
]

FINISHED_LOOK_ALIKES = [
    # age alone, no age, or not finished
    "DELETE FROM jobs WHERE finished_at < now() - interval '30 days'",
    "DELETE FROM jobs WHERE created_at < now() - interval '30 days'",
    "DELETE FROM jobs WHERE state = 'completed'",
    "DELETE FROM outbox WHERE processed_at IS NOT NULL",
    "DELETE FROM jobs WHERE state = 'completed' AND finished_at < now()",
    "DELETE FROM jobs WHERE state = 'completed' AND finished_at > now() - interval '30 days'",
    # pending, failed, unknown, a mixed list, a negation, an OR
    "DELETE FROM jobs WHERE state = 'failed' AND finished_at < now() - interval '30 days'",
    "DELETE FROM jobs WHERE state = 'pending' AND created_at < now() - interval '30 days'",
    "DELETE FROM jobs WHERE state IN ('completed', 'failed') AND finished_at < now() - interval '30 days'",
    "DELETE FROM jobs WHERE state <> 'completed' AND created_at < now() - interval '30 days'",
    "DELETE FROM jobs WHERE state NOT IN ('completed') AND created_at < now() - interval '30 days'",
    "DELETE FROM outbox WHERE processed_at IS NULL AND created_at < now() - interval '7 days'",
    "DELETE FROM outbox WHERE processed = false AND created_at < now() - interval '7 days'",
    "DELETE FROM outbox WHERE NOT processed AND created_at < now() - interval '7 days'",
    "DELETE FROM outbox WHERE processed IS NOT FALSE AND created_at < now() - interval '7 days'",
    "DELETE FROM jobs WHERE (state = 'completed' OR state = 'failed') AND finished_at < now() - interval '30 days'",
    "DELETE FROM jobs WHERE state = 'completed' OR finished_at < now() - interval '30 days'",
    "DELETE FROM jobs WHERE state = 'completed' AND finished_at < now() - interval '30 days' OR true",
    # a subquery or a function may do more than narrow
    "DELETE FROM jobs WHERE state = 'completed' AND finished_at < now() - interval '30 days' "
    "AND id IN (SELECT id FROM users)",
    # tables that are kept, or only look like queues
    "DELETE FROM job_applications WHERE status = 'completed' AND updated_at < now() - interval '30 days'",
    "DELETE FROM orders WHERE status = 'completed' AND completed_at < now() - interval '30 days'",
    "DELETE FROM deliveries WHERE status = 'delivered' AND delivered_at < now() - interval '30 days'",
    "DELETE FROM messages WHERE status = 'sent' AND sent_at < now() - interval '30 days'",
    "DELETE FROM billing_jobs WHERE state = 'completed' AND finished_at < now() - interval '30 days'",
    "DELETE FROM payment_tasks WHERE status = 'done' AND finished_at < now() - interval '30 days'",
    # a finished queue's other ways to lose everything
    "TRUNCATE jobs",
    "DELETE FROM jobs",
    "DROP TABLE outbox",
    "UPDATE jobs SET state = 'pending' WHERE state = 'completed' AND finished_at < now() - interval '30 days'",
    "DELETE FROM jobs USING users WHERE jobs.state = 'completed' AND jobs.finished_at < now() - interval '30 days'",
]


@pytest.mark.parametrize("sql", FINISHED_OLD)
def test_finished_work_items_older_than_an_age_bound_pass(sql: str) -> None:
    assert verdict("sql", sql) == "allow"


@pytest.mark.parametrize("sql", FINISHED_LOOK_ALIKES)
def test_unfinished_ageless_or_kept_rows_are_asked(sql: str) -> None:
    assert verdict("sql", sql) != "allow"
