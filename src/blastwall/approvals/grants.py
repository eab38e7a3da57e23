"""Signed grants: a human's approval, bound to one action digest, single-use and expiring.

A grant is a JSON payload signed with the approver's Ed25519 key:

    {"v": 1, "scope": "once", "nonce", "request_id", "digest", "approver", "key_id",
     "issued_at", "expires_at", "reason"}

or, for `scope: "window"` (an approval that covers a named action pattern for a while),
`window: {"name", "surface", "pattern", "cwd"?, "rules"?}` instead of `request_id`/`digest`
(`cwd` and `rules` narrow a window opened from a request to its folder and its rules); window
grants may be used many times until they expire. The door accepts a grant only when `verify` passes for
the digest of the action in hand, and then consumes its nonce in the store (atomic), so the same
grant never lets two actions through. Every refusal has a stable code and a message.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from typing import Any, NamedTuple

from blastwall.approvals.keys import PublicKey, sign, verify_signature
from blastwall.humanize import duration
from blastwall.store.base import GrantRow

VERSION = 1
ONCE, WINDOW = "once", "window"


class GrantRefused(ValueError):
    """A grant does not authorize the action; `code` is stable (audit entries and tests key on it)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Grant(NamedTuple):
    """A verified grant payload."""

    nonce: str
    scope: str
    request_id: str | None
    digest: str | None
    approver: str
    key_id: str
    issued_at: float
    expires_at: float
    reason: str
    window: Mapping[str, Any] | None
    key: PublicKey

    @property
    def identity(self) -> str:
        """Who approved, for counting distinct approvers (see `person`)."""
        return person(self.approver)


def person(approver: str) -> str:
    """The human behind an approver name: `alice` (her terminal key), `web:alice` and `slack:alice`
    (vouched for by a server key) are one person, so one person never counts twice."""
    return approver.split(":", 1)[-1].strip().lower()


def _payload_text(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def issue(private: Any, key: PublicKey, *, approver: str, ttl_s: float, reason: str = "",
          request_id: str | None = None, digest: str | None = None, window: Mapping[str, Any] | None = None,
          now: float | None = None) -> GrantRow:
    """Sign a new grant (once for `request_id`+`digest`, or a `window`)."""
    now = time.time() if now is None else now
    if window is None and not (request_id and digest):
        raise ValueError("a once-grant needs a request id and a digest")
    if key.role == "approver":
        approver = key.name  # a human key speaks only for itself
    payload: dict[str, Any] = {
        "v": VERSION, "scope": WINDOW if window is not None else ONCE, "nonce": secrets.token_hex(16),
        "approver": approver, "key_id": key.key_id, "issued_at": round(now, 3),
        "expires_at": round(now + ttl_s, 3), "reason": reason[:500],
    }
    if window is not None:
        payload["window"] = {k: str(window[k]) for k in ("name", "surface", "pattern")}
        if window.get("cwd"):  # a window opened from a request: only in its folder, only for its rules
            payload["window"]["cwd"] = str(window["cwd"])
        if window.get("rules") is not None:
            payload["window"]["rules"] = sorted({str(r) for r in window["rules"]})
    else:
        payload["request_id"], payload["digest"] = request_id, digest
    text = _payload_text(payload)
    return GrantRow(nonce=payload["nonce"], request_id=request_id, digest=digest, scope=payload["scope"], payload=text,
                    signature=sign(private, text.encode()), key_id=key.key_id, approver=approver,
                    created_at=now, expires_at=payload["expires_at"])


def verify(row: GrantRow, trusted: Mapping[str, PublicKey], *, digest: str | None = None,
           now: float | None = None) -> Grant:
    """The grant in `row` if it is authentic, current and (for once-grants) for `digest`.

    Raises `GrantRefused` with code `grant.malformed`, `grant.unknown-key`, `grant.bad-signature`,
    `grant.expired`, `grant.wrong-action` or `grant.tampered` (a row column that disagrees with
    the signed payload)."""
    now = time.time() if now is None else now
    try:
        payload = json.loads(row.payload)
    except (TypeError, ValueError) as exc:
        raise GrantRefused("grant.malformed", "the grant is not valid JSON") from exc
    if not isinstance(payload, dict) or payload.get("v") != VERSION:
        raise GrantRefused("grant.malformed", "the grant is not a blastwall grant of a known version")
    key = trusted.get(str(payload.get("key_id")))
    if key is None:
        raise GrantRefused("grant.unknown-key", f"the grant is signed by key {str(payload.get('key_id'))[:16]}, "
                                                "which is not an allowed approver (keys/*.pub or [approvals] approvers)")
    if not verify_signature(key, row.payload.encode(), row.signature):
        raise GrantRefused("grant.bad-signature", f"the grant's signature does not verify with key {key.name}; "
                                                  "it was forged or altered")
    try:
        grant = Grant(nonce=str(payload["nonce"]), scope=str(payload["scope"]), request_id=payload.get("request_id"),
                      digest=payload.get("digest"), approver=str(payload["approver"]), key_id=key.key_id,
                      issued_at=float(payload["issued_at"]), expires_at=float(payload["expires_at"]),
                      reason=str(payload.get("reason") or ""), window=payload.get("window"), key=key)
    except (KeyError, TypeError, ValueError) as exc:
        raise GrantRefused("grant.malformed", f"the grant lacks a field ({exc})") from exc
    if key.role == "approver" and grant.approver != key.name:
        raise GrantRefused("grant.tampered", f"key {key.name} signed a grant in the name of {grant.approver}")
    if (row.nonce, row.scope, row.key_id) != (grant.nonce, grant.scope, grant.key_id) or \
            (grant.scope == ONCE and (row.digest, row.request_id) != (grant.digest, grant.request_id)):
        raise GrantRefused("grant.tampered", "the stored grant's columns disagree with what was signed")
    if now >= grant.expires_at:
        raise GrantRefused("grant.expired", f"the grant by {grant.approver} expired "
                                            f"{duration(now - grant.expires_at)} ago; a new approval is needed")
    if grant.scope == ONCE:
        if digest is None or grant.digest != digest:
            raise GrantRefused("grant.wrong-action", "the grant was given for a different action (digest "
                                                     f"{str(grant.digest)[:12]}); a changed action needs a new approval")
    elif grant.scope != WINDOW or not isinstance(grant.window, dict):
        raise GrantRefused("grant.malformed", "the grant has an unknown scope")
    return grant
