"""Whether measuring can change an action's verdict; when it cannot, the radius stage skips it.

The verdict is the strictest decision over the action's findings (engine.py). A finding's
decision depends on its radius only through the policy rules with `radius` conditions whose
other conditions hold for it: each of them matches or not depending on what is measured. So the
decisions a finding can get are those `Policy.decide` gives under every combination of those
rules matching or not (the other rules, the severity table and protected branches do not look
at the radius). That set contains every decision any real measurement could lead to.

Nothing is measured for an action when every finding can only be allowed (the verdict is allow
whatever is measured: nobody is asked, nothing is snapshotted), or when one finding can only be
denied (the verdict is deny whatever is measured). Otherwise every finding is measured as before.
What is skipped then is only text: the "(measured: ...)" note of an allowed or denied action's
reason, `blastwall explain` and the audit entry.

Where this cannot be exact the action is always measured: a policy with a Cedar layer (it
decides after the file policy and may depend on the rule that decided) or Rego layers (they see
the measured radius in their input), a policy with approval
rules on the radius (`[[approvals.rule]] radius = ...` look at every finding of a tool call,
allowed ones included), and a finding more than MAX_OPEN radius rules could decide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from blastwall.model import Action, Decision, Finding
from blastwall.policy.engine import candidate_positions

MAX_OPEN = 6  # radius rules that may decide one finding (2**n policy decisions to try)


def can_change_verdict(action: Action, findings: Sequence[Finding], measurable: Callable[[Finding], bool],
                       policy: Any) -> bool:
    """False only when no measurement of the `measurable` findings can change the verdict."""
    if policy is None or policy.section("cedar") is not None or policy.section("policy") or _approvals_on_radius(policy):
        return True
    agent, surface = action.context.agent, action.surface.value
    outcomes = []
    for f in findings:
        if measurable(f):
            possible = decisions(policy, f, agent=agent, surface=surface)
            if possible is None:
                return True
        else:
            possible = frozenset({policy.decide(f, agent=agent, surface=surface)[0]})
        outcomes.append(possible)
    if any(o == {Decision.DENY} for o in outcomes):
        return False
    return not all(o == {Decision.ALLOW} for o in outcomes)


def decisions(policy: Any, finding: Finding, *, agent: str | None, surface: str) -> frozenset[Decision] | None:
    """Every decision `policy` can give `finding` once it is measured, whatever the measurement
    says (None when more than MAX_OPEN radius rules could decide it)."""
    probe = finding._replace(radius=None)
    unconditional = _unconditional(policy.rules)
    # Only the rules whose severity range, effects and rule-id globs admit the finding can match it,
    # with or without their radius condition (policy/engine.py `_candidates`); in policy order.
    positions = candidate_positions(policy.rules, probe.rule_id, probe.effect, probe.severity)
    open_ = [i for i in positions if i in unconditional and unconditional[i].matches(probe, agent=agent, surface=surface)]
    if len(open_) > MAX_OPEN:
        return None
    if policy.protected_branch(probe):
        return frozenset({Decision.DENY})
    # Each combination of the open rules matching (no condition left) or not (gone) is the policy
    # deciding with those rules; the others match as they do without a radius, whatever is measured
    # (a radius rule that is not open cannot match). Each rule is asked once: the rules that can
    # match, in order, each with its open rule's bit (None: it matches in every combination).
    bits = {i: bit for bit, i in enumerate(open_)}
    rules = policy.rules
    relevant = [(rules[i], bits.get(i)) for i in positions
                if i in bits or rules[i].matches(probe, agent=agent, surface=surface)]

    def hits(mask: int) -> Iterator[Any]:
        return (rule for rule, bit in relevant if bit is None or mask >> bit & 1)

    return frozenset(policy.first_decision(hits(mask), probe.severity)[0] for mask in range(2 ** len(open_)))


_UNCONDITIONAL: dict[int, tuple[tuple[Any, ...], dict[int, Any]]] = {}  # id(rules) -> (rules, their radius rules)


def _unconditional(rules: tuple[Any, ...]) -> dict[int, Any]:
    """Each radius rule of `rules` (by position) without its radius condition. Worked out once per
    rules tuple: the entry keeps the tuple itself, so its id names it for as long as it is kept."""
    entry = _UNCONDITIONAL.get(id(rules))
    if entry is not None and entry[0] is rules:
        return entry[1]
    made = {i: rule._replace(radius=()) for i, rule in enumerate(rules) if rule.radius}
    if len(_UNCONDITIONAL) >= 8:
        _UNCONDITIONAL.clear()
    _UNCONDITIONAL[id(rules)] = (rules, made)
    return made


def _approvals_on_radius(policy: Any) -> bool:
    section = policy.section("approvals")
    rows = section.get("rule") if isinstance(section, dict) else None
    if rows is None:
        return False
    return not isinstance(rows, list) or any(not isinstance(row, dict) or "radius" in row for row in rows)
