"""Writes that end what a resource is, read from the resource the path names and the action or
status it sets. Word lists: `[generic]` of `rules/http_generic.toml`.

- A rebuild or reinstall of a machine wipes its disk and installs an image again:
  `POST /v4/linode/instances/1/rebuild`, `POST /v1/servers/1/actions/rebuild`,
  `POST /v2/instances/1/reinstall`, `POST /devices/1/actions {"type": "reinstall"}`. The same verb
  on an index or a cache (`/indexes/x/rebuild`) rebuilds what is derived, and passes.
- An account, organization or subscription closed, rejected or cancelled: `POST /v1/accounts/acct_1/reject`,
  `POST /Accounts/AC1.json` with `Status=closed`, `PATCH /orgs/1 {"status": "cancelled"}`. A ticket
  or an issue set to `closed` is ordinary work and passes.

The resource is the nearest path segment before the action that is not an id (`actions` skipped).
"""

from __future__ import annotations

from blastwall import rx
from blastwall.analyze.http.request import Request, walk
from blastwall.analyze.http.sniff import word_list

_ID = rx.compile(
    r"^(\d+|[0-9a-fA-F]{8}-[0-9a-fA-F-]{27,}|[0-9a-fA-F]{12,}|[A-Za-z]{1,12}[_-]?\d[\w-]*|[A-Za-z0-9]{20,})$"
)
_SUFFIX = rx.compile(r"(?i)\.(json|xml)$")  # Twilio's `/Accounts/AC1.json`
_ACTIONS = ("actions", "action")


def _segments(req: Request) -> list[str]:
    return [_SUFFIX.sub("", s) if "." in s else s for s in req.path.split("/") if s]  # no dot: no suffix


def _resource(segments: list[str]) -> str:
    """The nearest segment that names a kind of resource (no id, no digits, not `actions`), lower case."""
    for seg in reversed(segments):
        low = seg.lower()
        if low and not _ID.match(seg) and not any(c.isdigit() for c in low) and low not in _ACTIONS:
            return low
    return ""


def _action_value(body: object) -> str:
    """The action an `actions` endpoint's body names (`{"type": "rebuild"}`, `action=reinstall`)."""
    if not isinstance(body, dict):
        return ""
    for key in word_list("action_type_fields"):
        for k, v in body.items():
            if str(k).lower() == key and isinstance(v, str):
                return v.strip().lower()
    return ""


def reinstall(req: Request) -> str | None:
    """The reinstall verb of a write that wipes a machine's disk, or None."""
    segments = _segments(req)
    if not segments:
        return None
    verbs, machines = word_list("reinstall_verbs"), word_list("machine_nouns")
    last = segments[-1].lower()
    if last in verbs and _resource(segments[:-1]) in machines:
        return last
    if last in _ACTIONS or (len(segments) > 1 and segments[-2].lower() in _ACTIONS and _ID.match(segments[-1])):
        value = _action_value(req.body)
        if value in verbs and _resource(segments) in machines:
            return value
    return None


def account_end(req: Request) -> str | None:
    """What ends an account, organization or subscription: an ending action named last in the path
    (`.../accounts/acct_1/reject`) or a status field set to an ending state; None otherwise."""
    segments = _segments(req)
    if not segments:
        return None
    accounts = word_list("account_nouns")
    last = segments[-1].lower()
    if last in word_list("account_end_verbs") and _resource(segments[:-1]) in accounts:
        return last
    if _resource(segments) not in accounts:
        return None
    states = word_list("account_end_states")
    for k, v in walk(req.body)[:2000]:
        if str(k).lower() in ("status", "state", "account_status", "accountstatus") and isinstance(v, str) \
                and v.strip().lower() in states:
            return f"{k}={v}"
    return None
