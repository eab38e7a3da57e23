"""Radius conditions: policy and approval rules that match on what a finding would destroy.

    [[rule]]
    rule = "shell.fs:*"
    radius = { files = ">1000", irreplaceable = true }   # every condition must hold
    decision = "deny"

A count condition (`rows`, `files`, `bytes`, `untracked`, `commits_lost`, ... any key of
`Radius.counts`) is a comparison: ">N", ">=N", "<N", "<=N", "==N" or a bare whole number (== N).
`irreplaceable`, `measured` and `estimate` take true or false; `source` a name or list of names.

A rule with radius conditions never matches an unmeasured finding (unmeasured is never zero), nor
a measured one that lacks a counted key; only `measured = false` matches an unmeasured finding
(with `source`: one that measurer tried to measure and could not).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

_OPS: dict[str, Callable[[int, int], bool]] = {
    ">=": operator.ge, "<=": operator.le, "==": operator.eq, ">": operator.gt, "<": operator.lt,
}
_COMPARISON = re.compile(r"^\s*(>=|<=|==|>|<)?\s*([0-9][0-9_,]*)\s*$")
FLAGS = ("irreplaceable", "measured", "estimate")


class RadiusError(ValueError):
    """A radius condition is not valid; the message names the key."""


class Condition(NamedTuple):
    key: str
    op: str  # one of _OPS, "is" (a flag) or "in" (source)
    value: Any

    def holds(self, radius: Mapping[str, Any]) -> bool:
        if self.op == "is":
            return radius.get(self.key) is self.value
        if self.op == "in":
            return str(radius.get("source") or "") in self.value
        count = (radius.get("counts") or {}).get(self.key)
        return isinstance(count, int) and _OPS[self.op](count, self.value)


Conditions = tuple[Condition, ...]


def compile_conditions(value: Any, where: str = "radius") -> Conditions:
    """`radius = {...}` compiled; raises RadiusError naming the bad key."""
    if value is None:
        return ()
    if not isinstance(value, dict) or not value:
        raise RadiusError(f"{where} must be a non-empty table, e.g. radius = {{ files = \">1000\" }}")
    out = []
    for key, raw in value.items():
        if key in FLAGS:
            if not isinstance(raw, bool):
                raise RadiusError(f"{where}.{key} must be true or false, not {raw!r}")
            out.append(Condition(key, "is", raw))
        elif key == "source":
            names = (raw,) if isinstance(raw, str) else raw
            if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
                raise RadiusError(f"{where}.source must be a name or a list of names")
            out.append(Condition("source", "in", tuple(names)))
        elif not re.fullmatch(r"[a-z][a-z0-9_]*", str(key)):
            raise RadiusError(f"{where}: {key!r} is not a count name (rows, files, bytes, untracked, commits_lost, ...)")
        elif isinstance(raw, int) and not isinstance(raw, bool):
            out.append(Condition(key, "==", raw))
        else:
            m = _COMPARISON.match(raw) if isinstance(raw, str) else None
            if m is None:
                raise RadiusError(f"{where}.{key} must be a comparison such as \">1000\" or \"<=10\", not {raw!r}")
            out.append(Condition(key, m.group(1) or "==", int(m.group(2).replace("_", "").replace(",", ""))))
    return tuple(out)


def matches(conditions: Conditions, radius: Mapping[str, Any] | None) -> bool:
    """Whether a finding's radius (`Finding.radius`, a dict or None) meets every condition."""
    if not conditions:
        return True
    measured = bool(radius and radius.get("measured"))
    wants_unmeasured = any(c.key == "measured" and c.value is False for c in conditions)
    if not measured:  # only whether it was measured, and by which measurer, is known
        return wants_unmeasured and all(c.key == "measured" or (c.key == "source" and c.holds(radius or {}))
                                        for c in conditions)
    return all(c.holds(radius or {}) for c in conditions)


def summary_of(radius: Mapping[str, Any] | None) -> str:
    """The one-line summary a reason shows ("" when nothing was measured or said)."""
    if not radius:
        return ""
    text = str(radius.get("summary") or "")
    if not text:
        return ""
    return f"measured: {text}" if radius.get("measured") else f"unmeasured: {text}"


def facts(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each measured finding's radius for an approver's screen and the audit log."""
    out = []
    for f in findings:
        r = f.get("radius") if isinstance(f, Mapping) else None
        if isinstance(r, Mapping) and r.get("summary"):
            out.append({"rule": f.get("rule_id"), "target": f.get("target"), "measured": bool(r.get("measured")),
                        "summary": str(r["summary"]), "irreplaceable": r.get("irreplaceable"),
                        "counts": dict(r["counts"]) if isinstance(r.get("counts"), Mapping) else {},
                        "source": r.get("source")})
    return out


def summaries(findings: list[dict[str, Any]]) -> list[str]:
    """One line per measured finding: "build: measured: only ignored build output (...)"."""
    lines = []
    for fact in facts(findings):
        line = f"{fact['target'] or fact['rule']}: {summary_of(fact)}"
        if line not in lines:
            lines.append(line)
    return lines
