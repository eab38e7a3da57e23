"""Which project policy files may loosen blastwall.

A project's `blastwall.toml` lives in the repository the agent works in: anyone who can push
to that repository (or an agent that wrote it) could otherwise switch protection off with
`decision = "allow"`. So a project file may always tighten, but its loosening entries (rules
that allow, `[severity]` entries or an `[approvals] mode` more lenient than the trusted policy,
Cedar's and Rego's authoritative modes, an OPA server, the inventory, and every section not
known to be safe) count only once a human has trusted that exact content with `blastwall policy
trust`, which needs an interactive terminal. Trust is recorded in the user's config directory
(0600) as the file's real path and sha256 (over the Rego files it names too); editing the file,
or one of its Rego files, withdraws it.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from blastwall.model import Decision

TRUST_FILE = "trusted-policies.json"
# How strict each `[approvals] mode` is: `agent` leaves the question to an agent's prompt that may
# never show (bypassPermissions), `auto` does so where the agent can ask reliably, `wait` and
# `defer` always file a request a human must grant.
MODE_RANK = {"agent": 0, "auto": 1, "wait": 2, "defer": 2}

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
        digest = content_digest(path)
    except OSError:
        return False
    return _read_store(config_dir).get(os.path.realpath(path)) == digest


def content_digest(path: str) -> str:
    """sha256 of the policy file, and of the Rego and data files its `[policy.rego]` names: a
    trusted project file's Rego can decide alone, so editing one of them (or adding one to a
    named folder) withdraws the trust just as editing the file does."""
    with open(path, "rb") as f:
        data = f.read()
    named = _rego_files(path, data)
    if not named:
        return _digest(data)
    h = hashlib.sha256(data)
    for name in named:
        try:
            with open(name, "rb") as f:
                content = f.read()
        except OSError:
            content = b"\0missing"
        h.update(b"\0" + name.encode("utf-8", "surrogateescape") + b"\0" + hashlib.sha256(content).digest())
    return h.hexdigest()


def _rego_files(path: str, data: bytes) -> list[str]:
    if b"policy" not in data:  # cheap: only a file with a [policy] table names Rego files
        return []
    import tomllib

    try:
        table = tomllib.loads(data.decode("utf-8")).get("policy")
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    if not isinstance(table, dict):
        return []
    from blastwall.policy.rego_config import named_files

    return sorted(named_files(table, path))


def trust(path: str, config_dir: str) -> str:
    """Record the current content of `path` (and of the Rego files it names) as trusted;
    returns the digest."""
    digest = content_digest(path)
    store = _read_store(config_dir)
    store[os.path.realpath(path)] = digest
    os.makedirs(config_dir, mode=0o700, exist_ok=True)
    tmp = _store(config_dir) + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(store, f, indent=1, sort_keys=True)
    os.replace(tmp, _store(config_dir))
    return digest


def tighten_only(doc: dict[str, Any], base: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """`doc` without its loosening entries, and a description of each entry dropped. `base` is
    what the trusted layers (the user's file over the defaults) say; an entry counts only where it
    is at least as strict. Every section is listed in `_SECTIONS`; one that is not (a new section,
    a typo) is dropped whole, so a key added to the schema stays out until it is decided here."""
    out: dict[str, Any] = {}
    dropped: list[str] = []
    for key, value in doc.items():
        keep = _SECTIONS.get(key)
        if keep is None:
            dropped.append(f"[{key}] ({_WHY.get(key, 'only trusted policy files may set it')})")
            continue
        kept, more = keep(value, base.get(key))
        dropped.extend(more)
        if kept is not None:
            out[key] = kept
    return out, dropped


def _rules(rules: Any, _base: Any) -> tuple[Any, list[str]]:
    if not isinstance(rules, list):
        return rules, []
    kept, dropped = [], []
    for i, row in enumerate(rules):
        if isinstance(row, dict) and str(row.get("decision", "")).lower() == "allow":
            dropped.append(f"[[rule]] #{i + 1} ({row.get('id') or 'no id'}) allows")
        else:
            kept.append(row)
    return kept, dropped


def _severity(section: Any, base: Any) -> tuple[Any, list[str]]:
    if not isinstance(section, dict):
        return section, []
    rank = {d.value: d.rank for d in Decision}
    base = base if isinstance(base, dict) else {}
    kept, dropped = {}, []
    for name, value in section.items():
        if rank.get(str(value).lower(), -1) < rank.get(str(base.get(name, "deny")).lower(), 2):
            dropped.append(f"[severity] {name} = {value!r} is more lenient than the trusted policy")
        else:
            kept[name] = value
    return kept, dropped


def _list_adds(value: Any, _base: Any) -> tuple[Any, list[str]]:
    return value, []  # protected_branches: more names only protect more


def _inventory(section: Any, base: Any) -> tuple[Any, list[str]]:
    """An untrusted file may say that more is production or shared; saying that a target belongs
    to an environment that is not production (which turns asks into allows), how to ask providers
    (whose token), or to probe for less time, is for trusted files."""
    from blastwall.preflight.inventory import PRODUCTION_NAMES

    if not isinstance(section, dict):
        return None, ["[inventory] (not a table)"]
    base = base if isinstance(base, dict) else {}
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for key, value in section.items():
        if key == "shared":
            kept[key] = value
        elif key == "environments" and isinstance(value, dict):
            envs = {}
            for name, env in value.items():
                aliases = env.get("aliases", []) if isinstance(env, dict) else []
                named = {str(name).lower(), *(str(a).lower() for a in aliases if isinstance(a, str))}
                production = env.get("production", bool(PRODUCTION_NAMES & named)) if isinstance(env, dict) else False
                if production is True:
                    envs[name] = env
                else:
                    dropped.append(f"[inventory.environments.{name}] (which targets are not production is for "
                                   "trusted policy files)")
            if envs:
                kept[key] = envs
        elif key == "probe_budget_s" and isinstance(value, int | float) and not isinstance(value, bool) and \
                value >= base.get("probe_budget_s", 0):
            kept[key] = value
        else:
            dropped.append(f"[inventory] {key} (trusted policy files only)")
    return kept, dropped


def _approvals(section: Any, base: Any) -> tuple[Any, list[str]]:
    """An untrusted file may make an agent wait for a human (`mode = "wait"` or "defer", and how
    long a waiting hook holds); approver keys, windows, required counts and notification targets
    would let it approve or leak, and a laxer mode would hide the question."""
    if not isinstance(section, dict):
        return None, ["[approvals] (not a table)"]
    base = base if isinstance(base, dict) else {}
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for key, value in section.items():
        if key == "mode" and MODE_RANK.get(str(value), -1) >= MODE_RANK.get(str(base.get("mode", "auto")), 1):
            kept[key] = value
        elif key == "mode":
            dropped.append(f"[approvals] mode = {value!r} is more lenient than the trusted policy "
                           f"({base.get('mode', 'auto')!r})")
        elif key == "wait":
            kept[key] = value
        else:
            dropped.append(f"[approvals] {key} (who may approve, what needs approving and where requests are sent "
                           "are for trusted policy files)")
    return kept, dropped


def _audit(section: Any, _base: Any) -> tuple[Any, list[str]]:
    if not isinstance(section, dict):
        return None, ["[audit] (not a table)"]
    kept = {k: v for k, v in section.items() if k == "verdicts" and str(v) == "all"}
    return kept, [f"[audit] {k} (records fewer verdicts)" if k == "verdicts" else f"[audit] {k}"
                  for k in sorted(set(section) - set(kept))]


def _snapshots(section: Any, _base: Any) -> tuple[Any, list[str]]:
    from blastwall.snapshots.settings import tighten

    return tighten(section)


def _radius(section: Any, base: Any) -> tuple[Any, list[str]]:
    """Measuring longer only costs time; measuring less (or rehearsing statements on a copy,
    with which credentials) is for trusted files."""
    if not isinstance(section, dict):
        return None, ["[radius] (not a table)"]
    from blastwall.radius import DEFAULT_BUDGET_MS

    floor = (base or {}).get("budget_ms", DEFAULT_BUDGET_MS) if isinstance(base, dict) else DEFAULT_BUDGET_MS
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for key, value in section.items():
        if key == "budget_ms" and isinstance(value, int | float) and not isinstance(value, bool) and value >= floor:
            kept[key] = value
        elif key == "budget_ms":
            dropped.append(f"[radius] budget_ms = {value!r} measures less than the trusted policy ({floor!r})")
        elif str(key).startswith("rehearse"):
            dropped.append(f"[radius] {key} (running statements on a copy, with which credentials, is for trusted "
                           "policy files)")
        else:
            dropped.append(f"[radius] {key}")
    return kept, dropped


def _cedar(section: Any, _base: Any) -> tuple[Any, list[str]]:
    """Cedar in its default `tighten` mode can only forbid; `authoritative` lets its permits allow."""
    if not isinstance(section, dict):
        return None, ["[cedar] (not a table)"]
    if str(section.get("mode", "tighten")).lower() != "tighten":
        return {k: v for k, v in section.items() if k != "mode"}, [
            f"[cedar] mode = {section.get('mode')!r} (its permits could allow)"]
    return section, []


def _policy_layers(section: Any, _base: Any) -> tuple[Any, list[str]]:
    """Rego in `tighten` mode can only deny or ask; `authoritative` lets its allows count, and an
    OPA server receives every action (with the token the file names), so both need trust."""
    if not isinstance(section, dict):
        return None, ["[policy] (not a table)"]
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for key, value in section.items():
        if key == "rego" and isinstance(value, dict):
            if str(value.get("mode", "tighten")).lower() != "tighten":
                dropped.append(f"[policy.rego] mode = {value.get('mode')!r} (its allows could loosen)")
                value = {k: v for k, v in value.items() if k != "mode"}
            kept[key] = value
        elif key == "opa":
            dropped.append("[policy.opa] (which server receives every action, with which token, is for trusted "
                           "policy files)")
        else:
            dropped.append(f"[policy] {key}")
    return kept, dropped


def _secrets(section: Any, base: Any) -> tuple[Any, list[str]]:
    if not isinstance(section, dict):
        return None, ["[secrets] (not a table)"]
    from blastwall.policy.engine import SECRETS_KEYS

    return _tighten_secrets(section, {**SECRETS_KEYS, **(base if isinstance(base, dict) else {})})


_SECTIONS = {
    "rule": _rules,
    "severity": _severity,
    "protected_branches": _list_adds,
    "approvals": _approvals,
    "secrets": _secrets,
    "audit": _audit,
    "snapshots": _snapshots,
    "radius": _radius,
    "cedar": _cedar,
    "policy": _policy_layers,
    # Kept as written for now: which environment a target belongs to and how to ask providers.
    # An untrusted file that calls a production target "dev" loosens; see tests/test_policy.py.
    "inventory": _inventory,
}
# Sections an untrusted file may not set at all, and why (anything else unknown is dropped too).
_WHY = {
    "settings": "settings are for trusted policy files",
    "gateway": "where credentials are sent is for trusted policy files",
    "pg_proxy": "the proxy's own database credentials are for trusted policy files",
    "run": "which hosts, folders and databases `blastwall run` opens to an agent is for trusted policy files",
}


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
