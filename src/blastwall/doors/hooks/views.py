"""A refused read becomes a read of a redacted view, where the agent's protocol can rewrite the
tool's input (Claude Code's `updatedInput` in PreToolUse).

    outcome = offer_view(outcome, actions, verdicts)
    outcome.rewrite   # {"file_path": "~/.local/state/blastwall/views/.../notes.md"} or None

Only a tool call that is one file read, refused only because the file holds credentials
(`file.read:credential`, `file.read:scanned`), gets a view; the view is the file with every value
replaced (secrets/view.py). Known credential files (`~/.aws/credentials`), blastwall's own files,
unchecked files and anything else stay refused. In system mode the view would be the service
user's file, which the agent cannot read: refused as before.
"""

from __future__ import annotations

from typing import Any

from blastwall.doors.hooks.base import Outcome

REDACTABLE = frozenset({"file.read:credential", "file.read:scanned"})


def offer_view(outcome: Outcome, actions: list[Any], verdicts: list[Any]) -> Outcome:
    """`outcome` with a rewrite to a redacted view, when one can be offered; else unchanged."""
    if outcome.decision != "deny" or outcome.state or len(actions) != 1 or len(verdicts) != 1:
        return outcome
    action, verdict = actions[0], verdicts[0]
    if action.surface.value != "file_read" or getattr(verdict, "degraded", False):
        return outcome
    blocking = set(verdict.rule_ids)
    if not blocking or not blocking <= REDACTABLE:
        return outcome
    try:
        from blastwall.daemon.place import system_mode

        if system_mode():
            return outcome
        path = _path(action)
        if not path:
            return outcome
        from blastwall.secrets.view import MARK, redacted_copy

        copy = redacted_copy(path)
    except Exception:  # noqa: BLE001 - no view is a refusal, which is what the verdict said anyway
        return outcome
    if copy is None:
        return outcome
    note = (f"blastwall: {action.payload.get('path')} holds credentials; this read shows a copy with every value "
            f"replaced by {MARK} (the file itself is unchanged). Call the provider through `blastwall gateway`, and "
            "refer to stored values as ${blastwall:NAME}.")
    return outcome._replace(decision="allow", reasons=(note,), rewrite={"file_path": copy})


def _path(action: Any) -> str:
    from blastwall.analyze.base import Scope
    from blastwall.analyze.credentials import resolve

    payload = action.payload if isinstance(action.payload, dict) else {}
    raw = str(payload.get("path") or "")
    return resolve(raw, Scope(cwd=action.context.cwd)) if raw else ""
