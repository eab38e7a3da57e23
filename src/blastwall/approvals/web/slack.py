"""Approve or deny from Slack: the interactivity endpoint `POST /slack/actions`.

```toml
[approvals.slack]
signing_secret_env = "SLACK_SIGNING_SECRET"   # the variable holding the app's signing secret
approvers = { U024BE7LH = "alice" }           # Slack user id -> the name grants are signed for
```

A notification's buttons carry `action_id` `approve` or `deny` and the request id as `value`
(approvals/messages.py); its `review` link button is acknowledged and does nothing here.
Slack signs every call: `X-Slack-Signature: v0=HMAC-SHA256(secret, "v0:" + timestamp + ":" +
body)`; a call with a bad signature or a timestamp more than five minutes away is refused (401)
before its body is read as anything. Only the Slack users listed in `approvers` may decide; the
grant is signed by the server's key in the name `slack:<name>`. Give a person the same name here
as on the web page: `web:alice` and `slack:alice` are one approver, never two. The reply is a JSON message that
Slack shows in place of the button's message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import parse_qs

MAX_SKEW_S = 300
MAX_BODY = 64 * 1024


class SlackConfigError(ValueError):
    """`[approvals.slack]` is unusable; the message names the key."""


class SlackConfig(NamedTuple):
    secret: bytes
    approvers: Mapping[str, str]  # Slack user id -> approver name


def config_of(approvals: Mapping[str, Any] | None, env: Mapping[str, str] | None = None) -> SlackConfig | None:
    """The Slack settings from the `[approvals]` section, or None when Slack is not set up."""
    section = (approvals or {}).get("slack")
    if section is None:
        return None
    if not isinstance(section, dict):
        raise SlackConfigError("[approvals.slack] must be a table")
    env = os.environ if env is None else env
    var = section.get("signing_secret_env", "SLACK_SIGNING_SECRET")
    if not isinstance(var, str) or not var:
        raise SlackConfigError("[approvals.slack] signing_secret_env must name an environment variable")
    secret = env.get(var, "")
    if not secret:
        raise SlackConfigError(f"[approvals.slack] is set but ${var} is empty; export the Slack app's signing secret")
    approvers = section.get("approvers") or {}
    if not isinstance(approvers, dict) or not all(isinstance(k, str) and isinstance(v, str) and v
                                                  for k, v in approvers.items()):
        raise SlackConfigError('[approvals.slack] approvers must map Slack user ids to names: { U123 = "alice" }')
    return SlackConfig(secret.encode(), dict(approvers))


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return f"v0={mac}"


def check_signature(headers: Mapping[str, str], body: bytes, secret: bytes, now: float | None = None) -> str | None:
    """Why the call is not from Slack, or None when its signature holds."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    given = headers.get("x-slack-signature", "")
    if not timestamp or not given:
        return "the call is not signed by Slack"
    try:
        skew = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return "the Slack timestamp is not a number"
    if skew > MAX_SKEW_S:
        return "the Slack timestamp is more than five minutes away (a replayed call?)"
    if not hmac.compare_digest(given, signature(secret, timestamp, body)):
        return "the Slack signature does not match"
    return None


class SlackAction(NamedTuple):
    action: str  # "approve" | "deny"
    request_id: str
    user_id: str
    user_label: str


def parse_action(body: bytes) -> SlackAction:
    """The button press in a signed body; ValueError with a message when it is not one."""
    try:
        fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=20)
        payload = json.loads((fields.get("payload") or [""])[0])
        first = payload["actions"][0]
        action, value = str(first["action_id"]), str(first.get("value", ""))
        user = payload["user"]
        user_id = str(user["id"])
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ValueError("the Slack payload has no button action (actions[0].action_id, value, user.id)") from exc
    if action == "review" or "url" in first:
        return SlackAction("review", value.strip(), user_id, "")
    if action not in ("approve", "deny"):
        raise ValueError(f"unknown action {action[:40]!r}; the buttons are 'approve' and 'deny'")
    label = str(user.get("username") or user.get("name") or user_id)
    return SlackAction(action, value.strip(), user_id, label)


def reply(text: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "replace_original": False, "text": text}


def handle(body: bytes, config: SlackConfig, approve: Callable[[str, str], str],
           deny: Callable[[str, str], str]) -> dict[str, Any]:
    """Decide the request a verified call names. `approve(request_id, approver)` and
    `deny(request_id, by)` return the message to show, raising ValueError with one to refuse."""
    try:
        act = parse_action(body)
    except ValueError as exc:
        return reply(f"blastwall: {exc}")
    if act.action == "review":
        return {}  # the Review link button: Slack opens the page and only wants an acknowledgement
    name = config.approvers.get(act.user_id)
    if name is None:
        return reply(f"blastwall: Slack user {act.user_label} ({act.user_id}) may not decide approval requests; "
                     "ask an admin to add them under [approvals.slack] approvers")
    who = f"slack:{name}"
    try:
        text = approve(act.request_id, who) if act.action == "approve" else deny(act.request_id, who)
    except ValueError as exc:
        return reply(f"blastwall: {exc}")
    return {"response_type": "in_channel", "replace_original": False, "text": f"blastwall: {text}"}
