"""The engine: one pipeline every door calls. `check(action) -> Verdict`.

The stages run in this order; each is a small function below, and each is timed:

1. normalize    bound the input, load the policy, build the analysis scope
2. quick_reject cheap keyword screen; lets obviously inert shell text skip the parser
                (invariant: it never passes text the slow path would flag; tests prove it)
3. analyze      the surface's analyzer turns the action into findings
4. preflight    resolve each finding's target to an environment (the inventory, the action's
                context, live provider probes); production, shared or unverified targets
                of destructive findings are never allowed
5. radius       measure what each destructive finding's target holds (rows, files, commits,
                resources), read-only and within a time budget; unmeasured is never zero

`probe=False` (what `check --batch` uses unless given `--probe`) starts no process and contacts
no server: analyzers do not ask git about the work tree, preflight leaves provider resources
unverified and radius leaves findings unmeasured, so a verdict can only get stricter than with
probes, never more permissive.
6. policy       decide each finding (the policy files, then Cedar and the Rego layers, which
                see the whole action; docs/cedar.md, docs/rego.md); the verdict is the
                strictest decision

The engine never raises to a door: any failure inside blastwall becomes a degraded `ask`
with a one-line reason that tells the human what to do. It never imports a door.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from blastwall.analyze.base import MAX_INPUT, AnalysisError, Scope
from blastwall.memo import one_check
from blastwall.model import Action, Context, Decision, Finding, Surface, Verdict
from blastwall.policy.engine import Policy, PolicyError

_NO_SCOPE = Scope()
_NO_CONTEXT = Context()
_SURFACES: dict[object, Surface] = {s.value: s for s in Surface}  # Surface(name) without Enum's slow call
STAGES: tuple[str, ...] = ("normalize", "quick_reject", "analyze", "preflight", "radius", "policy")


class _State:
    """Mutable state threaded through the stages of one check."""

    def __init__(self, action: Action, policy: Policy | None, read_files: bool, probe: bool = True,
                 lean: bool = False) -> None:
        self.action = action
        self.policy = policy
        self.read_files = read_files
        self.probe = probe  # live probes and external CLIs (preflight providers, radius measurers)
        self.lean = lean  # the verdict without its findings, digest and stage times (`check_action`)
        self.measure = read_files  # measuring the blast radius reads files, git and servers
        self.scope = _NO_SCOPE  # set by normalize (which starts the time budget); read only after it
        self.findings: list[Finding] = []
        self.done = False  # set by quick_reject when the action is known inert
        self.degraded: list[str] = []
        self.decisions: list[tuple[Decision, str, Finding]] = []
        self.timings: list[tuple[str, float]] = []
        self.approvers = 0  # distinct approvers a Rego layer requires
        self.layers: tuple[Any, ...] = ()  # what each Rego layer answered (policy/layers.py LayerAnswer)
        self.explain = False  # the Rego layers also say which rule definitions held (costly; `explain` only)
        self.rego_input: dict[str, Any] | None = None  # the input document the Rego layers saw


def _normalize(st: _State) -> None:
    payload = st.action.payload
    if isinstance(payload, str):
        # UTF-8 takes at most 4 bytes a character (3 for a lone surrogate): a short text needs no encoding
        if len(payload) * 4 > MAX_INPUT and len(payload.encode("utf-8", "surrogatepass")) > MAX_INPUT:
            st.findings.append(_degraded_finding("input larger than blastwall analyzes; review it by hand"))
            st.done = True
            return
        if "\x00" in payload:
            st.findings.append(_degraded_finding("input contains NUL bytes; it cannot be what it looks like"))
            st.done = True
            return
    ctx = st.action.context
    st.scope = Scope.start(cwd=ctx.cwd, read_files=st.read_files, environment=ctx.environment,
                           secrets_list=_secrets_list(st), probe=st.probe)


def _secrets_list(st: _State) -> str:
    """Where the policy keeps the secret scanner's list (`[secrets] list`; "" = the default place).
    Loads the policy here when it was not given; an invalid one is reported by the policy stage."""
    if st.policy is None:
        from blastwall.policy.load import load_policy

        try:
            st.policy = load_policy(st.action.context.cwd)
        except PolicyError:
            return ""
    section = st.policy.section("secrets")
    return str(section.get("list") or "") if isinstance(section, dict) else ""


def _quick_reject(st: _State) -> None:
    if st.done or st.action.surface is not Surface.SHELL:
        return
    if _is_inert()(st.action.payload, st.scope):
        st.done = True


def _analyze(st: _State) -> None:
    if st.done:
        return
    try:
        st.findings.extend(_analyzer()(st.action, st.scope))
    except AnalysisError as exc:
        st.findings.append(_degraded_finding(f"blastwall could not analyze this action ({exc}); a human must review it"))
    except RecursionError:
        st.findings.append(_degraded_finding("input nests too deeply to analyze; a human must review it"))


def _preflight(st: _State) -> None:
    if not st.findings:
        return
    try:
        st.findings, st.policy = _preflighter()(st.action, st.findings, st.policy, probe=st.probe)
    except Exception as exc:  # noqa: BLE001 - an unverifiable target is never a pass
        st.findings.append(_degraded_finding(f"preflight failed ({type(exc).__name__}); the target could not be "
                                             "verified, treat it as production"))


def _radius(st: _State) -> None:
    if not st.findings or not st.measure:
        return
    try:
        st.findings = _measurer()(st.action, st.findings, st.policy, probe=st.probe)
    except Exception:  # noqa: BLE001 - an unmeasured radius changes nothing; the finding stands as it was
        return


def _policy(st: _State) -> None:
    policy = st.policy
    if policy is None:
        try:
            from blastwall.policy.load import load_policy

            policy = load_policy(st.action.context.cwd)
        except PolicyError as exc:
            st.degraded.append(f"policy file is invalid ({exc}); fix it, `blastwall policy check` shows where")
            from blastwall.policy.engine import default_policy

            policy = default_policy()
    st.policy = policy
    agent = st.action.context.agent
    surface = st.action.surface.value
    for f in st.findings:
        decision, rule = policy.decide(f, agent=agent, surface=surface)
        st.decisions.append((decision, rule, f))
    if st.decisions and policy.section("cedar") is not None:  # imports cedarpy only when configured
        from blastwall.policy.cedar import apply

        outcome = apply(policy, st.action, st.decisions)
        st.decisions = outcome.decisions
        if outcome.problem:
            st.degraded.append(outcome.problem)
    if policy.section("policy"):  # Rego and OPA layers (docs/rego.md); regopy is imported only when configured
        from blastwall.policy import layers

        degraded = bool(st.degraded) or any(f.rule_id == "core:degraded" for f in st.findings)
        ruled = layers.apply(policy, st.action, st.decisions, degraded=degraded, explain=st.explain)
        st.decisions, st.approvers, st.layers = ruled.decisions, ruled.approvers, ruled.answers
        st.rego_input = ruled.input
        st.degraded.extend(ruled.problems)


# The functions the stages hand their work to, each imported the first time a check needs it
# (a check of an inert line loads no analyzer, one without findings no preflight) and kept: an
# import statement run on every check costs a microsecond or two.
@functools.cache
def _is_inert() -> Callable[[Any, Scope], bool]:
    from blastwall.analyze.shell.quick import is_inert

    return is_inert


@functools.cache
def _analyzer() -> Callable[[Action, Scope], list[Finding]]:
    from blastwall.analyze import analyze

    return analyze


@functools.cache
def _preflighter() -> Callable[..., tuple[list[Finding], Policy | None]]:
    from blastwall.preflight import preflight

    return preflight


@functools.cache
def _measurer() -> Callable[..., list[Finding]]:
    from blastwall.radius import measure_all

    return measure_all


@functools.cache
def _redactor() -> Callable[[str], str]:
    from blastwall.redact import redact

    return redact


STAGE_FUNCS: dict[str, Callable[[_State], None]] = {
    "normalize": _normalize,
    "quick_reject": _quick_reject,
    "analyze": _analyze,
    "preflight": _preflight,
    "radius": _radius,
    "policy": _policy,
}


def _degraded_finding(reason: str) -> Finding:
    from blastwall.model import Effect, Severity

    return Finding(rule_id="core:degraded", effect=Effect.UNVERIFIED, severity=Severity.MEDIUM, reason=reason)


def _redacted(f: Finding) -> Finding:
    from blastwall.redact import redact

    reason, target, source = redact(f.reason), redact(f.target), redact(f.source)
    if reason is f.reason and target is f.target and source is f.source:
        return f  # nothing to redact (redact returns its argument then)
    return f._replace(reason=reason, target=target, source=source)


_ALLOW, _ASK = Decision.ALLOW, Decision.ASK  # an enum member read from its class costs a lookup each time
_RANK = {d: d.rank for d in Decision}


def _shown_order(t: tuple[Decision, str, Finding]) -> tuple[int, int]:
    return -_RANK[t[0]], -t[2].severity


def _verdict(st: _State) -> Verdict:
    degraded = bool(st.degraded) or any(f.rule_id == "core:degraded" for f in st.findings)
    decision = max((d for d, _, _ in st.decisions), key=_RANK.__getitem__, default=_ALLOW)  # Decision.strictest
    if degraded and decision is _ALLOW:
        decision = _ASK
    blocking = [(d, r, f) for d, r, f in st.decisions if d is not _ALLOW]
    shown = blocking if blocking else st.decisions
    reasons: list[str] = list(st.degraded)
    for _, rule, f in sorted(shown, key=_shown_order):
        note = st.policy.explain(rule, f) if st.policy is not None else ""
        reason = f"{f.reason} ({note})" if note else f.reason
        if f.radius and f.radius.get("summary"):
            from blastwall.radius.policy import summary_of

            facts = summary_of(f.radius)  # the measurement says more than a rule's "measured: ..." note
            reason = f"{f.reason} ({facts})" if note.startswith("measured:") else f"{reason} ({facts})"
        if reason not in reasons:
            reasons.append(reason)
    rule_ids: list[str] = []
    for _, _, f in shown:
        if f.rule_id not in rule_ids:
            rule_ids.append(f.rule_id)
    redact = _redactor()
    return Verdict(  # decision, reasons, rule_ids, findings, action_digest, degraded, timings_ms, approvers
        decision,
        tuple(map(redact, reasons)),
        tuple(rule_ids),
        () if st.lean else tuple(_redacted(f) for f in st.findings),
        "" if st.lean else st.action.digest(),
        degraded,
        tuple(st.timings),
        st.approvers,
    )


class Details(NamedTuple):
    """How a verdict was reached, for `blastwall explain`: each finding's decision and the rule
    that gave it (after Cedar and Rego), and what each Rego layer answered."""

    decisions: tuple[tuple[Decision, str, Finding], ...] = ()
    layers: tuple[Any, ...] = ()  # policy/layers.py LayerAnswer
    rego_input: dict[str, Any] | None = None  # the input document the Rego layers saw (None: none configured)


def check_action(action: Action, policy: Policy | None = None, *, read_files: bool = True,
                 probe: bool = True, lean: bool = False) -> Verdict:
    """Run the pipeline on one action. Never raises; failures give a degraded `ask`.
    `probe=False`: no live probe and no external CLI (see the module docstring).
    `lean=True`: the verdict's decision, reasons and rule ids only (`findings`, `timings_ms` empty,
    `action_digest` ""), for a door that shows nothing else and records nothing (`check --batch`);
    the decision, reasons and rule ids are the ones a full check gives."""
    return _run(_State(action, policy, read_files, probe, lean))[0]


def explain_action(action: Action, policy: Policy | None = None, *, read_files: bool = True,
                   probe: bool = True, locate: bool = True) -> tuple[Verdict, Details]:
    """`check_action`, and how each decision was reached. With `locate` the Rego layers also name
    the rule definitions that held, which costs a compile: for `blastwall explain`, not for hooks."""
    st = _State(action, policy, read_files, probe)
    st.explain = locate
    return _run(st)


def _run(st: _State) -> tuple[Verdict, Details]:
    action = st.action
    try:
        with one_check():  # stages share what they compute from the same input (blastwall.memo)
            if st.lean:  # nothing shows the stages' times (`check --batch`)
                for name in STAGES:
                    STAGE_FUNCS[name](st)
            else:
                for name in STAGES:
                    t0 = time.perf_counter()
                    STAGE_FUNCS[name](st)
                    st.timings.append((name, round((time.perf_counter() - t0) * 1000, 3)))
        return _verdict(st), Details(tuple(st.decisions), st.layers, st.rego_input)
    except Exception as exc:  # noqa: BLE001 - the engine is the boundary; nothing escapes to a door
        return Verdict(
            decision=Decision.ASK,
            reasons=(f"blastwall hit an internal error ({type(exc).__name__}); a human must review this action",),
            rule_ids=("core:internal-error",),
            findings=(),
            action_digest=_safe_digest(action),
            degraded=True,
        ), Details()


def _safe_digest(action: Action) -> str:
    try:
        return action.digest()
    except Exception:  # noqa: BLE001
        return ""


def make_action(kind: str | Surface, payload: Any, context: Context | dict[str, Any] | None = None) -> Action:
    """Build an `Action` from loose parts (as the CLI and the batch contract receive them)."""
    if isinstance(kind, Surface):
        surface = kind
    else:
        surface = (_SURFACES.get(kind) if isinstance(kind, str) else None) or Surface(str(kind))
    if isinstance(context, Context):
        ctx = context
    else:  # no context (most batch lines): the empty one, shared (a Context never changes)
        ctx = Context.from_mapping(context) if context else _NO_CONTEXT
    return Action(surface, payload, ctx)


def check(
    action: Action | str,
    kind: str = "shell",
    *,
    context: Context | dict[str, Any] | None = None,
    policy: Policy | None = None,
    read_files: bool = True,
    probe: bool = True,
) -> Verdict:
    """Library API: `blastwall.check("rm -rf /")` or `blastwall.check(Action(...))`."""
    if not isinstance(action, Action):
        action = make_action(kind, action, context)
    return check_action(action, policy, read_files=read_files, probe=probe)
