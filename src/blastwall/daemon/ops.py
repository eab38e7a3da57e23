"""System mode's approvals through the daemon: what `blastwall pending/show/approve/deny` ask it.

In system mode the store belongs to the service user, so a human's terminal commands cannot open
it; they call these ops over the hook socket (`client.call`). Each runs in a forked worker as the
service user (server.Server `ops`), with the peer's uid from SO_PEERCRED:

| op | fields, payload | result |
|---|---|---|
| `pending` | `all` (bool) | `requests`: open requests as `blastwall pending` shows them (stored redacted), with `approvals` |
| `request` | `id` | `request`: one request in full, with `approvals` and the policy's `grant_ttl_s` |
| `grant` | payload: the signed grant row as JSON (`decide.grant_json`) | `approvals`, `required`, `expires_at`, `entry` (`seq`, `hash`, `ref`) |
| `checkpoint` | payload: checkpoint fields signed by the human (`checkpoints.signed`) | `seq` of the checkpoint entry |
| `deny` | `id`, `reason` | `entry`; the denial is recorded in the name of the peer's user |

Every result is `{"t": "result", "ok": true, ...}` or `{"t": "result", "ok": false, "code", "error"}`.

Nothing a caller sends is trusted: a grant is verified against the keys in `/etc/blastwall/keys`
(and `[approvals] approvers` of the trusted policy) for the digest of the request it names, single
use and expiring (`decide.record_grant`); a forged, replayed, expired or mismatched one is refused
and logged. The private key that signed it never leaves the human's process. The daemon admits
only the users listed in `system.toml` (and root); an agent running as such a user can list
requests and deny them, but cannot approve without the human's passphrase.
"""

from __future__ import annotations

import json
import pwd
from collections.abc import Callable
from typing import Any

Op = Callable[[dict[str, Any], bytes, int], dict[str, Any]]

_PENDING_FIELDS = ("id", "digest", "surface", "summary", "reasons", "agent", "session", "cwd", "environment",
                   "required", "created_at", "expires_at", "status", "decided_by", "decided_at")


def _ok(**fields: Any) -> dict[str, Any]:
    return json.loads(json.dumps({"t": "result", "ok": True, **fields}, default=str))


def _error(code: str, message: str) -> dict[str, Any]:
    return {"t": "result", "ok": False, "code": code, "error": message[:2000]}


def _peer_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _store() -> Any:
    from blastwall.store import open_store

    return open_store(None)


def _settings() -> Any:
    """The approval settings of the trusted policy (system mode: /etc/blastwall/blastwall.toml)."""
    from blastwall.approvals.settings import SettingsError, compile_settings, settings_of
    from blastwall.daemon.system import VAR
    from blastwall.policy.engine import PolicyError
    from blastwall.policy.load import load_policy

    try:
        return settings_of(load_policy(VAR))
    except (PolicyError, SettingsError):
        return compile_settings({})


def _trusted(settings: Any) -> dict[str, Any]:
    from blastwall.approvals.keys import KeyError_, trusted_keys

    try:
        return trusted_keys(settings.raw)
    except KeyError_:
        return trusted_keys({})


def _approvers(store: Any, request_id: str) -> list[str]:
    return [g.approver for g in store.grants_for_request(request_id)]


def _guarded(fn: Op) -> Op:
    """Turn the failures a caller should read into an error result (a crash answers nothing)."""
    def run(header: dict[str, Any], payload: bytes, uid: int) -> dict[str, Any]:
        from blastwall.approvals.decide import DecideError, NotRecorded
        from blastwall.store.base import StoreError

        try:
            return fn(header, payload, uid)
        except NotRecorded as exc:
            return _error(exc.code, str(exc))
        except DecideError as exc:
            return _error("request.undecidable", str(exc))
        except StoreError as exc:
            return _error("store", str(exc))

    run.__name__ = fn.__name__
    run.__doc__ = fn.__doc__
    return run


@_guarded
def pending(header: dict[str, Any], payload: bytes, uid: int) -> dict[str, Any]:
    """Open requests (with `all`: also decided, used and expired ones), as `blastwall pending` lists them."""
    from blastwall.approvals.grants import person

    show_all = header.get("all") is True
    store = _store()
    try:
        requests = store.list_requests(status=None if show_all else ["pending", "approved"], include_expired=show_all)
        rows = []
        for r in requests:
            row = {k: getattr(r, k) for k in _PENDING_FIELDS}
            row["reasons"] = list(r.reasons)
            row["approvals"] = len({person(a) for a in _approvers(store, r.id)})
            rows.append(row)
    finally:
        store.close()
    return _ok(requests=rows)


@_guarded
def request(header: dict[str, Any], payload: bytes, uid: int) -> dict[str, Any]:
    """One request in full (what `show` prints and `approve` signs), with the approvers so far."""
    request_id = header.get("id")
    if not isinstance(request_id, str) or not request_id.strip():
        return _error("request.unknown", "name a request id")
    store = _store()
    try:
        found = store.get_request(request_id.strip())
        if found is None:
            return _error("request.unknown", f"no request {request_id!r}; `blastwall pending` lists the open ones")
        data = found.to_dict()
        data["approvals"] = _approvers(store, found.id)
    finally:
        store.close()
    return _ok(request=data, grant_ttl_s=_settings().grant_ttl_s)


@_guarded
def grant(header: dict[str, Any], payload: bytes, uid: int) -> dict[str, Any]:
    """Verify the signed grant in `payload` and record it (`decide.record_grant`)."""
    from blastwall.approvals.decide import NotRecorded, grant_from_json, record_grant
    from blastwall.audit.log import record

    settings = _settings()
    store = _store()
    try:
        try:
            row = grant_from_json(payload)
        except NotRecorded as exc:
            record(store, "grant-refused", None, {"code": exc.code, "message": str(exc), "peer": _peer_name(uid)})
            raise
        result = record_grant(store, row, _trusted(settings), max_ttl_s=settings.grant_ttl_s, peer=_peer_name(uid))
    finally:
        store.close()
    entry = result.entry
    return _ok(request=result.request.id, approvals=result.approvals, required=result.required,
               expires_at=result.expires_at,
               entry=None if entry is None else {"seq": entry.seq, "hash": entry.hash, "ref": entry.ref})


@_guarded
def checkpoint(header: dict[str, Any], payload: bytes, uid: int) -> dict[str, Any]:
    """Append the checkpoint the human signed (`decide.record_checkpoint`)."""
    from blastwall.approvals.decide import record_checkpoint

    try:
        fields = json.loads(payload)
    except ValueError:
        fields = None
    if not isinstance(fields, dict):
        return _error("checkpoint-malformed", "the checkpoint sent is not a JSON object")
    store = _store()
    try:
        row = record_checkpoint(store, fields, _trusted(_settings()), peer=_peer_name(uid))
    finally:
        store.close()
    return _ok(seq=row.seq, vouched=fields.get("seq"))


@_guarded
def deny(header: dict[str, Any], payload: bytes, uid: int) -> dict[str, Any]:
    """Deny a request in the name of the peer's user."""
    from blastwall.approvals.decide import record_denial

    request_id, reason = header.get("id"), header.get("reason")
    if not isinstance(request_id, str) or not request_id.strip():
        return _error("request.unknown", "name a request id")
    store = _store()
    try:
        found, entry = record_denial(store, request_id, by=_peer_name(uid),
                                     reason=reason[:500] if isinstance(reason, str) else "")
    finally:
        store.close()
    return _ok(request=found.id, summary=found.summary, by=_peer_name(uid),
               entry={"seq": entry.seq, "hash": entry.hash, "ref": entry.ref})


OPS: dict[str, Op] = {"pending": pending, "request": request, "grant": grant, "checkpoint": checkpoint, "deny": deny}
