"""A scan as SARIF 2.1.0, the format code-scanning pages (GitHub, GitLab, Azure DevOps) read.

One run, tool `blastwall`; one rule per rule id found (its description is the first reason
seen); one result per finding, located at its file (relative to `%SRCROOT%`) and line. A
`deny` is level `error`, an `ask` is `warning`. `partialFingerprints` let a code-scanning page
recognise the same finding across commits when lines move.
"""

from __future__ import annotations

import hashlib
from typing import Any

from blastwall import __version__
from blastwall.model import Decision
from blastwall.scan import ScanResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Decision.DENY: "error", Decision.ASK: "warning", Decision.ALLOW: "note"}


def to_sarif(result: ScanResult) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for s in result.findings:
        f = s.finding
        if f.rule_id not in rules:
            rules[f.rule_id] = {
                "id": f.rule_id,
                "name": f.rule_id.replace(".", "_").replace(":", "_").replace("-", "_"),
                "shortDescription": {"text": f"{f.effect.value.replace('_', ' ')}: {f.rule_id}"},
                "fullDescription": {"text": f.reason},
                "help": {"text": f.safer or "review the step before it runs"},
                "properties": {"tags": ["blastwall", f.effect.value, s.kind], "severity": f.severity.name.lower()},
            }
        results.append({
            "ruleId": f.rule_id,
            "ruleIndex": list(rules).index(f.rule_id),
            "level": _LEVEL[s.decision],
            "message": {"text": f.reason},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": s.path, "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": max(1, s.line)},
            }}],
            "partialFingerprints": {"blastwall/v1": _fingerprint(s.path, f.rule_id, f.target, f.source)},
            "properties": {"decision": s.decision.value, "effect": f.effect.value, "target": f.target,
                           "fileKind": s.kind},
        })
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "blastwall", "version": __version__, "semanticVersion": __version__,
                                "rules": list(rules.values())}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": _root_uri(result.root)}},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(" ".join(p.split()) for p in parts).encode("utf-8", "replace")).hexdigest()[:32]


def _root_uri(root: str) -> str:
    from pathlib import Path

    return Path(root).as_uri().rstrip("/") + "/"
