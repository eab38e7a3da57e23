"""SQL: a column naming the queue, topic or channel a row belongs to is a container, not a key;
T-SQL RESTORE that only reads a backup passes, RESTORE DATABASE asks unless its target is named as a
scratch copy (and never WITH REPLACE); Redshift UNLOAD passes unless ALLOWOVERWRITE or CLEANPATH."""

from __future__ import annotations

import pytest
from verdicts import allowed_and_asked

import blastwall
from blastwall.engine import make_action


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def decision(sql: str) -> str:
    return blastwall.check(make_action("sql", sql, None)).decision.value


ASKED = [
    "DELETE FROM message_queue WHERE queue_name = 'payments'",
    "DELETE FROM job_queue WHERE queueName = 'default'",
    "DELETE FROM jobs WHERE queue_id = 3",
    "DELETE FROM messages WHERE channel_id = 'C024BE91L'",
    "DELETE FROM events WHERE stream_id = 'order-42'",
    "DELETE FROM subscribers WHERE list_id = 12",
    "UPDATE message_queue SET status = 'dead' WHERE queue_name = 'payments'",
    "DELETE FROM kafka_offsets WHERE topic_name = 'orders'",
    # RESTORE over a database that may exist
    "RESTORE DATABASE EHR_Prod FROM DISK = N'D:\\Backups\\EHR.bak' WITH REPLACE",
    "RESTORE DATABASE [EHR_RestoreCheck] FROM DISK = N'D:\\Backups\\EHR.bak' WITH REPLACE, RECOVERY",
    "RESTORE DATABASE EHR_Prod FROM DISK = N'D:\\Backups\\EHR.bak' WITH RECOVERY",
    "RESTORE DATABASE checkout FROM DISK = N'D:\\Backups\\checkout.bak'",
    "RESTORE DATABASE latest FROM DISK = N'D:\\Backups\\latest.bak'",
    "RESTORE DATABASE @target FROM DISK = N'D:\\Backups\\x.bak'",
    "restore database [Billing] from disk = N'x.bak' with move 'b' to N'E:\\restore_test.mdf'",
    "RESTORE VERIFYONLY FROM DISK = N'x.bak'; DROP DATABASE shop",
    # UNLOAD that overwrites or deletes files under its prefix
    "UNLOAD ('SELECT * FROM sales') TO 's3://acme/exports/sales_' IAM_ROLE 'arn:aws:iam::1:role/r' ALLOWOVERWRITE",
    "unload ('select 1') to 's3://acme/exports/x_' iam_role 'arn' parquet cleanpath",
    "UNLOAD ('SELECT * FROM sales') TO 's3://acme/x_' IAM_ROLE 'arn'; TRUNCATE sales",
]
ALLOWED = [
    "DELETE FROM message_queue WHERE id = 42",
    "DELETE FROM queues WHERE queue_name = 'scratch-tmp'",
    "DELETE FROM app.topics WHERE topic_id = 7",
    "DELETE FROM orders WHERE customer_email = 'a@b.co'",
    "RESTORE VERIFYONLY FROM DISK = N'D:\\Backups\\EHR.bak' WITH CHECKSUM",
    "RESTORE HEADERONLY FROM DISK = N'D:\\Backups\\EHR.bak'",
    "RESTORE FILELISTONLY FROM DISK = N'D:\\Backups\\EHR.bak'",
    "RESTORE LABELONLY FROM DISK = N'D:\\Backups\\EHR.bak'",
    "RESTORE DATABASE [EHR_RestoreCheck] FROM DISK = N'D:\\Backups\\EHR.bak' WITH MOVE 'EHR' TO N'E:\\Data\\c.mdf', "
    "MOVE 'EHR_log' TO N'E:\\Logs\\c.ldf', RECOVERY",
    "RESTORE DATABASE shop_restore_test FROM DISK = N'/var/opt/mssql/backup/shop.bak' WITH MOVE 'shop' TO 'x.mdf'",
    "RESTORE DATABASE SalesTmp FROM DISK = N'sales.bak'",
    "UNLOAD ('SELECT * FROM sales WHERE saletime >= ''2024-05-01''') TO 's3://acme/exports/sales_may_' "
    "IAM_ROLE 'arn:aws:iam::1:role/r' PARQUET",
]


test_allowed, test_asked = allowed_and_asked(ALLOWED, ASKED, judge=decision)
