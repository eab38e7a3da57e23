"""What an approval notification says: the generic webhook's JSON, the Slack message and the
desktop text, built from a stored request.

Everything that leaves the machine goes through `outgoing`: selected fields only, every string
redacted (`audit.log.scrub`), stripped of control characters and lone surrogates, and cut to a
bound, so any request gives plain JSON that encodes as UTF-8. Slack text also keeps within
Slack's limits (3000 characters a section). `notify.py` sends these; docs/approvals-notify.md
shows them.
"""

from __future__ import annotations

import math
import re
import shlex
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from blastwall.audit.log import scrub
from blastwall.store.base import Request

MAX_REASONS = 20
MAX_FINDINGS = 50
FIELD_CHARS = 2000  # any one string in a payload
SLACK_TEXT_CHARS = 3000  # Slack's limit for a section's or a context element's text
FINDING_KEYS = ("rule_id", "effect", "severity", "target", "environment")
TITLE = "blastwall: approval needed"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(text: str) -> str:
    """No control characters but newline and tab, no lone surrogates (they cannot be encoded)."""
    return _CONTROL.sub("", text.encode("utf-8", "replace").decode("utf-8"))


def cut(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, marked with … when cut."""
    if len(text) <= limit:
        return text
    out = text[:limit - 1]
    amp = out.rfind("&", max(0, len(out) - 6))
    if amp != -1 and ";" not in out[amp:]:  # never leave half an escaped entity
        out = out[:amp]
    return out + "…"


def _clean(value: Any) -> Any:
    """`value` as plain JSON: short clean strings, finite numbers, lists and string-keyed dicts."""
    if isinstance(value, str):
        return cut(clean_text(value), FIELD_CHARS)
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {_clean(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return _clean(str(value))


def outgoing(request: Request) -> dict[str, Any]:
    """The request as it may leave this machine: selected fields, redacted and bounded."""
    from blastwall.approvals.view import tidy

    request = tidy(request)
    findings = [{k: f.get(k) for k in FINDING_KEYS} for f in list(request.findings)[:MAX_FINDINGS]
                if isinstance(f, Mapping)]
    from blastwall.approvals import pretty
    from blastwall.approvals import view as shown

    texts = shown.texts(request)
    view = {"id": request.id, "headline": shown.headline(request), "summary": request.summary,
            "action": pretty.plain(pretty.one_line("; ".join(texts))) if texts else request.summary,
            "lost": lost_lines(request), "where": [where_line(p) for p in shown.places(request)],
            "said": shown.said(request), "reasons": list(request.reasons)[:MAX_REASONS],
            "findings": findings, "agent": request.agent, "session": request.session, "cwd": request.cwd,
            "environment": request.environment, "required": request.required, "created_at": request.created_at,
            "expires_at": request.expires_at, "radius": _radius_lines(request)}
    out: dict[str, Any] = _clean(scrub(view))
    out["id"] = str(out["id"] or "")
    out["summary"] = str(out["summary"] or "")
    out["reasons"] = [str(r) for r in out["reasons"] or [] if r]
    return out


MAX_LOST_FILES = 10  # files listed per target in a message (the page lists more)


def lost_lines(request: Request) -> list[str]:
    """What would be lost, one line per target, its files indented below with their state."""
    from blastwall.approvals import view

    out = []
    for loss in view.losses(request)[:MAX_FINDINGS]:
        said = (f"measured: {loss.summary}" if loss.measured else
                f"not measured: {loss.summary}" if loss.measured is False and loss.summary else "not measured")
        out.append(f"{view.noun(loss.rule)} {loss.target}: {said}".strip())
        shown = loss.items[:MAX_LOST_FILES]
        out.extend(f"  {state}: {path}" for path, state in shown)
        total = max(loss.total, len(loss.items))
        if total > len(shown):
            out.append(f"  and {total - len(shown):,} more files")
    return out


def where_line(place: Any) -> str:
    why = "; ".join(place.evidence) or "no evidence was recorded"
    tail = " (treated as production)" if place.treated_as_production and place.environment != "production" else ""
    return f"{place.environment}{tail}: {place.target}; why: {why}"


def _radius_lines(request: Request) -> list[str]:
    """What each finding would destroy, measured ("build: measured: 3 untracked files, 12 KB")."""
    from blastwall.radius.policy import summaries

    return summaries(list(request.findings)[:MAX_FINDINGS])


def review_link(base_url: str | None, request_id: str) -> str | None:
    """The request's page on `blastwall serve` at `base_url` (no trailing slash)."""
    return f"{base_url}/requests/{quote(request_id, safe='')}" if base_url else None


def cli(verb: str, request_id: str) -> str:
    return f"blastwall {verb} {shlex.quote(request_id)}"


# --- generic webhook ---------------------------------------------------------------------------

def webhook_payload(request: Request, base_url: str | None = None) -> dict[str, Any]:
    """The generic webhook's JSON for a new request (event `approval_requested`)."""
    view = outgoing(request)
    approve: dict[str, Any] = {"cli": cli("approve", view["id"])}
    link = review_link(base_url, view["id"])
    if link:
        approve["url"] = link
    return {"event": "approval_requested", "request": view, "approve": approve,
            "deny": {"cli": cli("deny", view["id"])}}


def decision_payload(request: Request, decision: str, by: str | None) -> dict[str, Any]:
    """The generic webhook's JSON for a decided request (event `approval_decided`)."""
    decided = _clean(scrub({"decision": decision, "by": by, "note": request.note,
                            "decided_at": request.decided_at or time.time()}))
    return {"event": "approval_decided", **decided, "request": outgoing(request)}


# --- Slack -------------------------------------------------------------------------------------

def _esc(text: str) -> str:
    """Text for Slack mrkdwn: only &, < and > are special."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(text, limit), "emoji": False}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, SLACK_TEXT_CHARS)}}


def _slack_time(ts: Any) -> str:
    try:
        utc = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))
        return f"<!date^{int(ts)}^{{date_short_pretty}} {{time}}|{utc}>"
    except (TypeError, ValueError, OverflowError, OSError):
        return "unknown"


def slack_payload(request: Request, base_url: str | None = None) -> dict[str, Any]:
    """A Slack incoming-webhook message: fallback `text` and Block Kit `blocks`. With `base_url`
    it carries a Review link and Approve / Deny buttons (action_id `approve` / `deny`, value the
    request id) for the interactivity endpoint of `blastwall serve` (web/slack.py)."""
    view = outgoing(request)
    rid, summary = view["id"], view["summary"] or "(no summary)"
    code = _esc((view["action"] or summary).replace("```", "`\u200b`\u200b`"))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain("Approval needed", 150)},
        _section(f"*{_esc(view['headline'] or summary)}*"),
    ]
    if view["lost"]:
        blocks.append(_section("*What would be lost*\n" + "\n".join(
            f"    ◦ {_esc(line.strip())}" if line.startswith("  ") else f"• {_esc(line)}" for line in view["lost"])))
    if view["where"]:
        blocks.append(_section("*Where, and why blastwall believes it*\n" + "\n".join(f"• {_esc(w)}" for w in view["where"])))
    if view["said"]:
        blocks.append(_section(f"*The agent said it was doing:* _{_esc(view['said'])}_ (its own words, not checked)"))
    blocks.append(_section("```" + cut(code, SLACK_TEXT_CHARS - 6) + "```"))
    if view["reasons"]:
        blocks.append(_section("*Why blastwall asked*\n" + "\n".join(f"• {_esc(r)}" for r in view["reasons"])))
    needs = view["required"] if isinstance(view["required"], int) else 1
    blocks.append(_section(f"Request `{_esc(rid)}` needs {needs} approval{'s' if needs != 1 else ''}. "
                           f"In a terminal: `{_esc(cli('approve', rid))}`"))
    context = (f"agent: {_esc(cut(view['agent'] or 'unknown', 200))} · cwd: {_esc(cut(view['cwd'] or '?', 1000))}"
               f" · expires {_slack_time(view['expires_at'])}")
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": cut(context, SLACK_TEXT_CHARS)}]})
    link = review_link(base_url, rid)
    if link and len(link) <= 3000 and len(rid) <= 2000:
        confirm = {"title": _plain("Approve this action?", 100), "text": _plain(summary, 300),
                   "confirm": _plain("Approve", 30), "deny": _plain("Cancel", 30)}
        blocks.append({"type": "actions", "block_id": "blastwall", "elements": [
            {"type": "button", "text": _plain("Review"), "url": link, "action_id": "review"},
            {"type": "button", "text": _plain("Approve"), "style": "primary", "action_id": "approve", "value": rid,
             "confirm": confirm},
            {"type": "button", "text": _plain("Deny"), "style": "danger", "action_id": "deny", "value": rid},
        ]})
    text = cut(f"blastwall: approval needed: {_esc(view['headline'] or summary)} (request {_esc(rid)})", SLACK_TEXT_CHARS)
    return {"text": text, "blocks": blocks}


# --- desktop -----------------------------------------------------------------------------------

def desktop_text(request: Request) -> str:
    """The notification's body: what would be lost, the action and the command that approves it."""
    view = outgoing(request)
    return "\n".join(x for x in (cut(view["headline"], 300), cut(view["action"] or view["summary"], 300),
                                 cli("approve", view["id"])) if x)
