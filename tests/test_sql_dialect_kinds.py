"""SQL statement kinds of other dialects that no parser reads, known by their opening words
(`rules/sql.toml`, the rows after "statement kinds of other dialects"): maintenance, reads,
extensions, exports and imports pass; their destructive spellings and any form not listed ask."""

from __future__ import annotations

import pytest

import blastwall
from blastwall.engine import make_action


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def decision(sql: str) -> str:
    return blastwall.check(make_action("sql", sql, None)).decision.value


PASSED = [
    # index maintenance (T-SQL, Oracle)
    "ALTER INDEX billing.invoices_customer_idx REBUILD ONLINE;",
    "ALTER INDEX ix_lines ON dbo.Lines REBUILD;",
    "ALTER INDEX ALL ON dbo.Invoices REBUILD WITH (ONLINE = ON, MAXDOP = 4);",
    "ALTER INDEX ALL ON [dbo].[Invoices] REORGANIZE;",
    "alter index hr.emp_name_ix rebuild tablespace users online",
    # statistics
    "UPDATE STATISTICS dbo.Invoices WITH FULLSCAN;",
    "UPDATE STATISTICS dbo.Invoices ix_invoices_date WITH SAMPLE 25 PERCENT;",
    "update statistics Sales.Orders",
    # Redshift VACUUM
    "VACUUM DELETE ONLY public.invoices TO 90 PERCENT;",
    "VACUUM SORT ONLY invoices;",
    "VACUUM FULL analytics.page_views TO 100 PERCENT BOOST;",
    "VACUUM REINDEX listing;",
    "VACUUM;",
    # Snowflake stage listings
    "LIST @landing_stage/invoices/ PATTERN = '.*2023-11.*';",
    "ls @~/uploads;",
    # DuckDB extensions
    "INSTALL spatial; LOAD spatial; SELECT count(*) FROM read_csv('data/points.csv');",
    "FORCE INSTALL httpfs FROM core_nightly;",
    # exports
    "SELECT id, total INTO OUTFILE '/var/lib/mysql-files/invoices_2023.csv' FIELDS TERMINATED BY ',' FROM invoices;",
    "SELECT payload FROM blobs WHERE id = 7 INTO DUMPFILE '/tmp/blob7.bin';",
    "EXPORT DATA OPTIONS (uri = 'gs://bucket/inv/*.csv', format = 'CSV') AS SELECT * FROM ds.invoices;",
    "EXPORT DATA OPTIONS (uri = 'gs://bucket/inv/*.csv', format = 'CSV', overwrite = false) AS SELECT 1;",
    "EXPORT INTO PARQUET 'nodelocal://1/exp/invoices' FROM TABLE invoices;",
    "EXPORT INTO CSV 's3://bucket/inv' FROM SELECT id, total FROM invoices;",
    "COPY INTO @unload/invoices/ FROM (SELECT * FROM db.public.invoices) FILE_FORMAT = (TYPE = CSV);",
    "COPY INTO @unload/inv/ FROM db.public.invoices HEADER = TRUE OVERWRITE = FALSE;",
    # imports that add rows
    "COPY INTO raw.invoices FROM @landing_stage/invoices/ FILE_FORMAT = (TYPE = CSV);",
    "COPY INTO raw.invoices (id, total) FROM (SELECT $1, $2 FROM @landing_stage) FILE_FORMAT = (TYPE = CSV);",
    "COPY INTO raw.invoices FROM 's3://bucket/invoices/' CREDENTIALS = (AWS_KEY_ID = 'x');",
    "LOAD DATA LOCAL INFILE 'invoices.csv' IGNORE INTO TABLE invoices FIELDS TERMINATED BY ',' IGNORE 1 LINES;",
    "LOAD DATA INFILE '/tmp/x.csv' INTO TABLE staging_invoices;",
]

ASKED = [
    # look-alikes that destroy
    "ALTER INDEX ix_lines ON dbo.Lines DISABLE;",
    "ALTER INDEX hr.emp_ix UNUSABLE;",
    "ALTER INDEX ALL ON dbo.Invoices REBUILD DROP TABLE dbo.Invoices",
    "UPDATE statistics SET hits = 0;",
    "UPDATE statistics s SET hits = 0 WHERE s.day > 0;",
    "UPDATE STATISTICS dbo.Invoices DELETE FROM dbo.Invoices",
    "VACUUM DELETE ONLY invoices TO 90 PERCENT; DELETE FROM invoices;",
    "VACUUM events RETAIN 0 HOURS",
    "REMOVE @landing_stage/invoices/;",
    "RM @landing_stage;",
    "LIST @stage; DROP STAGE landing_stage;",
    "LOAD DATA INFILE 'x.csv' REPLACE INTO TABLE invoices;",
    "LOAD DATA LOCAL INFILE 'x.csv' REPLACE INTO TABLE invoices FIELDS TERMINATED BY ',';",
    "EXPORT DATA OPTIONS (uri = 'gs://bucket/inv/*.csv', format = 'CSV', overwrite = true) AS SELECT * FROM t;",
    "EXPORT DATA OPTIONS (uri = 'gs://b/*.csv', overwrite=TRUE) AS SELECT * FROM t;",
    "COPY INTO @unload/inv/ FROM (SELECT * FROM invoices) OVERWRITE = TRUE;",
    "COPY INTO raw.invoices FROM @landing_stage PURGE = TRUE;",
    "COPY INTO raw.invoices FROM @landing_stage FILE_FORMAT = (TYPE = CSV) PURGE=TRUE",
    "copy into @unload/inv/ from invoices overwrite=true",
    "SELECT * INTO OUTFILE '/tmp/x.csv' FROM invoices; DROP TABLE invoices;",
    "UNINSTALL PLUGIN audit_log;",
    "EXPORT TABLE invoices TO 'x';",
    "UNDROP SCHEMA x; DROP SCHEMA y;",
]


@pytest.mark.parametrize("sql", PASSED)
def test_known_dialect_kinds_pass(sql: str) -> None:
    assert decision(sql) == "allow", sql


@pytest.mark.parametrize("sql", ASKED)
def test_destructive_spellings_still_ask(sql: str) -> None:
    assert decision(sql) != "allow", sql
