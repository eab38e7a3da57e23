"""Statement kinds of every dialect by construction (`rules/sql_kinds.toml`, `analyze/sql/kinds.py`):
every kind of every dialect's statement list is in a class; safe kinds pass, destructive and
unread ones ask, and a safe opening never carries a second statement or a destructive clause."""

from __future__ import annotations

import logging
import re

import pytest

from blastwall.analyze.ruleset import load_table
from blastwall.analyze.sql import kinds, lexer
from blastwall.analyze.sql.rules import rows
from tests.verdicts import allowed_and_asked, decide, rule_ids

DIALECTS = {"snowflake", "bigquery", "clickhouse", "mysql", "tsql", "oracle", "duckdb", "cockroachdb", "redshift",
            "databricks", "sqlite", "cassandra"}


def sql(text: str) -> str:
    return decide(text, "sql")


# ---- the data file ----------------------------------------------------------------------------

def test_every_dialect_is_there_and_names_its_sources() -> None:
    table = load_table("sql_kinds")
    names = [d["name"] for d in table["dialect"]]
    assert set(names) == DIALECTS and len(names) == len(set(names))
    for d in table["dialect"]:
        sources = [s.strip() for s in d["source"].split(";")]
        assert sources and all(re.fullmatch(r"https://[\w.-]+/\S+", s) for s in sources), d["name"]
        assert set(d) <= {"name", "source", *kinds.CLASSES}, set(d) - {"name", "source", *kinds.CLASSES}
        assert d.get("read") and d.get("destructive"), d["name"]


def test_openers_are_lower_case_words_listed_once_per_dialect() -> None:
    for d in load_table("sql_kinds")["dialect"]:
        seen: list[str] = []
        for cls in kinds.CLASSES:
            for opener in d.get(cls, []):
                assert re.fullmatch(r"[a-z_][a-z_0-9$]*(?: [a-z_][a-z_0-9$]*)*", opener), opener
                assert lexer.words(opener) == opener.split(), opener
                seen.append(opener)
        dupes = {o for o in seen if seen.count(o) > 1}
        assert not dupes, (d["name"], dupes)


def test_details_and_rules_name_known_kinds() -> None:
    table = load_table("sql_kinds")
    index = kinds.index().kinds
    for row in table["detail"]:
        assert tuple(row["opener"].split()) in index, row["opener"]
        assert set(row) <= {"opener", "unless", "allow"}
    for opener, rule in table["rules"].items():
        assert index[tuple(opener.split())].cls == "destructive", opener
        assert rule in rows(), rule
    assert "dialect-destructive" in rows()


def test_the_least_safe_class_wins_across_dialects() -> None:
    by: dict[tuple[str, ...], set[str]] = {}
    for d in load_table("sql_kinds")["dialect"]:
        for cls in kinds.CLASSES:
            for opener in d.get(cls, []):
                by.setdefault(tuple(opener.split()), set()).add(cls)
    for key, classes in by.items():
        assert kinds.index().kinds[key].cls == max(classes, key=kinds.CLASSES.index), key


def test_clause_words_never_hide_a_destructive_kind() -> None:
    """A clause word is skipped as a second statement's start: none may open a destructive kind alone."""
    index = kinds.index()
    for w in index.clause_words:
        found = index.kinds.get((w,))
        assert found is None or found.cls != "destructive", w


# ---- every row, through the whole checker ------------------------------------------------------

def _examples() -> list[tuple[str, str]]:
    return [(" ".join(k.opener) + " app_example", k.cls) for k in kinds.index().kinds.values()]


def _read_first(text: str) -> bool:
    """Whether something before this table judges the statement: a grammar (pglast, or sqlglot
    reading more than an opaque command), a `[[glot.commands]]` row of rules/sql.toml, or the
    transaction and block readers. Its verdict is then theirs, not this table's."""
    import sqlglot
    from sqlglot.errors import SqlglotError

    from blastwall.analyze.sql import glot, pg
    from blastwall.analyze.sql.script import tx_of

    if glot._command_row(text, lexer.words(text)) is not None or tx_of(text)[0] or glot._call_hits(text, text) is not None:
        return True
    if lexer.first_word(text) == "begin" or pg.statements(text) is not None:
        return True
    from blastwall.analyze.sql.nosql import looks_like_mongo, looks_like_redis

    if looks_like_redis(text) or looks_like_mongo(text):  # `GET key` is Redis's
        return True
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    for dialect in ("mysql", "tsql", "sqlite"):
        try:
            parsed = sqlglot.parse(text, read=dialect)
        except (SqlglotError, ValueError):
            continue
        if parsed and all(e is not None and type(e).__name__ in glot.STATEMENTS - {"Command"} for e in parsed):
            return True
    return False


@pytest.mark.parametrize("text,cls", _examples(), ids=[t for t, _ in _examples()])
def test_every_kind_has_a_verdict_by_its_class(text: str, cls: str) -> None:
    words = lexer.words(text)
    found = kinds.hits(text, text)
    assert kinds.lookup(words) is not None
    if cls in kinds.SAFE:
        assert found == [], found
        assert sql(text) == "allow" or _read_first(text), rule_ids(text, "sql")
    else:
        assert found, text
        assert sql(text) != "allow" or _read_first(text), text


def test_most_kinds_are_judged_by_this_table() -> None:
    """The exemption above is for the kinds another reader takes first (about a third)."""
    first = [t for t, _ in _examples() if _read_first(t)]
    assert len(first) < len(_examples()) // 2, len(first)


# ---- classes, by dialect ------------------------------------------------------------------------

SAFE = [
    # Snowflake
    "ALTER SESSION SET QUERY_TAG = 'nightly-load';",
    "UNSET load_date;",
    "PUT file:///tmp/orders.csv @raw_stage AUTO_COMPRESS = TRUE;",
    "DESC WAREHOUSE compute_wh;",
    "SHOW GRANTS TO ROLE analyst;",
    # BigQuery
    "ASSERT (SELECT COUNT(*) FROM ds.orders) > 0 AS 'orders must not be empty';",
    # ClickHouse
    "EXISTS TABLE analytics.events;",
    "OPTIMIZE TABLE analytics.events FINAL;",
    "SYSTEM DROP MARK CACHE;",
    "DETACH TABLE analytics.events_tmp;",
    # MySQL / MariaDB
    "REPAIR TABLE legacy_orders;",
    "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'stop';",
    "ANALYZE TABLE orders UPDATE HISTOGRAM ON status WITH 16 BUCKETS;",
    "STOP REPLICA;",
    # T-SQL
    "DBCC INDEXDEFRAG (app, 'dbo.Orders', ix_orders_date);",
    "DBCC CLEANTABLE (app, 'dbo.Orders');",
    "WAITFOR DELAY '00:00:05';",
    # Oracle
    "ASSOCIATE STATISTICS WITH FUNCTIONS f USING stats_t;",
    "AUDIT SELECT ON hr.employees;",
    # DuckDB
    "IMPORT DATABASE 'exports/2024-06';",
    "FORCE CHECKPOINT;",
    # CockroachDB
    "PAUSE JOB 1234567;",
    "IMPORT INTO orders CSV DATA ('s3://bucket/orders.csv');",
    "SCRUB TABLE orders;",
    # Databricks / Spark
    "MSCK REPAIR TABLE events;",
    "CLEAR CACHE;",
    "ADD JAR /tmp/udfs.jar;",
    "FSCK REPAIR TABLE events;",
    "CONVERT TO DELTA parquet.`/mnt/raw/events`;",
    "LOAD DATA INTO ds.orders FROM FILES (format = 'CSV', uris = ['gs://b/orders.csv']);",
    # Cassandra cqlsh
    "CONSISTENCY QUORUM;",
    "LIST ROLES;",
]

ASKED = [
    # destructive kinds
    "REMOVE @raw_stage/orders/;",
    "RM @raw_stage;",
    "KILL QUERY WHERE user = 'etl';",
    "CANCEL JOB 1234567;",
    "SYSTEM UNFREEZE WITH NAME 'backup_2024';",
    "FLASHBACK DATABASE TO SCN 4242;",
    "CLONE INSTANCE FROM 'donor'@'db2':3306 IDENTIFIED BY 'x';",
    "RESTORE TABLE events TO VERSION AS OF 3;",
    "UNINSTALL PLUGIN audit_log;",
    "RECEIVE TOP (10) * FROM dbo.OrderQueue;",
    # judged by clauses nobody reads here
    "UPSERT INTO t (id, v) SELECT id, v FROM staging;",
    "CONFIGURE ZONE USING num_replicas = 1;",
    "EXECUTE TASK nightly_cleanup;",
    "CHANGE REPLICATION SOURCE TO SOURCE_HOST = 'db3';",
    "NOAUDIT SELECT ON hr.employees;",
    "DBCC TRACEON (3604);",
    "DBCC SHRINKFILE (app_log, EMPTYFILE);",
    "DBCC CHECKIDENT ('dbo.Orders');",
    "DBCC CHECKTABLE ('dbo.Orders', REPAIR_REBUILD);",
    "LOAD 'plpython3u';",
    # a destructive clause inside a safe kind
    "OPTIMIZE TABLE analytics.events FINAL DEDUPLICATE;",
    "OPTIMIZE TABLE analytics.events FINAL CLEANUP;",
    "DBCC CHECKIDENT ('dbo.Orders', RESEED, 0);",
    "DBCC SQLPERF ('sys.dm_os_wait_stats', CLEAR);",
    "REPAIR TABLE legacy_orders USE_FRM;",
    "MSCK REPAIR TABLE events DROP PARTITIONS;",
    "MSCK REPAIR TABLE events SYNC PARTITIONS;",
    "PUT file:///tmp/orders.csv @raw_stage OVERWRITE = TRUE;",
    "ALTER TABLE orders DROP COLUMN notes;",
    "ALTER WAREHOUSE compute_wh RENAME TO old_wh;",
    "SYSTEM STOP LISTEN QUERIES ALL;",
    # a second statement after a safe opening (T-SQL runs them without semicolons)
    "DBCC CHECKDB (app) DELETE FROM dbo.Orders",
    "DBCC CLEANTABLE (app, 'dbo.Orders') DROP TABLE dbo.Orders",
    "CHECKPOINT TRUNCATE TABLE dbo.Orders",
    "WAITFOR DELAY '00:00:01' EXEC dbo.PurgeOrders",
    "USE shop EXEC sp_executesql N'DROP TABLE x'",
    "UNSET v; REMOVE @raw_stage;",
    "ALTER SESSION SET QUERY_TAG = 'x' MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
    "CONSISTENCY ALL TRUNCATE orders",
    "FORCE CHECKPOINT UPDATE orders SET total = 0",
    "PAUSE JOB 1 CANCEL JOB 2",
    "EXISTS TABLE t KILL QUERY WHERE 1",
    "CLEAR CACHE RESTORE TABLE events TO VERSION AS OF 1",
    # a safe opening that would make the text read as Mongo shell code
    "USE shop; DROP TABLE users",
    "use shop\nGO\nTRUNCATE TABLE dbo.Orders",
    "USE shop; EXEC dbo.PurgeOrders",
    "SHOW WAREHOUSES; REMOVE @raw_stage",
    "use db; DELETE FROM db.users",
    # BigQuery's LOAD DATA OVERWRITE replaces the table (sqlglot reads it as LOAD DATA)
    "LOAD DATA OVERWRITE ds.orders FROM FILES (format = 'CSV', uris = ['gs://b/orders.csv']);",
    # a function named for destroying
    "ASSERT (SELECT purge_old_orders()) > 0",
    "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = drop_everything()",
    # comments do not hide words, and MySQL runs executable comments
    "DBCC CHECKDB (app) -- nightly\nDELETE FROM dbo.Orders",
    "REMOVE/* listing */@raw_stage;",
    "OPTIMIZE TABLE events /*!50000 FINAL DEDUPLICATE */",
    "REPAIR TABLE t /*!50000 ; DROP TABLE users */",
    "FLUSH TABLES /*!DROP DATABASE shop*/",
    "STOP REPLICA /*M!100100 ; TRUNCATE orders */",
]

test_safe, test_lookalikes_are_asked = allowed_and_asked(SAFE, ASKED, sql)


def test_a_comment_does_not_make_a_safe_kind_ask() -> None:
    assert sql("DBCC CHECKDB (app) -- DROP TABLE x was last week") == "allow"
    assert sql("CLEAR CACHE /* not DELETE */") == "allow"


def test_destructive_kinds_say_what_they_are() -> None:
    assert rule_ids("REMOVE @raw_stage/orders/;", "sql") == ["sql.dialect:destructive-statement"]
    assert rule_ids("CANCEL JOB 42;", "sql") == ["sql.postgres:terminate-backend"]
    assert "sql.parse:unparsed-destructive" in rule_ids("OPTIMIZE TABLE t FINAL DEDUPLICATE", "sql")


def test_an_unknown_kind_still_asks() -> None:
    assert rule_ids("FROBNICATE TABLE orders;", "sql") == ["sql.parse:unknown-statement"]
    assert rule_ids("UPSERT INTO t VALUES (1)", "sql") == ["sql.parse:unknown-statement"]


def test_an_export_is_judged_by_the_export_rules(tmp_path) -> None:
    assert decide("EXPORT DATABASE 'exports/shop' (FORMAT PARQUET);", "sql") == "ask"
    assert "sql.postgres:copy-to-file" in rule_ids("EXPORT DATABASE '/etc/cron.d';", "sql")
