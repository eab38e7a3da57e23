"""What `data.blastwall.decision` may say, read into an `Answer` (one reader for in-process Rego
and for an OPA server, so both are held to the same contract; docs/rego.md):

    "deny"                                       # a plain decision
    {"deny": true, "reasons": ["..."]}           # flags, with reasons
    {"deny": {"no deletes in production"}, "ask": set(), "allow": false}   # a set's members are reasons
    {"ask": true, "approvers": 2, "rule": "prod-two-approvers"}

The strictest flag that holds decides (deny over ask over allow). Undefined, `null`, `{}` and
all flags false mean the policy has no opinion. Anything else (an unknown key, a number where a
flag belongs) is an error, never a guess: the check then asks.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from blastwall.model import Decision

UNDEFINED: Any = type("Undefined", (), {"__repr__": lambda self: "UNDEFINED"})()  # the query has no value
KEYS = ("deny", "ask", "allow", "reasons", "approvers", "rule")
MAX_APPROVERS = 10
MAX_REASONS = 10
MAX_REASON_CHARS = 300


class AnswerError(ValueError):
    """The decision document has a shape blastwall does not accept."""


class Answer(NamedTuple):
    decision: Decision | None  # None: no opinion
    reasons: tuple[str, ...] = ()
    approvers: int = 0  # distinct human approvals the policy requires (0: what [approvals] says)
    rule: str = ""  # the flag that decided, or the policy's own `rule` name


NO_OPINION = Answer(None)


def read(value: Any) -> Answer:
    if value is None or value is UNDEFINED:
        return NO_OPINION
    if isinstance(value, str):
        try:
            return Answer(Decision(value.lower()), rule=value.lower())
        except ValueError:
            raise AnswerError(f"the decision is {_short(value)}; expected allow, ask, deny or an object") from None
    if not isinstance(value, dict):
        raise AnswerError(f"the decision is {_short(value)}; expected allow, ask, deny or an object")
    unknown = sorted(set(value) - set(KEYS))
    if unknown:
        raise AnswerError(f"the decision has unknown key(s) {', '.join(unknown)}; allowed: {', '.join(KEYS)}")
    decided: Decision | None = None
    reasons: list[str] = []
    for key in ("deny", "ask", "allow"):
        held, why = _flag(value.get(key), key)
        if held:
            decided, reasons = Decision(key), why
            break
    reasons.extend(_strings(value.get("reasons"), "reasons"))
    rule = value.get("rule")
    if rule is not None and not isinstance(rule, str):
        raise AnswerError(f"'rule' must be a string, not {_short(rule)}")
    approvers = value.get("approvers", 0)
    if isinstance(approvers, bool) or not isinstance(approvers, int) or not 0 <= approvers <= MAX_APPROVERS:
        raise AnswerError(f"'approvers' must be a whole number from 1 to {MAX_APPROVERS}, not {_short(approvers)}")
    if decided is None:
        return Answer(None, approvers=approvers)
    unique = list(dict.fromkeys(r for r in reasons if r))[:MAX_REASONS]
    return Answer(decided, tuple(unique), approvers, rule or decided.value)


def _flag(value: Any, key: str) -> tuple[bool, list[str]]:
    """A flag: a boolean, or a collection whose members are the reasons (non-empty holds)."""
    if value is None or value is False:
        return False, []
    if value is True:
        return True, []
    if isinstance(value, str):
        return bool(value), [_reason(value)] if value else []
    if isinstance(value, list):
        return bool(value), [_reason(v) for v in value]
    if isinstance(value, dict):  # `deny[msg] { ... }` in the old syntax builds {msg: true}
        held = [k for k, v in value.items() if v is not False and v is not None]
        return bool(held), [_reason(k) for k in held]
    raise AnswerError(f"'{key}' must be true, false, a reason or a set of reasons, not {_short(value)}")


def _strings(value: Any, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [_reason(value)]
    if isinstance(value, list):
        return [_reason(v) for v in value]
    raise AnswerError(f"'{key}' must be a list of strings, not {_short(value)}")


def _reason(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, separators=(",", ":"))
    text = " ".join(text.split())
    return text if len(text) <= MAX_REASON_CHARS else text[:MAX_REASON_CHARS - 3] + "..."


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
