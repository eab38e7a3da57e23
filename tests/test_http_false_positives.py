"""HTTP requests that look destructive and are not, each next to the spellings that still ask:
a CDN cache purge, a POST to a collection named by a verb's plural (a Heroku release), a request
to a provider's documented sandbox host, and a Google API call that only validates or estimates
(BigQuery `dryRun`, `validateOnly`)."""

from __future__ import annotations

import pytest

import blastwall
from blastwall.engine import make_action


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def verdict(method: str, url: str, body: object = None) -> blastwall.Verdict:
    payload = {"method": method, "url": url, "headers": {"Authorization": "Bearer t"}, "body": body}
    return blastwall.check(make_action("http", payload, None))


PASSED = [
    # cache purges: the origin serves the content again
    ("POST", "https://api.fastly.com/service/SU1Z0isxPaozGVKXdv0eY/purge_all", None),
    ("POST", "https://api.fastly.com/service/SU1Z0isxPaozGVKXdv0eY/purge/product-42", None),
    ("POST", "https://api.fastly.com/service/SU1Z0isxPaozGVKXdv0eY/purge", {"surrogate_keys": ["a", "b"]}),
    ("POST", "https://api.fastly.com/purge/www.example.com/index.html", None),
    ("POST", "https://api.bunny.net/pullzone/12345/purgeCache", None),
    ("POST", "https://api.bunny.net/purge?url=https%3A%2F%2Fcdn.example.com%2Fa.css", None),
    ("POST", "https://akab-abc.purge.akamaiapis.net/ccu/v3/delete/url/production", {"objects": ["https://x/a"]}),
    ("POST", "https://akab-abc.purge.akamaiapis.net/ccu/v3/invalidate/cpcode/staging", {"objects": [1234]}),
    ("DELETE", "https://api.keycdn.com/zones/purgeurl/77.json", {"urls": ["a.example.com/x.png"]}),
    ("POST", "https://api.cdn77.com/v3/cdn/1234/job/purge-all", None),
    ("POST", "https://gateway.stackpath.com/cdn/v1/stacks/acme/purge", {"items": [{"url": "//x/"}]}),
    ("POST", "https://api.cloudflare.com/client/v4/zones/023e105f4ecef8ad9ca31a8372d0c353/purge_cache",
     {"purge_everything": True}),
    # a POST to a collection creates one more: a Heroku release (a rollback included), a transfer
    ("POST", "https://api.heroku.com/apps/acme-billing-prod/releases", {"release": "7d5e0c2a-0d53-4a1d-b5f3-2b0c4e9d8a11"}),
    ("POST", "https://api.example.com/v1/projects/9/releases", {"tag": "v1.2.0"}),
    # a provider's documented sandbox: no live data
    ("POST", "https://api-m.sandbox.paypal.com/v1/billing/plans/P-5ML4271/deactivate", None),
    ("DELETE", "https://api-m.sandbox.paypal.com/v1/catalogs/products/PROD-1", None),
    ("POST", "https://connect.squareupsandbox.com/v2/customers/C1/delete", None),
    ("POST", "https://sandbox.plaid.com/item/remove", {"access_token": "access-sandbox-1"}),
    # a Google API call that only validates or estimates
    ("POST", "https://bigquery.googleapis.com/bigquery/v2/projects/acme-prod/queries",
     {"query": "DELETE FROM crm.contacts WHERE TRUE", "useLegacySql": False, "dryRun": True}),
    ("POST", "https://bigquery.googleapis.com/bigquery/v2/projects/acme-prod/jobs",
     {"configuration": {"dryRun": True, "query": {"query": "DROP TABLE crm.contacts"}}}),
]
ASKED = [
    # the same providers' destructive calls
    ("DELETE", "https://api.fastly.com/service/SU1Z0isxPaozGVKXdv0eY", None),
    ("DELETE", "https://api.fastly.com/service/SU1Z0isxPaozGVKXdv0eY/version/3/backend/origin", None),
    ("DELETE", "https://api.bunny.net/pullzone/12345", None),
    ("DELETE", "https://api.keycdn.com/zones/77.json", None),
    ("POST", "https://api.fastly.com/service/SU1Z0isxPaozGVKXdv0eY/purge_all/../delete", None),
    ("POST", "https://api.example.com/v1/storage/purge_all", None),
    # plurals of verbs that stop, roll back or delete still run their verb
    ("POST", "https://api.example.com/v1/services/s1/rollbacks", None),
    ("POST", "https://api.example.com/v1/databases/d1/resets", None),
    # look-alike sandbox hosts of one's own prove nothing
    ("DELETE", "https://api.sandbox.acme-payments.com/v1/customers/cus_1", None),
    ("DELETE", "https://sandbox.paypal.com.evil.example/v1/catalogs/products/PROD-1", None),
    ("DELETE", "https://api-m.paypal.com/v1/catalogs/products/PROD-1", None),
    ("POST", "https://api-m.paypal.com/v1/billing/plans/P-5ML4271/deactivate", None),
    # a dry run that is not set, or set somewhere BigQuery does not read it
    ("POST", "https://bigquery.googleapis.com/bigquery/v2/projects/acme-prod/queries",
     {"query": "DELETE FROM crm.contacts WHERE TRUE", "useLegacySql": False, "dryRun": False}),
    ("POST", "https://bigquery.googleapis.com/bigquery/v2/projects/acme-prod/queries",
     {"query": "DELETE FROM crm.contacts WHERE TRUE", "labels": {"dryRun": "true"}}),
    ("POST", "https://bigquery.googleapis.com/bigquery/v2/projects/acme-prod/queries",
     {"query": "DELETE FROM crm.contacts WHERE TRUE", "dryRun": "false"}),
    # `dryRun` on an unknown API is the agent's word only
    ("POST", "https://sql.example.com/v1/query", {"sql": "DELETE FROM contacts", "dryRun": True}),
]


@pytest.mark.parametrize(("method", "url", "body"), PASSED)
def test_regenerable_reversible_sandboxed_or_dry_requests_pass(method: str, url: str, body: object) -> None:
    v = verdict(method, url, body)
    assert v.decision.value == "allow", v.reasons


@pytest.mark.parametrize(("method", "url", "body"), ASKED)
def test_their_look_alikes_still_ask(method: str, url: str, body: object) -> None:
    v = verdict(method, url, body)
    assert v.decision.value != "allow", v.reasons
