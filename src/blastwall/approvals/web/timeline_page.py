"""The session pages: `/sessions` lists the latest agent sessions, `/sessions/{id}` shows one
session's actions in order with blastwall's verdicts, the requests it filed and what was done
about them (audit/timeline.py). The request page shows the steps that led up to it with
`steps_list`."""

from __future__ import annotations

from collections.abc import Sequence

from blastwall.approvals import pretty
from blastwall.approvals.web.pages import Flash, Viewer, badge, document, e, pieces, request_link, session_link, when
from blastwall.audit.timeline import Session, Step

DECISION_CLASS = {"allow": "allow", "ask": "ask", "deny": "deny"}


def _step(step: Step, current: str | None) -> str:
    css = DECISION_CLASS.get(step.decision, "request" if step.kind == "request" else "")
    if step.request and step.request == current and step.kind == "request":
        css += " current"
    head = badge(step.decision) if step.decision else f'<span class="badge">{e(step.kind)}</span>'
    if step.kind == "verdict":
        what = f'<code class="action">{pieces(pretty.one_line(step.action))}</code>'
    else:
        what = f"<span>{e(step.action)}</span>"
    link = (f' · <a href="{request_link(step.request)}">{e(step.request)}</a>'
            if step.request and step.kind != "request" else "")
    if step.kind == "request" and step.request:
        what = f'<span>approval request <a href="{request_link(step.request)}">{e(step.request)}</a> filed</span>'
    said = f'<div class="said small">{pieces(pretty.visible(step.said, one_line=True))}</div>' if step.said else ""
    detail = f'<div class="muted small">{e(step.detail)}</div>' if step.detail else ""
    return (f'<li class="{e(css.strip())}" data-seq="{step.seq}">'
            f'<div class="top">{head} <span class="muted small">{e(when(step.ts))}{link}</span></div>'
            f"{what}{said}{detail}</li>")


def steps_list(steps: Sequence[Step], current: str | None = None) -> str:
    """The steps in order, oldest first; the request `current` is outlined."""
    return '<ol class="timeline">' + "".join(_step(s, current) for s in steps) + "</ol>"


def sessions_page(found: Sequence[Session], viewer: Viewer, now: float) -> str:
    if not found:
        body = '<div class="card muted">No agent session is in the audit log yet.</div>'
    else:
        rows = []
        for s in found:
            counts = ", ".join(f"{n} {d}" for d, n in sorted(s.counts.items()))
            rows.append(f'<li><div class="top"><a class="mono" href="{session_link(s.session)}">{e(s.session)}</a>'
                        f'<span class="muted small">{e(s.agent)} · last action {e(when(s.last))}</span></div>'
                        f'<div class="small">{e(s.cwd)}</div><div class="muted small">{e(counts)}</div></li>')
        body = '<ul class="items">' + "".join(rows) + "</ul>"
    return document("Sessions", f"<h1>Agent sessions</h1><p class=\"muted small\">The most recently active first, "
                                f"from the latest verdicts in the audit log.</p>{body}", viewer)


def session_page(session: str, steps: Sequence[Step], viewer: Viewer, flash: Flash | None = None) -> str:
    if not steps:
        body = '<div class="card muted">The audit log holds no action of this session.</div>'
    else:
        first = steps[0]
        agent = first.data.get("agent") or ""
        cwd = first.data.get("cwd") or ""
        body = (f'<p class="muted small">{e(agent)} · {e(cwd)} · {len(steps)} steps, oldest first</p>'
                + steps_list(steps))
    return document(f"Session {session}", f'<h1>Session <span class="mono">{e(session)}</span></h1>{body}',
                    viewer, flash)
