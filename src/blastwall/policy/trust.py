"""Which project policy files may loosen blastwall.

A project's `blastwall.toml` lives in the repository the agent works in: anyone who can push
to that repository (or an agent that wrote it) could otherwise switch protection off with
`decision = "allow"`. So a project file may always tighten, but its loosening entries (rules
that allow, `[severity]` entries more lenient than the defaults, Cedar's authoritative mode)
count only once a human has trusted that exact content with `blastwall policy trust`, which
needs an interactive terminal. Trust is recorded in the user's config directory (0600) as the
file's real path and sha256; editing the file withdraws it.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from blastwall.model import Decision

TRUST_FILE = "trusted-policies.json"
# An untrusted project file may choose how an agent waits for an approval, nothing else: approver
# keys, windows, required counts and notification targets would let it approve or leak.
UNTRUSTED_APPROVAL_KEYS = frozenset({"mode", "wait"})


def _store(config_dir: str) -> str:
    return os.path.join(config_dir, TRUST_FILE)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_store(config_dir: str) -> dict[str, str]:
    try:
        with open(_store(config_dir), encoding="utf-8") as f:
            data = json.load(f)
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def is_trusted(path: str, config_dir: str) -> bool:
    try:
        with open(path, "rb") as f:
            digest = _digest(f.read())
    except OSError:
        return False
    return _read_store(config_dir).get(os.path.realpath(path)) == digest


def trust(path: str, config_dir: str) -> str:
    """Record the current content of `path` as trusted; returns its sha256."""
    with open(path, "rb") as f:
        digest = _digest(f.read())
    store = _read_store(config_dir)
    store[os.path.realpath(path)] = digest
    os.makedirs(config_dir, mode=0o700, exist_ok=True)
    tmp = _store(config_dir) + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(store, f, indent=1, sort_keys=True)
    os.replace(tmp, _store(config_dir))
    return digest


def tighten_only(doc: dict[str, Any], defaults: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """`doc` without its loosening entries, and a description of each entry dropped."""
    out = dict(doc)
    dropped: list[str] = []
    rank = {d.value: d.rank for d in Decision}
    rules = doc.get("rule")
    if isinstance(rules, list):
        kept = []
        for i, row in enumerate(rules):
            if isinstance(row, dict) and str(row.get("decision", "")).lower() == "allow":
                dropped.append(f"[[rule]] #{i + 1} ({row.get('id') or 'no id'}) allows")
            else:
                kept.append(row)
        out["rule"] = kept
    severity = doc.get("severity")
    if isinstance(severity, dict):
        base = defaults.get("severity", {})
        kept_sev = {}
        for name, value in severity.items():
            if rank.get(str(value).lower(), 2) < rank.get(str(base.get(name, "deny")).lower(), 2):
                dropped.append(f"[severity] {name} = {value!r} is more lenient than the default")
            else:
                kept_sev[name] = value
        out["severity"] = kept_sev
    approvals = doc.get("approvals")
    if isinstance(approvals, dict):
        kept_appr = {k: v for k, v in approvals.items() if k in UNTRUSTED_APPROVAL_KEYS}
        for key in sorted(set(approvals) - set(kept_appr)):
            dropped.append(f"[approvals] {key} (who may approve, what needs approving and where requests are sent "
                           "are for trusted policy files)")
        out["approvals"] = kept_appr
    secrets = doc.get("secrets")
    if isinstance(secrets, dict):
        out["secrets"], more = _tighten_secrets(secrets, defaults.get("secrets") or {})
        dropped.extend(more)
    audit = doc.get("audit")
    if isinstance(audit, dict) and str(audit.get("verdicts", "all")) != "all":
        out["audit"] = {k: v for k, v in audit.items() if k != "verdicts"}
        dropped.append("[audit] verdicts (records fewer verdicts)")
    if "snapshots" in doc:
        from blastwall.snapshots.settings import tighten

        out["snapshots"], more = tighten(doc["snapshots"])
        dropped.extend(more)
    radius = doc.get("radius")
    if isinstance(radius, dict) and any(str(k).startswith("rehearse") for k in radius):
        out["radius"] = {k: v for k, v in radius.items() if not str(k).startswith("rehearse")}
        dropped.append("[radius] rehearse (running statements on a copy, with which credentials, is for trusted "
                       "policy files)")
    if "pg_proxy" in doc:  # which credentials the proxy's own snapshots use is for trusted files
        out.pop("pg_proxy")
        dropped.append("[pg_proxy] (the proxy's own database credentials are for trusted policy files)")
    cedar = doc.get("cedar")
    if isinstance(cedar, dict) and str(cedar.get("mode", "")).lower() == "authoritative":
        out["cedar"] = {k: v for k, v in cedar.items() if k != "mode"}
        dropped.append("[cedar] mode = 'authoritative' (its permits could allow)")
    return out, dropped


def _tighten_secrets(section: dict[str, Any], defaults: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """An untrusted `[secrets]` may make reads stricter; it may not allow more or move the
    scanner's list (an empty list elsewhere would un-list every secret-bearing file)."""
    rank = {d.value: d.rank for d in Decision}
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for key, value in section.items():
        if key == "list":
            dropped.append("[secrets] list (where the secret scanner's list lives is for trusted policy files)")
        elif key in ("reads", "found") and rank.get(str(value).lower(), -1) < rank.get(str(defaults.get(key, "deny")), 2):
            dropped.append(f"[secrets] {key} = {value!r} is more lenient than the default")
        else:
            kept[key] = value
    return kept, dropped
