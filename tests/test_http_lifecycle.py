"""Writes that end what a resource is (analyze/http/lifecycle.py): a rebuild or reinstall that wipes
a machine's disk, and an account, organization or subscription closed, rejected or cancelled. The
same verbs and states on other resources (an index rebuilt, a ticket closed) pass."""

from __future__ import annotations

import pytest

import blastwall
from blastwall.engine import make_action


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def verdict(method: str, url: str, body: object = None, content_type: str = "application/json") -> blastwall.Verdict:
    payload = {"method": method, "url": url, "headers": {"Authorization": "Bearer t", "Content-Type": content_type},
               "body": body}
    return blastwall.check(make_action("http", payload, None))


REINSTALL_ASKED = [
    ("POST", "https://api.linode.com/v4/linode/instances/123/rebuild", {"image": "linode/debian12"}),
    ("POST", "https://api.hetzner.cloud/v1/servers/42/actions/rebuild", {"image": "ubuntu-24.04"}),
    ("POST", "https://api.vultr.com/v2/instances/cb676a46-66fd-4dfb-b839-443f2e6c0b60/reinstall", None),
    ("POST", "https://api.vultr.com/v2/bare-metals/cb676a46-66fd-4dfb-b839-443f2e6c0b60/reinstall", None),
    ("POST", "https://api.equinix.com/metal/v1/devices/7c3f/actions", {"type": "reinstall"}),
    ("POST", "https://api.example-cloud.io/v1/servers/srv-12/action", {"action": "rebuild"}),
    ("POST", "https://api.example-cloud.io/v1/vms/9/reimage", None),
    ("POST", "https://api.example-cloud.io/v1/machines/9/REBUILD", None),
    ("PUT", "https://api.ovh.com/1.0/dedicated/server/ns1/reinstall", None),
    ("POST", "https://api.digitalocean.com/v2/droplets/3164494/actions", {"type": "rebuild", "image": "ubuntu"}),
]
REINSTALL_PASSED = [
    ("POST", "https://search.example.com/api/indexes/products/rebuild", None),
    ("POST", "https://api.example.com/v1/cache/rebuild", None),
    ("POST", "https://api.example.com/v1/servers/42/search-index/rebuild", None),
    ("POST", "https://api.hetzner.cloud/v1/servers/42/actions/poweron", None),
    ("POST", "https://api.example-cloud.io/v1/servers/srv-12/action", {"action": "reboot-soft-check"}),
    ("POST", "https://api.example.com/v1/projects/7/builds/rebuild", None),
]


@pytest.mark.parametrize(("method", "url", "body"), REINSTALL_ASKED)
def test_a_rebuild_or_reinstall_of_a_machine_is_asked(method: str, url: str, body: object) -> None:
    v = verdict(method, url, body)
    assert v.decision.value != "allow", v.reasons


@pytest.mark.parametrize(("method", "url", "body"), REINSTALL_PASSED)
def test_a_rebuild_of_what_is_derived_is_not_a_reinstall(method: str, url: str, body: object) -> None:
    v = verdict(method, url, body)
    assert all(f.rule_id != "http.generic:machine-reinstall" for f in v.findings), v.reasons


ACCOUNT_ASKED = [
    ("POST", "https://api.stripe.com/v1/accounts/acct_1Ok/reject", "reason=fraud", "application/x-www-form-urlencoded"),
    ("POST", "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef.json", "Status=closed",
     "application/x-www-form-urlencoded"),
    ("POST", "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef.json",
     "FriendlyName=x&Status=suspended", "application/x-www-form-urlencoded"),
    ("PATCH", "https://api.example.com/v1/organizations/org_42", {"status": "cancelled"}, "application/json"),
    ("PATCH", "https://api.example.com/v1/orgs/42", {"org": {"state": "Closed"}}, "application/json"),
    ("PUT", "https://api.example.com/v2/subscriptions/sub_9", {"status": "canceled"}, "application/json"),
    ("POST", "https://api.example.com/v1/tenants/t-77/terminate", None, "application/json"),
    ("POST", "https://api.example.com/v1/workspaces/ws_1/close", None, "application/json"),
    ("POST", "https://api.example.com/v1/accounts/12/actions/reject", None, "application/json"),
]
ACCOUNT_PASSED = [
    ("PATCH", "https://api.github.com/repos/acme/api/issues/12", {"state": "closed"}, "application/json"),
    ("PUT", "https://acme.zendesk.com/api/v2/tickets/77", {"ticket": {"status": "closed"}}, "application/json"),
    ("PATCH", "https://api.example.com/v1/accounts/12/tickets/5", {"status": "closed"}, "application/json"),
    ("PATCH", "https://api.example.com/v1/accounts/12", {"status": "active"}, "application/json"),
    ("POST", "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef.json", "Status=active",
     "application/x-www-form-urlencoded"),
    ("POST", "https://api.example.com/v1/accounts/12/invoices/9/reject", None, "application/json"),
]


@pytest.mark.parametrize(("method", "url", "body", "ctype"), ACCOUNT_ASKED)
def test_an_account_closed_rejected_or_cancelled_is_asked(method: str, url: str, body: object, ctype: str) -> None:
    v = verdict(method, url, body, ctype)
    assert v.decision.value != "allow", v.reasons


@pytest.mark.parametrize(("method", "url", "body", "ctype"), ACCOUNT_PASSED)
def test_an_ending_status_of_another_resource_is_not_an_account_end(method: str, url: str, body: object,
                                                                      ctype: str) -> None:
    v = verdict(method, url, body, ctype)
    assert all(f.rule_id != "http.generic:account-end" for f in v.findings), v.reasons
