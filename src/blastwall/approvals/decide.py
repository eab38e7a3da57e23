"""What a human does with a request: approve (sign a grant), deny, or open a time window.

Used by the terminal commands (`blastwall approve/deny`) and by `blastwall serve`; both pass a
private key the agent never holds. Nothing here checks who is at the keyboard: the terminal
commands insist on an interactive terminal and the key's passphrase, the web page on a login.

Each decision also signs a checkpoint of the audit log (audit/checkpoints.py) with the same key:
the entry that records the decision, and with it every entry before it, is vouched for.
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple

from blastwall.approvals.grants import issue, person
from blastwall.approvals.keys import PublicKey
from blastwall.approvals.requests import shown_matches_digest
from blastwall.audit import checkpoints
from blastwall.audit.log import record
from blastwall.store.base import APPROVED, DENIED, PENDING, AuditRow, Request, Store


class DecideError(ValueError):
    """The request cannot be decided (unknown, expired, already used or denied)."""


class Approval(NamedTuple):
    request: Request
    approvals: int  # distinct approvers so far
    required: int
    expires_at: float
    checkpoint: AuditRow | None = None  # the checkpoint entry that vouches for the approval's entry

    @property
    def complete(self) -> bool:
        return self.approvals >= self.required


def _open(store: Store, request_id: str, now: float) -> Request:
    request = store.get_request(request_id.strip())
    if request is None:
        raise DecideError(f"no request {request_id!r}; `blastwall pending` lists the open ones")
    if request.status == DENIED:
        raise DecideError(f"request {request.id} was denied by {request.decided_by or 'a human'}")
    if request.status not in (PENDING, APPROVED):
        raise DecideError(f"request {request.id} is {request.status}; the agent must ask again")
    if now >= request.expires_at:
        raise DecideError(f"request {request.id} expired; the agent's retry files a new one")
    return request


def approve(store: Store, request_id: str, private: Any, key: PublicKey, *, approver: str, reason: str = "",
            grant_ttl_s: float = 900.0, now: float | None = None) -> Approval:
    """Sign a grant for the request's exact action and store it."""
    now = time.time() if now is None else now
    request = _open(store, request_id, now)
    if shown_matches_digest(request) is False:
        record(store, "grant-refused", request.id, {"code": "request.altered", "digest": request.digest,
                                                    "message": "the stored action does not match the request's digest"})
        raise DecideError(f"request {request.id} was altered in the store: the action it shows is not the action its "
                          "digest binds to; it cannot be approved (check the store, `blastwall audit verify`)")
    ttl = max(1.0, min(grant_ttl_s, request.expires_at - now))
    grant = issue(private, key, approver=approver, ttl_s=ttl, reason=reason, request_id=request.id,
                  digest=request.digest, now=now)
    previous = {person(g.approver): g.approver for g in store.grants_for_request(request.id)
                if g.used_at is None and g.expires_at > now}
    mine = person(grant.approver)
    if mine in previous:
        raise DecideError(f"{mine} approved request {request.id} already (as {previous[mine]}); a second approver "
                          "is needed")
    store.add_grant(grant)
    count = len(set(previous) | {mine})
    row = record(store, "approve", request.id, {"approver": grant.approver, "key": key.key_id, "reason": reason,
                                                "digest": request.digest, "nonce": grant.nonce,
                                                "expires_at": grant.expires_at, "approvals": count,
                                                "required": request.required})
    if count >= request.required:
        store.set_request_status(request.id, APPROVED, by=grant.approver, note=reason or None, only_from=(PENDING,))
    point = checkpoints.vouch(store, row, private, key, signer=grant.approver, via="approve", ref=request.id)
    return Approval(request, count, request.required, grant.expires_at, point)


def deny(store: Store, request_id: str, *, by: str, reason: str = "", now: float | None = None,
         private: Any = None, key: PublicKey | None = None) -> Request:
    """Deny the request; with a key (`private`, `key`) the denial's entry is vouched for by a
    checkpoint signed in the name of `by` (a human key signs in its own name)."""
    now = time.time() if now is None else now
    request = _open(store, request_id, now)
    if not store.set_request_status(request.id, DENIED, by=by, note=reason or None):
        raise DecideError(f"request {request.id} changed while you were deciding; look again")
    row = record(store, "deny", request.id, {"by": by, "reason": reason, "digest": request.digest})
    if private is not None and key is not None:
        checkpoints.vouch(store, row, private, key, signer=by, via="deny", ref=request.id)
    return request


def open_window(store: Store, name: str, window: Any, private: Any, key: PublicKey, *, approver: str,
                for_s: float, reason: str = "", now: float | None = None) -> Any:
    """Sign a window grant: actions matching `window.pattern` pass until it expires."""
    now = time.time() if now is None else now
    if for_s <= 0 or for_s > window.max_s:
        raise DecideError(f"window {name} may stay open at most {int(window.max_s)} s")
    grant = issue(private, key, approver=approver, ttl_s=for_s, reason=reason, now=now,
                  window={"name": name, "surface": window.surface, "pattern": window.pattern})
    store.add_grant(grant)
    row = record(store, "grant", grant.nonce, {"window": name, "pattern": window.pattern, "surface": window.surface,
                                               "approver": grant.approver, "key": key.key_id, "reason": reason,
                                               "expires_at": grant.expires_at})
    checkpoints.vouch(store, row, private, key, signer=grant.approver, via="window", ref=grant.nonce)
    return grant
