"""`pending`, `show`, `approve` and `deny` in system mode: through the daemon (daemon/ops.py).

The store belongs to the service user, so the human's commands cannot open it. They ask the daemon
for the requests, and `approve` signs the grant here, in the human's own process, with the
approver key in their own `~/.config/blastwall/keys` (its passphrase typed at an interactive
terminal); the daemon verifies it against the keys registered in `/etc/blastwall/keys` and
records it. The audit entry that records the decision is then vouched for by a checkpoint the
same key signs here and the daemon appends (`checkpoint` op): in system mode as in user-level
mode, checkpoints are a human's signature, never the daemon's.

cli/approvals.py decides when these run (`place.system_mode()`) and checks the terminal first.
"""

from __future__ import annotations

import json
import os
from typing import Any

from rich.markup import escape

from blastwall.cli.exits import EXIT_ASK


def _call(op: str, fields: dict[str, Any] | None = None, payload: bytes = b"") -> dict[str, Any]:
    from blastwall.cli.approvals import _fail
    from blastwall.daemon import client

    answer = client.call(op, fields or {}, payload, env=os.environ, system=True)
    if answer is None:
        raise _fail("blastwall's daemon did not answer (system mode); an administrator should run "
                    "`sudo blastwall daemon start --system` (or `systemctl start blastwall`)")
    if answer.get("t") != "result":
        why = answer.get("why") or answer.get("err") or answer.get("t")
        raise _fail(f"blastwall's daemon refused the call ({str(why)[:200]}); is your user listed in "
                    "/etc/blastwall/system.toml?")
    if not answer.get("ok"):
        raise _fail(f"{answer.get('error')} [{answer.get('code')}]")
    return answer


def request_of(data: dict[str, Any]) -> Any:
    """A store `Request` from the daemon's JSON (missing parts empty)."""
    from blastwall.store.base import Request

    values = {k: data.get(k) for k in Request._fields}
    for key in ("actions", "findings", "reasons"):
        values[key] = tuple(values[key] or ())
    values["required"] = int(values["required"] or 1)
    values["status"] = values["status"] or "pending"
    return Request(**values)


def pending(as_json: bool, show_all: bool) -> None:
    from blastwall.cli.approvals import _pending_table

    rows = _call("pending", {"all": show_all}).get("requests") or []
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, default=str))
        return
    _pending_table([request_of(r) for r in rows], [int(r.get("approvals") or 0) for r in rows])


def _fetch(request_id: str) -> tuple[Any, dict[str, Any]]:
    answer = _call("request", {"id": request_id.strip()})
    return request_of(answer["request"]), answer


def show(request_id: str, as_json: bool, raw: bool = False) -> None:
    from blastwall.cli.approvals import _describe

    request, answer = _fetch(request_id)
    if as_json:
        print(json.dumps(answer["request"], ensure_ascii=False, default=str))
        return
    _describe(request, list(answer["request"].get("approvals") or []), raw)


def approve(request_id: str, reason: str, key: str | None) -> None:
    import typer

    from blastwall.approvals.decide import DecideError, grant_json, sign_grant
    from blastwall.cli.approvals import _consoles, _describe, _fail, _pick_key, _unlock

    out, _ = _consoles()
    request, answer = _fetch(request_id)
    _describe(request, list(answer["request"].get("approvals") or []), hints=False)
    name = _pick_key(key)
    if not typer.confirm(f"Approve {request.id} exactly as shown?", default=False):
        out.print("not approved")
        raise typer.Exit(EXIT_ASK)
    public, private = _unlock(name)
    try:
        grant = sign_grant(request, private, public, approver=public.name, reason=reason,
                           grant_ttl_s=float(answer.get("grant_ttl_s") or 900.0))
    except DecideError as exc:
        raise _fail(str(exc)) from exc
    result = _call("grant", {}, grant_json(grant).encode())
    if int(result.get("approvals") or 0) >= int(result.get("required") or 1):
        from blastwall.humanize import relative

        out.print(f"[green]approved[/green] {request.id} as {escape(public.name)}; the grant is valid "
                  f"{relative(float(result['expires_at']))} for this exact action, once")
    else:
        out.print(f"[yellow]approval {result.get('approvals')}/{result.get('required')}[/yellow] recorded for "
                  f"{request.id}; another approver is needed")
    _vouch(private, public, result.get("entry"), via="approve", ref=request.id)


def deny(request_id: str, reason: str, key: str | None) -> None:
    from blastwall.cli.approvals import _approver_keys, _consoles, _pick_key, _unlock

    out, _ = _consoles()
    public = private = None
    if key or _approver_keys():
        public, private = _unlock(_pick_key(key))
    result = _call("deny", {"id": request_id.strip(), "reason": reason})
    out.print(f"[red]denied[/red] {result.get('request')} as {escape(str(result.get('by')))}: "
              f"{escape(str(result.get('summary') or '')[:80])}")
    if public is not None:
        _vouch(private, public, result.get("entry"), via="deny", ref=str(result.get("request")))


def _vouch(private: Any, public: Any, entry: Any, *, via: str, ref: str) -> None:
    """Sign a checkpoint of the entry the daemon wrote for the decision, and have it appended."""
    from blastwall.audit import checkpoints
    from blastwall.cli.approvals import _consoles

    out, err = _consoles()
    if not isinstance(entry, dict):
        err.print("[yellow]warning:[/yellow] the daemon named no audit entry to vouch for; "
                  "`blastwall audit checkpoint` vouches for the log")
        return
    fields = checkpoints.signed(private, public, seq=int(entry["seq"]), hash_=str(entry["hash"]), signer=public.name,
                                via=via, ref=ref)
    from blastwall.daemon import client

    answer = client.call("checkpoint", {}, json.dumps(fields, ensure_ascii=True).encode(), env=os.environ, system=True)
    if not answer or not answer.get("ok"):
        why = (answer or {}).get("error") or "the daemon did not answer"
        err.print(f"[yellow]warning:[/yellow] the audit checkpoint was not written ({escape(str(why))}); the next "
                  "decision vouches for the log")
        return
    out.print(f"[dim]signed an audit checkpoint: entries 1-{entry['seq']} of the log are vouched for[/dim]",
              highlight=False)
