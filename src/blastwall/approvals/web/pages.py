"""The approval page's HTML: plain server-rendered pages, every value escaped, no script.

Each function takes plain data (store rows, strings) and returns a complete document; the app
(app.py) decides who may see what. The style sheet is served from `/style.css` so that the
Content-Security-Policy needs no inline allowance.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any, NamedTuple

from blastwall.humanize import duration as ago
from blastwall.store.base import AuditRow, Request

CSS = """
:root { --fg: #1d232b; --muted: #5d6875; --line: #d9dee4; --bg: #f6f7f9; --card: #fff;
        --ok: #17693a; --bad: #a4262c; --warn: #8a5a00; --accent: #2450a6; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
       background: var(--bg); }
header { display: flex; gap: 1.2rem; align-items: center; padding: .7rem 1.5rem; background: #1d232b; color: #fff; }
header a { color: #fff; text-decoration: none; }
header .brand { font-weight: 700; letter-spacing: .02em; }
header .who { margin-left: auto; color: #c8d0da; }
header form { margin: 0; }
header button { background: transparent; color: #fff; border: 1px solid #55606d; padding: .2rem .6rem; }
main { max-width: 1100px; margin: 1.5rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.35rem; margin: 0 0 1rem; }
h2 { font-size: 1.05rem; margin: 1.6rem 0 .6rem; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); }
th, td { text-align: left; vertical-align: top; padding: .45rem .6rem; border-bottom: 1px solid var(--line); }
th { background: #eef1f4; font-weight: 600; font-size: .85rem; color: var(--muted); }
td.nowrap { white-space: nowrap; }
td.summary, pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .88rem; }
pre { background: var(--card); border: 1px solid var(--line); padding: .7rem; overflow-x: auto; white-space: pre-wrap;
      word-break: break-word; margin: .3rem 0 .8rem; }
a { color: var(--accent); }
.card { background: var(--card); border: 1px solid var(--line); padding: 1rem 1.2rem; margin-bottom: 1rem; }
.muted { color: var(--muted); }
.flash { padding: .6rem .9rem; margin-bottom: 1rem; border: 1px solid; background: var(--card); }
.flash.ok { border-color: var(--ok); color: var(--ok); }
.flash.error { border-color: var(--bad); color: var(--bad); }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 3px; font-size: .8rem; font-weight: 600;
         background: #e6e9ed; }
.badge.pending { background: #fff1cc; color: var(--warn); }
.badge.approved, .badge.used { background: #d9f2e2; color: var(--ok); }
.badge.denied, .badge.expired { background: #f8dcdc; color: var(--bad); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; }
.decide { display: flex; gap: 1rem; flex-wrap: wrap; }
.decide form { flex: 1 1 320px; }
label { display: block; font-size: .85rem; color: var(--muted); margin-bottom: .25rem; }
input[type=text], input[type=password] { width: 100%; padding: .45rem; border: 1px solid var(--line); font: inherit; }
button { font: inherit; padding: .45rem 1rem; border: 1px solid var(--line); background: #eef1f4; cursor: pointer; }
button.approve { background: var(--ok); border-color: var(--ok); color: #fff; margin-top: .5rem; }
button.deny { background: var(--bad); border-color: var(--bad); color: #fff; margin-top: .5rem; }
.login { max-width: 420px; margin: 4rem auto; }
"""


class Flash(NamedTuple):
    kind: str  # "ok" | "error"
    message: str


class Viewer(NamedTuple):
    """Who is looking, and the CSRF token their forms carry."""

    user: str
    csrf: str


def when(ts: float | None) -> str:
    if ts is None:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ts))


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _csrf_field(viewer: Viewer) -> str:
    return f'<input type="hidden" name="csrf" value="{_e(viewer.csrf)}">'


def document(title: str, body: str, viewer: Viewer | None = None, flash: Flash | None = None) -> str:
    nav = ""
    if viewer is not None:
        nav = (f'<a href="/">Pending</a><a href="/history">History</a>'
               f'<span class="who">signed in as {_e(viewer.user)}</span>'
               f'<form method="post" action="/logout">{_csrf_field(viewer)}<button type="submit">Log out</button></form>')
    note = f'<div class="flash {_e(flash.kind)}" role="status">{_e(flash.message)}</div>' if flash else ""
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(title)} · blastwall</title><link rel=\"stylesheet\" href=\"/style.css\"></head><body>"
            f"<header><a class=\"brand\" href=\"/\">blastwall approvals</a>{nav}</header>"
            f"<main>{note}{body}</main></body></html>")


def status_of(request: Request, now: float) -> str:
    if request.status in ("pending", "approved") and now >= request.expires_at:
        return "expired"
    return request.status


def _badge(status: str) -> str:
    return f'<span class="badge {_e(status)}">{_e(status)}</span>'


def login_page(login_token: str, error: str = "", token: str = "") -> str:
    note = Flash("error", error) if error else None
    body = ('<div class="card login"><h1>Sign in</h1>'
            '<p class="muted">Paste the login token that <code>blastwall serve</code> printed '
            '(or that <code>blastwall serve --add-user NAME</code> gave you).</p>'
            '<form method="post" action="/login">'
            f'<input type="hidden" name="login_csrf" value="{_e(login_token)}">'
            '<label for="token">Login token</label>'
            f'<input type="password" id="token" name="token" autocomplete="off" value="{_e(token)}" autofocus>'
            '<button class="approve" type="submit">Sign in</button></form></div>')
    return document("Sign in", body, flash=note)


def error_page(title: str, message: str, viewer: Viewer | None = None) -> str:
    return document(title, f'<div class="card"><h1>{_e(title)}</h1><p>{_e(message)}</p>'
                           '<p><a href="/">Back to the pending requests</a></p></div>', viewer)


def _tally(approvals: int, required: int) -> str:
    return f"{approvals} / {required}"


def pending_page(rows: Sequence[tuple[Request, int]], viewer: Viewer, flash: Flash | None, now: float) -> str:
    if not rows:
        table = '<div class="card muted">No request is waiting for a decision.</div>'
    else:
        lines = []
        for req, count in rows:
            lines.append(
                f'<tr><td class="nowrap"><a href="/requests/{_e(req.id)}">{_e(req.id)}</a></td>'
                f'<td class="summary">{_e(req.summary)}</td><td>{_e(req.agent or "")}</td>'
                f'<td class="summary">{_e(req.cwd or "")}</td>'
                f'<td>{"<br>".join(_e(r) for r in req.reasons)}</td>'
                f'<td title="{_e(when(req.created_at))}">{_e(ago(now - req.created_at))} ago</td>'
                f'<td title="{_e(when(req.expires_at))}">in {_e(ago(req.expires_at - now))}</td>'
                f'<td>{_e(_tally(count, req.required))}</td></tr>')
        table = ("<table><thead><tr><th>Request</th><th>Action</th><th>Agent</th><th>Folder</th><th>Why</th>"
                 "<th>Age</th><th>Expires</th><th>Approvals</th></tr></thead><tbody>"
                 + "".join(lines) + "</tbody></table>")
    return document("Pending", f"<h1>Pending requests</h1>{table}", viewer, flash)


def _pretty(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def _definitions(items: Iterable[tuple[str, Any]]) -> str:
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v if isinstance(v, str) else _pretty(v))}</dd>"
                   for k, v in items if v not in (None, "", [], {}))
    return f"<dl>{rows}</dl>" if rows else '<p class="muted">none</p>'


class GrantView(NamedTuple):
    approver: str
    created_at: float
    expires_at: float
    used_at: float | None
    problem: str  # "" when the grant verifies


def request_page(req: Request, grants: Sequence[GrantView], count: int, viewer: Viewer, flash: Flash | None,
                 now: float) -> str:
    status = status_of(req, now)
    facts = [("agent", req.agent), ("session", req.session), ("folder", req.cwd),
             ("environment", req.environment), ("created", f"{when(req.created_at)} ({ago(now - req.created_at)} ago)"),
             ("expires", when(req.expires_at)), ("approvals", _tally(count, req.required)),
             ("decided by", req.decided_by), ("note", req.note), ("digest", req.digest)]
    parts = [f"<h1>{_e(req.id)} {_badge(status)}</h1>", f'<div class="card">{_definitions(facts)}</div>']
    parts.append("<h2>What the agent wants to do</h2>")
    for i, action in enumerate(req.actions, 1):
        label = f"Action {i} of {len(req.actions)}: " if len(req.actions) > 1 else ""
        parts.append(f'<div class="card"><strong>{_e(label)}{_e(action.get("surface", ""))}</strong>'
                     f'<pre>{_e(_pretty(action.get("payload")))}</pre>'
                     f'{_definitions(sorted((action.get("context") or {}).items()))}</div>')
    parts.append("<h2>Why blastwall stopped it</h2>")
    parts.append("<ul>" + "".join(f"<li>{_e(r)}</li>" for r in req.reasons) + "</ul>" if req.reasons
                 else '<p class="muted">no reason recorded</p>')
    if req.findings:
        rows = "".join(f'<tr><td><code>{_e(f.get("rule_id"))}</code></td><td>{_e(f.get("effect"))}</td>'
                       f'<td>{_e(f.get("severity"))}</td><td class="summary">{_e(f.get("target"))}</td>'
                       f'<td>{_e(f.get("environment") or "")}</td><td>{_e(f.get("reason"))}</td></tr>'
                       for f in req.findings)
        parts.append("<table><thead><tr><th>Rule</th><th>Effect</th><th>Severity</th><th>Target</th>"
                     f"<th>Environment</th><th>Reason</th></tr></thead><tbody>{rows}</tbody></table>")
    measured = (req.radius or {}).get("measured") or []
    if measured:
        parts.append("<h2>Blast radius</h2><ul>" + "".join(
            f'<li><code>{_e(m.get("target") or m.get("rule"))}</code>: '
            f'{"measured" if m.get("measured") else "unmeasured"}: {_e(m.get("summary"))}</li>' for m in measured)
            + "</ul>")
    parts.append("<h2>Pre-flight facts</h2>")
    parts.append(f"<pre>{_e(_pretty(req.radius))}</pre>" if req.radius
                 else '<p class="muted">no target was verified before the request</p>')
    parts.append("<h2>Approvals so far</h2>")
    if grants:
        rows = "".join(f"<tr><td>{_e(g.approver)}</td><td>{_e(when(g.created_at))}</td><td>{_e(when(g.expires_at))}</td>"
                       f"<td>{_e(when(g.used_at)) or 'not yet'}</td><td>{_e(g.problem or 'valid')}</td></tr>"
                       for g in grants)
        parts.append("<table><thead><tr><th>Approver</th><th>Given</th><th>Valid until</th><th>Used</th>"
                     f"<th>Signature</th></tr></thead><tbody>{rows}</tbody></table>")
    else:
        parts.append('<p class="muted">nobody has approved yet</p>')
    if status in ("pending", "approved"):
        target = f"/requests/{_e(req.id)}"
        parts.append(
            '<h2>Decide</h2><div class="decide">'
            f'<form class="card" method="post" action="{target}/approve">{_csrf_field(viewer)}'
            '<label for="approve-reason">Reason (kept in the audit log)</label>'
            '<input type="text" id="approve-reason" name="reason" maxlength="500">'
            '<button class="approve" type="submit" name="decision" value="approve">Approve</button></form>'
            f'<form class="card" method="post" action="{target}/deny">{_csrf_field(viewer)}'
            '<label for="deny-reason">Reason (shown to the agent)</label>'
            '<input type="text" id="deny-reason" name="reason" maxlength="500">'
            '<button class="deny" type="submit" name="decision" value="deny">Deny</button></form></div>')
    return document(req.id, "".join(parts), viewer, flash)


def history_page(requests: Sequence[Request], audit: Sequence[AuditRow], viewer: Viewer, now: float) -> str:
    if requests:
        rows = "".join(f'<tr><td class="nowrap"><a href="/requests/{_e(r.id)}">{_e(r.id)}</a></td><td>{_badge(status_of(r, now))}</td>'
                       f'<td class="summary">{_e(r.summary)}</td><td>{_e(r.agent or "")}</td>'
                       f'<td>{_e(r.decided_by or "")}</td><td>{_e(r.note or "")}</td>'
                       f'<td title="{_e(when(r.created_at))}">{_e(ago(now - r.created_at))} ago</td></tr>'
                       for r in requests)
        table = ("<table><thead><tr><th>Request</th><th>Status</th><th>Action</th><th>Agent</th><th>Decided by</th>"
                 f"<th>Note</th><th>Asked</th></tr></thead><tbody>{rows}</tbody></table>")
    else:
        table = '<div class="card muted">No decided request yet.</div>'
    if audit:
        rows = "".join(f"<tr><td>{row.seq}</td><td>{_e(when(row.ts))}</td><td>{_e(row.kind)}</td>"
                       f'<td class="nowrap">{_e(row.ref or "")}</td><td class="summary">{_e(_audit_text(row))}</td></tr>'
                       for row in audit)
        log = ("<table><thead><tr><th>#</th><th>Time</th><th>Kind</th><th>Ref</th><th>Data</th></tr></thead>"
               f"<tbody>{rows}</tbody></table>")
    else:
        log = '<div class="card muted">The audit log is empty.</div>'
    return document("History", f"<h1>Decided, used and expired requests</h1>{table}"
                               f"<h2>Recent audit entries</h2>{log}", viewer)


def _audit_text(row: AuditRow) -> str:
    try:
        data = json.loads(row.data)
    except ValueError:
        return row.data[:300]
    text = ", ".join(f"{k}={v}" for k, v in sorted(data.items()) if v not in (None, "", [])) \
        if isinstance(data, dict) else str(data)
    return text if len(text) <= 300 else text[:297] + "..."
