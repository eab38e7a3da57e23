"""What an approver reads first about a request, as plain data for every screen (the web page,
Slack and `blastwall show`):

1. `headline`: one plain sentence of what would be lost, from the findings that made blastwall
   ask and what was measured ("DROP TABLE deletes bookings and all its rows: drops bookings:
   48,210 rows, 12 MB, in production.");
2. `losses`: the measured radius as a list: each target with its measured summary, its files
   with their state (modified, untracked, ... : the files measurer's sample) or its further
   lines (tables referencing it, resources);
3. `places`: each target's environment and why blastwall believes it (the finding's evidence,
   or the action's context saying so);
4. `said`: what the agent said it was doing, when it said anything (its word, not verified);
5. `state`: pending, approved, used, denied or expired, and which decisions remain.

Built from the stored (redacted) request only; nothing here reads the store or the network.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from blastwall.store.base import Request

HEADLINE_CLAUSES = 2  # findings named in the headline; the rest are counted
HEADLINE_CHARS = 400
UNKNOWN_ENVIRONMENTS = ("unknown", "unverified")
SEVERITY_RANK = {"none": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
# What a state leaves a human to do.
DECISIONS = {"pending": ("approve", "deny"), "approved": (), "used": (), "denied": (), "expired": ()}
STATE_TEXT = {
    "pending": "waiting for a decision",
    "approved": "approved; the agent's identical retry will use the approval once",
    "used": "approved and used: the action went ahead",
    "denied": "denied: the agent was told no",
    "expired": "expired without being used; the agent's retry files a new request",
}


class Loss(NamedTuple):
    """One target and what it holds."""

    target: str
    rule: str
    measured: bool | None  # None: nobody measured it
    summary: str  # the measured summary, or why it was not measured ("" when nobody tried)
    irreplaceable: bool | None
    items: tuple[tuple[str, str], ...] = ()  # files and their state ("modified", "untracked", ...)
    notes: tuple[str, ...] = ()  # further lines: tables referencing it, resources, volumes
    total: int = 0  # how many files were measured (`items` lists a sample of them)


class Place(NamedTuple):
    """Where a target is and why blastwall believes it."""

    target: str
    environment: str
    evidence: tuple[str, ...]
    treated_as_production: bool


class Row(NamedTuple):
    """One line of a list: the newest request for an action digest, its valid approvals, and how
    many requests in the list are for that very action."""

    request: Request
    approvals: int
    count: int = 1


def grouped(requests: Sequence[Request], approvals: Sequence[int] | None = None) -> list[Row]:
    """One row per digest (the newest request first, as listed), with how many share it."""
    rows: dict[str, Row] = {}
    for i, req in enumerate(requests):
        if req.digest in rows:
            rows[req.digest] = rows[req.digest]._replace(count=rows[req.digest].count + 1)
        else:
            rows[req.digest] = Row(req, approvals[i] if approvals else 0)
    return list(rows.values())


def tidy(request: Request) -> Request:
    """`request` with the shapes the screens read: actions, findings and the radius facts as
    mappings, reasons as text; anything else in a stored row (an older or damaged store) is left
    out, so a screen shows what it can instead of failing."""
    actions = tuple(dict(a, context=a["context"] if isinstance(a.get("context"), Mapping) else {})
                    for a in request.actions if isinstance(a, Mapping))
    return request._replace(
        actions=actions, findings=tuple(f for f in request.findings if isinstance(f, Mapping)),
        reasons=tuple(str(r) for r in request.reasons if r is not None),
        radius=request.radius if isinstance(request.radius, Mapping) else None)


def _seq(value: Any) -> tuple[Any, ...]:
    """A list-valued fact as a tuple (nothing when it is not a list)."""
    return tuple(value) if isinstance(value, (list, tuple)) else ()


def status_of(request: Request, now: float) -> str:
    if request.status in ("pending", "approved") and now >= request.expires_at:
        return "expired"
    return request.status


def _findings(request: Request) -> list[Mapping[str, Any]]:
    return [f for f in request.findings if isinstance(f, Mapping)]


def _rank(finding: Mapping[str, Any]) -> int:
    return SEVERITY_RANK.get(str(finding.get("severity") or "none"), 0)


def deciding(request: Request) -> list[Mapping[str, Any]]:
    """The findings that made blastwall ask, strongest first: those of the highest severities
    present (low and informational findings only when there is nothing else)."""
    found = sorted(_findings(request), key=_rank, reverse=True)
    strong = [f for f in found if _rank(f) >= SEVERITY_RANK["medium"]]
    return strong or [f for f in found if _rank(f) > 0] or found


_TAIL = re.compile(r"\s*\((?:un)?measured:.*$")


def _clause(finding: Mapping[str, Any]) -> str:
    """The finding's own reason up to its first `;` (the rest is environment and advice)."""
    text = str(finding.get("reason") or "").split("; ")[0].strip().rstrip(".")
    return _TAIL.sub("", text) or str(finding.get("rule_id") or "an action blastwall cannot read")


def _where(environment: str | None) -> str:
    if not environment:
        return ""
    if environment in UNKNOWN_ENVIRONMENTS:
        return ", in an unverified environment (treated as production)"
    return f", in {environment}"


def headline(request: Request) -> str:
    """One plain sentence of what would be lost."""
    parts: list[str] = []
    chosen = deciding(request)
    envs = {str(f.get("environment") or "") for f in chosen}
    shared = envs.pop() if len(envs) == 1 else None  # said once at the end when every clause shares it
    for f in chosen:
        radius = f.get("radius") if isinstance(f.get("radius"), Mapping) else {}
        text = _clause(f)
        if radius and radius.get("measured") and radius.get("summary"):
            text += f": {radius['summary']}"
        if shared is None:
            text += _where(f.get("environment"))
        if text not in parts:
            parts.append(text)
    if not parts:
        first = request.reasons[0] if request.reasons else "blastwall could not tell what this action would do"
        parts = [first.split("; ")[0].rstrip(".")]
    more = len(parts) - HEADLINE_CLAUSES
    sentence = "; ".join(parts[:HEADLINE_CLAUSES])
    if more > 0:
        sentence += f"; and {more} more effect{'s' if more != 1 else ''} below"
    sentence += _where(shared) if shared and len(parts) else ""
    if len(sentence) > HEADLINE_CHARS:
        sentence = sentence[:HEADLINE_CHARS - 1].rstrip() + "…"
    from blastwall.redact import redact

    return redact(sentence if sentence.endswith((".", "…")) else sentence + ".")  # a program's name keeps its case


def _relative(path: str, cwd: str | None) -> str:
    if cwd and os.path.isabs(path):
        rel = os.path.relpath(path, cwd)
        if not rel.startswith(".."):
            return rel
    return path


# What kind of thing a rule's target is, by rule id prefix (first match wins).
NOUNS = (
    (("sql.", "later.sql.", "mcp.postgres", "http.supabase"), "table"),
    (("shell.git:", "later.shell.git"), "git"),
    (("shell.fs:", "file.write:", "mcp.filesystem:", "code."), "files"),
    (("shell.kubectl:", "shell.helm:", "http.kubernetes:", "later.k8s"), "cluster"),
    (("shell.docker:", "shell.compose:"), "docker"),
    (("shell.terraform:", "later.terraform", "shell.tofu:", "shell.pulumi:"), "infrastructure"),
    (("http.", "shell.railway:", "mcp.railway:"), "service"),
)


def noun(rule: str) -> str:
    """`table`, `git`, `files`, `cluster`, `docker`, `infrastructure`, `service` or `` for a rule id."""
    for prefixes, name in NOUNS:
        if rule.startswith(prefixes):
            return name
    return ""


def losses(request: Request) -> list[Loss]:
    """Each target of the request and what was measured of it, strongest findings first."""
    out: list[Loss] = []
    seen: set[tuple[str, str]] = set()
    for f in deciding(request):
        key = (str(f.get("target") or ""), str(f.get("rule_id") or ""))
        if key in seen:
            continue
        seen.add(key)
        r = f.get("radius") if isinstance(f.get("radius"), Mapping) else None
        items = tuple((_relative(str(i[0]), request.cwd), str(i[1])) for i in _seq((r or {}).get("items"))
                      if isinstance(i, (list, tuple)) and len(i) == 2)
        notes = tuple(str(d) for d in _seq((r or {}).get("details")) if str(d) not in {i[0] for i in items})
        if items:  # the files are listed one by one: the measured roots add nothing
            notes = tuple(n for n in notes if not os.path.isabs(n))
        counts = (r or {}).get("counts")
        files = counts.get("files") if isinstance(counts, Mapping) else 0
        out.append(Loss(target=key[0] or _clause(f), rule=key[1], measured=None if r is None else bool(r.get("measured")),
                        summary=str((r or {}).get("summary") or ""), irreplaceable=(r or {}).get("irreplaceable"),
                        items=items, notes=notes, total=files if isinstance(files, int) and files > 0 else 0))
    return out


def _context_environment(request: Request) -> str | None:
    for action in request.actions:
        ctx = action.get("context") if isinstance(action, Mapping) else None
        if isinstance(ctx, Mapping) and ctx.get("environment"):
            return str(ctx["environment"])
    return None


def places(request: Request) -> list[Place]:
    """Each placed target's environment and the evidence for it; the action's own context when
    it names an environment (a hint the caller gave, not proved)."""
    hint = _context_environment(request)
    targets: dict[tuple[str, tuple[str, ...]], list[str]] = {}  # targets with the same environment and evidence
    for f in _findings(request):
        env = f.get("environment")
        if not env:
            continue
        evidence = tuple(str(e) for e in _seq(f.get("evidence"))) or ((HINT,) if env == hint else ())
        names = targets.setdefault((str(env), evidence), [])
        name = str(f.get("target") or f.get("rule_id") or "")
        if name not in names:
            names.append(name)
    out = [Place(", ".join(names), env, evidence, env in UNKNOWN_ENVIRONMENTS or env == "production")
           for (env, evidence), names in targets.items()]
    if hint and not any(p.environment == hint for p in out):
        out.append(Place("this action", hint, (HINT,), hint in ("production", *UNKNOWN_ENVIRONMENTS)))
    return out


HINT = "the action's context names it (BLASTWALL_ENVIRONMENT or the caller); a hint, not proved"


def said(request: Request) -> str | None:
    """What the agent said it was doing (its tool call's description), when it said anything."""
    text = request.radius.get("said") if isinstance(request.radius, Mapping) else None
    return text if isinstance(text, str) and text else None


def preflight(request: Request) -> dict[str, Any]:
    """The pre-flight and radius facts without the agent's words (for the folded raw view)."""
    return {k: v for k, v in request.radius.items() if k != "said"} if isinstance(request.radius, Mapping) else {}


def action_text(action: Mapping[str, Any]) -> str:
    """A stored action as one line of its own text (what windows match against)."""
    from blastwall.approvals.requests import action_text as text_of
    from blastwall.model import Action, Context, Surface

    try:
        return text_of(Action(Surface(str(action.get("surface"))), action.get("payload"),
                              Context.from_mapping(action.get("context") or {})))
    except ValueError:
        return str(action.get("payload"))


def texts(request: Request) -> list[str]:
    return [action_text(a) for a in request.actions if isinstance(a, Mapping)]


def windows_for(request: Request, windows: Sequence[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The configured approval windows this request's actions fall in (same surface, pattern
    matching every action's text). None for a request that needs two people: a window never
    stands in for a second approver."""
    if request.required > 1 or not request.actions:
        return []
    from blastwall.analyze import globs

    lines = [(str(a.get("surface")), " ".join(action_text(a).split())) for a in request.actions]
    return [(name, w) for name, w in windows
            if all(s == w.surface and globs.match_any(t, [w.pattern]) for s, t in lines)]


def window_minutes(max_s: float, choices: Sequence[int] = (15, 60, 240, 1440)) -> list[int]:
    """The window lengths offered as buttons: the usual ones up to the window's maximum."""
    fit = [m for m in choices if m * 60 <= max_s]
    return fit or [max(1, int(max_s // 60))]


def rules(request: Request) -> list[str]:
    return sorted({str(f.get("rule_id")) for f in _findings(request) if f.get("rule_id")})
