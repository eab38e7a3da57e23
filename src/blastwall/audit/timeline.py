"""An agent session's actions in order, read back from the audit log: what it did, what
blastwall answered, the approval requests it filed and what humans and the safety net did about
them. `blastwall audit --session ID` prints it; `blastwall serve` shows it at `/sessions/ID`, and
a request's page shows the steps that led up to it.

    steps = session_steps(store, "5f0c...")        # oldest first
    recent = sessions(store)                        # the latest sessions, newest first

The verdict and request entries carry the session (gate.py writes it); the entries that follow
a request (approve, deny, grant-used, notify, snapshot, ...) are joined to it by request id and
by the action digests of the session's verdicts (an action's digest covers its session).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from blastwall.store.base import AuditRow, Store

FOLLOW_KINDS = ("approve", "deny", "grant", "grant-used", "grant-refused", "notify", "snapshot")
STEP_LIMIT = 500  # the newest steps of a session shown
SCAN_VERDICTS = 5000  # verdict entries read to list the recent sessions
LEAD_SCAN = 5000  # entries before a request's filing searched for what led up to it


class Step(NamedTuple):
    seq: int
    ts: float
    kind: str  # the audit entry's kind
    decision: str  # a verdict's decision, "" for other entries
    action: str  # what the agent did (a verdict or request), or what happened (other entries)
    detail: str  # the first reason, who approved, why denied, ...
    said: str  # what the agent said it was doing ("" when it said nothing)
    request: str  # the approval request this step concerns ("" when none)
    data: Mapping[str, Any]


class Session(NamedTuple):
    session: str
    agent: str
    cwd: str
    first: float
    last: float
    counts: Mapping[str, int]  # verdicts by decision


def _data(row: AuditRow) -> dict[str, Any]:
    try:
        value = json.loads(row.data)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def needle(session: str) -> str:
    """The text a verdict or request entry of `session` holds (entries are canonical JSON, redacted)."""
    from blastwall.redact import redact

    return '"session":' + json.dumps(redact(session), ensure_ascii=False)


def _first(values: Any) -> str:
    return str(values[0]) if isinstance(values, list) and values else ""


def step_of(row: AuditRow, data: Mapping[str, Any]) -> Step:
    """One entry as a step a human reads."""
    kind, rid = row.kind, ""
    decision, action, detail = "", "", ""
    if kind == "verdict":
        decision, action, detail = str(data.get("decision") or ""), str(data.get("action") or ""), _first(data.get("reasons"))
    elif kind == "request":
        rid, action = row.ref or "", f"approval request {row.ref} filed"
        need = data.get("required") or 1
        detail = f"needs {need} approval{'s' if need != 1 else ''}"
    elif kind == "approve":
        rid = row.ref or ""
        action = f"approved by {data.get('approver')}"
        detail = f"{data.get('approvals')}/{data.get('required')}" + (f": {data['reason']}" if data.get("reason") else "")
    elif kind == "deny":
        rid, action, detail = row.ref or "", f"denied by {data.get('by')}", str(data.get("reason") or "")
    elif kind == "grant-used":
        rid = str(data.get("request") or "")
        action = (f"the approval of {data.get('approver')} was used" if rid
                  else f"window {data.get('window')} of {data.get('approver')} let it through")
    elif kind == "grant":
        rid = str(data.get("request") or "")
        action = f"window {data.get('window')} opened by {data.get('approver')}"
        detail = " ".join(x for x in (f"in {data['cwd']}" if data.get("cwd") else "",
                                      f"for {', '.join(data['rules'])}" if data.get("rules") else "") if x)
    elif kind == "grant-refused":
        action, detail = "an approval was refused", str(data.get("message") or data.get("code") or "")
    elif kind == "notify":
        rid = row.ref or ""
        action = f"notified {data.get('target')}: {'delivered' if data.get('ok') else 'failed'}"
        detail = str(data.get("detail") or "")
    elif kind == "snapshot":
        rid = str(data.get("request_id") or "")
        action = (f"snapshot not taken: {data['error']}" if data.get("error")
                  else f"snapshot {row.ref} of {data.get('target')} ({data.get('kind')})")
    else:
        action = kind
    return Step(row.seq, row.ts, kind, decision, action, detail, str(data.get("said") or ""), rid, data)


def _belongs(row: AuditRow, data: Mapping[str, Any], requests: set[str], digests: set[str]) -> bool:
    refs = {row.ref, data.get("request"), data.get("request_id"), data.get("digest")}
    return bool(refs & requests or refs & digests)


def session_steps(store: Store, session: str, *, limit: int = STEP_LIMIT, after: int = 0,
                  upto: int | None = None) -> list[Step]:
    """The session's steps, oldest first (its newest `limit`), among the entries after `after` and
    up to `upto` (the whole log by default: one scan of it)."""
    from blastwall.redact import redact

    own = redact(session)
    mine: list[tuple[AuditRow, dict[str, Any]]] = []
    for row in store.audit_rows(kind=["verdict", "request"], contains=needle(session), after=after, upto=upto):
        data = _data(row)
        if data.get("session") == own:
            mine.append((row, data))
    if not mine:
        return []
    requests = {r.ref for r, _ in mine if r.kind == "request" and r.ref}
    digests = {r.ref for r, _ in mine if r.kind == "verdict" and r.ref}
    digests |= {str(d["digest"]) for _, d in mine if d.get("digest")}
    for row in store.audit_rows(after=mine[0][0].seq, kind=list(FOLLOW_KINDS), upto=upto):
        data = _data(row)
        if _belongs(row, data, requests, digests):
            mine.append((row, data))
    mine.sort(key=lambda pair: pair[0].seq)
    return [step_of(row, data) for row, data in mine[-limit:]]


def lead_up(store: Store, session: str, request_id: str, count: int = 10) -> list[Step]:
    """The `count` steps of `session` that led up to request `request_id`, ending with its filing:
    read from the LEAD_SCAN entries before the filing (found by its id), so a request's page costs
    the same in a log of any length."""
    filed = next(iter(store.audit_rows(ref=request_id, kind=["request"], limit=1)), None)
    if filed is None:
        return []
    return before(session_steps(store, session, after=max(0, filed.seq - LEAD_SCAN), upto=filed.seq),
                  request_id, count)


def before(steps: Iterable[Step], request_id: str, count: int = 10) -> list[Step]:
    """The `count` steps that led up to request `request_id` (up to and including its filing)."""
    shown: list[Step] = []
    for step in steps:
        shown.append(step)
        if step.kind == "request" and step.request == request_id:
            return shown[-count:]
    return shown[-count:]


def sessions(store: Store, *, limit: int = 50, scan: int = SCAN_VERDICTS) -> list[Session]:
    """The latest agent sessions seen in verdict entries, the most recently active first."""
    found: dict[str, dict[str, Any]] = {}
    for row in store.audit_rows(kind=["verdict"], newest_first=True, limit=scan):
        data = _data(row)
        sid = data.get("session")
        if not sid:
            continue
        entry = found.get(str(sid))
        if entry is None:
            if len(found) >= limit:
                continue
            entry = found[str(sid)] = {"agent": str(data.get("agent") or ""), "cwd": str(data.get("cwd") or ""),
                                       "first": row.ts, "last": row.ts, "counts": {}}
        entry["first"] = min(entry["first"], row.ts)
        decision = str(data.get("decision") or "?")
        entry["counts"][decision] = entry["counts"].get(decision, 0) + 1
    return [Session(sid, e["agent"], e["cwd"], e["first"], e["last"], e["counts"]) for sid, e in found.items()]
