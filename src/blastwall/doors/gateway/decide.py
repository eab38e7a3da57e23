"""What the gateway decides for one request: engine, scope, approvals gate. Synchronous (the
gate may wait for a human), so the app runs it on its worker threads.

    ruling = decider.decide(action, agent, route, oversize=False)   # never raises
    ruling.forward   # True: send it upstream with the credential

A `read-only` scope denies outright, with no approval request, anything that is not a plain
read (`action.is_read`) or that the engine does not allow. Every verdict goes through the
gate, so every request, forwarded or not, is in the audit log.
"""

from __future__ import annotations

import contextlib
import queue
from typing import Any, NamedTuple

from blastwall.doors.gateway.config import Agent, Route
from blastwall.model import Action, Decision, Effect, Finding, Severity, Verdict


class Ruling(NamedTuple):
    forward: bool
    decision: str  # allow | ask | deny
    state: str = ""  # "" | approved | pending | denied | agent | scope
    reasons: tuple[str, ...] = ()
    request_id: str | None = None
    rule_ids: tuple[str, ...] = ()


class StorePool:
    """Open stores, one per concurrent decision (a store object is not safe to share)."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url
        self._idle: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._all: list[Any] = []

    def acquire(self) -> Any:
        with contextlib.suppress(queue.Empty):
            return self._idle.get_nowait()
        from blastwall.store import open_store

        try:
            store = open_store(self.url)
        except Exception:  # noqa: BLE001 - the gate opens its own and reports why it cannot
            return None
        self._all.append(store)
        return store

    def release(self, store: Any) -> None:
        if store is not None:
            self._idle.put(store)

    def close(self) -> None:
        for store in self._all:
            with contextlib.suppress(Exception):
                store.close()
        self._all.clear()


class Checked(NamedTuple):
    """The engine's verdict on one request, with the agent's scope applied."""

    action: Action
    verdict: Verdict
    decision: str
    reasons: tuple[str, ...]
    state: str = ""  # "scope" when a read-only scope refused it


class Decider:
    """`decide` = `check` (engine + scope) then `gate` (audit, approvals). The app runs `gate`
    for an allowed request beside the upstream call: on `allow` the gate only writes the audit
    entry (it never turns an allow into anything else), so that write need not delay the call."""

    def __init__(self, policy: Any, stores: StorePool | None = None) -> None:
        self.policy = policy
        self.stores = stores or StorePool()

    def decide(self, action: Action, agent: Agent, route: Route, *, oversize: bool = False) -> Ruling:
        return self.gate(self.check(action, agent, route, oversize=oversize))

    def check(self, action: Action, agent: Agent, route: Route, *, oversize: bool = False) -> Checked | Ruling:
        """The verdict, or a Ruling to answer at once when checking itself failed."""
        try:
            return self._check(action, agent, route, oversize)
        except Exception as exc:  # noqa: BLE001 - a request blastwall could not check is never forwarded
            return _failed(exc)

    def _check(self, action: Action, agent: Agent, route: Route, oversize: bool) -> Checked:
        from blastwall.doors.gateway.action import is_read
        from blastwall.engine import check_action

        verdict = check_action(action, self.policy)
        if oversize:
            verdict = _unanalyzed(verdict, action)
        decision, reasons, state = verdict.decision.value, verdict.reasons, ""
        if agent.scope(route.name) == "read-only":
            flagged = decision != "allow" or any(f.severity > Severity.NONE for f in verdict.findings)
            if flagged or not is_read(action):
                why = reasons[0] if flagged and reasons else "it is not a read"
                decision, state = "deny", "scope"
                reasons = (f"agent {agent.name} has read-only access to {route.name}: {why}",)
        return Checked(action, verdict, decision, tuple(reasons), state)

    def gate(self, checked: Checked | Ruling) -> Ruling:
        if isinstance(checked, Ruling):
            return checked
        try:
            return self._gate(checked)
        except Exception as exc:  # noqa: BLE001
            return _failed(exc)

    def _gate(self, c: Checked) -> Ruling:
        from blastwall.approvals.gate import gate

        store = self.stores.acquire()
        try:
            g = gate([c.action], [c.verdict], c.decision, c.reasons, policy=self.policy, can_ask=False, store=store)
        finally:
            self.stores.release(store)
        rule_ids = c.verdict.rule_ids
        if g.decision == "allow":
            return Ruling(True, "allow", g.state, g.reasons, g.request_id, rule_ids)
        return Ruling(False, g.decision, g.state or c.state, g.reasons, g.request_id, rule_ids)

    def close(self) -> None:
        self.stores.close()


def _failed(exc: Exception) -> Ruling:
    return Ruling(False, "deny", reasons=(f"blastwall could not check this request (internal error "
                                          f"{type(exc).__name__}); it was not sent",))


def _unanalyzed(verdict: Verdict, action: Action) -> Verdict:
    """A body larger than blastwall analyzes is never allowed unseen: at least `ask`."""
    size = action.payload.get("body_bytes", 0)
    reason = (f"the request body ({size} bytes) is larger than blastwall analyzes; a human must review it "
              f"(sha256 {str(action.payload.get('body_sha256', ''))[:16]}…)")
    finding = Finding(rule_id="gateway:body-too-large", effect=Effect.UNVERIFIED, severity=Severity.MEDIUM, reason=reason,
                      target=str(action.payload.get("url", "")))
    decision = Decision.strictest([verdict.decision, Decision.ASK])
    return verdict._replace(decision=decision, reasons=(*verdict.reasons, reason), degraded=True,
                            rule_ids=(*verdict.rule_ids, finding.rule_id), findings=(*verdict.findings, finding))

