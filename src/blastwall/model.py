"""The data model every door, analyzer and policy speaks: Action, Finding, Verdict.

Everything here is an enum or an immutable record (`NamedTuple`: frozen like a frozen
dataclass, at a fraction of the start-up cost, which matters in an agent's hook). Doors build an `Action`; analyzers turn it
into `Finding`s; the policy turns findings into a `Verdict`. Nothing in this module does I/O.
"""

from __future__ import annotations

import functools
import json
from enum import Enum, IntEnum
from typing import Any, NamedTuple


def _sha256(data: bytes) -> Any:
    """sha256 without loading OpenSSL when CPython's builtin module is there (hooks start faster)."""
    return _sha256_constructor()(data)


@functools.cache
def _sha256_constructor() -> Any:
    # Resolved once: a failed import is not cached by Python, and searching sys.path for `_sha2`
    # on every digest cost a long-running door (gateway, proxies) about 0.1 ms a call on 3.11.
    try:
        from _sha2 import sha256  # type: ignore[import-not-found]  # CPython 3.12+
    except ImportError:
        try:
            from _sha256 import sha256  # type: ignore[import-not-found,no-redef]  # CPython 3.11
        except ImportError:  # pragma: no cover
            from hashlib import sha256  # type: ignore[no-redef]
    return sha256


class Surface(str, Enum):
    """Where an action happens."""

    SHELL = "shell"
    SQL = "sql"
    HTTP = "http"
    MCP = "mcp"
    FILE_READ = "file_read"
    FILE_WRITE = "file_write"


class Decision(str, Enum):
    """What the engine answers. Ordered: allow < ask < deny."""

    ALLOW = "allow"
    ASK = "ask"
    DENY = "deny"

    @property
    def rank(self) -> int:
        return _DECISION_RANK[self]

    @classmethod
    def strictest(cls, decisions: list[Decision]) -> Decision:
        return max(decisions, key=_DECISION_RANK.__getitem__, default=cls.ALLOW)


_DECISION_RANK = {Decision.ALLOW: 0, Decision.ASK: 1, Decision.DENY: 2}


class Effect(str, Enum):
    """What a finding says the action would do."""

    DELETE = "delete"
    OVERWRITE = "overwrite"
    DISCARD_WORK = "discard_work"
    REWRITE_HISTORY = "rewrite_history"
    DESTROY_INFRA = "destroy_infra"
    DISRUPT_SERVICE = "disrupt_service"
    REVOKE_ACCESS = "revoke_access"
    PRIVILEGE_ESCALATION = "privilege_escalation"
    EXFILTRATE_SECRET = "exfiltrate_secret"
    READ_SECRET = "read_secret"
    MODIFY_GUARD = "modify_guard"
    UNKNOWN_CODE = "unknown_code"
    UNVERIFIED = "unverified"


class Severity(IntEnum):
    """How bad a finding is if the action runs. The default policy maps it to a decision."""

    NONE = 0  # informational: the action is known to be harmless (e.g. regenerable files)
    LOW = 1  # reversible or local and cheap to redo; allowed by default
    MEDIUM = 2  # destroys something that may matter; ask
    HIGH = 3  # destroys data, history or infrastructure; ask
    CRITICAL = 4  # catastrophic and never intended by an agent (rm -rf /, mkfs on a disk); deny

    @classmethod
    def parse(cls, name: str) -> Severity:
        found = _SEVERITY_NAMES.get(name)  # the tables write them in lower case; Enum's own lookup is slow
        return found if found is not None else cls[name.upper()]


_SEVERITY_NAMES = {s.name.lower(): s for s in Severity}


class Context(NamedTuple):
    """Where an action runs and on whose behalf."""

    cwd: str | None = None
    agent: str | None = None
    session: str | None = None
    database: str | None = None
    environment: str | None = None
    extra: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_mapping(cls, data: Any) -> Context:
        if not data or not isinstance(data, dict):
            return cls()
        known = {k: str(data[k]) for k in ("cwd", "agent", "session", "database", "environment") if data.get(k) is not None}
        extra = tuple(sorted((str(k), str(v)) for k, v in data.items() if k not in known and v is not None))
        return cls(**known, extra=extra)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in ("cwd", "agent", "session", "database", "environment")}
        out = {k: v for k, v in out.items() if v is not None}
        out.update(dict(self.extra))
        return out


class Action(NamedTuple):
    """One thing an agent is about to do.

    `payload` is a command string (shell), SQL text (sql), `{method, url, headers, body}` (http),
    `{server, tool, arguments, annotations?}` (mcp) or `{path, content?}` (file_read/file_write).
    """

    surface: Surface
    payload: Any
    context: Context = Context()

    def canonical(self) -> str:
        """A stable text encoding of the action and its context; approvals bind to its digest."""
        return json.dumps(
            {"surface": self.surface.value, "payload": self.payload, "context": self.context.to_dict()},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            default=str,
        )

    def digest(self) -> str:
        return _sha256(self.canonical().encode("utf-8", "surrogatepass")).hexdigest()


class Finding(NamedTuple):
    """One effect the action would have.

    `rule_id` is a stable dotted identifier (`shell.git:push-force`); allow-lists, approvals,
    audit entries and tests key on it, so it is never renamed casually.
    """

    rule_id: str
    effect: Effect
    severity: Severity
    reason: str
    target: str = ""
    reversible: bool = False
    confidence: float = 1.0
    safer: str = ""
    source: str = ""  # the part of the input the finding came from
    environment: str | None = None
    radius: dict[str, Any] | None = None  # what the target holds, measured (radius/base.py Radius.to_dict())
    evidence: tuple[str, ...] = ()  # the facts that place the target in `environment` (environment/)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "effect": self.effect.value,
            "severity": self.severity.name.lower(),
            "reason": self.reason,
            "target": self.target,
            "reversible": self.reversible,
            "confidence": self.confidence,
            "safer": self.safer,
            "source": self.source,
            "environment": self.environment,
            "radius": self.radius,
            "evidence": list(self.evidence),
        }


class Verdict(NamedTuple):
    """The engine's answer for one action."""

    decision: Decision
    reasons: tuple[str, ...]
    rule_ids: tuple[str, ...]
    findings: tuple[Finding, ...]
    action_digest: str
    degraded: bool = False  # reached because analysis failed or ran out of budget; never allow
    timings_ms: tuple[tuple[str, float], ...] = ()
    approvers: int = 0  # distinct people an approval needs, as a Rego layer requires (0: as [approvals] says)

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOW

    def to_dict(self, *, with_findings: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "decision": self.decision.value,
            "reasons": list(self.reasons),
            "rule_ids": list(self.rule_ids),
            "action_digest": self.action_digest,
            "degraded": self.degraded,
        }
        if self.approvers:
            out["approvers"] = self.approvers
        if with_findings:
            out["findings"] = [f.to_dict() for f in self.findings]
        return out
