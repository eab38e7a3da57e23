"""What a human does with a request: approve (sign a grant), deny, or open a time window.

Used by the terminal commands (`blastwall approve/deny`) and by `blastwall serve`; both pass a
private key the agent never holds. Nothing here checks who is at the keyboard: the terminal
commands insist on an interactive terminal and the key's passphrase, the web page on a login.

Each decision also signs a checkpoint of the audit log (audit/checkpoints.py) with the same key:
the entry that records the decision, and with it every entry before it, is vouched for.

An approval has two halves that run in different processes in system mode:

- the human's half, `sign_grant`: sign a grant for the request's digest with the human's own key,
  in the human's process (the key never leaves it);
- the store's half, `record_grant`: verify that grant against the keys the store's owner trusts,
  for the request's digest, refuse a forged, replayed, expired or mismatched one (and log it),
  then store it, audit it and set the request's status. In system mode the daemon runs it
  (daemon/ops.py); `record_checkpoint` likewise appends a checkpoint the human signed.

`approve` runs both halves in one process (user-level mode and the approval page).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any, NamedTuple

from blastwall.approvals.grants import ONCE, GrantRefused, issue, person, verify
from blastwall.approvals.keys import PublicKey
from blastwall.approvals.requests import shown_matches_digest
from blastwall.audit import checkpoints
from blastwall.audit.log import record
from blastwall.store.base import APPROVED, DENIED, PENDING, AuditRow, GrantRow, Request, Store


class DecideError(ValueError):
    """The request cannot be decided (unknown, expired, already used or denied)."""


class NotRecorded(DecideError):
    """The store refused a grant or checkpoint; `code` is stable (`grant.*`, `request.*`,
    `checkpoint-*`) and the refusal is in the audit log."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Approval(NamedTuple):
    request: Request
    approvals: int  # distinct approvers so far
    required: int
    expires_at: float
    checkpoint: AuditRow | None = None  # the checkpoint entry that vouches for the approval's entry
    entry: AuditRow | None = None  # the audit entry that records the approval

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
    """Sign a grant for the request's exact action and store it (both halves in this process)."""
    now = time.time() if now is None else now
    request = _open(store, request_id, now)
    if shown_matches_digest(request) is False:
        _altered(store, request)
    grant = sign_grant(request, private, key, approver=approver, reason=reason, grant_ttl_s=grant_ttl_s, now=now)
    result = record_grant(store, grant, {key.key_id: key}, now=now)
    assert result.entry is not None
    point = checkpoints.vouch(store, result.entry, private, key, signer=grant.approver, via="approve", ref=request.id)
    return result._replace(checkpoint=point)


def _altered(store: Store, request: Request) -> None:
    record(store, "grant-refused", request.id, {"code": "request.altered", "digest": request.digest,
                                                "message": "the stored action does not match the request's digest"})
    raise NotRecorded("request.altered", f"request {request.id} was altered in the store: the action it shows is not "
                      "the action its digest binds to; it cannot be approved (check the store, `blastwall audit verify`)")


def sign_grant(request: Request, private: Any, key: PublicKey, *, approver: str, reason: str = "",
               grant_ttl_s: float = 900.0, now: float | None = None) -> GrantRow:
    """The human's half: a once-grant for `request`'s digest, signed with the human's key. The
    request is what the human was shown; a request whose shown action disagrees with its digest
    is not signed."""
    now = time.time() if now is None else now
    if shown_matches_digest(request) is False:
        raise DecideError(f"request {request.id}: the action shown is not the action its digest binds to; "
                          "it cannot be approved (`blastwall audit verify`)")
    if now >= request.expires_at:
        raise DecideError(f"request {request.id} expired; the agent's retry files a new one")
    ttl = max(1.0, min(grant_ttl_s, request.expires_at - now))
    return issue(private, key, approver=approver, ttl_s=ttl, reason=reason, request_id=request.id,
                 digest=request.digest, now=now)


def record_grant(store: Store, grant_row: GrantRow, trusted: Mapping[str, PublicKey], now: float | None = None, *,
                 max_ttl_s: float | None = None, peer: str | None = None) -> Approval:
    """The store's half: verify `grant_row` (a once-grant) against `trusted` for its request's
    digest and record it. A forged, replayed, expired or mismatched grant, or one for a request
    that is closed or was altered, is refused with `NotRecorded` and logged (`grant-refused`)."""
    now = time.time() if now is None else now
    ref = grant_row.request_id or grant_row.nonce

    def refuse(code: str, message: str) -> NotRecorded:
        record(store, "grant-refused", ref, {"code": code, "message": message, "key": grant_row.key_id,
                                             "nonce": grant_row.nonce, "peer": peer})
        return NotRecorded(code, message)

    if grant_row.scope != ONCE or not grant_row.request_id:
        raise refuse("grant.malformed", "only a grant for one request can be recorded here")
    request = store.get_request(str(grant_row.request_id).strip())
    if request is None:
        raise refuse("request.unknown", f"no request {grant_row.request_id!r}")
    if shown_matches_digest(request) is False:
        _altered(store, request)
    try:
        grant = verify(grant_row, trusted, digest=request.digest, now=now)
    except GrantRefused as exc:
        raise refuse(exc.code, exc.message) from exc
    if any(g.nonce == grant.nonce for g in store.grants_for_request(request.id)) or \
            store.audit_mentions("grant-used", grant.nonce):
        raise refuse("grant.replayed", f"the grant by {grant.approver} was recorded already; a new approval is needed")
    try:
        request = _open(store, request.id, now)
    except DecideError as exc:
        raise refuse("request.closed", str(exc)) from exc
    if max_ttl_s is not None and grant.expires_at - grant.issued_at > max_ttl_s + 1.0:
        raise refuse("grant.too-long", f"the grant is valid {int(grant.expires_at - grant.issued_at)} s; the policy "
                                       f"allows {int(max_ttl_s)} s ([approvals] grant_ttl)")
    if grant.issued_at > now + 60.0:
        raise refuse("grant.malformed", "the grant was issued in the future")
    previous = {person(g.approver): g.approver for g in store.grants_for_request(request.id)
                if g.used_at is None and g.expires_at > now}
    mine = person(grant.approver)
    if mine in previous:
        raise DecideError(f"{mine} approved request {request.id} already (as {previous[mine]}); a second approver "
                          "is needed")
    # the columns come from what was signed, never from the sender's row
    store.add_grant(GrantRow(nonce=grant.nonce, request_id=grant.request_id, digest=grant.digest, scope=grant.scope,
                             payload=grant_row.payload, signature=grant_row.signature, key_id=grant.key_id,
                             approver=grant.approver, created_at=now, expires_at=grant.expires_at))
    count = len(set(previous) | {mine})
    fields = {"approver": grant.approver, "key": grant.key_id, "reason": grant.reason, "digest": request.digest,
              "nonce": grant.nonce, "expires_at": grant.expires_at, "approvals": count, "required": request.required}
    if peer is not None:
        fields["peer"] = peer
    row = record(store, "approve", request.id, fields)
    if count >= request.required:
        store.set_request_status(request.id, APPROVED, by=grant.approver, note=grant.reason or None,
                                 only_from=(PENDING,))
    return Approval(request, count, request.required, grant.expires_at, None, row)


def record_checkpoint(store: Store, fields: Mapping[str, Any], trusted: Mapping[str, PublicKey], *,
                      peer: str | None = None) -> AuditRow:
    """Append a checkpoint a human signed elsewhere (system mode: in their own process) once its
    signature verifies with a trusted key and the entry it vouches for has the hash it names."""
    text = checkpoints.entry_text(fields)
    seq, _ = store.audit_head()
    point = checkpoints.read(AuditRow(seq + 1, time.time(), checkpoints.KIND, None, text, "", ""), trusted)
    message = ""
    if isinstance(point, checkpoints.Finding):
        code, message = point.code, point.message
    else:
        rows = list(store.audit_rows(after=point.seq - 1, limit=1))
        if not rows or rows[0].seq != point.seq or rows[0].hash != point.hash:
            code, message = checkpoints.MISMATCH, f"entry {point.seq} does not have the hash the checkpoint names"
        elif point.via in ("approve", "deny") and rows[0].ref != point.ref:
            code, message = checkpoints.MALFORMED, f"entry {point.seq} is not the decision on {point.ref}"
    if message:
        record(store, "checkpoint-refused", str(fields.get("ref") or "") or None,
               {"code": code, "message": message, "key": str(fields.get("key_id", ""))[:32], "peer": peer})
        raise NotRecorded(code, message)
    from blastwall.audit.log import record_verbatim

    return record_verbatim(store, checkpoints.KIND, None if point.ref is None else point.ref, text)


def grant_json(row: GrantRow) -> str:
    """A signed grant as it travels to the store's owner (the daemon)."""
    return json.dumps({k: getattr(row, k) for k in ("nonce", "request_id", "digest", "scope", "payload", "signature",
                                                     "key_id", "approver", "created_at", "expires_at")},
                      ensure_ascii=True)


def grant_from_json(text: str | bytes) -> GrantRow:
    """The grant row sent by `grant_json`; `NotRecorded("grant.malformed")` when it is not one
    (nothing is logged: nothing in it can be trusted to name a request)."""
    try:
        doc = json.loads(text)
        if not isinstance(doc, dict):
            raise TypeError("not an object")
        strings = {k: doc[k] for k in ("nonce", "scope", "payload", "signature", "key_id", "approver")}
        if not all(isinstance(v, str) for v in strings.values()):
            raise TypeError("a field is not text")
        optional = {k: doc.get(k) for k in ("request_id", "digest")}
        if not all(v is None or isinstance(v, str) for v in optional.values()):
            raise TypeError("a field is not text")
        return GrantRow(**strings, **optional, created_at=float(doc["created_at"]),  # type: ignore[arg-type]
                        expires_at=float(doc["expires_at"]))
    except (ValueError, TypeError, KeyError) as exc:
        raise NotRecorded("grant.malformed", f"the grant sent is not a blastwall grant ({exc})") from exc


def deny(store: Store, request_id: str, *, by: str, reason: str = "", now: float | None = None,
         private: Any = None, key: PublicKey | None = None) -> Request:
    """Deny the request; with a key (`private`, `key`) the denial's entry is vouched for by a
    checkpoint signed in the name of `by` (a human key signs in its own name)."""
    request, row = record_denial(store, request_id, by=by, reason=reason, now=now)
    if private is not None and key is not None:
        checkpoints.vouch(store, row, private, key, signer=by, via="deny", ref=request.id)
    return request


def record_denial(store: Store, request_id: str, *, by: str, reason: str = "",
                  now: float | None = None) -> tuple[Request, AuditRow]:
    """Deny the request in the store; the audit entry that records it is returned (to be vouched for)."""
    now = time.time() if now is None else now
    request = _open(store, request_id, now)
    if not store.set_request_status(request.id, DENIED, by=by, note=reason or None):
        raise DecideError(f"request {request.id} changed while you were deciding; look again")
    row = record(store, "deny", request.id, {"by": by, "reason": reason, "digest": request.digest})
    return request, row


def open_window(store: Store, name: str, window: Any, private: Any, key: PublicKey, *, approver: str,
                for_s: float, reason: str = "", now: float | None = None, cwd: str | None = None,
                rules: Any = None, request_id: str | None = None) -> Any:
    """Sign a window grant: actions matching `window.pattern` pass until it expires; with `cwd`
    and `rules` (a window opened from request `request_id`) only in that folder and for those rules."""
    now = time.time() if now is None else now
    if for_s <= 0 or for_s > window.max_s:
        raise DecideError(f"window {name} may stay open at most {int(window.max_s)} s")
    scope: dict[str, Any] = {"name": name, "surface": window.surface, "pattern": window.pattern}
    if cwd:
        scope["cwd"] = cwd
    if rules is not None:
        scope["rules"] = sorted(set(rules))
    grant = issue(private, key, approver=approver, ttl_s=for_s, reason=reason, now=now, window=scope)
    store.add_grant(grant)
    fields = {"window": name, "pattern": window.pattern, "surface": window.surface, "approver": grant.approver,
              "key": key.key_id, "reason": reason, "expires_at": grant.expires_at}
    fields.update({k: v for k, v in (("cwd", cwd), ("rules", scope.get("rules")), ("request", request_id)) if v})
    row = record(store, "grant", grant.nonce, fields)
    checkpoints.vouch(store, row, private, key, signer=grant.approver, via="window", ref=grant.nonce)
    return grant
