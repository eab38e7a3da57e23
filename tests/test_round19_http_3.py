"""HTTP classes: a part of an object deleted through a form field (Stripe's `items[0][deleted]=true`),
and GraphQL mutations that end a credential or secret (`unsetSecrets`, `rotateApiKey`)."""

from __future__ import annotations

import pytest

from blastwall.engine import check


def _http(url: str, body: object) -> str:
    return check({"method": "POST", "url": url, "body": body}, "http").decision.value


STRIPE = "https://api.stripe.com/v1/subscriptions/sub_1MowQVLkdIwHu7ix"


@pytest.mark.parametrize("body", [
    "items[0][id]=si_abc&items[0][deleted]=true&proration_behavior=none",
    "items[1][deleted]=1",
    {"items": [{"id": "si_abc", "deleted": True}]},
])
def test_a_form_field_marking_a_part_deleted_asks(body: object) -> None:
    assert _http(STRIPE, body) != "allow"


@pytest.mark.parametrize("body", [
    "items[0][id]=si_abc&items[0][deleted]=false",
    "items[0][price]=price_123&items[0][quantity]=2",
    "metadata[deleted]=no",
    "metadata[team]=growth",
])
def test_other_form_fields_pass(body: object) -> None:
    assert _http(STRIPE, body) == "allow"


@pytest.mark.parametrize("query", [
    "mutation($input: UnsetSecretsInput!) { unsetSecrets(input: $input) { release { version } } }",
    "mutation { rotateApiKey(id: 1) { key } }",
    "mutation { regenerateDeployToken(id: 1) { token } }",
    "mutation { secretsUnset(appId: \"a\", keys: [\"K\"]) { ok } }",
])
def test_a_mutation_that_ends_a_credential_asks(query: str) -> None:
    assert _http("https://api.fly.io/graphql", {"query": query}) != "allow"


@pytest.mark.parametrize("query", [
    "mutation { setSecrets(input: {appId: \"a\", secrets: [{key: \"K\", value: \"v\"}]}) { release { version } } }",
    "query { app(name: \"x\") { secrets { name } } }",
    "mutation { expireCache(key: \"x\") { ok } }",
    "mutation { rotateLogs(app: \"x\") { ok } }",
])
def test_other_mutations_pass(query: str) -> None:
    assert _http("https://api.fly.io/graphql", {"query": query}) == "allow"


def _click(element: str) -> str:
    return check({"server": "playwright", "tool": "browser_click", "arguments": {"element": element, "ref": "e12"}},
                 "mcp").decision.value


@pytest.mark.parametrize("element", [
    "Cancel button in 'Delete project?' dialog",
    "Close dialog",
    "No, keep my data",
    "Keep files button in the 'Remove folder' modal",
    "Go back link",
])
def test_a_click_that_backs_out_of_a_destructive_dialog_passes(element: str) -> None:
    assert _click(element) == "allow"


@pytest.mark.parametrize("element", [
    "Delete button in 'Delete project?' dialog",
    "Cancel subscription button",
    "Close account button",
    "Delete project",
    "Remove member button",
])
def test_a_click_on_the_destructive_control_asks(element: str) -> None:
    assert _click(element) != "allow"
