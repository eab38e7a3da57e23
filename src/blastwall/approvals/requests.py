"""Approval requests: what gets stored when a verdict is `ask`, and its digest.

A tool call may carry several actions (an `apply_patch` that touches three files); the request
binds to all of them: its digest is the action's own digest for one action, else the sha256 of
the actions' digests in order. Actions are stored redacted: the approver sees what the agent
asked for with credentials masked, and the digest (over the unredacted actions) still binds.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from blastwall.model import Action, Verdict
from blastwall.redact import redact
from blastwall.store.base import Request

SUMMARY_CHARS = 300
ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: ids are read aloud and typed


def tool_digest(actions: Sequence[Action]) -> str:
    if len(actions) == 1:
        return actions[0].digest()
    from blastwall.model import _sha256

    joined = "\n".join(a.digest() for a in actions)
    return _sha256(joined.encode()).hexdigest()


def new_id() -> str:
    import secrets

    return "bw-" + "".join(secrets.choice(ID_ALPHABET) for _ in range(8))


def action_text(action: Action) -> str:
    """The action as one line of text (windows match their pattern against it)."""
    p = action.payload
    if isinstance(p, str):
        return p
    if not isinstance(p, dict):
        return json.dumps(p, default=str)
    kind = action.surface.value
    if kind == "http":
        return f"{p.get('method', 'GET')} {p.get('url', '')}"
    if kind == "mcp":
        args = json.dumps(p.get("arguments") or {}, sort_keys=True, ensure_ascii=False, default=str)
        return f"{p.get('server', '')}.{p.get('tool', '')} {args}"
    if kind.startswith("file"):
        return str(p.get("path", ""))
    return json.dumps(p, sort_keys=True, default=str)


def summary(actions: Sequence[Action]) -> str:
    text = "; ".join(action_text(a) for a in actions)
    text = redact(" ".join(text.split()))
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS - 3] + "..."


def _redacted_action(action: Action) -> dict[str, Any]:
    from blastwall.audit.log import scrub

    return scrub({"surface": action.surface.value, "payload": action.payload, "context": action.context.to_dict()})


def build_request(actions: Sequence[Action], verdicts: Sequence[Verdict], reasons: Sequence[str], *,
                  required: int, expires_s: float, now: float | None = None, said: str | None = None) -> Request:
    """The request for an `ask`. `said` is the agent's own account of the call (its tool call's
    `description`): kept, redacted, beside the pre-flight facts (`radius["said"]`) for the approver."""
    now = time.time() if now is None else now
    first = actions[0]
    findings = [f.to_dict() for v in verdicts for f in v.findings]
    envs = sorted({str(f["environment"]) for f in findings if f.get("environment")})
    ctx = first.context
    return Request(
        id=new_id(), digest=tool_digest(actions), surface=first.surface.value, summary=summary(actions),
        actions=tuple(_redacted_action(a) for a in actions), findings=tuple(findings),
        reasons=tuple(redact(r) for r in reasons), agent=ctx.agent, session=ctx.session, cwd=ctx.cwd,
        environment=ctx.environment or (", ".join(envs) if envs else None), required=required,
        created_at=now, expires_at=now + expires_s,
        radius=_approver_facts(findings, said),
    )


def _approver_facts(findings: list[dict[str, Any]], said: str | None) -> dict[str, Any] | None:
    facts = dict(_preflight_facts(findings) or {})
    if said:
        facts["said"] = redact(said)
    return facts or None


def _preflight_facts(findings: list[dict[str, Any]]) -> dict[str, Any] | None:
    """What pre-flight verified about each target and what each would destroy (its measured
    blast radius), for the approver's screen."""
    from blastwall.radius.policy import facts as radius_facts

    facts = [{"target": f.get("target"), "environment": f.get("environment"), "rule": f.get("rule_id"),
              **({"evidence": list(f["evidence"])} if f.get("evidence") else {})}
             for f in findings if f.get("environment") or str(f.get("rule_id", "")).startswith("preflight")]
    measured = radius_facts(findings)
    out: dict[str, Any] = {"targets": facts} if facts else {}
    if measured:
        out["measured"] = measured
    return out or None


def shown_matches_digest(request: Request) -> bool | None:
    """Whether the action a human is shown is the action the request's digest binds to: True
    when it is, None when credentials were masked in it (it cannot be re-derived), False when
    the stored action and the digest disagree: the request was altered in the store, and approving
    it would sign something other than what is on the screen."""
    from blastwall.model import Context, Surface
    from blastwall.redact import MASK

    try:
        actions = [Action(Surface(a["surface"]), a["payload"], Context.from_mapping(a.get("context") or {}))
                   for a in request.actions]
        if actions and tool_digest(actions) == request.digest:
            return True
    except (KeyError, TypeError, ValueError):
        pass
    return None if MASK in json.dumps(list(request.actions), default=str) else False

