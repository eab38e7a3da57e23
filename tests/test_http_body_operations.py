"""Batch and mutation endpoints whose body carries the delete (Sanity mutate, WooCommerce batch,
Firestore commit, Elasticsearch _bulk, Algolia batch): judged by the operation in the body."""

from __future__ import annotations

import json
from typing import Any

import pytest
from verdicts import allowed_and_asked

import blastwall
from blastwall.engine import make_action


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def decision(method: str, url: str, body: Any) -> str:
    payload = {"method": method, "url": url, "headers": {"Authorization": "Bearer t"}, "body": body}
    return blastwall.check(make_action("http", payload, None)).decision.value


BULK = "\n".join(json.dumps(x) for x in (
    {"index": {"_index": "logs", "_id": "1"}}, {"msg": "hi"}, {"delete": {"_index": "products", "_id": "7"}}
)) + "\n"
BULK_SAFE = "\n".join(json.dumps(x) for x in ({"index": {"_index": "logs", "_id": "1"}}, {"msg": "hi"})) + "\n"

ASKED = [
    ("POST", "https://abc.api.sanity.io/v2021-06-07/data/mutate/production",
     {"mutations": [{"delete": {"query": "*[_type == 'post']"}}]}),
    ("POST", "https://abc.api.sanity.io/v2021-06-07/data/mutate/production",
     {"mutations": [{"createOrReplace": {"_id": "a"}}, {"delete": {"id": "drafts.x"}}]}),
    ("POST", "https://shop.acme.com/wp-json/wc/v3/products/batch", {"delete": [101, 102], "force": True}),
    ("POST", "https://shop.acme.com/wp-json/wc/v3/orders/batch", {"create": [], "delete": [5]}),
    ("POST", "https://firestore.googleapis.com/v1/projects/p/databases/(default)/documents:commit",
     {"writes": [{"delete": "projects/p/databases/(default)/documents/users/u1"}]}),
    ("POST", "https://es.internal:9200/_bulk", BULK),
    ("POST", "https://XYZ-dsn.algolia.net/1/indexes/products/batch",
     {"requests": [{"action": "deleteObject", "body": {"objectID": "42"}}]}),
    ("POST", "https://api.example.io/v2/sync", json.dumps({"operations": [{"op": "delete", "id": "x"}]})),
    ("PUT", "https://api.example.io/v2/items/bulk", {"Remove": ["a", "b"]}),
    ("POST", "https://api.example.io/v2/docs/batch", {"ops": [{"deleteMany": {"filter": {}}}]}),
]
ALLOWED = [
    ("POST", "https://abc.api.sanity.io/v2021-06-07/data/mutate/production",
     {"mutations": [{"createOrReplace": {"_id": "a", "title": "x"}}]}),
    ("POST", "https://shop.acme.com/wp-json/wc/v3/products/batch", {"create": [{"name": "x"}], "update": [{"id": 1}]}),
    ("POST", "https://shop.acme.com/wp-json/wc/v3/products/batch", {"delete": []}),
    ("POST", "https://api.example.io/v2/roles", {"name": "editor", "permissions": {"read": True, "delete": False}}),
    ("POST", "https://api.example.io/v2/roles", {"name": "editor", "permissions": {"delete": True}}),
    ("POST", "https://es.internal:9200/_bulk", BULK_SAFE),
    ("POST", "https://XYZ-dsn.algolia.net/1/indexes/products/batch",
     {"requests": [{"action": "addObject", "body": {"objectID": "42"}}]}),
    ("POST", "https://api.example.io/v2/notes", {"title": "how to delete a row", "body": "use delete"}),
]


@pytest.mark.parametrize(("method", "url", "body"), ASKED)
def test_body_delete_operations_ask(method: str, url: str, body: Any) -> None:
    assert decision(method, url, body) != "allow"


@pytest.mark.parametrize(("method", "url", "body"), ALLOWED)
def test_body_without_delete_operations_pass(method: str, url: str, body: Any) -> None:
    assert decision(method, url, body) == "allow"


def mcp_fetch(url: str) -> str:
    action = {"server": "fetch", "tool": "fetch", "arguments": {"url": url}}
    return blastwall.check(make_action("mcp", action, None)).decision.value


DOCUMENTATION_PAGES = [
    "https://docs.stripe.com/api/customers/delete",
    "https://developer.acme.io/reference/projects/delete",
    "https://acme.readthedocs.io/en/latest/api/purge",
    "https://www.acme.com/docs/api/v1/volumes/delete",
]
ACTION_GETS = [
    "https://admin.internal.example.com/api/users/42/delete?confirm=1",
    "https://docs.stripe.com/api/customers/delete?confirm=1",
    "https://app.acme.com/api/users/42/delete",
    "https://app.acme.com/docs/users/42/delete",
    "https://api.acme.com/v1/documentation_jobs/purge?force=true",
]


(test_documentation_pages_about_deletes_are_reads,
 test_gets_that_name_an_action_on_an_api_still_ask) = allowed_and_asked(
    DOCUMENTATION_PAGES, ACTION_GETS, judge=mcp_fetch)
