"""The account `blastwall run` prints when the agent exits: what was allowed, asked and denied
(from the audit log, so the gateway's and the pg-proxy's verdicts count too), the network
requests refused, the approval requests still pending, and how to undo.

    text = render(collect(session))
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any, NamedTuple


class Summary(NamedTuple):
    agent: str
    exit_code: int
    seconds: float
    decisions: dict[str, int]  # allow / ask / deny, from the audit log
    refused_hosts: dict[str, int]  # host -> refused requests
    pending: list[tuple[str, str]]  # (request id, summary)
    changes: list[tuple[str, str, str]]  # (journal id, decision, action) of actions taken
    first_id: str  # the journal entry taken at the start
    end_id: str
    notes: tuple[str, ...]
    audit_error: str = ""
    allowed_hosts: dict[str, int] | None = None  # host -> connections let through


def _in(path: Any, project: str) -> bool:
    return isinstance(path, str) and (path == project or path.startswith(project + "/"))


def audit_counts(store: Any, after_seq: int, *, project: str, sessions: set[str], agents: set[str],
                 run_id: str) -> tuple[dict[str, int], dict[str, int]]:
    """(decisions, refused hosts) of the verdicts written since `after_seq` that belong to the session."""
    decisions: Counter[str] = Counter()
    hosts: Counter[str] = Counter()
    for row in store.audit_rows(after=after_seq, kind=("verdict",)):
        try:
            data = json.loads(row.data)
        except ValueError:
            continue
        if data.get("session") == "blastwall-doctor":
            continue
        ours = data.get("session") in sessions or data.get("session") == run_id or _in(data.get("cwd"), project) or \
            (data.get("agent") in agents and not data.get("cwd"))
        if not ours:
            continue
        if data.get("door") == "run-egress":
            hosts[str(data.get("host"))] += 1
        else:
            decisions[str(data.get("decision"))] += 1
    return dict(decisions), dict(hosts)


def pending_requests(store: Any, since: float, *, project: str, sessions: set[str], agents: set[str]) -> list[tuple[str, str]]:
    out = []
    for req in store.list_requests(status=["pending"], limit=200):
        if req.created_at < since:
            continue
        if req.session in sessions or _in(req.cwd, project) or req.agent in agents:
            out.append((req.id, req.summary))
    return out


def _duration(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}h {m}m" if h else f"{m}m {s}s" if m else f"{s}s"


def _top(counts: dict[str, int]) -> str:
    return ", ".join(f"{h} ({n})" for h, n in sorted(counts.items(), key=lambda x: -x[1])[:8])


def render(s: Summary) -> str:
    d = s.decisions
    lines = [f"blastwall run: {s.agent} exited with status {s.exit_code} after {_duration(s.seconds)}"]
    if s.audit_error:
        lines.append(f"  actions: unknown ({s.audit_error})")
    else:
        lines.append(f"  actions: {d.get('allow', 0)} allowed, {d.get('ask', 0)} asked, {d.get('deny', 0)} denied "
                     "(audit log: `blastwall audit`)")
    if s.allowed_hosts:
        lines.append(f"  network: {sum(s.allowed_hosts.values())} connection(s) let through, to {_top(s.allowed_hosts)}")
    if s.refused_hosts:
        lines.append(f"  network: refused {sum(s.refused_hosts.values())} request(s) to {_top(s.refused_hosts)}")
    if s.pending:
        lines.append(f"  pending: {len(s.pending)} approval request(s):")
        lines += [f"    {rid}  {text[:100]}  (approve: blastwall approve {rid})" for rid, text in s.pending[:10]]
    else:
        lines.append("  pending: no approval requests")
    if s.first_id:
        changed = [c for c in s.changes if c[1] in ("allow", "ask")]
        lines.append(f"  journal: {len(s.changes)} snapshot(s) before actions, {s.first_id} at the start"
                     + (f", {s.end_id} at the end" if s.end_id else ""))
        for jid, decision, action in changed[-5:]:
            lines.append(f"    {jid}  {decision:<5}  {action[:90]}   undo from here: blastwall undo --before {jid}")
        lines.append(f"  undo the whole session: blastwall undo --before {s.first_id}   "
                     "(`blastwall undo --list` shows every entry)")
    lines += [f"  note: {n}" for n in s.notes]
    return "\n".join(lines)


def collect(*, agent: str, exit_code: int, started: float, after_seq: int, project: str, sessions: set[str],
            agents: set[str], run_id: str, calls: list[Any], first_id: str, end_id: str,
            notes: tuple[str, ...], allowed_hosts: dict[str, int] | None = None) -> Summary:
    from blastwall.store import open_store

    decisions: dict[str, int] = {}
    hosts: dict[str, int] = {}
    pending: list[tuple[str, str]] = []
    error = ""
    try:
        store = open_store()
        try:
            decisions, hosts = audit_counts(store, after_seq, project=project, sessions=sessions, agents=agents,
                                            run_id=run_id)
            pending = pending_requests(store, started, project=project, sessions=sessions, agents=agents)
        finally:
            store.close()
    except Exception as exc:  # noqa: BLE001 - the summary says what it could not read
        error = f"the store could not be read: {type(exc).__name__}"
    changes = [(c.id, c.decision, c.summary) for c in calls if c.id]
    return Summary(agent, exit_code, time.time() - started, decisions, hosts, pending, changes, first_id, end_id,
                   notes, error, allowed_hosts)


def audit_head(project: str) -> int:
    """The sequence number of the last audit entry now (0 when the store cannot be read)."""
    try:
        from blastwall.store import open_store

        store = open_store()
        try:
            return int(store.audit_head()[0])
        finally:
            store.close()
    except Exception:  # noqa: BLE001
        return 0


def record_refusal(method: str, port: int, host: str, reason: str, *, agent: str, run_id: str, project: str) -> None:
    """One refused network request, as a `deny` verdict in the audit log."""
    from blastwall.audit.log import record
    from blastwall.model import Action, Context, Surface
    from blastwall.store import open_store

    action = Action(Surface.HTTP, {"method": method, "url": f"https://{host}:{port}/"},
                    Context(cwd=project, agent=agent, session=run_id, extra=(("door", "run-egress"),)))
    store = open_store()
    try:
        record(store, "verdict", action.digest(), {
            "decision": "deny", "reasons": [reason], "surface": "http", "action": f"{method} {host}:{port}",
            "rule_ids": ["run.egress:not-allowed"], "agent": agent, "session": run_id, "cwd": project,
            "door": "run-egress", "host": host, "port": port})
    finally:
        store.close()
