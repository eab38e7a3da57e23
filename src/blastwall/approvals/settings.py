"""The `[approvals]` policy section, compiled once into `ApprovalSettings`.

```toml
[approvals]
mode = "auto"        # auto | wait | defer | agent (see below)
wait = 20            # seconds a waiting hook holds the call for a grant (mode = "wait")
expires = 3600       # seconds a request stays open
grant_ttl = 900      # seconds a grant stays valid after it is given
require = 1          # approvals needed (per request); rules below can raise it
approvers = ["ed25519:..."]           # public keys, beside ~/.config/blastwall/keys/*.pub
notify = { webhook = "http://...", slack = "https://hooks.slack.com/...", desktop = true, url = "http://127.0.0.1:8765" }

[[approvals.rule]]                    # two people for production
environment = ["production"]
require = 2

[approvals.windows.reset-dev-db]      # `blastwall approve --window reset-dev-db --for 30m`
surface = "shell"
pattern = "rails db:reset*"           # glob over the action text
max = 7200                            # the longest window a human may open
```

Modes: `wait` holds the hook until a grant lands (or `wait` seconds pass, then defers);
`defer` blocks at once with the request id, and the identical retry passes once approved;
`agent` leaves the question to the agent's own permission prompt (no request is filed);
`auto` (default) is `agent` where the agent can ask a human reliably and `defer` where it cannot.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from blastwall.analyze import globs
from blastwall.model import Severity

MODES = ("auto", "wait", "defer", "agent")
MAX_WAIT_S = 540  # below the longest hook timeout `blastwall install --wait` writes (600 s)


class RequireRule(NamedTuple):
    require: int
    environment: tuple[str, ...] = ()
    rule: tuple[str, ...] = ()
    effect: tuple[str, ...] = ()
    min_severity: Severity = Severity.NONE
    radius: tuple[Any, ...] = ()  # radius/policy.py conditions: `radius = { rows = ">1000" }`

    def matches(self, findings: list[dict[str, Any]]) -> bool:
        from blastwall.radius.policy import matches as radius_matches

        for f in findings:
            if self.environment and str(f.get("environment") or "").lower() not in self.environment:
                continue
            if self.rule and not globs.match_any(str(f.get("rule_id", "")), self.rule):
                continue
            if self.effect and str(f.get("effect", "")) not in self.effect:
                continue
            if Severity.parse(str(f.get("severity", "none"))) < self.min_severity:
                continue
            if not radius_matches(self.radius, f.get("radius")):
                continue
            return True
        return False


class Window(NamedTuple):
    name: str
    surface: str
    pattern: str
    max_s: float


class ApprovalSettings(NamedTuple):
    mode: str = "auto"
    wait_s: float = 20.0
    expires_s: float = 3600.0
    grant_ttl_s: float = 900.0
    require: int = 1
    rules: tuple[RequireRule, ...] = ()
    windows: tuple[tuple[str, Window], ...] = ()
    notify: Mapping[str, Any] = {}
    raw: Mapping[str, Any] = {}

    def required_for(self, findings: list[dict[str, Any]]) -> int:
        return max([self.require, *(r.require for r in self.rules if r.matches(findings))])

    def window(self, name: str) -> Window | None:
        return dict(self.windows).get(name)


class SettingsError(ValueError):
    pass


_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_duration(value: Any) -> float:
    """Seconds in `value`: a number of seconds or text such as "90s", "30m", "2h", "1d"."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or text like 30m")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().lower()
    for unit in sorted(_UNITS, key=len, reverse=True):
        if text.endswith(unit) and text[: -len(unit)].strip().replace(".", "", 1).isdigit():
            return float(text[: -len(unit)]) * _UNITS[unit]
    if text.replace(".", "", 1).isdigit():
        return float(text)
    raise ValueError(f"{value!r} is not a duration (use seconds or 90s, 30m, 2h, 1d)")


def _number(section: Mapping[str, Any], key: str, default: float, lo: float, hi: float) -> float:
    try:
        value = parse_duration(section.get(key, default))
    except ValueError:
        value = -1.0
    if not lo <= value <= hi:
        raise SettingsError(f"[approvals] {key} must be a duration from {lo:g} to {hi:g} seconds (e.g. 30m)")
    return value


def _strings(value: Any, key: str) -> tuple[str, ...]:
    from blastwall.policy.engine import PolicyError
    from blastwall.policy.engine import _strings as policy_strings

    try:
        return policy_strings(value, "[approvals]", key)
    except PolicyError as exc:
        raise SettingsError(f"[approvals] {exc.message}") from None


def compile_settings(section: Mapping[str, Any] | None) -> ApprovalSettings:
    """Validate and compile `[approvals]`; raises `SettingsError` naming the bad key."""
    s = dict(section or {})
    mode = str(s.get("mode", "auto"))
    if mode not in MODES:
        raise SettingsError(f"[approvals] mode must be one of {', '.join(MODES)}, not {mode!r}")
    require = s.get("require", 1)
    if isinstance(require, bool) or not isinstance(require, int) or not 1 <= require <= 10:
        raise SettingsError("[approvals] require must be a whole number from 1 to 10")
    rules = []
    for i, row in enumerate(s.get("rule") or []):
        if not isinstance(row, dict):
            raise SettingsError(f"[[approvals.rule]] #{i + 1} must be a table")
        req = row.get("require", 1)
        if isinstance(req, bool) or not isinstance(req, int) or not 1 <= req <= 10:
            raise SettingsError(f"[[approvals.rule]] #{i + 1}: require must be a whole number from 1 to 10")
        try:
            min_sev = Severity.parse(str(row.get("min_severity", "none")))
        except KeyError:
            raise SettingsError(f"[[approvals.rule]] #{i + 1}: unknown min_severity") from None
        from blastwall.radius.policy import RadiusError, compile_conditions

        try:
            radius = compile_conditions(row.get("radius"))
        except RadiusError as exc:
            raise SettingsError(f"[[approvals.rule]] #{i + 1}: {exc}") from None
        rules.append(RequireRule(req, tuple(e.lower() for e in _strings(row.get("environment"), "rule.environment")),
                                 _strings(row.get("rule"), "rule.rule"), _strings(row.get("effect"), "rule.effect"),
                                 min_sev, radius))
    windows = []
    for name, row in (s.get("windows") or {}).items():
        if not isinstance(row, dict) or not isinstance(row.get("pattern"), str) or not row["pattern"].strip():
            raise SettingsError(f"[approvals.windows.{name}] needs a pattern (a glob over the action text)")
        if row["pattern"].strip() in ("*", "**"):
            raise SettingsError(f"[approvals.windows.{name}] pattern {row['pattern']!r} would cover every action")
        windows.append((str(name), Window(str(name), str(row.get("surface", "shell")), row["pattern"],
                                          _number(row, "max", 3600, 60, 86400))))
    notify = s.get("notify") or {}
    if not isinstance(notify, dict):
        raise SettingsError("[approvals] notify must be a table")
    return ApprovalSettings(
        mode=mode,
        wait_s=_number(s, "wait", 20, 0, MAX_WAIT_S),
        expires_s=_number(s, "expires", 3600, 60, 7 * 86400),
        grant_ttl_s=_number(s, "grant_ttl", 900, 10, 86400),
        require=require,
        rules=tuple(rules),
        windows=tuple(windows),
        notify=notify,
        raw=s,
    )


def settings_of(policy: Any) -> ApprovalSettings:
    """The compiled settings of a policy (defaults when it has no `[approvals]`)."""
    section = policy.section("approvals") if policy is not None else None
    return compile_settings(section)
