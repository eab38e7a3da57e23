"""A GraphQL mutation that runs another mutation given as text (Shopify's bulkOperationRunMutation)
is judged by the mutation it carries."""

from __future__ import annotations

import pytest

import blastwall
from blastwall.engine import make_action


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


URL = "https://acme.myshopify.com/admin/api/2024-04/graphql.json"


def verdict(body: object, url: str = URL) -> blastwall.Verdict:
    payload = {"method": "POST", "url": url, "headers": {"Content-Type": "application/json"}, "body": body}
    return blastwall.check(make_action("http", payload, None))


def bulk(inner: str) -> dict[str, object]:
    quoted = inner.replace('"', '\\"')
    return {"query": f'mutation {{ bulkOperationRunMutation(mutation: "{quoted}", stagedUploadPath: "tmp/1/ids.jsonl") '
                     "{ bulkOperation { id } } }"}


ASKED = [
    bulk("mutation call($input: ProductDeleteInput!) { productDelete(input: $input) { deletedProductId } }"),
    bulk("mutation { customerDelete(input: {id: $id}) { deletedCustomerId } }"),
    bulk("mutation m($id: ID!, $v: [ID!]!) { productVariantsBulkDelete(productId: $id, variantsIds: $v) { product { id } } }"),
    bulk("mutation m($id: ID!) { fileRemove(id: $id) { ok } }"),
    bulk("  mutation($i: ID!) { x: metafieldsDelete(metafields: [$i]) { userErrors { field } } }"),
    {"query": "mutation Run($m: String!) { bulkOperationRunMutation(mutation: $m, stagedUploadPath: \"p\") "
              "{ bulkOperation { id } } }",
     "variables": {"m": "mutation { productDelete(input: {id: \"gid://shopify/Product/1\"}) { deletedProductId } }"}},
    # a carried document that carries another one
    bulk('mutation { bulkOperationRunMutation(mutation: "mutation { productDelete(input: {}) { x } }") { x } }'),
]
PASSED = [
    bulk("mutation call($input: ProductInput!) { productUpdate(input: $input) { product { id } } }"),
    bulk("mutation call($input: ProductInput!) { productCreate(input: $input) { product { id } } }"),
    {"query": 'mutation { bulkOperationRunQuery(query: "{ products { edges { node { id } } } }") '
              "{ bulkOperation { id } } }"},
]


@pytest.mark.parametrize("body", ASKED)
def test_a_carried_destructive_mutation_is_asked(body: object) -> None:
    v = verdict(body)
    assert v.decision.value != "allow", v.reasons


@pytest.mark.parametrize("body", PASSED)
def test_a_carried_update_or_query_passes(body: object) -> None:
    v = verdict(body)
    assert v.decision.value == "allow", v.reasons
