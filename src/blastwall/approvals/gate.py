"""The approvals stage every door runs after the engine: audit the verdict, and turn an `ask`
into a human's decision.

    result = gate(actions, verdicts, decision, reasons, policy=policy, can_ask=door.can_ask(data))

For `ask`, in order:
1. a valid signed grant for this exact action (enough of them from distinct approvers when the
   request needs two) is consumed and the action is allowed; forged, foreign, expired, replayed
   or mismatched grants are refused and logged, never counted;
2. a request a human denied stays denied;
3. otherwise, by mode: `agent` returns the ask for the agent's own prompt; `defer` files (or
   reuses) a request and blocks with its id; `wait` files it and holds the call until a grant
   lands, a human denies it, or the wait runs out (then it defers).

The gate never raises: a store it cannot open or any failure leaves the verdict as strict as
it was, with a reason that says why an approval could not be used.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from blastwall.model import Action, Verdict

POLL_S = 0.2


class Gated(NamedTuple):
    """The door's answer after approvals: `state` is "" (as decided), "approved", "pending"
    (blocked until a human approves `request_id`), "denied" (a human said no) or "agent"."""

    decision: str
    reasons: tuple[str, ...]
    state: str = ""
    request_id: str | None = None
    approvers: tuple[str, ...] = ()


Extender = Callable[[float], None]


def gate(actions: Sequence[Action], verdicts: Sequence[Verdict], decision: str, reasons: Sequence[str], *,
         policy: Any, can_ask: bool, extend: Extender | None = None, store: Any = None,
         now: Callable[[], float] = time.time, said: str | None = None) -> Gated:
    """`said`: what the agent said it was doing (Claude Code's Bash `description`), shown to the
    approver and kept in the audit entry; it is the agent's word, never part of the digest."""
    as_is = Gated(decision, tuple(reasons))
    try:
        settings = None
        if decision == "ask":  # allow and deny only need the audit entry
            from blastwall.approvals.settings import SettingsError, settings_of

            try:
                settings = settings_of(policy)
            except SettingsError as exc:
                return as_is._replace(reasons=(*reasons, f"approvals are off: {exc}; `blastwall policy check` shows it"))
        elif not _audits_all(policy) and not _allowed_by_evidence(decision, verdicts):
            return as_is
        from blastwall.store import open_store

        own_store = store is None
        store = store or open_store()
        try:
            return _Gate(store, settings, actions, verdicts, decision, tuple(reasons), can_ask, extend, now,
                         _said(said)).run()
        finally:
            if own_store:
                store.close()
    except Exception as exc:  # noqa: BLE001 - approvals never loosen a verdict by failing
        why = f"the approval store is unavailable ({_short(exc)})"
        if decision != "ask":
            return as_is
        return Gated("ask" if can_ask else "deny", (*reasons, f"{why}; check BLASTWALL_DATABASE_URL or the state "
                                                             "folder, or run the action yourself"), "agent" if can_ask else "")


def _short(exc: BaseException) -> str:
    from blastwall.redact import redact

    return redact(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)[:160]


def _allowed_by_evidence(decision: str, verdicts: Sequence[Verdict]) -> bool:
    """An allowed destructive action on a target verified local or test: recorded whatever
    `[audit] verdicts` says, since the evidence is what let it through (docs/environments.md)."""
    from blastwall.model import Severity

    return decision == "allow" and any(f.evidence and f.severity > Severity.NONE for v in verdicts for f in v.findings)


def _audits_all(policy: Any) -> bool:
    section = policy.section("audit") if policy is not None else None
    return str((section or {}).get("verdicts", "all")) == "all"


class _Gate:
    def __init__(self, store: Any, settings: Any, actions: Sequence[Action], verdicts: Sequence[Verdict],
                 decision: str, reasons: tuple[str, ...], can_ask: bool, extend: Extender | None,
                 now: Callable[[], float], said: str | None = None) -> None:
        from blastwall.approvals.requests import tool_digest

        self.store, self.settings, self.actions, self.verdicts = store, settings, actions, verdicts
        self.decision, self.reasons, self.can_ask, self.extend, self.now = decision, reasons, can_ask, extend, now
        self.said = said
        self.digest = tool_digest(actions)
        self.findings = [f.to_dict() for v in verdicts for f in v.findings]
        self.refused: set[str] = set()  # nonces refused in this call: logged once, not on every poll
        self.short_noted = False

    # --- the flow ----------------------------------------------------------------------------

    def run(self) -> Gated:
        self._audit_verdict()
        if self.decision != "ask":
            return Gated(self.decision, self.reasons)
        granted = self._use_grants()
        if granted is not None:
            return granted
        denied = self._human_denial()
        if denied is not None:
            return denied
        mode = self.settings.mode
        if mode == "auto":
            mode = "agent" if self.can_ask else "defer"
        if mode == "agent":
            return Gated("ask", self.reasons, "agent")
        request = self._open_request()
        if mode == "wait" and self.settings.wait_s > 0:
            return self._wait(request)
        return self._pending(request)

    def _audit_verdict(self) -> None:
        from blastwall.approvals.requests import summary
        from blastwall.audit.log import record
        from blastwall.radius.policy import summaries

        ctx = self.actions[0].context
        record(self.store, "verdict", self.digest, {
            "decision": self.decision, "reasons": list(self.reasons), "surface": self.actions[0].surface.value,
            "action": summary(self.actions), "rule_ids": sorted({f["rule_id"] for f in self.findings}),
            "agent": ctx.agent, "session": ctx.session, "cwd": ctx.cwd, "radius": summaries(self.findings),
            **_environments(self.findings), **({"said": self.said} if self.said else {}),
        })

    # --- grants ------------------------------------------------------------------------------

    def _required(self) -> int:
        """Distinct approvers needed: what `[approvals]` rules say, or more when a Rego layer says so."""
        return max([self.settings.required_for(self.findings), *(getattr(v, "approvers", 0) for v in self.verdicts)])

    def _trusted(self) -> dict[str, Any]:
        from blastwall.approvals.keys import KeyError_, trusted_keys

        try:
            return trusted_keys(self.settings.raw)
        except KeyError_:
            return trusted_keys({})

    def _use_grants(self) -> Gated | None:
        rows = self.store.grants_for(self.digest)
        windows = self.store.window_grants(self.now()) if self.settings.windows else []
        if not rows and not windows:
            return None
        from blastwall.approvals.grants import GrantRefused, verify
        from blastwall.audit.log import record

        trusted = self._trusted()
        by_request: dict[str, list[Any]] = {}
        for row in rows:
            if row.nonce in self.refused:
                continue
            try:
                grant = verify(row, trusted, digest=self.digest, now=self.now())
                if self.store.audit_mentions("grant-used", grant.nonce):
                    raise GrantRefused("grant.replayed", f"the grant by {grant.approver} was used already")
            except GrantRefused as exc:
                self._refused(row, exc)
                continue
            by_request.setdefault(str(grant.request_id), []).append(grant)
        required = self._required()
        for request_id, grants in by_request.items():
            request = self.store.get_request(request_id)
            need = max(required, request.required if request else required)
            distinct = {g.identity: g for g in grants}
            if len(distinct) < need:
                continue
            from blastwall.store.base import APPROVED, PENDING, USED

            if not self.store.set_request_status(request_id, USED, only_from=(PENDING, APPROVED)):
                for g in distinct.values():
                    self._refused_grant(g, "grant.replayed", f"request {request_id} was used already")
                continue
            who = self._consume(list(distinct.values()), request_id)
            if len(who) >= need:
                return Gated("allow", (f"approved by {', '.join(who)} (request {request_id})",), "approved",
                             request_id, tuple(who))
        window = self._use_window(windows, trusted, required) if windows else None
        if window is not None:
            return window
        if by_request and not self.short_noted:
            self.short_noted = True
            record(self.store, "grant-refused", self.digest, {"code": "grant.not-enough", "message":
                   f"{required} distinct approvers are needed; fewer have approved so far"})
        return None

    def _consume(self, grants: list[Any], request_id: str) -> list[str]:
        from blastwall.audit.log import record

        who = []
        ctx = self.actions[0].context
        used_by = f"{ctx.agent or 'agent'}:{ctx.session or '-'}"
        for g in grants:
            if self.store.consume_grant(g.nonce, used_by):
                record(self.store, "grant-used", g.nonce, {"request": request_id, "approver": g.approver,
                                                          "key": g.key_id, "digest": self.digest, "by": used_by})
                who.append(g.approver)
            else:
                self._refused_grant(g, "grant.replayed", f"the grant by {g.approver} was used already")
        return who

    def _use_window(self, rows: list[Any], trusted: dict[str, Any], required: int) -> Gated | None:
        from blastwall.analyze import globs
        from blastwall.approvals.grants import GrantRefused, verify
        from blastwall.approvals.requests import action_text
        from blastwall.audit.log import record

        if required > 1:
            return None  # a window never stands in for a two-person approval
        texts = [(a.surface.value, " ".join(action_text(a).split())) for a in self.actions]
        for row in rows:
            if row.nonce in self.refused:
                continue
            try:
                grant = verify(row, trusted, now=self.now())
            except GrantRefused as exc:
                self._refused(row, exc)
                continue
            w = grant.window or {}
            configured = self.settings.window(str(w.get("name")))
            if configured is None or (configured.pattern, configured.surface) != (w.get("pattern"), w.get("surface")):
                continue  # the window's definition changed or is gone: its grants lapse
            if not _in_scope(w, self.actions, self.findings):
                continue  # opened for another folder or other rules
            if all(s == w.get("surface") and globs.match_any(t, [str(w.get("pattern"))]) for s, t in texts):
                record(self.store, "grant-used", grant.nonce, {"window": w.get("name"), "approver": grant.approver,
                                                              "key": grant.key_id, "digest": self.digest})
                return Gated("allow", (f"within approval window {w.get('name')} opened by {grant.approver}",),
                             "approved", None, (grant.approver,))
        return None

    def _refused(self, row: Any, exc: Any) -> None:
        from blastwall.audit.log import record

        self.refused.add(row.nonce)
        record(self.store, "grant-refused", row.nonce, {"code": exc.code, "message": exc.message,
                                                       "digest": self.digest, "key": row.key_id})

    def _refused_grant(self, grant: Any, code: str, message: str) -> None:
        from blastwall.audit.log import record

        self.refused.add(grant.nonce)
        record(self.store, "grant-refused", grant.nonce, {"code": code, "message": message, "digest": self.digest})

    # --- requests ----------------------------------------------------------------------------

    def _human_denial(self) -> Gated | None:
        from blastwall.store.base import DENIED

        latest = self.store.latest_request_for(self.digest)
        if latest is None or latest.status != DENIED or self.now() >= latest.expires_at:
            return None
        note = f": {latest.note}" if latest.note else ""
        return Gated("deny", (f"{latest.decided_by or 'a human'} denied this (request {latest.id}){note}",),
                     "denied", latest.id)

    def _open_request(self) -> Any:
        request = self.store.open_request_for(self.digest, self.now())
        if request is not None:
            return request
        from blastwall.approvals.requests import build_request
        from blastwall.audit.log import record

        request = build_request(self.actions, self.verdicts, self.reasons,
                                required=self._required(),
                                expires_s=self.settings.expires_s, now=self.now(), said=self.said)
        self.store.add_request(request)
        record(self.store, "request", request.id, {"digest": request.digest, "action": request.summary,
                                                   "reasons": list(request.reasons), "required": request.required,
                                                   "agent": request.agent, "session": request.session,
                                                   "cwd": request.cwd, "expires_at": request.expires_at})
        if self.settings.notify:
            from blastwall.approvals.notify import notify_request

            for result in notify_request(request, self.settings.notify):
                record(self.store, "notify", request.id, result)
        return request

    def _pending(self, request: Any, waited: float = 0.0) -> Gated:
        waited_note = f" (waited {waited:.0f} s)" if waited else ""
        return Gated("deny", self.reasons, "pending", request.id, ()) if not waited_note else \
            Gated("deny", (*self.reasons, f"no approval arrived{waited_note}"), "pending", request.id)

    def _wait(self, request: Any) -> Gated:
        wait_s = self.settings.wait_s
        if self.extend is not None:
            self.extend(wait_s + 5)
        start = time.monotonic()
        deadline = start + wait_s
        while time.monotonic() < deadline:
            time.sleep(min(POLL_S, max(0.0, deadline - time.monotonic())))
            granted = self._use_grants()
            if granted is not None:
                return granted
            current = self.store.get_request(request.id)
            if current is not None and current.status == "denied":
                denied = self._human_denial()
                if denied is not None:
                    return denied
        return self._pending(request, time.monotonic() - start)


def _in_scope(window: Any, actions: Sequence[Action], findings: list[dict[str, Any]]) -> bool:
    """Whether a window opened for one folder (`cwd`) and some rules (`rules`) covers this call:
    every action runs in that folder, and it has findings, each of one of those rules (an action
    blastwall asks about without a finding, one it could not read, is never covered). A window
    opened without them (`blastwall approve --window`) covers the pattern anywhere."""
    cwd, rules = window.get("cwd"), window.get("rules")
    if cwd and any(a.context.cwd != cwd for a in actions):
        return False
    if rules is not None and not (isinstance(rules, list) and findings
                                  and all(f.get("rule_id") in rules for f in findings)):
        return False
    return True


SAID_CHARS = 500


def _said(text: str | None) -> str | None:
    """The agent's own account of the call, one clean bounded line (None when it sent none)."""
    if not isinstance(text, str):
        return None
    line = " ".join(text.split())
    return (line if len(line) <= SAID_CHARS else line[:SAID_CHARS - 1] + "…") or None


def _environments(findings: list[dict[str, Any]]) -> dict[str, Any]:
    """Each placed target's environment and its evidence, for the audit entry of a verdict
    (docs/environments.md): an allow on a local test database says why it was allowed."""
    out: list[dict[str, Any]] = []
    for f in findings:
        if f.get("evidence"):
            row = {"target": f.get("target") or f.get("rule_id"), "environment": f.get("environment"),
                   "evidence": list(f["evidence"])}
            if row not in out:
                out.append(row)
    return {"environments": out} if out else {}
