"""The Rego layers: in-process Rego files and an external OPA, after the file policy and Cedar.

    outcome = apply(policy, action, decided, degraded=...)

Each configured layer gets the same input document (policy/rego_input.py) and answers
`data.blastwall.decision` (policy/rego_answer.py). How an answer combines with what the file
policy decided (docs/rego.md):

- `tighten` (default): a Rego `deny` or `ask` is added to the verdict, which is the strictest
  decision of all; a Rego `allow` changes nothing.
- `authoritative`: Rego decides every finding the file policy does not deny (a built-in or TOML
  deny always stands); an action Rego has no decision for asks.
- `approvers = N` in an answer raises the number of distinct people an approval needs.

A layer that cannot answer (a file that does not compile, an OPA that is down, slow or says
something unreadable) degrades the verdict to at least `ask` with one line saying what to fix;
it never allows. `apply` never raises.
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple

from blastwall.model import Action, Decision, Effect, Finding, Severity
from blastwall.policy import rego_answer
from blastwall.policy.rego_answer import Answer
from blastwall.policy.rego_config import Layer, LayerError, OpaLayer, RegoLayer

Decided = tuple[Decision, str, Finding]
REMEDY = "fix it or remove the [policy] table; `blastwall policy check` shows the details"


class LayerAnswer(NamedTuple):
    """What one layer said about one action."""

    label: str  # "Rego (~/.config/blastwall/blastwall.toml)", "OPA (https://opa:8181/v1/data/...)"
    kind: str  # rego | opa
    mode: str  # tighten | authoritative
    answer: Answer
    problem: str = ""  # why it could not answer ("" when it did)
    fired: tuple[str, ...] = ()  # `blastwall explain`: the Rego rule definitions that held ("deny at a.rego:12")
    decision_id: str = ""  # OPA's decision id, as its decision log records it
    elapsed_ms: float = 0.0

    @property
    def rule_id(self) -> str:
        return f"{self.kind}:{self.answer.rule or 'decision'}"


class Outcome(NamedTuple):
    decisions: list[Decided]
    approvers: int = 0  # distinct approvers the layers require (0: as [approvals] says)
    problems: tuple[str, ...] = ()
    answers: tuple[LayerAnswer, ...] = ()
    input: dict[str, Any] | None = None  # the input document the layers saw


def configured(policy: Any) -> bool:
    return bool(policy is not None and policy.section("policy"))


def apply(policy: Any, action: Action, decided: list[Decided], *, degraded: bool = False,
          explain: bool = False, now: float | None = None) -> Outcome:
    """The decisions after the Rego layers. Never raises."""
    try:
        from blastwall.policy.rego_config import layers

        found = layers(policy)
    except LayerError as exc:
        return Outcome(decided, problems=(f"Rego policy layers cannot be used: {exc}; {REMEDY}",))
    if not found:
        return Outcome(decided)
    try:
        from blastwall.policy.rego_input import build, production_names

        doc = build(action, decided, degraded=degraded, now=now, production=production_names(policy))
        cache: dict[Any, Any] = {}  # this check's OPA answers; dropped with it
        answers = tuple(_ask(layer, doc, cache, explain) for layer in found)
        return _combine(decided, answers)._replace(input=doc)
    except Exception as exc:  # noqa: BLE001 - the layers fail closed, never into the engine
        return Outcome(decided, problems=(f"Rego policy evaluation failed ({type(exc).__name__}: "
                                          f"{' '.join(str(exc).split())[:160]}); {REMEDY}",))


def _ask(layer: Layer, doc: dict[str, Any], cache: dict[Any, Any], explain: bool) -> LayerAnswer:
    t0 = time.perf_counter()
    base = LayerAnswer(layer.label, layer.kind, layer.mode, rego_answer.NO_OPINION)
    decision_id = ""
    fired: tuple[str, ...] = ()
    try:
        if isinstance(layer, RegoLayer):
            from blastwall.policy import rego

            compiled = rego.load(layer.files, layer.data, untrusted=layer.untrusted)
            value = rego.evaluate(compiled, doc)
            if explain:
                fired = tuple(f"{f.name} at {f.where}" for f in rego.fired(compiled.sources, compiled.data, doc))
        else:
            from blastwall.policy import opa

            value, decision_id = opa.query(layer, doc, cache)
        answer = rego_answer.read(value)
    except Exception as exc:  # noqa: BLE001 - RegoProblem, OpaError, AnswerError and anything unforeseen
        what = "OPA gave no usable answer" if isinstance(layer, OpaLayer) else "Rego policy cannot be used"
        detail = " ".join(str(exc).split()) or type(exc).__name__
        return base._replace(problem=f"{what} ({layer.label}): {detail}; {REMEDY}",
                             elapsed_ms=_ms(t0))
    return base._replace(answer=answer, fired=fired, decision_id=decision_id, elapsed_ms=_ms(t0))


def _combine(decided: list[Decided], answers: tuple[LayerAnswer, ...]) -> Outcome:
    out = list(decided)
    extra: list[Decided] = []
    for a in answers:
        if a.problem:
            continue
        decision = a.answer.decision
        if a.mode == "authoritative" and decision is None:
            extra.append(_carrier(Decision.ASK, f"{a.kind}:no-decision",
                                  f"no Rego decision for this action: data.blastwall.decision is undefined "
                                  f"({a.label}, authoritative)"))
        elif decision in (Decision.ASK, Decision.DENY):
            extra.extend(_carrier(decision, a.rule_id, r) for r in _reasons(a))
    ruling = [a for a in answers if a.mode == "authoritative" and not a.problem]
    if ruling:  # Rego decides what the file policy did not deny
        strictest = max(ruling, key=lambda a: (a.answer.decision or Decision.ASK).rank)
        decision = strictest.answer.decision or Decision.ASK
        rule = strictest.rule_id if strictest.answer.decision else f"{strictest.kind}:no-decision"
        out = [(d, r, f) if d is Decision.DENY else (decision, rule, f) for d, r, f in out]
    approvers = max((a.answer.approvers for a in answers if not a.problem), default=0)
    problems = tuple(a.problem for a in answers if a.problem)
    return Outcome(out + extra, approvers, problems, answers)


def _reasons(a: LayerAnswer) -> list[str]:
    where = f"{'Rego' if a.kind == 'rego' else 'OPA'} rule {a.answer.rule}"
    if not a.answer.reasons:
        verb = "denies" if a.answer.decision is Decision.DENY else "asks about"
        return [f"the {a.label} policy {verb} this action ({where})"]
    return [f"{r} ({where})" for r in a.answer.reasons]


def _carrier(decision: Decision, rule_id: str, reason: str) -> Decided:
    """An action-level decision in the shape the engine keeps decisions: it carries the reason
    and rule id into the verdict; it is not a finding of the action."""
    return decision, rule_id, Finding(rule_id=rule_id, effect=Effect.UNVERIFIED, severity=Severity.HIGH, reason=reason)


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 3)
