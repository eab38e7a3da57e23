"""The approval page's HTML: plain server-rendered pages, every value escaped, no script.

Each function takes plain data (store rows, strings) and returns a complete document; the app
(app.py) decides who may see what. The style sheet (style.py) is served from `/style.css` so
that the Content-Security-Policy needs no inline allowance. The request page is in
request_page.py, the session timeline in timeline_page.py; this module holds the frame, the
sign-in and error pages and the lists.

Lists show one row per action digest: requests for the very same action are one row with a
count. Every row leads with the sentence of what would be lost (approvals/view.py) and shows the
action's exact text with invisible characters marked (approvals/pretty.py), and the start of its
digest, so two requests that differ only in a trailing space never look alike.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any, NamedTuple
from urllib.parse import quote

from blastwall.approvals import pretty, view
from blastwall.approvals.view import Row, grouped, status_of
from blastwall.approvals.web.style import CSS
from blastwall.humanize import duration as ago
from blastwall.store.base import AuditRow, Request

__all__ = ["CSS", "Flash", "GrantView", "Row", "Viewer", "document", "error_page", "grouped", "history_page",
           "login_page", "pending_page", "status_of", "when"]


class Flash(NamedTuple):
    kind: str  # "ok" | "error"
    message: str


class Viewer(NamedTuple):
    """Who is looking, and the CSRF token their forms carry."""

    user: str
    csrf: str


class GrantView(NamedTuple):
    approver: str
    created_at: float
    expires_at: float
    used_at: float | None
    problem: str  # "" when the grant verifies


def when(ts: float | None) -> str:
    if ts is None:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ts))


def e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def csrf_field(viewer: Viewer) -> str:
    return f'<input type="hidden" name="csrf" value="{e(viewer.csrf)}">'


def pieces(parts: Iterable[pretty.Piece]) -> str:
    """Text pieces as HTML, each marker a titled span (`·` for a trailing space, `→` a tab)."""
    return "".join(f'<span class="ws" title="{e(p.mark)}">{e(p.text)}</span>' if p.mark else e(p.text)
                   for p in parts)


def badge(status: str, extra: str = "") -> str:
    return f'<span class="badge {e(status)}">{e(extra or status)}</span>'


def request_link(rid: str) -> str:
    return f"/requests/{quote(rid, safe='')}"


def session_link(sid: str) -> str:
    return f"/sessions/{quote(sid, safe='')}"


def document(title: str, body: str, viewer: Viewer | None = None, flash: Flash | None = None) -> str:
    nav = ""
    if viewer is not None:
        nav = (f'<a href="/">Pending</a><a href="/history">History</a><a href="/sessions">Sessions</a>'
               f'<span class="who">signed in as {e(viewer.user)}</span>'
               f'<form method="post" action="/logout">{csrf_field(viewer)}<button type="submit">Log out</button></form>')
    note = f'<div class="flash {e(flash.kind)}" role="status">{e(flash.message)}</div>' if flash else ""
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{e(title)} · blastwall</title><link rel=\"stylesheet\" href=\"/style.css\"></head><body>"
            f"<header><a class=\"brand\" href=\"/\">blastwall approvals</a>{nav}</header>"
            f"<main>{note}{body}</main></body></html>")


def login_page(login_token: str, error: str = "", token: str = "") -> str:
    note = Flash("error", error) if error else None
    body = ('<div class="card login"><h1>Sign in</h1>'
            '<p class="muted">Paste the login token that <code>blastwall serve</code> printed '
            '(or that <code>blastwall serve --add-user NAME</code> gave you).</p>'
            '<form method="post" action="/login">'
            f'<input type="hidden" name="login_csrf" value="{e(login_token)}">'
            '<label for="token">Login token</label>'
            f'<input type="password" id="token" name="token" autocomplete="off" value="{e(token)}" autofocus>'
            '<button class="approve" type="submit">Sign in</button></form></div>')
    return document("Sign in", body, flash=note)


def error_page(title: str, message: str, viewer: Viewer | None = None) -> str:
    return document(title, f'<div class="card"><h1>{e(title)}</h1><p>{e(message)}</p>'
                           '<p><a href="/">Back to the pending requests</a></p></div>', viewer)


def tally(approvals: int, required: int) -> str:
    return f"{approvals} of {required} approval{'s' if required != 1 else ''}"


def action_lines(req: Request) -> str:
    """The request's actions, one line each, exact, with invisible characters marked."""
    lines = view.texts(req) or [req.summary]
    return "".join(f'<code class="action">{pieces(pretty.one_line(t))}</code>' for t in lines[:3]) + \
        (f'<p class="muted small">and {len(lines) - 3} more actions</p>' if len(lines) > 3 else "")


DECIDED = {"used": "approved by {by}, then used", "expired": "approved by {by}, never used"}


def _item(row: Row, now: float) -> str:
    req = view.tidy(row.request)
    status = status_of(req, now)
    same = badge("count", f"×{row.count} same action") if row.count > 1 else ""
    timing = f"asked {ago(now - req.created_at)} ago"
    if status == "pending":
        timing += f" · expires in {ago(req.expires_at - now)} · {tally(row.approvals, req.required)}"
    elif req.decided_by:
        timing += " · " + DECIDED.get(status, "{status} by {by}").format(status=status, by=req.decided_by)
    who = " · ".join(x for x in (req.agent, req.cwd) if x)
    session = (f' · <a href="{session_link(req.session)}">session timeline</a>' if req.session else "")
    return (f'<li class="request" data-digest="{e(req.digest)}"><div class="top">'
            f'<a class="mono" href="{request_link(req.id)}">{e(req.id)}</a>{badge(status)}{same}'
            f'<span class="muted small">{e(timing)}</span></div>'
            f'<p class="headline">{e(view.headline(req))}</p>{action_lines(req)}'
            f'<div class="muted small">{e(who)}{session} · digest <span class="mono">{e(req.digest[:12])}</span></div>'
            "</li>")


def items(rows: Sequence[Row], now: float, empty: str) -> str:
    if not rows:
        return f'<div class="card muted">{e(empty)}</div>'
    return '<ul class="items">' + "".join(_item(r, now) for r in rows) + "</ul>"


def pending_page(rows: Sequence[Row], viewer: Viewer, flash: Flash | None, now: float) -> str:
    return document("Pending", "<h1>Pending requests</h1>" + items(rows, now, "No request is waiting for a decision."),
                    viewer, flash)


def history_page(rows: Sequence[Row], audit: Sequence[AuditRow], viewer: Viewer, now: float) -> str:
    table = items(rows, now, "No decided request yet.")
    if audit:
        lines = "".join(f'<tr><td data-label="#">{row.seq}</td><td data-label="Time">{e(when(row.ts))}</td>'
                        f'<td data-label="Kind">{e(row.kind)}</td>'
                        f'<td class="nowrap" data-label="Ref">{e(row.ref or "")}</td>'
                        f'<td class="summary" data-label="Data">{e(audit_text(row))}</td></tr>' for row in audit)
        log = ("<table><thead><tr><th>#</th><th>Time</th><th>Kind</th><th>Ref</th><th>Data</th></tr></thead>"
               f"<tbody>{lines}</tbody></table>")
    else:
        log = '<div class="card muted">The audit log is empty.</div>'
    return document("History", f"<h1>Decided, used and expired requests</h1>{table}"
                               f"<details><summary>Recent audit entries</summary>{log}</details>", viewer)


def audit_text(row: AuditRow) -> str:
    try:
        data = json.loads(row.data)
    except ValueError:
        return row.data[:300]
    text = ", ".join(f"{k}={v}" for k, v in sorted(data.items()) if v not in (None, "", [])) \
        if isinstance(data, dict) else str(data)
    return text if len(text) <= 300 else text[:297] + "..."
