"""The input document every Rego policy sees: the whole decision context of one check.

    build(action, decided, degraded=False, now=time.time()) -> dict

`docs/rego-input.schema.json` is its JSON Schema (the tests validate real documents against it);
`blastwall policy input 'CMD'` prints one. The shape is versioned (`version`): fields may be
added, never renamed or removed, without a new version.

- `action`: what the agent is about to do and on whose behalf (surface, payload, agent, cwd,
  environment hint, session, database, the door's extra context; for file reads and writes the
  file as an absolute path);
- `findings`: what the analyzers found, each with the pre-flight facts (environment and the
  evidence for it), the measured radius, and what the file policy (and Cedar) decided;
- `preflight`, `radius`: the same facts summed over the action, so a policy need not loop;
- `policy`: the decision of the file policy before the Rego layers, and whether it is degraded;
- `time`: when the check runs, in UTC and in the checker's local time zone (business hours).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import Any

from blastwall.model import Action, Decision, Finding

VERSION = 1
Decided = tuple[Decision, str, Finding]
_PATH_RULES = ("shell.fs:", "file.", "later.file", "mcp.fs")  # rule families whose targets are file paths
_UNPLACED = ("", "unknown", "unverified")
PRODUCTION = frozenset({"production", "prod", "prd", "live"})  # preflight/inventory.py PRODUCTION_NAMES


def build(action: Action, decided: Iterable[Decided], *, degraded: bool = False, now: float | None = None,
          production: frozenset[str] = PRODUCTION) -> dict[str, Any]:
    """The input document for `action` whose findings the file policy decided as `decided`.
    `production`: the environment names that are production (the inventory's, lower case)."""
    rows = list(decided)
    ctx = action.context
    findings = [_finding(d, rule, f, ctx.cwd, production) for d, rule, f in rows]
    return {
        "version": VERSION,
        "action": {
            "surface": action.surface.value,
            "payload": action.payload,
            "agent": ctx.agent,
            "cwd": ctx.cwd,
            "environment": ctx.environment,
            "session": ctx.session,
            "database": ctx.database,
            "context": dict(ctx.extra),
            "path": _action_path(action),
            "digest": action.digest(),
        },
        "findings": findings,
        "preflight": _preflight(findings),
        "radius": _radius(findings),
        "policy": {
            "decision": Decision.strictest([d for d, _, _ in rows]).value,
            "degraded": degraded,
        },
        "time": _time(time.time() if now is None else now),
    }


def production_names(policy: Any) -> frozenset[str]:
    """The names (and aliases) of the environments the policy's inventory calls production."""
    section = policy.section("inventory") if policy is not None else None
    if not section:
        return PRODUCTION
    from blastwall.preflight.inventory import compiled

    try:
        inventory = compiled(section)
    except Exception:  # noqa: BLE001 - an invalid inventory is reported by preflight; the usual names stand
        return PRODUCTION
    return PRODUCTION | frozenset(n for env in inventory.environments if env.production for n in env.names())


def _action_path(action: Action) -> str | None:
    """For a file read or write: the file, absolute and normalized (`..` resolved against cwd)."""
    payload = action.payload
    path = payload.get("path") if isinstance(payload, dict) else None
    if action.surface.value not in ("file_read", "file_write") or not isinstance(path, str) or not path:
        return None
    path = os.path.expanduser(path)
    if not os.path.isabs(path):
        if not action.context.cwd:
            return None
        path = os.path.join(action.context.cwd, path)
    return os.path.normpath(path)


def _finding(decision: Decision, rule: str, f: Finding, cwd: str | None, production: frozenset[str]) -> dict[str, Any]:
    environment = (f.environment or "").lower() or None
    evidence = [str(e) for e in getattr(f, "evidence", ())]  # facts that place the target (environment/)
    return {
        "rule_id": f.rule_id,
        "effect": f.effect.value,
        "severity": f.severity.name.lower(),
        "severity_level": int(f.severity),
        "target": f.target,
        "path": target_path(f, cwd),
        "reason": f.reason,
        "reversible": bool(f.reversible),
        "confidence": float(f.confidence),
        "source": f.source,
        "environment": environment,
        "production": (environment or "") in production,
        "evidence": evidence,
        "verified": bool(evidence) and (environment or "") not in _UNPLACED + ("shared",),
        "radius": _finding_radius(f.radius),
        "decision": decision.value,
        "decided_by": rule,
    }


def target_path(f: Finding, cwd: str | None) -> str | None:
    """The target as an absolute, normalized path when it is a file path (`../x` resolved
    against the working directory); None for tables, branches, URLs and resources."""
    target = f.target.strip()
    if not target or "://" in target or "\n" in target:
        return None
    if target.startswith("~"):
        return os.path.normpath(os.path.expanduser(target))
    if target.startswith("/"):
        return os.path.normpath(target)
    looks_relative = target in (".", "..") or target.startswith(("./", "../"))
    if cwd and (looks_relative or f.rule_id.startswith(_PATH_RULES)):
        return os.path.normpath(os.path.join(cwd, target))
    return None


def _finding_radius(radius: dict[str, Any] | None) -> dict[str, Any] | None:
    if not radius:
        return None
    return {
        "measured": bool(radius.get("measured")),
        "summary": str(radius.get("summary") or ""),
        "counts": {str(k): int(v) for k, v in (radius.get("counts") or {}).items() if isinstance(v, int | float)},
        "estimate": bool(radius.get("estimate")),
        "irreplaceable": radius.get("irreplaceable"),
        "source": str(radius.get("source") or ""),
    }


def _preflight(findings: list[dict[str, Any]]) -> dict[str, Any]:
    environments = sorted({f["environment"] or "unknown" for f in findings})
    return {
        "environments": environments,
        "production": any(f["production"] for f in findings),
        "unverified": any(e in ("unknown", "unverified") for e in environments),
        "shared": "shared" in environments,
    }


def _radius(findings: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts summed over the measured findings; `complete` is false when a finding that could
    be measured was not (its count is unknown, never zero)."""
    counts: dict[str, int] = {}
    measured = [f["radius"] for f in findings if f["radius"] and f["radius"]["measured"]]
    for r in measured:
        for key, value in r["counts"].items():
            counts[key] = counts.get(key, 0) + value
    return {
        "measured": bool(measured),
        "complete": bool(findings) and all(f["radius"] and f["radius"]["measured"] for f in findings),
        "counts": counts,
    }


def _time(now: float) -> dict[str, Any]:
    local = time.localtime(now)
    return {
        "now_ns": int(now * 1_000_000_000),
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "local": {
            "iso": time.strftime("%Y-%m-%dT%H:%M:%S", local),
            "weekday": local.tm_wday + 1,  # 1 Monday ... 7 Sunday
            "hour": local.tm_hour,
            "minute": local.tm_min,
            "zone": local.tm_zone or "",
            "utc_offset_s": int(local.tm_gmtoff or 0),
        },
    }
