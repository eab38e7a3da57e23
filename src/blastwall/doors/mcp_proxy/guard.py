"""What the proxy decides for one `tools/call`: build the action, ask the engine, run the
approvals gate, and word the answer the model will read.

    guard = Guard("notes", context)
    ruling = guard.check(params, cancelled)    # never raises
    ruling.forward                              # True: send the request on untouched

A blocked call is answered as a tool result with `isError: true`, not as a JSON-RPC error: MCP
reserves protocol errors for requests that are malformed (unknown tool, bad arguments) and
reports execution failures in the result, which is what clients hand to the model. The model
then reads why blastwall stopped the call and what to do next (ask for approval, retry the
identical call, or leave it). Malformed requests (no tool name, arguments that are not an
object) do get a JSON-RPC error (-32602), since no tool ran and there is nothing to explain.
"""

from __future__ import annotations

import json
import threading
from typing import Any, NamedTuple

from blastwall.doors.mcp_proxy.state import PolicyCache, StorePool, ToolHints
from blastwall.model import Action, Context, Surface

MAX_HINT_CHARS = 200  # longest `blastwall explain` command echoed in a message


class Ruling(NamedTuple):
    """The proxy's answer for one tools/call. `forward` sends it on; otherwise `text` is the
    tool result the model reads, or `rpc_error` a JSON-RPC error for a malformed request."""

    forward: bool
    decision: str = "allow"
    state: str = ""
    text: str = ""
    request_id: str | None = None
    rule_ids: tuple[str, ...] = ()
    rpc_error: tuple[int, str] | None = None

    def meta(self) -> dict[str, Any]:
        out: dict[str, Any] = {"blastwall/decision": self.decision}
        if self.state:
            out["blastwall/state"] = self.state
        if self.request_id:
            out["blastwall/request"] = self.request_id
        if self.rule_ids:
            out["blastwall/rules"] = list(self.rule_ids)
        return out


class Cancelled(Exception):
    """The client cancelled the call while blastwall was still deciding on it."""


class _CancellableStore:
    """The gate's store, refusing every use once the call is cancelled, so that a gate waiting
    for an approval stops and never consumes a grant meant for the client's retry."""

    def __init__(self, store: Any, cancelled: threading.Event) -> None:
        self._store, self._cancelled = store, cancelled

    def __getattr__(self, name: str) -> Any:
        if self._cancelled.is_set():
            raise Cancelled("the tool call was cancelled")
        return getattr(self._store, name)


class Guard:
    """Checks the tool calls of one MCP server connection."""

    def __init__(self, server: str, context: Context, *, policies: PolicyCache | None = None,
                 stores: StorePool | None = None, hints: ToolHints | None = None) -> None:
        self.server, self.context = server, context
        self.policies = policies or PolicyCache(context.cwd)
        self.stores = stores or StorePool()
        self.hints = hints or ToolHints()

    def action(self, tool: str, arguments: dict[str, Any]) -> Action:
        payload: dict[str, Any] = {"server": self.server, "tool": tool, "arguments": arguments}
        hints = self.hints.get(tool)
        if hints:
            payload["annotations"] = hints
        return Action(Surface.MCP, payload, self.context)

    def check(self, params: Any, cancelled: threading.Event | None = None) -> Ruling:
        """The ruling for one tools/call's params. Never raises: a failure blocks the call."""
        cancelled = cancelled or threading.Event()
        if not isinstance(params, dict) or not isinstance(params.get("name"), str) or not params["name"]:
            return Ruling(False, "deny", rpc_error=(-32602, "Invalid params: tools/call needs a tool name"))
        arguments = params.get("arguments", {})
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, dict):
            return Ruling(False, "deny", rpc_error=(-32602, "Invalid params: tool arguments must be an object"))
        try:
            return self._check(self.action(params["name"], arguments), cancelled)
        except Cancelled:
            return Ruling(False, "deny", "cancelled")
        except Exception as exc:  # noqa: BLE001 - a call blastwall could not check never reaches the server
            return Ruling(False, "deny", text=f"blastwall blocked this MCP tool call because it could not check it "
                                              f"(internal error {type(exc).__name__}); it was not sent to the "
                                              "server. Ask a human to look at blastwall's output on stderr.")

    def _check(self, action: Action, cancelled: threading.Event) -> Ruling:
        from blastwall.approvals.gate import gate
        from blastwall.engine import check_action

        policy = self.policies.get()
        verdict = check_action(action, policy)
        if cancelled.is_set():
            raise Cancelled("the tool call was cancelled")
        decision = verdict.decision.value
        store = self.stores.acquire()
        try:
            g = gate([action], [verdict], decision, verdict.reasons, policy=policy, can_ask=False,
                     store=_CancellableStore(store, cancelled) if store is not None else None)
        finally:
            self.stores.release(store)
        if cancelled.is_set():
            raise Cancelled("the tool call was cancelled")
        if g.decision == "allow":
            return Ruling(True, "allow", g.state, request_id=g.request_id)
        ruling = Ruling(False, g.decision, g.state, request_id=g.request_id, rule_ids=verdict.rule_ids)
        return ruling._replace(text=message(ruling, g.reasons, action))


# --- wording ---------------------------------------------------------------------------------


def _why(reasons: tuple[str, ...]) -> str:
    shown = [r.rstrip(". ") for r in reasons[:3]]
    more = len(reasons) - len(shown)
    text = "; ".join(shown) or "blastwall could not decide on this action"
    return text + (f" (+{more} more)" if more > 0 else "")


def explain_hint(action: Action) -> str:
    """The `blastwall explain` command that shows why, when it is short and holds no credential."""
    from blastwall.redact import redact

    text = json.dumps(action.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    if len(text) <= MAX_HINT_CHARS and "\n" not in text and redact(text) == text:
        return "`blastwall explain --kind mcp '" + text.replace("'", "'\\''") + "'`"
    return "`blastwall explain --kind mcp` with this tool call"


def message(ruling: Ruling, reasons: tuple[str, ...], action: Action) -> str:
    """What the model reads when blastwall does not pass a tool call on."""
    what = f"MCP tool call {action.payload['server']}/{action.payload['tool']}"
    hint = explain_hint(action)
    if ruling.state == "pending" and ruling.request_id:
        rid = ruling.request_id
        return (f"blastwall is holding this {what} for a human's approval: {_why(reasons)}. It was not sent to "
                f"the server. Approval request {rid}: ask the user to approve it (`blastwall approve {rid}` in "
                f"their own terminal, or on the blastwall approval page; {hint} shows why); once approved, retry "
                "exactly the same tool call with the same arguments. Do not change it or work around it.")
    if ruling.state == "denied":
        return (f"blastwall blocked this {what}: {_why(reasons)}. Do not retry it or work around it; ask the "
                "user what to do instead.")
    if ruling.decision == "ask":
        return (f"blastwall stopped this {what} because it needs a human's approval: {_why(reasons)}. It was not "
                "sent to the server. Do not retry it or work around it; ask the user to run it themselves if they "
                f"want it ({hint} shows why).")
    return (f"blastwall blocked this {what}: {_why(reasons)}. It was not sent to the server. Do not retry it or "
            f"work around it; if it is really needed, ask a human to run it themselves ({hint} shows why).")
