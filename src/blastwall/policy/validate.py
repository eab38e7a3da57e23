"""`blastwall policy check`: every problem in policy files, each with file and line."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from blastwall.policy.engine import PolicyError, _decision, _severity, compile_rule

TOP_KEYS = {"rule", "severity", "settings", "inventory", "protected_branches", "cedar", "approvals", "secrets", "audit",
            "snapshots", "gateway", "pg_proxy", "radius", "policy", "run"}  # [gateway] is validated by `blastwall gateway --check`, [run] by `blastwall run` (doors' own tables)


def _rule_lines(text: str) -> list[int]:
    return [i for i, line in enumerate(text.splitlines(), 1) if re.match(r"^\s*\[\[\s*rule\s*\]\]", line)]


def _key_line(text: str, key: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if re.match(rf"^\s*\[?\[?\s*{re.escape(key)}\b", line):
            return i
    return 1


def validate_text(text: str, where: str) -> list[str]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = m.group(1) if m else (str(text.count("\n") + 1) if "end of document" in str(exc) else "1")
        return [f"{where}:{line}: invalid TOML: {exc}"]
    problems: list[str] = []
    for key in doc:
        if key not in TOP_KEYS:
            problems.append(f"{where}:{_key_line(text, key)}: unknown section {key!r}; known: {', '.join(sorted(TOP_KEYS))}")
    rules = doc.get("rule", [])
    if not isinstance(rules, list):
        problems.append(f"{where}:{_key_line(text, 'rule')}: 'rule' must be an array of tables ([[rule]])")
        rules = []
    lines = _rule_lines(text)
    for i, row in enumerate(rules):
        line = lines[i] if i < len(lines) else 1
        try:
            compile_rule(row, f"{where}:{line}", where, i)
        except PolicyError as exc:
            problems.append(f"{exc.where}: {exc.message}")
    sev = doc.get("severity", {})
    if not isinstance(sev, dict):
        problems.append(f"{where}:{_key_line(text, 'severity')}: [severity] must be a table")
    else:
        for name, value in sev.items():
            try:
                _severity(name, where, "severity")
                _decision(value, where)
            except PolicyError as exc:
                problems.append(f"{where}:{_key_line(text, 'severity')}: {exc.message}")
    if "inventory" in doc:
        from blastwall.preflight.inventory import parse_inventory

        try:
            parse_inventory(doc["inventory"])
        except PolicyError as exc:
            detail = f"{exc.where}: {exc.message}" if exc.where else exc.message
            problems.append(f"{where}:{_key_line(text, 'inventory')}: {detail}")
    if "approvals" in doc:
        problems.extend(f"{where}:{_key_line(text, 'approvals')}: {p}" for p in _approval_problems(doc["approvals"]))
    if "secrets" in doc:
        problems.extend(f"{where}:{_key_line(text, 'secrets')}: {p}" for p in _secrets_problems(doc["secrets"]))
    audit = doc.get("audit")
    if audit is not None and (not isinstance(audit, dict) or str(audit.get("verdicts", "all")) not in ("all", "blocking")):
        problems.append(f"{where}:{_key_line(text, 'audit')}: [audit] verdicts must be \"all\" or \"blocking\"")
    if "snapshots" in doc:
        from blastwall.snapshots.settings import SettingsError, compile_settings

        try:
            compile_settings(doc["snapshots"])
        except SettingsError as exc:
            problems.append(f"{where}:{_key_line(text, 'snapshots')}: {exc}")
    radius = doc.get("radius")
    if radius is not None:
        budget = radius.get("budget_ms", 0) if isinstance(radius, dict) else None
        if isinstance(budget, bool) or not isinstance(budget, int | float) or not 0 <= budget <= 30000:
            problems.append(f"{where}:{_key_line(text, 'radius')}: [radius] budget_ms must be a number of "
                            "milliseconds from 0 (measuring off) to 30000")
    cedar = doc.get("cedar")
    if isinstance(cedar, dict) and "policies" in cedar:
        from blastwall.policy.cedar import validate_table

        line = _key_line(text, "cedar")
        problems.extend(p.replace(f"{where}: ", f"{where}:{line}: ", 1) for p in validate_table(cedar, where))
    if "policy" in doc:
        line = _key_line(text, "policy")
        problems.extend(p if _located(p) else f"{where}:{line}: {p}" for p in _layer_problems(doc["policy"], where))
    return problems


def _located(problem: str) -> bool:
    """A Rego problem that names its own file, line and column (`a.rego:4:11: ...`)."""
    return bool(re.match(r"^[^:\n]+\.rego:\d+(:\d+)?: ", problem))


def _layer_problems(table: object, where: str) -> list[str]:
    """`[policy.rego]` and `[policy.opa]`: the tables, and every Rego file compiled and tried on
    a sample action (syntax errors with file, line and column)."""
    from blastwall.policy import rego
    from blastwall.policy.rego_config import LayerError, RegoLayer, parse

    try:
        found = parse(table, where)
    except LayerError as exc:
        return [str(exc)]
    problems: list[str] = []
    for layer in found:
        if not isinstance(layer, RegoLayer):
            continue
        try:
            sources = rego.read_sources(tuple(p for p in layer.files if not p.endswith(rego.TEST_SUFFIX)))
            problems.extend(rego.check(sources, rego.read_sources(layer.data), rego.SAMPLE))
        except rego.RegoProblem as exc:
            problems.extend(exc.problems)
    return problems


def _secrets_problems(section: object) -> list[str]:
    from blastwall.policy.engine import SECRETS_KEYS

    if not isinstance(section, dict):
        return ["[secrets] must be a table"]
    problems = [f"[secrets] has no key {k!r}; known: {', '.join(sorted(SECRETS_KEYS))}" for k in section
                if k not in SECRETS_KEYS]
    for key in ("reads", "found"):
        if key in section and str(section[key]).lower() not in ("allow", "ask", "deny"):
            problems.append(f"[secrets] {key} must be allow, ask or deny, not {section[key]!r}")
    if "list" in section and not isinstance(section["list"], str):
        problems.append("[secrets] list must be a path")
    return problems


def _approval_problems(section: object) -> list[str]:
    from blastwall.approvals.keys import KeyError_, policy_keys
    from blastwall.approvals.settings import SettingsError, compile_settings

    if not isinstance(section, dict):
        return ["[approvals] must be a table"]
    try:
        compile_settings(section)
        policy_keys(section.get("approvers") or [])
    except (SettingsError, KeyError_) as exc:
        return [str(exc)]
    return []


def validate_files(paths: list[Path]) -> list[str]:
    problems: list[str] = []
    for p in paths:
        try:
            text = p.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{p}: cannot read ({exc})")
            continue
        problems.extend(validate_text(text, str(p)))
    return problems
