"""Credentials never come back in verdicts: reasons, targets and sources are redacted."""

from __future__ import annotations

import json

import pytest

from blastwall.engine import check
from blastwall.policy.engine import default_policy
from blastwall.redact import redact

SECRETS = ["hunter2xyz", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "sk_live_abcdefghijklmnop",
           "AKIAABCDEFGHIJKLMNOP", "xoxb-1234567890-abcdefghij"]


@pytest.mark.parametrize("text,secret", [
    ("postgres://admin:hunter2xyz@db/app", "hunter2xyz"),
    ("Authorization: Bearer ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
    ("password=hunter2xyz", "hunter2xyz"),
    ('{"api_key": "hunter2xyz"}', "hunter2xyz"),
    ("key sk_live_abcdefghijklmnop here", "sk_live_abcdefghijklmnop"),
    ("AKIAABCDEFGHIJKLMNOP", "AKIAABCDEFGHIJKLMNOP"),
    ("-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----", "abc"),
])
def test_redact(text: str, secret: str) -> None:
    assert secret not in redact(text)


def test_plain_text_is_untouched() -> None:
    assert redact("rm -rf /var/lib/postgresql/data") == "rm -rf /var/lib/postgresql/data"


@pytest.mark.parametrize("kind,action", [
    ("shell", "rm -rf /srv/app --password=hunter2xyz"),
    ("shell", "psql postgres://admin:hunter2xyz@db.prod/app -c 'DROP TABLE users'"),
    ("shell", "curl -X DELETE -H 'Authorization: Bearer ghp_abcdefghijklmnopqrstuvwxyz0123456789' https://api.github.com/repos/a/b"),
    ("shell", "echo sk_live_abcdefghijklmnop > /etc/app.key"),
    ("http", {"method": "DELETE", "url": "https://admin:hunter2xyz@api.example.com/v1/x?token=hunter2xyz"}),
])
def test_verdicts_carry_no_secrets(kind: str, action: object) -> None:
    v = check(action, kind, policy=default_policy())
    assert v.decision.value != "allow"
    dumped = json.dumps(v.to_dict())
    for s in SECRETS:
        assert s not in dumped, dumped
