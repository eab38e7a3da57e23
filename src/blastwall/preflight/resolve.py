"""Place each finding in an environment from the inventory and the providers' answers, and say
so in its reason.

Per finding: the action's candidates (context, hosts, connection strings, namespaces...) and the
finding's own target are looked up in the inventory; a destructive finding on a provider
resource is also probed. The outcome, strictest first:

    production  something places it in production            -> environment "production"
    unverified  a probe failed, or a remote target is unplaced -> environment "unverified"
    shared      more than one environment uses it             -> environment "shared"
    <name>      exactly one non-production environment        -> environment "<name>"

Production, unverified and shared raise a destructive finding to at least MEDIUM (never
`allow` under the default policy), and the reason says what was found or what could not be
verified. Nothing here lowers a severity: a delete in dev is still a delete.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from blastwall.model import Action, Effect, Finding, Severity
from blastwall.preflight.candidates import CONTEXT_LABEL, Candidate, from_action, from_finding
from blastwall.preflight.inventory import PRODUCTION_NAMES, Environment, Inventory
from blastwall.preflight.providers import adapter, provider_of
from blastwall.preflight.providers.base import Budget, ProbeAnswer, ProbeContext, answers_for, join

DESTRUCTIVE_EFFECTS = frozenset({Effect.DELETE, Effect.DESTROY_INFRA})
# Rule families that act on the local machine: an unplaced target there is not "unverified".
LOCAL_FAMILIES = ("shell.fs:", "file.", "shell.system:", "shell.disk:", "code.", "mcp.filesystem:", "shell.git:",
                  "mcp.git:", "shell.docker:", "shell.compose:", "mcp.docker:", "core:", "shell.blastwall:",
                  "preflight")
TREAT = "treat it as production"


class Place(NamedTuple):
    label: str  # "production", an inventory environment name, or a name nobody listed
    production: bool
    known: bool  # the inventory lists it (or its name says production)


class Fact(NamedTuple):
    subject: str  # "volume vol_7f3c"
    predicate: str  # "is mounted by service postgres in production and staging (Railway)"
    places: tuple[Place, ...] = ()
    shared: bool = False


def destructive(f: Finding) -> bool:
    return f.severity >= Severity.MEDIUM or (f.effect in DESTRUCTIVE_EFFECTS and f.severity >= Severity.LOW)


def place_named(inv: Inventory | None, name: str) -> Place:
    env = inv.environment_named(name) if inv else None
    if env is not None:
        return Place("production" if env.production else env.name, env.production, True)
    if name.strip().lower() in PRODUCTION_NAMES:
        return Place("production", True, True)
    return Place(name, False, False)


def _in(places: tuple[Place, ...]) -> str:
    return join(list(dict.fromkeys(p.label for p in places)))


def inventory_facts(inv: Inventory, cand: Candidate) -> list[Fact]:
    if "environment" in cand.kinds:
        place = place_named(inv, cand.values[0])
        said = f"names environment {cand.values[0]}" if cand.label == CONTEXT_LABEL else ""
        return [Fact(cand.label, said, (place,))]
    envs: list[Environment] = []
    for kind in cand.kinds:
        for value in cand.values:
            envs.extend(env for env, _ in inv.matching(kind, value))
    places = tuple(dict.fromkeys(place_named(inv, env.name) for env in envs))
    facts = []
    shared_by = next((p for v in cand.values if (p := inv.is_shared(v))), None)
    if shared_by:
        facts.append(Fact(cand.label, "is shared (inventory)", shared=True))
    if places:
        facts.append(Fact(cand.label, f"is in {_in(places)} (inventory)", places, shared=len(places) > 1))
    return facts


def ref_candidate(kind: str, ident: str, provider: str) -> Candidate | None:
    plural = {"volume": "volumes", "service": "services", "project": "projects"}.get(kind)
    if not plural or not ident:
        return None
    values = (f"{provider}:{ident}", ident) if kind == "project" else (ident,)
    return Candidate((plural,), values, f"{kind} {ident}")


class Resolver:
    """Resolves the findings of one action against one inventory."""

    def __init__(self, action: Action, inv: Inventory, probe: bool = True) -> None:
        self.action = action
        self.inv = inv
        self.probe = probe  # False: ask no provider (check --batch without --probe)
        self.ctx = ProbeContext(inv, Budget(inv.budget_s), answers_for(action))
        self.action_candidates = from_action(action)
        self.memo: dict[str, Any] = {}  # the command line, read once for every finding (environment/)

    def finding(self, f: Finding) -> Finding:
        if f.rule_id.startswith(("core:", "preflight")):
            return f
        heavy = destructive(f)
        facts: list[Fact] = []
        unverified: list[str] = []
        cands = [*self.action_candidates, *from_finding(f)]
        if f.environment:
            cands.append(Candidate(("environment",), (f.environment,), f"environment {f.environment}"))
        provider = provider_of(f, self.inv)
        if provider:
            self._provider(f, provider, heavy, cands, facts, unverified)
        for cand in dict.fromkeys(cands):
            facts.extend(inventory_facts(self.inv, cand))
        proved = [fact for fact in facts if fact.subject != CONTEXT_LABEL and (fact.places or fact.shared)]
        evidence: tuple[str, ...] = ()
        if not proved and not unverified:  # the inventory always wins; without it, verified evidence
            from blastwall.environment import place, with_placement

            placement = place(self.action, f, self.memo)
            if placement is not None and placement.verified:
                out = with_placement(f, placement, self.action.context.environment)
                notes = _render(facts)  # what a probe found (dependents, rows) still counts for the reason
                return out._replace(reason=f"{out.reason}; {'; '.join(notes)}") if heavy and notes else out
            evidence = placement.evidence if placement is not None else ()
        placed = any(fact.places or fact.shared for fact in facts)
        if heavy and not placed and not unverified and f.severity >= Severity.MEDIUM \
                and not f.rule_id.startswith(LOCAL_FAMILIES):
            named = [c.label for c in cands if "environment" not in c.kinds]
            what = ", ".join(dict.fromkeys(named)) if named else "which environment it targets"
            unverified.append(f"could not verify {what}: nothing in [inventory] places it")
        out = apply(f, facts, unverified, heavy)
        if proved and out.environment not in ("unverified", "shared"):
            evidence = tuple(_render(proved))  # what the inventory says is the evidence
        return out._replace(evidence=evidence) if evidence else out

    def _provider(self, f: Finding, provider: str, heavy: bool, cands: list[Candidate], facts: list[Fact],
                  unverified: list[str]) -> None:
        module = adapter(provider)
        refs = module.refs(f, self.action)
        if not refs:
            return
        cfg = self.inv.provider(provider)
        for ref in refs:
            cand = ref_candidate(ref.kind, ref.id, provider)
            if cand:
                cands.append(cand)
            if not heavy:
                continue
            if cfg is None:
                unverified.append(f"could not verify {ref.label}: [inventory.providers.{provider}] is not configured")
                continue
            if not self.probe:
                unverified.append(f"could not verify {ref.label}: live probes are off (check --batch --probe asks {provider})")
                continue
            answer: ProbeAnswer = module.probe(ref, cfg, self.ctx)
            if answer.error:
                unverified.append(f"could not verify {ref.label}: {answer.error}")
                continue
            places = tuple(place_named(self.inv, name) for name in answer.environments)
            unknown = [p.label for p in places if not p.known]
            by = f" ({answer.source})" if answer.source and answer.detail else ""
            if answer.detail:
                facts.append(Fact(ref.label, answer.detail + by, places, shared=len(set(places)) > 1))
            else:
                facts.append(Fact(ref.label, "", places))
            if unknown:
                unverified.append(f"{answer.source or provider} environment {', '.join(unknown)} "
                                  f"is not in [inventory]")


def apply(f: Finding, facts: list[Fact], unverified: list[str], heavy: bool) -> Finding:
    """The finding with its environment, severity and reason set from what was found."""
    places = [p for fact in facts for p in fact.places]
    production = any(p.production for p in places)
    shared = any(fact.shared for fact in facts) or len({p.label for p in places}) > 1
    if production:
        env: str | None = "production"
    elif unverified:
        env = "unverified"
    elif shared:
        env = "shared"
    else:
        env = places[0].label if places else f.environment
    if not heavy:
        return f._replace(environment=env)
    severity = max(f.severity, Severity.MEDIUM) if env in ("production", "unverified", "shared") else f.severity
    notes = _render(facts)
    if unverified:
        notes += unverified[:-1] + [unverified[-1] + ("" if production else f"; {TREAT}")]
    reason = f"{f.reason}; {'; '.join(notes)}" if notes else f.reason
    return f._replace(environment=env, severity=severity, reason=reason)


def _render(facts: list[Fact]) -> list[str]:
    """`volume v is shared (inventory) and mounted ... (Railway)`: one clause per subject."""
    by_subject: dict[str, list[str]] = {}
    for fact in facts:
        if fact.predicate:
            preds = by_subject.setdefault(fact.subject, [])
            if fact.predicate not in preds:
                preds.append(fact.predicate)
    out = []
    for subject, preds in by_subject.items():
        rest = [p[3:] if p.startswith("is ") else p for p in preds[1:]]
        out.append(f"{subject} {' and '.join([preds[0], *rest])}")
    return out


def resolve_all(action: Action, findings: list[Finding], inv: Inventory, *, probe: bool = True) -> list[Finding]:
    resolver = Resolver(action, inv, probe)
    return [resolver.finding(f) for f in findings]
