"""Railway blast radius: what a volume deletion (`volumeDelete`, `railway volume delete`, the
MCP `remove_volume`) takes, through the preflight Railway adapter's read-only queries: the
services and environments that mount the volume, and the backups Railway keeps of it. Those
backups live with the volume, so they go with it (`counts["backups_on_target"]`,
`irreplaceable=True`): the incident this guards against is a volume deleted together with
every backup of its data.
"""

from __future__ import annotations

from typing import Any

from blastwall.model import Action, Finding
from blastwall.radius.base import MeasureContext, Radius

SOURCE = "railway"


def measure(action: Action, finding: Finding, ctx: MeasureContext) -> Radius | None:
    from blastwall.preflight.providers import railway
    from blastwall.preflight.providers.base import Budget, ProbeContext, ProbeError, answers_for, join

    refs = [r for r in railway.refs(finding, action) or [] if r.kind == "volume"]
    if not refs:
        return None
    inventory = _inventory(ctx.policy)
    cfg = inventory.provider(railway.NAME) if inventory is not None else None
    if inventory is None or cfg is None:
        return Radius.unmeasured("no Railway provider is configured to ask ([inventory.providers.railway])", SOURCE)
    pctx = ProbeContext(inventory, Budget(min(cfg.timeout_s, ctx.left())), answers_for(action))  # shared with the preflight
    services: list[str] = []
    environments: list[str] = []
    backups: list[dict[str, Any]] = []
    notes: list[str] = []
    for ref in refs:
        try:
            instances = railway.volume_instances(ref, cfg, pctx)
        except ProbeError as exc:
            return Radius.unmeasured(f"could not measure {ref.label}: {exc}", SOURCE)
        for inst in instances:
            services += [s for s in (_name(inst.get("service")) or _str(inst.get("serviceId")),) if s]
            environments.append(_name(inst.get("environment")) or _str(inst.get("environmentId")) or "?")
            try:
                backups += railway.volume_backups(_str(inst.get("id")), cfg, pctx)
            except ProbeError as exc:
                notes.append(f"the backups of its {environments[-1]} instance are unknown ({exc})")
    services, environments = list(dict.fromkeys(services)), list(dict.fromkeys(environments))
    label = join([r.label for r in refs])
    counts = {"volumes": len(refs), "services": len(services), "environments": len(environments),
              "backups_on_target": len(backups)}
    where = f"is mounted by service {join(services)} in {join(environments)}" if services else (
        f"is in {join(environments)}" if environments else "is not mounted anywhere")
    if backups:
        n = len(backups)
        tail = f"its {n} backups are stored on it and would go with it" if n > 1 else \
            "its only backup is stored on it and would go with it"
    elif notes:
        tail = "whether Railway keeps backups of it is unknown"
    else:
        tail = "Railway keeps no backup of it"
    details = [f"backup {b.get('name') or b.get('id')} ({b.get('createdAt', '?')}) is deleted with the volume"
               for b in backups[:20]] + notes
    irreplaceable = True if backups else None
    return Radius(True, f"{label} {where}; {tail}", counts, irreplaceable=irreplaceable, source=SOURCE,
                  details=tuple(details))


def _inventory(policy: Any) -> Any:
    from blastwall.policy.engine import PolicyError
    from blastwall.preflight.inventory import compiled

    section = policy.section("inventory") if policy is not None else None
    if section is None:
        return None
    try:
        return compiled(section)
    except PolicyError:
        return None


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _name(value: Any) -> str:
    return _str(value.get("name")) if isinstance(value, dict) else ""
