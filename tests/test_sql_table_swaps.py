"""ALTER TABLE actions that lose a table's rows without DELETE: MySQL's BLACKHOLE engine and
Snowflake's SWAP WITH. Other engine changes and renames keep their own reading."""

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
    "ALTER TABLE `wp_postmeta` ENGINE=BLACKHOLE;",
    "alter table shop.orders engine = blackhole",
    "ALTER TABLE t ENGINE='BLACKHOLE'",
    "ALTER TABLE t ENGINE `BLACKHOLE`",
    "alter table x add column y int, engine=blackhole",
    "ALTER TABLE ANALYTICS.ORDERS SWAP WITH ANALYTICS.ORDERS_EMPTY;",
    "alter table orders swap with orders_staging",
    "ALTER TABLE IF EXISTS db.s.t SWAP WITH db.s.t2",
]
ALLOWED = [
    "ALTER TABLE t ENGINE=InnoDB",
    "alter table t engine = 'MyISAM'",
    "ALTER TABLE blackhole_log ADD COLUMN note text",
]


test_allowed, test_asked = allowed_and_asked(ALLOWED, ASKED, judge=decision)
