"""Preflight: verify where a destructive action's target lives before the policy decides.

    preflight(action, findings, policy) -> (findings, policy)

Inputs are the `[inventory]` of the policy (which databases, hosts, volumes, clusters, buckets,
branches and projects belong to which environment, which are shared; docs/preflight.md) and
read-only probes through provider adapters (`providers/`: ask Railway which environments
mount a volume; none with `probe=False`, as `check --batch` runs without `--probe`). Each
finding comes back with its environment set; a destructive finding on a production, shared or
unverifiable target is at least MEDIUM and its reason says what was found or what could not be
verified. blastwall verifies, it never guesses: a probe that fails, times out, is not
configured or is off leaves the target `unverified`, which the policy treats as production.

Cost: with no inventory this is a dictionary lookup per finding; the rest of the package (and
only the provider module a finding needs) is imported when there is work to do.
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall.model import Action, Effect, Finding, Severity
from blastwall.policy.engine import Policy, PolicyError

__all__ = ["preflight"]

INVALID_RULE = "preflight.inventory:invalid"


def preflight(action: Action, findings: list[Finding], policy: Policy | None, *,
              probe: bool = True) -> tuple[list[Finding], Policy | None]:
    """The findings placed in their environments, and the policy (loaded here when not given;
    None when the policy files are invalid, which the policy stage reports). With `probe=False`
    no provider is asked: a resource only a probe could place stays unverified."""
    if policy is None:
        policy = _load(action.context.cwd)
    section = policy.section("inventory") if policy is not None else None
    if section is None:
        return without_inventory(action, findings), policy
    from blastwall.preflight.inventory import compiled

    try:
        inventory = compiled(section)
    except PolicyError as exc:
        return _invalid(action, findings, exc), policy
    from blastwall.preflight.resolve import resolve_all

    return resolve_all(action, findings, inventory, probe=probe), policy


def without_inventory(action: Action, findings: list[Finding]) -> list[Finding]:
    """No inventory: each target placed from the evidence blastwall can verify (environment/), else
    the context's environment hint, as before; provider resources (a Railway volume) are marked
    unverified, since nothing says where they live."""
    placed, provider_of = _placing()
    env = action.context.environment
    out = [f if f.environment or not env else f._replace(environment=env) for f in placed(action, findings)]
    if not any(provider_of(f) for f in out):
        return out
    return [_unplaced_resource(action, f) if provider_of(f) else f for f in out]


@functools.cache
def _placing() -> tuple[Any, Any]:
    """(environment.placed, providers.provider_of), imported when a finding is first placed and kept."""
    from blastwall.environment import placed
    from blastwall.preflight.providers import provider_of

    return placed, provider_of


def _unplaced_resource(action: Action, f: Finding) -> Finding:
    from blastwall.preflight.candidates import CONTEXT_LABEL
    from blastwall.preflight.providers import adapter, provider_of
    from blastwall.preflight.resolve import Fact, apply, destructive, place_named

    if not destructive(f):
        return f
    refs = adapter(provider_of(f) or "").refs(f, action)
    if not refs:
        return f
    env = action.context.environment
    facts = [Fact(CONTEXT_LABEL, f"names environment {env}", (place_named(None, env),))] if env else []
    unverified = [f"could not verify {ref.label}: blastwall.toml has no [inventory] to check it against" for ref in refs]
    return apply(f, facts, unverified, heavy=True)


def _invalid(action: Action, findings: list[Finding], exc: PolicyError) -> list[Finding]:
    from blastwall.preflight.resolve import destructive

    out = without_inventory(action, findings)
    if any(destructive(f) for f in out):
        out.append(Finding(
            rule_id=INVALID_RULE,
            effect=Effect.UNVERIFIED,
            severity=Severity.MEDIUM,
            reason=f"the [inventory] in blastwall.toml is invalid ({exc}), so blastwall cannot verify where this "
                   "action's targets live; treat them as production",
            safer="fix the [inventory] table (docs/preflight.md describes its format)",
            environment="unverified",
        ))
    return out


def _load(cwd: str | None) -> Policy | None:
    from blastwall.policy.load import load_policy

    try:
        return load_policy(cwd)
    except PolicyError:
        return None
