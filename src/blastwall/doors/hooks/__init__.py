"""Agent hook doors: `blastwall hook <agent>` reads the agent's JSON on stdin and answers in its protocol.

    from blastwall.doors.hooks import run_hook
    result = run_hook("claude-code", sys.stdin.buffer.read())

`run_hook` never raises and never prints: input it cannot trust and failures inside blastwall
give the agent's blocking answer with a one-line reason (a crashing hook lets most agents proceed).
Environment variables read from `env`: `BLASTWALL_ENVIRONMENT` (an environment hint such as
`production` for every action) and the agent's project directory variable, used as the working
directory when the payload has none.
"""

from __future__ import annotations

TYPE_CHECKING = False  # the hook client imports this package's budget module: no typing here
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping
    from typing import Any

    from blastwall.doors.hooks.base import Checker, HookResult

AGENTS: tuple[str, ...] = ("claude-code", "cursor", "gemini", "codex", "opencode")

_MODULES = {"claude-code": "claude_code", "cursor": "cursor", "gemini": "gemini", "codex": "codex", "opencode": "opencode"}

__all__ = ["AGENTS", "HookResult", "run_hook"]


def __getattr__(name: str) -> Any:
    if name == "HookResult":
        from blastwall.doors.hooks.base import HookResult

        return HookResult
    raise AttributeError(f"module 'blastwall.doors.hooks' has no attribute {name!r}")


def run_hook(agent: str, raw: bytes, *, policy: Any = None, env: Mapping[str, str] | None = None,
             checker: Checker | None = None, approvals: bool = True) -> HookResult:
    """Answer one hook call of `agent`. Never raises.

    `policy` is a compiled policy (default: the one that applies in the payload's cwd); `env`
    defaults to the process environment; `checker` replaces the engine (tests); `approvals=False`
    skips the approvals stage (no audit entry, no approval request).
    """
    from blastwall.doors.hooks.base import HookResult

    try:
        import importlib
        import os

        from blastwall.doors.hooks.base import handle

        if agent not in _MODULES:
            return HookResult(2, "", f"blastwall: unknown agent {agent!r}; use one of {', '.join(AGENTS)}\n")
        door = importlib.import_module(f"blastwall.doors.hooks.{_MODULES[agent]}").DOOR
        return handle(door, raw, policy=policy, env=os.environ if env is None else env, checker=checker,
                      approvals=approvals)
    except Exception as exc:  # noqa: BLE001 - last line of defence: a blocking answer every agent understands
        return HookResult(2, "", f"blastwall blocked this tool call: internal error {type(exc).__name__}; "
                                 f"run `blastwall hook {agent}` by hand to see what is wrong.\n")
