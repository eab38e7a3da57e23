"""What every agent hook shares: reading the agent's bytes, asking the engine, wording the answer.

A hook door is one small class (`Door`) per agent:

- `actions(data, context)` turns the agent's JSON object into the `Action`s it is about to take
  (an empty list means "not something blastwall guards": no opinion). It raises `BadInput` when
  the payload is not what the agent's protocol promises.
- `respond(outcome, data)` writes the agent's answer for a verdict.
- `fail_closed(reason)` writes the agent's blocking answer when the input cannot be trusted or
  blastwall itself failed. It must not depend on the input at all.

`handle()` is the whole door: cap and decode the input, translate, check, answer. It never raises.
The engine is imported lazily so a hook costs an interpreter start plus the analysis.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # pragma: no cover
    from blastwall.model import Action, Context, Verdict

MAX_HOOK_INPUT = 4 * 1024 * 1024  # bytes; agents send a few KiB, more is not a real tool call
MAX_HINT_CHARS = 120  # longest action echoed back inside a `blastwall explain` hint
ENVIRONMENT_VAR = "BLASTWALL_ENVIRONMENT"  # optional environment hint for every action of a session

Checker = Callable[["Action", Any], "Verdict"]


class HookResult(NamedTuple):
    """What the hook process prints and how it exits."""

    exit_code: int
    stdout: str
    stderr: str


class BadInput(ValueError):
    """The agent's payload does not have the shape its protocol promises; the door fails closed."""


class Outcome(NamedTuple):
    """The verdict for everything one tool call would do, as a door needs it."""

    decision: str  # "allow" | "ask" | "deny"
    reasons: tuple[str, ...]
    what: str  # "command", "file read", "file write", "MCP tool call"
    hint: str  # what a human can run to see why
    degraded: bool = False
    state: str = ""  # after approvals: "pending" (held for request_id), "denied" (by a human), "approved", "agent"
    request_id: str | None = None
    rewrite: dict[str, Any] | None = None  # tool input fields to replace (a redacted view: views.py)


# --- input -----------------------------------------------------------------------------------


def parse_object(raw: bytes) -> dict[str, Any]:
    """Decode the agent's stdin into a JSON object, or raise `BadInput` saying why not."""
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise BadInput("hook input is not bytes")
    raw = bytes(raw)
    if len(raw) > MAX_HOOK_INPUT:
        raise BadInput(f"hook input is larger than {MAX_HOOK_INPUT // (1024 * 1024)} MiB")
    if not raw.strip():
        raise BadInput("hook input is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput("hook input is not UTF-8 text") from exc
    from blastwall import strictjson

    try:
        data = strictjson.loads(text)
    except RecursionError as exc:
        raise BadInput("hook input nests too deeply") from exc
    except strictjson.DuplicateKey as exc:
        raise BadInput(f"hook input is ambiguous: {exc}") from exc
    except ValueError as exc:
        raise BadInput("hook input is not JSON") from exc
    if not isinstance(data, dict):
        raise BadInput(f"hook input is a JSON {type(data).__name__}, not an object")
    return data


def text_field(data: Mapping[str, Any], key: str, *, required: bool = True, where: str = "") -> str:
    """A string field of the payload; missing or mistyped required fields raise `BadInput`."""
    value = data.get(key)
    if isinstance(value, str) and (value or not required):
        return value
    if value is None and not required:
        return ""
    label = f"{where}.{key}" if where else key
    if value is None or value == "":
        raise BadInput(f"`{label}` is missing")
    raise BadInput(f"`{label}` is a {type(value).__name__}, not a string")


def object_field(data: Mapping[str, Any], key: str, *, where: str = "") -> dict[str, Any]:
    value = data.get(key)
    if isinstance(value, dict):
        return value
    label = f"{where}.{key}" if where else key
    if value is None:
        raise BadInput(f"`{label}` is missing")
    raise BadInput(f"`{label}` is a {type(value).__name__}, not an object")


def handles_event(data: Mapping[str, Any], events: tuple[str, ...], default: str) -> bool:
    """True when the payload's `hook_event_name` (default `default`) is one of `events`; False
    for another event (the hook was installed on it: no opinion); BadInput when it is not text."""
    event = data.get("hook_event_name", default)
    if not isinstance(event, str):
        raise BadInput("`hook_event_name` is not a string")
    return event in events


def optional_text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


# --- actions ---------------------------------------------------------------------------------


def make_context(agent: str, *, cwd: str | None, session: str | None, env: Mapping[str, str]) -> Context:
    from blastwall.model import Context

    return Context(cwd=cwd or None, agent=agent, session=session or None, environment=env.get(ENVIRONMENT_VAR) or None)


def shell_action(command: str, ctx: Context) -> Action:
    from blastwall.model import Action, Surface

    return Action(Surface.SHELL, command, ctx)


def read_action(path: str, ctx: Context) -> Action:
    from blastwall.model import Action, Surface

    return Action(Surface.FILE_READ, {"path": path}, ctx)


def write_action(path: str, content: str | None, ctx: Context, *, edits: list[dict[str, Any]] | None = None,
                 deleted: bool = False, partial: bool = False) -> Action:
    """A file write. `edits` (`[{"old", "new", "all"?}]`): replacements in the file, judged as a
    diff of what it does before and after; `deleted`: the file goes away; `partial`: `content` is
    new text for part of the file, the text it replaces unknown."""
    from blastwall.model import Action, Surface

    payload: dict[str, Any] = {"path": path}
    if content is not None:
        payload["content"] = content
    if edits:
        payload["edits"] = edits
    if deleted:
        payload["deleted"] = True
    if partial and not edits:
        payload["partial"] = True
    return Action(Surface.FILE_WRITE, payload, ctx)


def edit(old: str | None, new: str | None, every: bool = False) -> dict[str, Any]:
    """One replacement of a write's `edits`."""
    out: dict[str, Any] = {"old": old or "", "new": new or ""}
    if every:
        out["all"] = True
    return out


def mcp_action(server: str, tool: str, arguments: Any, ctx: Context) -> Action:
    from blastwall.model import Action, Surface

    return Action(Surface.MCP, {"server": server, "tool": tool, "arguments": arguments if isinstance(arguments, dict) else {}}, ctx)


def split_prefixed(name: str, prefix: str, sep: str) -> tuple[str, str]:
    """`mcp__server__tool` -> (`server`, `tool`); the tool keeps any further separators."""
    rest = name[len(prefix):]
    server, found, tool = rest.partition(sep)
    if not found or not server or not tool:
        raise BadInput(f"MCP tool name `{name[:80]}` does not name a server and a tool")
    return server, tool


def text_of(value: Any, *, label: str) -> str:
    """A command given as a string or an argv list, as one string."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        import shlex

        return shlex.join(value)
    raise BadInput(f"`{label}` is missing or not a string")


# --- checking --------------------------------------------------------------------------------

_WHAT = {"shell": "command", "file_read": "file read", "file_write": "file write", "mcp": "MCP tool call",
         "sql": "SQL statement", "http": "HTTP request"}
_SECRETISH = r"(?i)(bearer\s|token|passw|secret|api[_-]?key|authorization|://[^/\s]*:[^/\s]*@)"


def default_checker(action: Action, policy: Any) -> Verdict:
    from blastwall.engine import check_action

    return check_action(action, policy)


def check_all(actions: list[Action], policy: Any, checker: Checker) -> Outcome:
    """Check every action of one tool call; the strictest verdict wins."""
    return check_each(actions, policy, checker)[0]


def check_each(actions: list[Action], policy: Any, checker: Checker) -> tuple[Outcome, list[Verdict]]:
    """The outcome of one tool call and the verdict of each of its actions."""
    rank = {"allow": 0, "ask": 1, "deny": 2}
    decision, degraded = "allow", False
    reasons: list[str] = []
    first = actions[0]
    verdicts = []
    for action in actions:
        verdict = checker(action, policy)
        verdicts.append(verdict)
        d = getattr(verdict.decision, "value", verdict.decision)
        if d not in rank:
            d = "ask"
        degraded = degraded or bool(getattr(verdict, "degraded", False))
        if rank[d] > rank[decision]:
            decision, reasons, first = d, [], action
        if d == decision and d != "allow":
            reasons.extend(r for r in verdict.reasons if isinstance(r, str) and r and r not in reasons)
    if degraded and decision == "allow":
        decision = "ask"
    if decision != "allow" and not reasons:
        reasons = ["blastwall could not decide on this action"]
    outcome = Outcome(decision, tuple(reasons), _WHAT.get(first.surface.value, "action"), explain_hint(first), degraded)
    return outcome, verdicts


def explain_hint(action: Action) -> str:
    """The `blastwall explain ...` line a human can run to see why (never echoes credentials)."""
    kind = action.surface.value
    payload = action.payload
    text = payload if isinstance(payload, str) else payload.get("path") if isinstance(payload, dict) and kind.startswith("file") else None
    flag = "" if kind == "shell" else f" --kind {kind}"
    if isinstance(text, str) and text and len(text) <= MAX_HINT_CHARS and "\n" not in text and not re.search(_SECRETISH, text):
        return f"`blastwall explain{flag} {shell_quote(text)}`"
    return f"`blastwall explain{flag}` with the {_WHAT.get(kind, 'action')}"


def shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


# --- wording ---------------------------------------------------------------------------------


def _why(outcome: Outcome) -> str:
    shown = [r.rstrip(". ") for r in outcome.reasons[:2]]
    more = len(outcome.reasons) - len(shown)
    text = "; ".join(shown)
    if more > 0:
        text += f" (+{more} more)"
    return text


def deny_message(outcome: Outcome) -> str:
    """For a verdict `deny`: blocked, why, what next (or, held for approval, how to get it)."""
    if outcome.state == "pending" and outcome.request_id:
        return pending_message(outcome)
    if outcome.state == "denied":
        return (f"blastwall blocked this {outcome.what}: {_why(outcome)}. Do not retry it or work around it; "
                "ask the user what to do instead.")
    return (f"blastwall blocked this {outcome.what}: {_why(outcome)}. Do not retry it or work around it; "
            f"if it is really needed, ask a human to run it themselves ({outcome.hint} shows why).")


def pending_message(outcome: Outcome) -> str:
    """For an `ask` held for a human's approval: what was stopped, why, the request, what next."""
    rid = outcome.request_id
    return (f"blastwall is holding this {outcome.what} for a human's approval: {_why(outcome)}. "
            f"Approval request {rid}: ask the user to approve it (`blastwall approve {rid}` in their own terminal, "
            f"or on the blastwall approval page; {outcome.hint} shows why); once approved, retry exactly the same "
            f"{outcome.what}. Do not change it or work around it.")


def ask_message(outcome: Outcome) -> str:
    """For a verdict `ask` where the agent can put the question to the user."""
    return f"blastwall: {_why(outcome)}. Approve only if you intended this ({outcome.hint} shows why)."


def approval_message(outcome: Outcome) -> str:
    """For a verdict `ask` where the agent cannot ask: blocked until a human does it."""
    return (f"blastwall stopped this {outcome.what} because it needs a human's approval: {_why(outcome)}. "
            f"Do not retry it or work around it; ask the user to run it themselves if they want it "
            f"({outcome.hint} shows why).")


def failure_message(agent: str, reason: str) -> str:
    """For input blastwall cannot trust or an internal failure: blocked, and how to fix the wiring."""
    return (f"blastwall blocked this tool call because it could not check it ({reason}). "
            f"A human should verify that `blastwall hook {agent}` is the hook for this agent "
            f"(`blastwall install {agent}` rewrites it) and retry.")


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False) + "\n"


# Where an agent's tool call carries its own account of what it is doing (shown to the approver,
# never part of the action): the object holding the tool's input, the key naming the tool, and
# the tools whose `description` field is that account. An agent not listed sends none.
SAID_IN: dict[str, tuple[str, str, frozenset[str]]] = {
    "claude-code": ("tool_input", "tool_name", frozenset({"Bash"})),
    "codex": ("tool_input", "tool_name", frozenset({"Bash"})),
    "gemini": ("tool_input", "tool_name", frozenset({"run_shell_command"})),
    "opencode": ("args", "tool", frozenset({"bash"})),
}


# --- the door --------------------------------------------------------------------------------


class Door:
    """One agent's protocol. Subclasses set `agent` and implement the three methods."""

    agent: str = ""

    def said(self, data: dict[str, Any]) -> str | None:
        """What the agent said this call does (Claude Code's Bash `description`), or None."""
        where = SAID_IN.get(self.agent)
        if where is None:
            return None
        holder, tool_key, tools = where
        tool_input = data.get(holder)
        if data.get(tool_key) not in tools or not isinstance(tool_input, dict):
            return None
        text = tool_input.get("description")
        return text if isinstance(text, str) and text.strip() else None

    def actions(self, data: dict[str, Any], env: Mapping[str, str]) -> list[Action]:  # pragma: no cover
        raise NotImplementedError

    def respond(self, outcome: Outcome, data: dict[str, Any]) -> HookResult:  # pragma: no cover
        raise NotImplementedError

    def fail_closed(self, reason: str) -> HookResult:  # pragma: no cover
        raise NotImplementedError

    def no_opinion(self, data: dict[str, Any]) -> HookResult:
        """What to print for a tool blastwall does not guard (default: nothing, exit 0)."""
        return HookResult(0, "", "")

    def can_ask(self, data: dict[str, Any]) -> bool:
        """True when this agent reliably puts an `ask` to a human for this call (default: no, so
        an ask becomes a blastwall approval request)."""
        return False

    def rewrites_reads(self, data: dict[str, Any]) -> bool:
        """True when `respond` can point this call's file read at another file (a redacted view of
        a file holding credentials, views.py). Default: no, the read is refused."""
        return False


# Set by the hook process (cli._isolated) so a hook that waits for an approval can tell the
# watchdog to wait longer than the usual check deadline.
_deadline_extender: Callable[[float], None] | None = None


def set_deadline_extender(fn: Callable[[float], None] | None) -> None:
    global _deadline_extender
    _deadline_extender = fn


# Set by the hook process from `blastwall hook <agent> --timeout N` (budget.Budget): an approvals
# wait is cut so that the hook answers before the agent's timeout kills it. None: not known.
_budget: Any = None


def set_budget(budget: Any) -> None:
    global _budget
    _budget = budget


def _policy_for(actions: list[Action]) -> Any:
    from blastwall.policy.engine import PolicyError
    from blastwall.policy.load import load_policy

    try:
        return load_policy(actions[0].context.cwd)
    except PolicyError:
        return None  # the engine reports the invalid file in its verdict


def apply_approvals(door: Door, data: dict[str, Any], actions: list[Action], verdicts: list[Verdict],
                    outcome: Outcome, policy: Any) -> Outcome:
    """Audit the verdict and resolve an `ask` through blastwall's approvals (approvals/gate.py)."""
    from blastwall.approvals.gate import gate
    from blastwall.doors.hooks.budget import fit_wait

    gate_policy, cut = fit_wait(policy, _budget) if outcome.decision == "ask" else (policy, None)
    g = gate(actions, verdicts, outcome.decision, outcome.reasons, policy=gate_policy, can_ask=door.can_ask(data),
             extend=_deadline_extender, said=door.said(data))
    if cut is not None and g.state == "pending":
        g = g._replace(reasons=(*g.reasons, f"the wait was cut to {cut:g} s to answer within {door.agent}'s "
                                            f"{_budget.timeout_s} s hook timeout (`blastwall install {door.agent} "
                                            "--timeout SECONDS` raises it)"))
    if g.state == "approved":  # the safety net before an approved action runs; no snapshot, no run
        from blastwall.snapshots.take import approved_in_hook

        g = approved_in_hook(actions, verdicts, g, policy=policy, extend=_deadline_extender)
    elif g.state == "agent":  # the agent's own prompt decides, unseen: save first, in case the human says yes
        from blastwall.snapshots.take import before_prompt_in_hook

        g = before_prompt_in_hook(actions, verdicts, g, policy=policy, extend=_deadline_extender)
    return outcome._replace(decision=g.decision, reasons=g.reasons, state=g.state, request_id=g.request_id)


def handle(door: Door, raw: bytes, *, policy: Any = None, env: Mapping[str, str] | None = None,
           checker: Checker | None = None, approvals: bool = True) -> HookResult:
    """Run one hook call through `door`. Never raises. `approvals=False` skips the approvals
    stage (no audit entry, no request): tests of the protocol alone."""
    try:
        data = parse_object(raw)
        actions = door.actions(data, env or {})
        if not actions:
            return door.no_opinion(data)
        if policy is None:
            policy = _policy_for(actions)
        outcome, verdicts = check_each(actions, policy, checker or default_checker)
        if approvals:
            outcome = apply_approvals(door, data, actions, verdicts, outcome, policy)
        if outcome.decision == "deny" and door.rewrites_reads(data):
            from blastwall.doors.hooks.views import offer_view

            outcome = offer_view(outcome, actions, verdicts)
        return door.respond(outcome, data)
    except BadInput as exc:
        return door.fail_closed(str(exc))
    except RecursionError:
        return door.fail_closed("hook input nests too deeply")
    except Exception as exc:  # noqa: BLE001 - a hook must never crash: a crash lets most agents proceed
        return door.fail_closed(f"internal error {type(exc).__name__}")


class FixedChecker:
    """A test double: answers every action with the same decision and reasons, and records them."""

    def __init__(self, decision: str = "allow", reasons: tuple[str, ...] = (), *, degraded: bool = False,
                 error: BaseException | None = None) -> None:
        self.decision, self.reasons, self.degraded, self.error = decision, reasons, degraded, error
        self.seen: list[Action] = []

    def __call__(self, action: Action, policy: Any) -> Verdict:
        from blastwall.model import Decision, Verdict

        self.seen.append(action)
        if self.error is not None:
            raise self.error
        return Verdict(decision=Decision(self.decision), reasons=self.reasons, rule_ids=(), findings=(),
                       action_digest="", degraded=self.degraded)
