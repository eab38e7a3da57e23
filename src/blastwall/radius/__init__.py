"""Blast radius: measure what an action would destroy before anyone decides (see base.py).

    findings = measure_all(action, findings, policy)   # each finding gets `radius` when measured
"""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Any

from blastwall.model import Action, Finding, Severity

if TYPE_CHECKING:  # pragma: no cover
    from blastwall.radius.base import MeasureContext
    from blastwall.radius.gitfacts import GitFacts

__all__ = ["measure_all"]
# The policy engine imports `blastwall.radius.policy` on every hook call, which runs this file:
# the measurer machinery (base.py) is loaded only when something is measured.
DEFAULT_BUDGET_MS = 400.0  # radius.base.DEFAULT_BUDGET_S in milliseconds

# Findings worth measuring: the ones that destroy or overwrite something.
PROBES_OFF = "live probes are off; check --batch --probe measures"
PROBES_OFF_SOURCE = "probes-off"  # the source of that radius: nothing was tried (policy rules may match it)
MEASURED_EFFECTS = frozenset({"delete", "overwrite", "discard_work", "rewrite_history", "destroy_infra"})


def budget_of(policy: Any) -> float:
    section = policy.section("radius") if policy is not None else None
    try:
        ms = float((section or {}).get("budget_ms", DEFAULT_BUDGET_MS))
    except (TypeError, ValueError):
        ms = DEFAULT_BUDGET_MS
    return max(0.0, min(ms, 30000.0)) / 1000


def measure_all(action: Action, findings: list[Finding], policy: Any, *, budget_s: float | None = None,
                skip_moot: bool = True, git: GitFacts | None = None, probe: bool = True) -> list[Finding]:
    """`findings`, each destructive one with its radius when a measurer knows its kind. Never
    raises: a measurer's failure is that finding's "unmeasured" radius.

    With `skip_moot`, an action whose verdict no measurement can change is not measured at all
    (radius/matters.py). The measurers share one set of git answers for the action (`git`, made
    here when not given, with the budget's deadline; radius/gitfacts.py): pass one only to see
    what was asked, never to carry answers from one check into the next.

    Every measurer starts a process (git, kubectl, docker) or contacts a server (PostgreSQL,
    Railway): with `probe=False` none runs, and each finding one would have measured is
    "unmeasured" with that reason, as when its probe fails."""
    budget = budget_of(policy) if budget_s is None else budget_s
    if budget <= 0 or not any(_measurable(f) for f in findings):
        return findings
    if not any(_may_measure(f, action.context.cwd) for f in findings if _measurable(f)):
        return findings  # e.g. only files and git findings, and no working directory to measure them in
    if skip_moot and _moot(action, findings, policy):
        return findings
    from blastwall.radius.base import MeasureContext
    from blastwall.radius.gitfacts import GitFacts

    deadline = time.monotonic() + budget
    ctx = MeasureContext(policy, deadline, action.context.cwd, git if git is not None else GitFacts(deadline))
    return [_measure_one(action, f, ctx, probe) if _measurable(f) else f for f in findings]


def _moot(action: Action, findings: list[Finding], policy: Any) -> bool:
    from blastwall.radius.matters import can_change_verdict

    try:
        return not can_change_verdict(action, findings, _measurable, policy)
    except Exception:  # noqa: BLE001 - when it cannot be told, measure
        return False


def _may_measure(f: Finding, cwd: str | None) -> bool:
    """A measurer module answers for `f` and may run here (the local ones need `cwd`). Every glob
    a module registers starts with one of its prefixes, so False means no measurer would run."""
    return f.rule_id.startswith(_measured_prefixes(bool(cwd)))


@functools.cache
def _measured_prefixes(local: bool) -> tuple[str, ...]:
    """base.measured_prefixes (its import loads the measurer machinery: only once something may be measured)."""
    from blastwall.radius.base import measured_prefixes

    return measured_prefixes(local=local)


def _measurable(f: Finding) -> bool:
    # Critical findings are denied whatever their target holds: measuring them (rm -rf /,
    # mkfs on a disk) would only spend the agent's time.
    return f.effect in MEASURED_EFFECTS and f.radius is None and f.severity < Severity.CRITICAL  # a str enum is its value


def _measure_one(action: Action, finding: Finding, ctx: MeasureContext, probe: bool = True) -> Finding:
    from blastwall.radius.base import Radius, local_measurer, measurer_source, measurers_for

    for fn in measurers_for(finding):
        if not ctx.cwd and local_measurer(fn):
            # Files and repositories are measured against the action's own working directory;
            # without one (`blastwall check` without --cwd, batch lines) the process's would be a guess.
            continue
        if not probe:
            return finding._replace(radius=Radius.unmeasured(PROBES_OFF, source=PROBES_OFF_SOURCE).to_dict())
        if ctx.left() <= 0:  # named for the measurer that would have run: it tried, as one that runs out does
            return finding._replace(radius=Radius.unmeasured("the time budget for measuring ran out",
                                                             source=measurer_source(fn)).to_dict())
        t0 = time.perf_counter()
        try:
            radius = fn(action, finding, ctx)
        except Exception as exc:  # noqa: BLE001 - a measurer that breaks leaves the finding unmeasured
            radius = Radius.unmeasured(f"measuring failed ({type(exc).__name__})")
        if radius is not None:
            radius = radius._replace(elapsed_ms=round((time.perf_counter() - t0) * 1000, 2))
            return finding._replace(radius=radius.to_dict())
    return finding
