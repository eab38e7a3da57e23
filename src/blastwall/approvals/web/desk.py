"""What a human at the approval page (or a Slack button) does, against the store: list and
read requests with their approvals so far, approve with the server's key, deny. Both decisions
sign a checkpoint of the audit log with the server's key in the human's name (`web:alice`).

Plain synchronous code, one call at a time (app.py runs it in a worker thread under a lock).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from blastwall.approvals import decide, keys
from blastwall.approvals.grants import GrantRefused, verify
from blastwall.approvals.web.pages import GrantView, Row, grouped, status_of
from blastwall.approvals.web.request_page import Detail
from blastwall.store import open_store
from blastwall.store.base import PENDING, Request, Store

SAME_SCAN = 300  # recent requests searched for others with the same digest


class Desk:
    """The store, the server's key pair and the `[approvals]` section the server runs with."""

    def __init__(self, store: Store, key: keys.PublicKey, private: Any, *, approvals: Mapping[str, Any],
                 keys_folder: str | None) -> None:
        self.store, self.key, self.private = store, key, private
        self.approvals, self.keys_folder = approvals, keys_folder

    def reopen(self) -> None:
        """Replace a broken store connection (the next call reports any error)."""
        try:
            self.store.close()
            self.store = open_store(self.store.url)
        except Exception:  # noqa: BLE001 - the next call reports the store's error
            pass

    def trusted(self) -> dict[str, keys.PublicKey]:
        try:
            return keys.trusted_keys(self.approvals, folder=self.keys_folder)
        except keys.KeyError_:
            return keys.trusted_keys({}, folder=self.keys_folder)

    def grants(self, req: Request, trusted: Mapping[str, keys.PublicKey], now: float) -> tuple[int, list[GrantView]]:
        """Distinct valid, unused approvals of `req` (counted the way the gate counts), and every grant."""
        identities, views = set(), []
        for row in self.store.grants_for_request(req.id):
            problem = ""
            try:
                grant = verify(row, trusted, digest=req.digest, now=now)
                if row.used_at is None:
                    identities.add(grant.identity)
            except GrantRefused as exc:
                problem = exc.code
            views.append(GrantView(row.approver, row.created_at, row.expires_at, row.used_at, problem))
        return len(identities), views

    def pending(self) -> list[tuple[Request, int]]:
        now, trusted = time.time(), self.trusted()
        return [(r, self.grants(r, trusted, now)[0]) for r in self.store.list_requests(status=[PENDING], now=now)]

    def pending_rows(self) -> list[Row]:
        """The pending requests, one row per action digest, with how many requests share it."""
        now, trusted = time.time(), self.trusted()
        requests = self.store.list_requests(status=[PENDING], now=now)
        rows = grouped(requests)
        return [r._replace(approvals=self.grants(r.request, trusted, now)[0]) for r in rows]

    def detail(self, rid: str) -> Detail | None:
        from blastwall.approvals import view
        from blastwall.approvals.requests import shown_matches_digest
        from blastwall.audit import timeline

        req = self.store.get_request(rid)
        if req is None:
            return None
        now = time.time()
        count, views = self.grants(req, self.trusted(), now)
        same = [r for r in self.store.list_requests(include_expired=True, limit=SAME_SCAN, now=now)
                if r.digest == req.digest and r.id != req.id]
        steps = timeline.lead_up(self.store, req.session, req.id) if req.session else []
        windows = view.windows_for(req, self.settings(req.cwd).windows) if status_of(req, now) == PENDING else []
        return Detail(req, count, views, windows, same, steps, shown_matches_digest(req))

    def history(self) -> tuple[list[Row], list[Any]]:
        now = time.time()
        done = [r for r in self.store.list_requests(include_expired=True, limit=300, now=now)
                if status_of(r, now) != PENDING][:100]
        return grouped(done), list(self.store.audit_rows(newest_first=True, limit=100))

    def sessions(self) -> list[Any]:
        from blastwall.audit import timeline

        return timeline.sessions(self.store)

    def session(self, sid: str) -> list[Any]:
        from blastwall.audit import timeline

        return timeline.session_steps(self.store, sid)

    def settings(self, cwd: str | None) -> Any:
        """The `[approvals]` settings of the policy where the request's action runs (as the gate reads them)."""
        from blastwall.approvals.settings import ApprovalSettings, settings_of
        from blastwall.policy.load import load_policy

        try:
            return settings_of(load_policy(cwd))
        except Exception:  # noqa: BLE001 - an unreadable policy leaves the defaults: no windows
            return ApprovalSettings()

    def grant_ttl(self, cwd: str | None) -> float:
        return float(self.settings(cwd).grant_ttl_s)

    def approve(self, rid: str, approver: str, reason: str) -> str:
        req = self.store.get_request(rid.strip())
        a = decide.approve(self.store, rid, self.private, self.key, approver=approver, reason=reason,
                           grant_ttl_s=self.grant_ttl(req.cwd if req else None))
        name = approver if self.key.role == "server" else self.key.name
        rest = ("the agent's call can go ahead" if a.complete
                else f"{a.required - a.approvals} more approval(s) from someone else needed")
        return f"Approved {a.request.id} as {name} ({a.approvals}/{a.required}); {rest}."

    def approve_window(self, rid: str, approver: str, reason: str, name: str, minutes: int) -> str:
        """Approve the request once and open window `name` for `minutes`, narrowed to the request's
        folder and rules: the same kind of action there passes until the window closes."""
        from blastwall.approvals import view

        req = self.store.get_request(rid.strip())
        if req is None:
            raise decide.DecideError(f"no request {rid!r}")
        offered = dict(view.windows_for(req, self.settings(req.cwd).windows))
        window = offered.get(name)
        if window is None:
            raise decide.DecideError(f"window {name!r} does not cover this action (or the request needs two people); "
                                     "approve it once instead")
        if minutes not in view.window_minutes(window.max_s):
            raise decide.DecideError(f"window {name} is offered for {', '.join(map(str, view.window_minutes(window.max_s)))}"
                                     " minutes")
        said = self.approve(rid, approver, reason)
        decide.open_window(self.store, name, window, self.private, self.key, approver=approver, for_s=minutes * 60,
                           reason=reason, cwd=req.cwd, rules=view.rules(req), request_id=req.id)
        return (f"{said} Window {name} is open for {minutes} min in {req.cwd or 'any folder'} for "
                f"{', '.join(view.rules(req)) or 'these rules'}.")

    def deny(self, rid: str, by: str, reason: str) -> str:
        req = decide.deny(self.store, rid, by=by, reason=reason, private=self.private, key=self.key)
        return f"Denied {req.id}; the agent is told that {by} said no."

    def as_json(self, req: Request, count: int) -> dict[str, Any]:
        from blastwall.approvals import view

        out = req.to_dict()
        out.update(status=status_of(req, time.time()), approvals=count, headline=view.headline(req),
                   said=view.said(req))
        return out
