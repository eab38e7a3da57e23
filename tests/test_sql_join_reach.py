"""SQL: UPDATE ... FROM and DELETE ... USING whose WHERE (and join conditions) name only the joined
tables tie no row of the target to them: every target row is reached, so they ask. A condition
that ties the target to a pinned joined row keeps the change bounded."""

from __future__ import annotations

import pytest

import blastwall
from blastwall.engine import make_action


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def decision(sql: str) -> str:
    return blastwall.check(make_action("sql", sql, None)).decision.value


ASKED = [
    "UPDATE catalog_items c SET list_price = n.list_price FROM new_prices n WHERE n.item_code = 'A-17';",
    "UPDATE catalog_items AS c SET list_price = n.list_price FROM new_prices AS n WHERE n.id = 4;",
    "UPDATE catalog_items c SET list_price = 0 FROM new_prices n WHERE n.id = 4 AND n.item_code = 'A';",
    "DELETE FROM catalog_items c USING retired r WHERE r.id = 9;",
    "UPDATE p SET p.list_price = n.list_price FROM dbo.catalog_items p JOIN dbo.new_prices n ON 1 = 1 WHERE n.id = 4",
    "UPDATE catalog_items c JOIN new_prices n ON 1 = 1 SET c.list_price = n.list_price WHERE n.id = 4",
]

PASSED = [
    "UPDATE catalog_items c SET list_price = n.list_price FROM new_prices n "
    "WHERE c.item_code = n.item_code AND n.item_code = 'A-17';",
    "UPDATE catalog_items SET list_price = n.list_price FROM new_prices n "
    "WHERE catalog_items.id = n.id AND n.id = 4;",
    "UPDATE catalog_items SET list_price = 10 WHERE id = 4;",
    "UPDATE p SET p.list_price = n.list_price FROM dbo.catalog_items p JOIN dbo.new_prices n "
    "ON p.item_code = n.item_code WHERE n.item_code = 'A-17'",
    "UPDATE catalog_items c JOIN new_prices n ON c.item_code = n.item_code SET c.list_price = n.list_price "
    "WHERE n.item_code = 'A-17'",
]


@pytest.mark.parametrize("sql", ASKED)
def test_where_on_joined_table_only_asks(sql: str) -> None:
    assert decision(sql) != "allow", sql


@pytest.mark.parametrize("sql", PASSED)
def test_target_tied_to_pinned_row_passes(sql: str) -> None:
    assert decision(sql) == "allow", sql
