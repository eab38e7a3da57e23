"""Cedar policies: an optional second policy layer, evaluated after the file policy.

A team that wants policy-as-code with a schema writes Cedar policies and points `[cedar]` in
`blastwall.toml` at them. Each finding becomes one authorization request:

    principal  Agent::"<agent name or unknown>"   {name, session}
    action     Action::"<effect>"                 (delete, rewrite_history, ...)
    resource   Target::"<target or rule id>"      {target, environment, surface, severity, rule_id, reversible}
    context    {cwd, database}

`mode = "tighten"` (default): a matching `forbid` makes the finding `deny`; permits never loosen
what the file policy decided. `mode = "authoritative"`: a finding the file policy does not deny
is allowed only when a Cedar policy permits it (no permit: `ask`; a forbid: `deny`).

`apply` never raises: bad configuration, unreadable or invalid policies, a missing cedarpy or an
evaluation error come back as a one-line problem that the engine turns into a degraded verdict.
cedarpy is imported only here and only when there is something to decide (docs/cedar.md).
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

from blastwall.model import Action, Decision, Finding
from blastwall.policy.engine import Policy
from blastwall.policy.paths import named_path

SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cedar_schema.json")
MODES = ("tighten", "authoritative")
KEYS = ("policies", "schema", "mode")
REMEDY = "fix it or remove [cedar]; `blastwall policy check` shows the details"

Decided = tuple[Decision, str, Finding]  # (decision, policy rule id, finding), as the engine keeps them


class CedarError(Exception):
    """The Cedar layer cannot decide. The message names the file or key to fix."""


class CedarConfig(NamedTuple):
    """The `[cedar]` table, resolved: policy files in load order, the schema file, the mode."""

    policies: tuple[str, ...]
    schema: str
    mode: str


class Outcome(NamedTuple):
    """Decisions after the Cedar layer, and the problem that degrades the verdict, if any."""

    decisions: list[Decided]
    problem: str | None = None


class _Prepared(NamedTuple):
    policies: Any  # cedarpy.PolicySet
    schema: Any  # cedarpy.Schema
    labels: dict[str, str]  # parser id (policy0) -> @id annotation or file#n
    reasons: dict[str, str]  # parser id -> @reason annotation


class _Answer(NamedTuple):
    forbidden: bool
    permitted: bool
    policy: str  # id of the policy that decided, if any
    errors: tuple[str, ...]


# -- configuration ------------------------------------------------------------------------------


def configure(policy: Policy) -> CedarConfig:
    """Resolve the merged `[cedar]` table of `policy`. Relative paths resolve against the directory
    of the most specific policy file that sets the key."""
    return parse_table(policy.section("cedar"), lambda key: _base_dir(policy.sources, key))


def parse_table(table: Any, base_dir: Callable[[str], str | None]) -> CedarConfig:
    if not isinstance(table, dict):
        raise CedarError("[cedar] must be a table")
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise CedarError(f"unknown key(s) {', '.join(unknown)} in [cedar]; allowed: {', '.join(KEYS)}")
    mode = table.get("mode", "tighten")
    if mode not in MODES:
        raise CedarError(f"[cedar] mode must be {' or '.join(MODES)}, not {mode!r}")
    patterns = table.get("policies")
    if isinstance(patterns, str):
        patterns = [patterns]
    if not patterns or not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise CedarError("[cedar] needs policies = [\"<glob>\", ...] naming Cedar policy files")
    files: list[str] = []
    for pattern in patterns:
        for path in _expand(pattern, base_dir("policies")):
            if path not in files:
                files.append(path)
    schema = table.get("schema")
    if schema is None:
        schema_path = SCHEMA_PATH
    elif isinstance(schema, str) and schema:
        schema_path = _absolute(schema, base_dir("schema"), "schema")
        if not os.path.isfile(schema_path):
            raise CedarError(f"[cedar] schema file {schema_path} does not exist")
    else:
        raise CedarError("[cedar] schema must be a file path")
    return CedarConfig(policies=tuple(files), schema=schema_path, mode=mode)


def _base_dir(sources: tuple[str, ...], key: str) -> str | None:
    """The directory of the most specific policy file whose `[cedar]` table sets `key` (the
    merged table keeps that file's value); else of the most specific policy file."""
    files = [s for s in sources if s != "defaults" and os.path.isfile(s)]
    from blastwall.policy.load import read_document

    for path in files:
        try:
            table = read_document(path).get("cedar")
        except ValueError:
            continue
        if isinstance(table, dict) and key in table:
            return os.path.dirname(os.path.abspath(path))
    return os.path.dirname(os.path.abspath(files[0])) if files else None


def _absolute(path: str, base: str | None, key: str) -> str:
    full = named_path(path, base)
    if full is None:
        raise CedarError(f"[cedar] {key} path {os.path.expanduser(path)!r} is relative but the policy was not read "
                         "from a file; use an absolute path")
    return full


def _expand(pattern: str, base: str | None) -> list[str]:
    path = _absolute(pattern, base, "policies")
    if not glob.has_magic(path):
        if not os.path.isfile(path):
            raise CedarError(f"Cedar policy file {path} does not exist")
        return [path]
    found = sorted(p for p in glob.glob(path, recursive=True) if os.path.isfile(p))
    if not found:
        raise CedarError(f"[cedar] policies pattern {path} matches no file")
    return found


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise CedarError(f"cannot read {path} ({_one_line(exc)})") from exc


# -- preparing policies and schema --------------------------------------------------------------


def _cedarpy() -> Any:
    try:
        import cedarpy
    except ImportError as exc:
        raise CedarError("[cedar] is configured but cedarpy is not installed (`pip install cedarpy`)") from exc
    return cedarpy


def check_sources(files: tuple[tuple[str, str], ...], schema: tuple[str, str]) -> list[str]:
    """Every problem in the policy files `(path, text)` and the schema `(path, text)`: syntax,
    templates (not supported), and type errors against the schema."""
    cedarpy = _cedarpy()
    problems: list[str] = []
    schema_path, schema_text = schema
    try:
        schema_handle = _parse_schema(cedarpy, schema_text)
    except ValueError as exc:
        return [f"{schema_path}: invalid Cedar schema: {_one_line(exc)}"]
    for path, text in files:
        try:
            tree = json.loads(cedarpy.policies_to_json_str(text))
        except ValueError as exc:
            problems.append(f"{path}: Cedar syntax error: {_one_line(exc)}")
            continue
        if tree.get("templates"):
            problems.append(f"{path}: Cedar templates are not supported; write static policies")
            continue
        result = cedarpy.validate_policies(text, schema_handle)
        names = _labels(path, tree)
        for err in result.errors:
            label = names.get(err.policy_id, "")
            message = _one_line(err.error).replace(f"for policy `{err.policy_id}`, ", "") if label else _one_line(err.error)
            problems.append(f"{path}: {label + ': ' if label else ''}{message}")
    return problems


@lru_cache(maxsize=16)
def _prepare(files: tuple[tuple[str, str], ...], schema: tuple[str, str]) -> _Prepared:
    """Parse and validate once per distinct policy text (a server reuses the result)."""
    problems = check_sources(files, schema)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise CedarError(problems[0] + more)
    cedarpy = _cedarpy()
    labels: dict[str, str] = {}
    reasons: dict[str, str] = {}
    offset = 0
    for path, text in files:
        tree = json.loads(cedarpy.policies_to_json_str(text))
        statics = tree.get("staticPolicies") or {}
        for local, label in _labels(path, tree).items():
            global_id = f"policy{offset + _policy_number(local)}"
            labels[global_id] = label
            reason = (statics[local].get("annotations") or {}).get("reason")
            if reason:
                reasons[global_id] = str(reason)
        offset += len(statics)
    text = "\n".join(t for _, t in files)
    return _Prepared(cedarpy.PolicySet.from_str(text), _parse_schema(cedarpy, schema[1]), labels, reasons)


def _parse_schema(cedarpy: Any, text: str) -> Any:
    if text.lstrip().startswith("{"):
        return cedarpy.Schema.from_json_str(text)
    return cedarpy.Schema.from_str(text)


def _labels(path: str, tree: dict[str, Any]) -> dict[str, str]:
    """Parser id -> the policy's `@id` annotation, else `file.cedar#n` (1-based, in file order)."""
    statics = tree.get("staticPolicies") or {}
    out: dict[str, str] = {}
    for n, pid in enumerate(sorted(statics, key=_policy_number), 1):
        given = str((statics[pid].get("annotations") or {}).get("id") or "")
        out[pid] = given or f"{os.path.basename(path)}#{n}"
    return out


def prepare(cfg: CedarConfig) -> _Prepared:
    files = tuple((p, _read(p)) for p in cfg.policies)
    return _prepare(files, (cfg.schema, _read(cfg.schema)))


# -- requests -----------------------------------------------------------------------------------


def _entities_and_request(action: Action, f: Finding) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    ctx = action.context
    agent = ctx.agent or "unknown"
    resource = f.target or f.rule_id
    entities: list[dict[str, Any]] = [
        {"uid": {"type": "Agent", "id": agent}, "attrs": {"name": agent, "session": ctx.session or ""}, "parents": []},
        {
            "uid": {"type": "Target", "id": resource},
            "attrs": {
                "target": f.target,
                "environment": (f.environment or "unknown").lower(),
                "surface": action.surface.value,
                "severity": int(f.severity),
                "rule_id": f.rule_id,
                "reversible": bool(f.reversible),
            },
            "parents": [],
        },
    ]
    request: dict[str, Any] = {
        "principal": {"type": "Agent", "id": agent},
        "action": {"type": "Action", "id": f.effect.value},
        "resource": {"type": "Target", "id": resource},
        "context": {"cwd": ctx.cwd or "", "database": ctx.database or ""},
    }
    return entities, request


def _batches(action: Action, findings: list[Finding]) -> list[tuple[list[dict[str, Any]], list[tuple[int, dict[str, Any]]]]]:
    """Group requests so that each batch has one entity per uid (two findings on the same target
    with different attributes go to different batches). Usually a single batch."""
    groups: list[tuple[dict[tuple[str, str], dict[str, Any]], list[tuple[int, dict[str, Any]]]]] = []
    for i, f in enumerate(findings):
        entities, request = _entities_and_request(action, f)
        keyed = {(e["uid"]["type"], e["uid"]["id"]): e for e in entities}
        for known, requests in groups:
            if all(known.get(k, e) == e for k, e in keyed.items()):
                known.update(keyed)
                requests.append((i, request))
                break
        else:
            groups.append((dict(keyed), [(i, request)]))
    return [(list(known.values()), requests) for known, requests in groups]


def authorize(prepared: _Prepared, action: Action, findings: list[Finding]) -> list[_Answer]:
    """One Cedar answer per finding, in order."""
    cedarpy = _cedarpy()
    answers: dict[int, _Answer] = {}
    for entities, requests in _batches(action, findings):
        results = cedarpy.is_authorized_batch([r for _, r in requests], prepared.policies, entities, schema=prepared.schema)
        for (i, _), result in zip(requests, results, strict=True):
            answers[i] = _answer(result)
    return [answers[i] for i in range(len(findings))]


def _answer(result: Any) -> _Answer:
    decision = result.decision.name  # Allow, Deny or NoDecision (a request the schema rejects)
    ids = sorted(result.diagnostics.reasons, key=_policy_number)
    errors = tuple(_one_line(e) for e in result.diagnostics.errors)
    if decision == "NoDecision" and not errors:
        errors = ("Cedar reached no decision",)
    return _Answer(
        forbidden=decision == "Deny" and bool(ids),
        permitted=decision == "Allow",
        policy=ids[0] if ids else "",
        errors=errors,
    )


def _policy_number(policy_id: str) -> int:
    digits = policy_id[len("policy"):]
    return int(digits) if digits.isdigit() else -1


# -- combining with the file policy -------------------------------------------------------------


def apply(policy: Policy, action: Action, decided: list[Decided]) -> Outcome:
    """The file policy's decisions after the Cedar layer. Never raises."""
    if not decided:
        return Outcome(decided)
    try:
        cfg = configure(policy)
        prepared = prepare(cfg)
        answers = authorize(prepared, action, [f for _, _, f in decided])
    except CedarError as exc:
        return Outcome(decided, f"Cedar policies cannot be used: {exc}; {REMEDY}")
    except Exception as exc:  # noqa: BLE001 - the Cedar layer fails closed, never raises into the engine
        return Outcome(decided, f"Cedar evaluation failed ({type(exc).__name__}: {_one_line(exc)}); {REMEDY}")
    out = [_combine(cfg.mode, prepared, d, a) for d, a in zip(decided, answers, strict=True)]
    errors = [e for a in answers for e in a.errors]
    problem = f"Cedar evaluation error: {errors[0]}; {REMEDY}" if errors else None
    return Outcome(out, problem)


def _combine(mode: str, prepared: _Prepared, decided: Decided, answer: _Answer) -> Decided:
    decision, rule, f = decided
    label = prepared.labels.get(answer.policy, answer.policy)
    if answer.forbidden:
        if decision is Decision.DENY:
            return decided
        return Decision.DENY, f"cedar:{label}", f._replace(reason=_forbid_reason(prepared, answer.policy, label, f))
    if mode == "tighten" or decision is Decision.DENY:
        return decided
    if answer.permitted:
        return Decision.ALLOW, f"cedar:{label}", f
    where = f" in {f.environment}" if f.environment else ""
    reason = f"no Cedar policy permits {f.effect.value} on {f.target or f.rule_id}{where} ({f.reason})"
    return Decision.ASK, "cedar:no-permit", f._replace(reason=reason)


def _forbid_reason(prepared: _Prepared, policy_id: str, label: str, f: Finding) -> str:
    given = prepared.reasons.get(policy_id)
    if given:
        return f"{given} (Cedar policy {label})"
    env = f"in {f.environment}" if f.environment else "(environment unknown)"
    return f"Cedar policy {label} forbids {f.effect.value} on {f.target or f.rule_id} {env}"


# -- validation (`blastwall policy check`) ------------------------------------------------------


def validate(policy: Policy) -> list[str]:
    """Every problem in the `[cedar]` configuration of a compiled policy; [] when none or valid."""
    if policy.section("cedar") is None:
        return []
    return _validate(lambda: configure(policy))


def validate_table(table: Any, policy_file: str) -> list[str]:
    """Every problem in one file's `[cedar]` table, relative paths resolved against that file."""
    base = os.path.dirname(os.path.abspath(policy_file))
    return [f"{policy_file}: {p}" for p in _validate(lambda: parse_table(table, lambda _key: base))]


def _validate(resolve: Callable[[], CedarConfig]) -> list[str]:
    try:
        cfg = resolve()
        files = tuple((p, _read(p)) for p in cfg.policies)
        return check_sources(files, (cfg.schema, _read(cfg.schema)))
    except CedarError as exc:
        return [str(exc)]


def _one_line(value: object) -> str:
    return " ".join(str(value).split())
