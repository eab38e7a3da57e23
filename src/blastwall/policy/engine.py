"""Compile policy data into an immutable `Policy` and decide findings with it.

Policy is data, compiled once: the built-in defaults plus the user's and the project's
`blastwall.toml`, merged predictably (project rules first, then user rules, then defaults; later
layers override `[severity]` entries of earlier ones). Deciding is deterministic: the same
findings and policy always give the same decisions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from blastwall.analyze import globs
from blastwall.model import Decision, Finding, Severity
from blastwall.radius import policy as radius_policy


class PolicyError(ValueError):
    """A policy file is invalid. `where` names the file and, when known, the line."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


class PolicyRule(NamedTuple):
    """One policy rule: a match on findings and the decision it gives."""

    id: str
    decision: Decision
    reason: str = ""
    rule: tuple[str, ...] = ()  # finding rule_id globs
    effect: tuple[str, ...] = ()
    target: tuple[str, ...] = ()  # target globs
    environment: tuple[str, ...] = ()
    agent: tuple[str, ...] = ()
    surface: tuple[str, ...] = ()
    min_severity: Severity = Severity.NONE
    max_severity: Severity = Severity.CRITICAL
    origin: str = "defaults"
    tighten_only: bool = False  # from a project file nobody trusted: it may make a decision stricter, never laxer
    radius: radius_policy.Conditions = ()  # `radius = { files = ">1000" }`: never matches an unmeasured finding
    verified: bool | None = None  # true: only findings whose environment evidence proves (not a hint); false: only others

    def matches(self, finding: Finding, *, agent: str | None, surface: str) -> bool:
        # Every condition must hold; the cheap comparisons go before the glob matching.
        if not (self.min_severity <= finding.severity <= self.max_severity):
            return False
        if self.effect and finding.effect not in self.effect:  # a str enum member equals its value
            return False
        if self.environment and (finding.environment or "").lower() not in self.environment:
            return False
        if self.agent and (agent or "") not in self.agent:
            return False
        if self.surface and surface not in self.surface:
            return False
        if self.verified is not None and _verified(finding) is not self.verified:
            return False
        if self.rule and not _any_glob(finding.rule_id, self.rule):
            return False
        if self.target and not _any_glob(finding.target, self.target):
            return False
        return radius_policy.matches(self.radius, finding.radius)


class Policy(NamedTuple):
    """A compiled, immutable policy."""

    rules: tuple[PolicyRule, ...]
    severity: tuple[tuple[Severity, Decision], ...]
    sources: tuple[str, ...] = ()
    settings: tuple[tuple[str, Any], ...] = ()
    sections: tuple[tuple[str, Any], ...] = ()  # inventory, cedar, protected_branches...: merged, see below

    def decide(self, finding: Finding, *, agent: str | None = None, surface: str = "") -> tuple[Decision, str]:
        """The decision for one finding and the id of the policy rule that gave it."""
        if self.protected_branch(finding):
            return Decision.DENY, "policy:protected-branch"
        matching = (rule for rule in _candidates(self.rules, finding.rule_id, finding.effect, finding.severity)
                    if rule.matches(finding, agent=agent, surface=surface))
        return self.first_decision(matching, finding.severity)

    def first_decision(self, matching: Iterable[PolicyRule], severity: Severity) -> tuple[Decision, str]:
        """The decision of the first trusted rule of `matching` (the rules that match a finding, in
        order; read only as far as that rule), never laxer than an untrusted one before it; with
        none, the severity table's."""
        floor: tuple[Decision, str] | None = None  # what an untrusted project rule asked for
        for rule in matching:
            if rule.tighten_only:
                floor = floor or (rule.decision, rule.id)
                continue
            return _stricter(floor, (rule.decision, rule.id))
        return _stricter(floor, (_last(self.severity, severity), _SEVERITY_RULE[severity]))

    def setting(self, key: str, default: Any = None) -> Any:
        return _last(self.settings, key, default)

    def explain(self, rule_id: str, finding: Finding) -> str:
        """What the policy rule that decided `finding` says about it ("" when it says nothing)."""
        if rule_id == "policy:protected-branch":
            return f"{self.protected_branch(finding)} is a protected branch"
        return _reasons(self.rules).get(rule_id, "")

    def protected_branch(self, finding: Finding) -> str | None:
        """The protected branch (`protected_branches = ["main", "release/*"]`) that a history
        rewrite or deletion would hit, if any."""
        if not finding.rule_id.startswith(_BRANCH_RULES):
            return None
        patterns = self.section("protected_branches")
        if not patterns or finding.effect.value not in _BRANCH_EFFECTS:
            return None
        for branch in branch_names(finding.target):
            if globs.match_any(branch, patterns):
                return branch
        return None

    def section(self, name: str) -> Any:
        """A merged table section (`inventory`, `cedar`, ...) or None. Tables merge key by key with
        the most specific file winning; lists (e.g. `protected_branches`) are concatenated."""
        return _by_name(self.sections).get(name)


_SEVERITY_RULE = {s: f"severity:{s.name.lower()}" for s in Severity}  # the rule id of the severity table's decision
_CANDIDATES: dict[tuple[int, str, Any, Severity],
                  tuple[tuple[PolicyRule, ...], tuple[PolicyRule, ...], tuple[int, ...]]] = {}


def _candidates(rules: tuple[PolicyRule, ...], rule_id: str, effect: Any, severity: Severity) -> tuple[PolicyRule, ...]:
    """The rules, in order, whose severity range, effects and rule-id globs admit a finding of
    this rule id, effect and severity (`PolicyRule.matches` turns every other one away). Worked
    out once per rules tuple and those three: the entry keeps the tuple itself, so its id names it
    for as long as it is kept (bounded: a radius check decides with rules tuples made for one
    finding)."""
    return _candidate_entry(rules, rule_id, effect, severity)[1]


def candidate_positions(rules: tuple[PolicyRule, ...], rule_id: str, effect: Any, severity: Severity,
                        ) -> tuple[int, ...]:
    """Where `_candidates` are in `rules` (their indexes, in order)."""
    return _candidate_entry(rules, rule_id, effect, severity)[2]


def _candidate_entry(rules: tuple[PolicyRule, ...], rule_id: str, effect: Any, severity: Severity,
                     ) -> tuple[tuple[PolicyRule, ...], tuple[PolicyRule, ...], tuple[int, ...]]:
    key = (id(rules), rule_id, effect, severity)
    entry = _CANDIDATES.get(key)
    if entry is not None and entry[0] is rules:
        return entry
    positions = tuple(i for i, r in enumerate(rules) if r.min_severity <= severity <= r.max_severity
                      and (not r.effect or effect in r.effect) and (not r.rule or _any_glob(rule_id, r.rule)))
    if len(_CANDIDATES) >= 4096:
        _CANDIDATES.clear()
    entry = _CANDIDATES[key] = (rules, tuple(rules[i] for i in positions), positions)
    return entry


_REASONS: dict[int, tuple[tuple[PolicyRule, ...], dict[str, str]]] = {}


def _reasons(rules: tuple[PolicyRule, ...]) -> dict[str, str]:
    """Each rule id's reason (the first rule of that id), once per rules tuple (identity-keyed, bounded)."""
    entry = _REASONS.get(id(rules))
    if entry is not None and entry[0] is rules:
        return entry[1]
    made: dict[str, str] = {}
    for rule in rules:
        made.setdefault(rule.id, rule.reason)
    if len(_REASONS) >= 64:
        _REASONS.clear()
    _REASONS[id(rules)] = (rules, made)
    return made


_BY_NAME: dict[int, tuple[tuple[tuple[str, Any], ...], dict[str, Any]]] = {}


def _by_name(sections: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    """`dict(sections)` (the last pair of a name wins, as `_last` reads them), once per sections
    tuple (identity-keyed, bounded)."""
    entry = _BY_NAME.get(id(sections))
    if entry is not None and entry[0] is sections:
        return entry[1]
    made = dict(sections)
    if len(_BY_NAME) >= 64:
        _BY_NAME.clear()
    _BY_NAME[id(sections)] = (sections, made)
    return made


_MISSING: Any = object()


def _last(pairs: tuple[tuple[Any, Any], ...], key: Any, default: Any = _MISSING) -> Any:
    """`dict(pairs)[key]` (the last pair with that key wins) without building the dict on every
    call; `default` when no pair has it (KeyError without one)."""
    for k, v in reversed(pairs):
        if k == key:
            return v
    if default is _MISSING:
        raise KeyError(key)
    return default


def _verified(finding: Finding) -> bool:
    """The finding's environment is proved by evidence (environment/): not a hint, not unknown."""
    return bool(finding.evidence) and (finding.environment or "").lower() not in ("unknown", "unverified", "shared", "")


def _stricter(floor: tuple[Decision, str] | None, decided: tuple[Decision, str]) -> tuple[Decision, str]:
    """An untrusted project rule's decision counts only where it is at least as strict as what
    the trusted layers decide (`ask` for a finding the defaults deny stays `deny`)."""
    return floor if floor is not None and floor[0].rank >= decided[0].rank else decided


_BRANCH_EFFECTS = frozenset({"rewrite_history", "delete", "discard_work"})
_BRANCH_RULES = ("shell.git:", "http.github:", "mcp.github:", "mcp.git:", "http.gitlab:")


def branch_names(target: str) -> list[str]:
    """Branch names in a git target such as `origin main`, `origin +main`, `HEAD:main`,
    `refs/heads/main` or a GitHub ref URL path."""
    out: list[str] = []
    for word in target.replace(",", " ").split():
        ref = word.lstrip("+").split(":")[-1]
        for prefix in ("refs/heads/", "heads/"):
            if prefix in ref:
                ref = ref.split(prefix, 1)[1]
        if ref and ref not in ("origin", "upstream", "HEAD"):
            out.append(ref)
    return out


def _any_glob(value: str, patterns: Iterable[str]) -> bool:
    return globs.match_any(value, patterns)


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PolicyError(where, f"{key!r} must be a string or a list of strings")


def _decision(value: Any, where: str) -> Decision:
    try:
        return Decision(str(value).lower())
    except ValueError:
        raise PolicyError(where, f"decision must be allow, ask or deny, not {value!r}") from None


def _severity(value: Any, where: str, key: str) -> Severity:
    try:
        return Severity.parse(str(value))
    except KeyError:
        names = ", ".join(s.name.lower() for s in Severity)
        raise PolicyError(where, f"{key!r} must be one of {names}, not {value!r}") from None


RULE_KEYS = {
    "id", "decision", "reason", "rule", "effect", "target", "environment", "agent", "surface",
    "min_severity", "max_severity", "radius", "verified",
}


def compile_rule(row: Any, where: str, origin: str, index: int) -> PolicyRule:
    if not isinstance(row, dict):
        raise PolicyError(where, "each [[rule]] must be a table")
    unknown = set(row) - RULE_KEYS
    if unknown:
        raise PolicyError(where, f"unknown key(s) {', '.join(sorted(unknown))} in [[rule]]; allowed: {', '.join(sorted(RULE_KEYS))}")
    if "decision" not in row:
        raise PolicyError(where, "[[rule]] needs a decision (allow, ask or deny)")
    try:
        radius = radius_policy.compile_conditions(row.get("radius"))
    except radius_policy.RadiusError as exc:
        raise PolicyError(where, str(exc)) from None
    return PolicyRule(
        id=str(row.get("id") or f"{origin}#{index + 1}"),
        decision=_decision(row["decision"], where),
        reason=str(row.get("reason") or ""),
        rule=_strings(row.get("rule"), where, "rule"),
        effect=_strings(row.get("effect"), where, "effect"),
        target=_strings(row.get("target"), where, "target"),
        environment=tuple(e.lower() for e in _strings(row.get("environment"), where, "environment")),
        agent=_strings(row.get("agent"), where, "agent"),
        surface=_strings(row.get("surface"), where, "surface"),
        min_severity=_severity(row.get("min_severity", "none"), where, "min_severity"),
        max_severity=_severity(row.get("max_severity", "critical"), where, "max_severity"),
        origin=origin,
        radius=radius,
        verified=_flag(row.get("verified"), where, "verified"),
    )


def _flag(value: Any, where: str, key: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise PolicyError(where, f"{key!r} must be true or false, not {value!r}")


SECTIONS = ("inventory", "cedar", "protected_branches", "approvals", "secrets", "audit", "snapshots", "pg_proxy",
            "radius", "policy")


def compile_layers(layers: list[tuple[str, dict[str, Any]]], untrusted: frozenset[str] = frozenset()) -> Policy:
    """Compile parsed policy documents, most specific first (project, user, defaults last).
    Rules of the `untrusted` origins (a project file nobody trusted) can only tighten."""
    rules: list[PolicyRule] = []
    severity: dict[Severity, Decision] = {}
    settings: dict[str, Any] = {}
    for origin, doc in reversed(layers):  # defaults first so later layers override severity
        for name, value in (doc.get("severity") or {}).items():
            severity[_severity(name, origin, "severity")] = _decision(value, f"{origin} [severity]")
        settings.update(doc.get("settings") or {})
    sections: dict[str, Any] = {}
    for origin, doc in reversed(layers):
        for name in SECTIONS:
            value = doc.get(name)
            if value is None:
                continue
            if name == "policy":  # each file's Rego layers stand alone: a project's adds to the user's, never replaces
                sections[name] = [*(sections.get(name) or []), (origin, value, origin in untrusted)]
            elif isinstance(value, dict):
                merged = dict(sections.get(name) or {})
                merged.update(value)
                sections[name] = merged
            elif isinstance(value, list):
                sections[name] = list(sections.get(name) or []) + list(value)
            else:
                raise PolicyError(origin, f"[{name}] must be a table or a list")
    secret_reads = secrets_rules(sections.get("secrets"))
    for origin, doc in layers:
        if origin == "defaults" and secret_reads:  # [secrets] decides reads before the built-in rules do
            rules.extend(secret_reads)
            secret_reads = []
        for i, row in enumerate(doc.get("rule") or []):
            rule = compile_rule(row, f"{origin} [[rule]] #{i + 1}", origin, i)
            rules.append(rule._replace(tighten_only=True) if origin in untrusted else rule)
    rules.extend(secret_reads)
    missing = [s for s in Severity if s not in severity]
    if missing:
        raise PolicyError("defaults", f"no decision for severity {missing[0].name.lower()}")
    return Policy(
        rules=tuple(rules),
        severity=tuple(sorted(severity.items())),
        sources=tuple(o for o, _ in layers),
        settings=tuple(sorted(settings.items())),
        sections=tuple(sorted(sections.items())),
    )


SECRETS_KEYS = {"reads": "allow", "found": "deny", "list": ""}
# Reads of files known to hold credentials: listed by the scanner, found by the content check on
# the way of the read, or known credential files (`~/.aws/credentials`).
FOUND_RULES = ("file.read:scanned", "file.read:credential", "file.read:credential-file")


def secrets_rules(section: Any) -> list[PolicyRule]:
    """`[secrets]` as policy rules: `found` decides reads of files known to hold credentials
    (`FOUND_RULES`: listed by the scanner, found by the content check, known credential files),
    `reads` every other read of a secret (names that look secret,
    environment dumps, `kubectl get secret -o yaml`). blastwall's own keys, credentials and store
    are CRITICAL findings that neither key reaches: they are denied."""
    section = section if isinstance(section, dict) else {}
    where = "[secrets]"
    found = _decision(section.get("found", SECRETS_KEYS["found"]), f"{where} found")
    reads = _decision(section.get("reads", SECRETS_KEYS["reads"]), f"{where} reads")
    held = FOUND_RULES + (("file.read:unchecked",) if found is Decision.ALLOW else ())  # nothing to check for
    return [
        PolicyRule(id="secrets:found", decision=found, rule=held, reason=f"[secrets] found = {found.value}",
                   origin=where),
        PolicyRule(id="secrets:reads", decision=reads, effect=("read_secret",), min_severity=Severity.LOW,
                   max_severity=Severity.MEDIUM, reason=f"[secrets] reads = {reads.value}" if reads is not Decision.ALLOW
                   else "", origin=where),
    ]


def default_document() -> dict[str, Any]:
    from blastwall.analyze.ruleset import policy_defaults

    return policy_defaults()


def default_policy() -> Policy:
    return compile_layers([("defaults", default_document())])
