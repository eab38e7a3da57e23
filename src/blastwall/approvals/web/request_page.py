"""One request's page, in the order a human judges it:

1. the sentence of what would be lost, and the request's state;
2. what would be lost, measured (files with their state, rows per table, resources);
3. where: each target's environment and why blastwall believes it;
4. what the agent said it was doing, when it said anything;
5. the action, laid out for reading (pretty.py), exact text with invisible characters marked;
6. the decisions the state leaves open, one click each: approve once, approve for a while in
   this folder for this rule (the configured windows this action falls in), deny with a reason
   the agent is shown; none on an approved, used, denied or expired request;
7. the approvals given, what led up to it in the agent's session, and folded away: blastwall's
   reasons and the raw facts (findings, pre-flight, context, digest).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from blastwall.approvals import pretty, view
from blastwall.approvals.grants import person
from blastwall.approvals.web.pages import (
    Flash,
    GrantView,
    Viewer,
    badge,
    csrf_field,
    document,
    e,
    pieces,
    request_link,
    session_link,
    tally,
    when,
)
from blastwall.approvals.web.timeline_page import steps_list
from blastwall.audit.timeline import Step
from blastwall.humanize import duration as ago
from blastwall.store.base import Request


class Detail(NamedTuple):
    """Everything the request page shows, read from the store by the desk."""

    request: Request
    approvals: int  # distinct valid unused approvals
    grants: Sequence[GrantView]
    windows: Sequence[tuple[str, Any]] = ()  # the configured windows this action falls in
    same: Sequence[Request] = ()  # other requests for the very same action
    steps: Sequence[Step] = ()  # what led up to it in its session
    shown: bool | None = True  # requests.shown_matches_digest


def minutes_label(minutes: int) -> str:
    return f"{minutes} min" if minutes < 60 or minutes % 60 else f"{minutes // 60} h"


def _lost(req: Request) -> str:
    rows = []
    for loss in view.losses(req):
        name = f"{view.noun(loss.rule)} {loss.target}".strip()
        if loss.measured:
            said = f"measured: {loss.summary}"
        elif loss.measured is False:
            said = f"not measured: {loss.summary}" if loss.summary else "not measured"
        else:
            said = "not measured"
        files = "".join(f'<li><span class="state {e(state.replace(" ", "-"))}">{e(state)}</span> '
                        f'<code>{pieces(pretty.visible(path, one_line=True))}</code></li>' for path, state in loss.items)
        notes = "".join(f'<li class="muted">{e(n)}</li>' for n in loss.notes)
        more = ""
        if loss.items and loss.total > len(loss.items):
            more = (f'<li class="muted small">and {loss.total - len(loss.items):,} more files (work that exists '
                    "nowhere else is listed first)</li>")
        inner = f'<ul class="files">{files}{more}{notes}</ul>' if files or notes else ""
        rows.append(f'<li><strong>{e(name)}</strong> <span class="muted">({e(loss.rule)})</span>: {e(said)}{inner}</li>')
    if not rows:
        return '<p class="muted">blastwall named no target for this action.</p>'
    return f'<ul class="lost">{"".join(rows)}</ul>'


def _where(req: Request) -> str:
    found = view.places(req)
    if not found:
        return ('<p class="muted">blastwall did not place this action in an environment (no database, service or '
                "cluster it knows is involved).</p>")
    rows = []
    for p in found:
        why = "; ".join(p.evidence) or "no evidence was recorded"
        tail = " <em>Treated as production.</em>" if p.environment in view.UNKNOWN_ENVIRONMENTS else ""
        rows.append(f"<li><strong>{e(p.environment)}</strong>: {e(p.target)}. "
                    f'<span class="muted">Why: {e(why)}.</span>{tail}</li>')
    return f'<ul class="lost">{"".join(rows)}</ul>'


def _said(req: Request) -> str:
    text = view.said(req)
    if not text:
        return ""
    return ('<h2>What the agent said it was doing</h2>'
            f'<blockquote class="said">{pieces(pretty.visible(text, one_line=True))}</blockquote>'
            '<p class="muted small">The agent\'s own words, sent with the tool call; blastwall does not check them.</p>')


def _block(block: pretty.Block) -> str:
    body = e(block.text) if block.kind != "exact" else pieces(pretty.visible(block.text))
    inner = f'<p class="muted small">{e(block.label)}</p><pre>{body}</pre>'
    return f"<details><summary>{e(block.label)}</summary><pre>{body}</pre></details>" if block.folded else inner


def _actions(req: Request) -> str:
    out = []
    for i, action in enumerate(req.actions, 1):
        head = f"Action {i} of {len(req.actions)}: " if len(req.actions) > 1 else ""
        out.append(f'<div class="card"><strong>{e(head)}{e(action.get("surface", ""))}</strong>'
                   + "".join(_block(b) for b in pretty.blocks(action)) + "</div>")
    return "".join(out)


def _mine(grants: Sequence[GrantView], viewer: Viewer) -> bool:
    me = person(f"web:{viewer.user}")
    return any(person(g.approver) == me and not g.problem and g.used_at is None for g in grants)


def _decide(d: Detail, viewer: Viewer, status: str, now: float) -> str:
    req = d.request
    if status != "pending":
        text = {"approved": f"Approved by {req.decided_by or 'a human'}; the agent's identical retry goes through once.",
                "used": f"Approved by {req.decided_by or 'a human'} and used: the action went ahead.",
                "denied": f"Denied by {req.decided_by or 'a human'}" + (f": {req.note}" if req.note else "."),
                "expired": f"Expired at {when(req.expires_at)} without being used; the agent's retry files a new "
                           "request."}.get(status, status)
        return f'<div class="card" id="decided">{e(text)}</div>'
    target = request_link(req.id)
    deny = (f'<form class="card" method="post" action="{target}/deny">{csrf_field(viewer)}'
            '<label for="deny-reason">Reason (shown to the agent)</label>'
            '<input type="text" id="deny-reason" name="reason" maxlength="500">'
            '<button class="deny" type="submit" name="decision" value="deny">Deny</button></form>')
    if d.shown is False:
        return ('<div class="flash error">This request was altered in the store: the action shown is not the action '
                f"its digest binds to. It cannot be approved.</div><div class=\"decide\">{deny}</div>")
    if _mine(d.grants, viewer):
        approve = (f'<div class="card">You approved this ({e(tally(d.approvals, req.required))}); another person must '
                   "approve it too.</div>")
        return f'<div class="decide">{approve}{deny}</div>'
    rules = view.rules(req)
    buttons = ['<button class="approve" type="submit" name="scope" value="once">Approve once</button>']
    notes = []
    for name, window in d.windows:
        for minutes in view.window_minutes(window.max_s):
            buttons.append(f'<button class="window" type="submit" name="scope" value="window:{e(name)}:{minutes}">'
                           f"Approve for {e(minutes_label(minutes))} in this folder for this rule</button>")
        notes.append(f"Window {name}: {window.surface} actions matching {window.pattern!r}, in {req.cwd or 'any folder'}, "
                     f"with rule{'s' if len(rules) != 1 else ''} {', '.join(rules) or 'none'}, pass until it closes.")
    if not d.windows and req.required == 1:
        notes.append("No approval window covers this action ([approvals.windows] in blastwall.toml).")
    approve = (f'<form class="card" method="post" action="{target}/approve">{csrf_field(viewer)}'
               '<label for="approve-reason">Reason (kept in the audit log; optional)</label>'
               '<input type="text" id="approve-reason" name="reason" maxlength="500">'
               f'<div class="buttons">{"".join(buttons)}</div>'
               + "".join(f'<p class="muted small">{e(n)}</p>' for n in notes) + "</form>")
    plural = "s" if req.required != 1 else ""
    need = (f'<p class="muted small">{e(tally(d.approvals, req.required))} so far.</p>' if d.approvals
            else f'<p class="muted small">Nobody has approved yet; {req.required} approval{plural} needed.</p>')
    return f'{need}<div class="decide">{approve}{deny}</div>'


def _grants(grants: Sequence[GrantView]) -> str:
    if not grants:
        return ""
    rows = "".join(f'<tr><td data-label="Approver">{e(g.approver)}</td><td data-label="Given">{e(when(g.created_at))}</td>'
                   f'<td data-label="Valid until">{e(when(g.expires_at))}</td>'
                   f'<td data-label="Used">{e(when(g.used_at)) or "not yet"}</td>'
                   f'<td data-label="Signature">{e(g.problem or "valid")}</td></tr>' for g in grants)
    return ("<h2>Approvals given</h2><table><thead><tr><th>Approver</th><th>Given</th><th>Valid until</th><th>Used</th>"
            f"<th>Signature</th></tr></thead><tbody>{rows}</tbody></table>")


def _raw(req: Request, count: int) -> str:
    rows = "".join(f'<tr><td data-label="Rule"><code>{e(f.get("rule_id"))}</code></td>'
                   f'<td data-label="Effect">{e(f.get("effect"))}</td><td data-label="Severity">{e(f.get("severity"))}</td>'
                   f'<td class="summary" data-label="Target">{e(f.get("target"))}</td>'
                   f'<td data-label="Environment">{e(f.get("environment") or "")}</td>'
                   f'<td data-label="Reason">{e(f.get("reason"))}</td></tr>' for f in req.findings)
    findings = ("<table><thead><tr><th>Rule</th><th>Effect</th><th>Severity</th><th>Target</th><th>Environment</th>"
                f"<th>Reason</th></tr></thead><tbody>{rows}</tbody></table>") if rows else ""
    facts = view.preflight(req)
    context = (req.actions[0].get("context") if req.actions else None) or {}
    items = [("digest", req.digest), ("approvals needed", req.required), ("valid approvals", count),
             ("created", when(req.created_at)), ("expires", when(req.expires_at)), ("decided by", req.decided_by),
             ("note", req.note), *sorted(context.items())]
    dl = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in items if v not in (None, ""))
    reasons = "".join(f"<li>{e(r)}</li>" for r in req.reasons)
    return (f"<details><summary>Why blastwall asked ({len(req.reasons)} reason{'s' if len(req.reasons) != 1 else ''})"
            f"</summary><ul>{reasons}</ul></details>"
            f"<details><summary>Raw facts: findings, pre-flight, context, digest</summary>{findings}"
            f"<p class=\"muted small\">Pre-flight and measured facts</p><pre>{e(pretty.pretty_json(facts))}</pre>"
            f"<dl>{dl}</dl></details>")


def _same(same: Sequence[Request], now: float) -> str:
    if not same:
        return ""
    links = ", ".join(f'<a href="{request_link(r.id)}">{e(r.id)}</a> ({e(view.status_of(r, now))})' for r in same)
    return f'<p class="muted small">The same action was also requested as {links}.</p>'


def _lead_up(d: Detail) -> str:
    req = d.request
    if not req.session:
        return ""
    link = f'<p><a href="{session_link(req.session)}">The whole session</a></p>'
    if not d.steps:
        return f"<h2>What led up to it</h2><p class=\"muted\">No earlier action of this session is in the audit log.</p>{link}"
    return f"<h2>What led up to it</h2>{steps_list(d.steps, current=req.id)}{link}"


def request_page(d: Detail, viewer: Viewer, flash: Flash | None, now: float) -> str:
    d = d._replace(request=view.tidy(d.request))
    req = d.request
    status = view.status_of(req, now)
    same = badge("count", f"×{len(d.same) + 1} same action") if d.same else ""
    where = " · ".join(x for x in (req.agent, req.cwd) if x)
    timing = f"asked {ago(now - req.created_at)} ago" + (f" · expires in {ago(req.expires_at - now)}"
                                                          if status == "pending" else "")
    masked = ('<p class="muted small">Credentials in this action are shown masked; the approval binds to the real '
              "action.</p>") if d.shown is None else ""
    parts = [
        f'<div class="top"><h1><span class="mono">{e(req.id)}</span> {badge(status)} {same}</h1></div>',
        f'<p class="headline" id="headline">{e(view.headline(req))}</p>',
        f'<p class="muted small">{e(view.STATE_TEXT.get(status, status))} · {e(timing)} · {e(where)}</p>',
        "<h2>What would be lost</h2>", _lost(req),
        "<h2>Where, and why blastwall believes it</h2>", _where(req),
        _said(req),
        "<h2>The action</h2>", masked, _actions(req),
        "<h2>Decide</h2>" if status == "pending" else "<h2>Decision</h2>", _decide(d, viewer, status, now),
        _grants(d.grants), _lead_up(d), _raw(req, d.approvals), _same(d.same, now),
    ]
    return document(req.id, "".join(parts), viewer, flash)
