"""`blastwall install --status`: what `blastwall install` left in each agent's configuration.

    for row in hook_status(project_dir=".", home=None):
        print(row.agent, row.scope, row.installed, row.agent_timeout_s, row.hook_timeout_s, row.problem)

Read-only, never raises for a file it cannot read (the row says so). Besides where the hook is,
a row holds the two halves of the hook timeout: what the agent's own setting says (in seconds,
whatever the agent's unit) and the `--timeout` the hook command passes; a row has a `problem`
when they disagree in the dangerous direction (the agent would kill the hook before it answers,
and Claude Code, Gemini CLI and Codex then let the call proceed) or when the hook does not know
the timeout at all (installed before `--timeout` existed).

`probe(row)` goes further, for `blastwall install --status`: it flags a command that would not
start (an interpreter or program that is gone, a bootstrap folder that is gone, a bare name
found only through PATH) and runs the command, as the agent would, on a harmless canary
(doors/canary.py) with a short timeout: a hook that does not block the canary is a problem.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blastwall.doors.hook_command import SHELL, argv_command, names_hook, spawned, start_problem
from blastwall.doors.hooks import AGENTS
from blastwall.doors.install import (
    CURSOR_EVENTS,
    PLUGIN_ARGV,
    PLUGIN_COMMAND,
    PLUGIN_MARKER,
    PLUGIN_TIMEOUT,
    SCOPES,
    TIMEOUTS,
    base_dir,
    config_path,
    timeout_arg,
)


@dataclass(frozen=True)
class HookStatus:
    agent: str
    scope: str
    path: str
    installed: bool
    command: str | None = None
    agent_timeout_s: float | None = None  # the agent's own setting, in seconds (None: not set, or no such setting)
    hook_timeout_s: int | None = None  # the command's `--timeout` (None: not passed)
    problem: str = ""
    spawns: tuple[tuple[str, ...], ...] = ()  # what the agent starts, one argv per distinct command

    def describe(self) -> str:
        """One line for a human."""
        if not self.installed:
            return self.problem or "not installed"
        spec = TIMEOUTS[self.agent]
        if spec.field is None:
            own = f"plugin timeout {_s(self.agent_timeout_s)}" if self.agent_timeout_s else "plugin timeout unknown"
        elif self.agent_timeout_s is not None:
            own = f"timeout {_s(self.agent_timeout_s)}"
        else:
            default = f"{spec.default_s:g} s" if spec.default_s else "undocumented"
            own = f"timeout not set ({self.agent}'s default: {default})"
        hook = f"hook --timeout {self.hook_timeout_s}" if self.hook_timeout_s else "hook without --timeout"
        return f"{own}, {hook}" + (f"; {self.problem}" if self.problem else "")


def hook_status(*, project_dir: str | Path, home: str | Path | None = None,
                agents: tuple[str, ...] = AGENTS) -> list[HookStatus]:
    """One row per agent and scope (project first)."""
    return [status(agent, scope, project_dir=project_dir, home=home) for agent in agents
            for scope in (*SCOPES, "system")]


def status(agent: str, scope: str, *, project_dir: str | Path, home: str | Path | None = None) -> HookStatus:
    """One agent's hook in one scope: `project`, `user`, or `system` (the agent's managed
    settings, written by `install --system`)."""
    if scope == "system":
        from blastwall.doors.system_install import MANAGED

        if agent not in MANAGED:
            return HookStatus(agent, scope, "", False)
        path = Path(MANAGED[agent].path)
    else:
        path = base_dir(scope, project_dir, home) / config_path(agent, scope)
    if not path.exists():
        return HookStatus(agent, scope, str(path), False)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return HookStatus(agent, scope, str(path), False, problem=f"cannot read it ({exc})")
    if agent == "opencode":
        return _plugin_status(agent, scope, path, text)
    try:
        doc = json.loads(text) if text.strip() else {}
    except ValueError:
        return HookStatus(agent, scope, str(path), False, problem="not valid JSON")
    handlers = _our_handlers(agent, doc)
    if not handlers:
        return HookStatus(agent, scope, str(path), False)
    command = str(handlers[0]["command"])
    commands = list(dict.fromkeys(str(h["command"]) for h in handlers))
    spawns = tuple(tuple(spawned(agent, c)) for c in commands)
    spec = TIMEOUTS[agent]
    values = [h.get(spec.field) for h in handlers] if spec.field else []
    seconds = [v / spec.per_second for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    agent_s = min(seconds) if seconds else None
    hook_s = min((t for t in (timeout_arg(str(h["command"])) for h in handlers) if t is not None), default=None)
    return HookStatus(agent, scope, str(path), True, command, agent_s, hook_s, _problem(agent, agent_s, hook_s), spawns)


def _ours(handler: Any) -> bool:
    return isinstance(handler, dict) and isinstance(handler.get("command"), str) and names_hook(handler["command"])


def _our_handlers(agent: str, doc: Any) -> list[dict[str, Any]]:
    hooks = doc.get("hooks") if isinstance(doc, dict) else None
    if not isinstance(hooks, dict):
        return []
    found: list[dict[str, Any]] = []
    if agent == "cursor":
        for event in CURSOR_EVENTS:
            entries = hooks.get(event)
            found += [h for h in entries if _ours(h)] if isinstance(entries, list) else []
        return found
    for groups in hooks.values():
        for group in groups if isinstance(groups, list) else []:
            handlers = group.get("hooks") if isinstance(group, dict) else None
            found += [h for h in handlers if _ours(h)] if isinstance(handlers, list) else []
    return found


def _plugin_status(agent: str, scope: str, path: Path, text: str) -> HookStatus:
    if PLUGIN_MARKER not in text:
        return HookStatus(agent, scope, str(path), False, problem="a plugin file blastwall did not write")
    argv = plugin_argv_of(text)
    command = argv_command(argv) if argv else None
    t = PLUGIN_TIMEOUT.search(text)
    plugin_s = int(t.group(1)) / 1000 if t else None
    hook_s = timeout_arg(command) if command else None
    problem = _problem(agent, plugin_s, hook_s) if argv else "the plugin names no hook command; reinstall it"
    return HookStatus(agent, scope, str(path), True, command, plugin_s, hook_s, problem, (tuple(argv),) if argv else ())


def plugin_argv_of(text: str) -> list[str] | None:
    """The argv blastwall's OpenCode plugin spawns (`const ARGV = [...]`; a plugin written before
    that ran `const COMMAND` through a shell)."""
    m = PLUGIN_ARGV.search(text)
    if m:
        try:
            argv = json.loads(m.group(1))
        except ValueError:
            return None
        return argv if isinstance(argv, list) and argv and all(isinstance(a, str) for a in argv) else None
    m = PLUGIN_COMMAND.search(text)
    if m:
        try:
            return [SHELL, "-c", str(json.loads(m.group(1)))]
        except ValueError:
            return None
    return None


def probe(row: HookStatus, *, project_dir: str | Path, timeout_s: float = 10.0) -> str:
    """Why the installed hook of `row` would not protect (""): a command that would not start,
    or one that does not block a canary run as the agent runs it."""
    from blastwall.doors.canary import run_canary

    if not row.installed or not row.command:
        return ""
    problems = []
    why = start_problem(row.agent, row.command)
    if why:
        problems.append(f"would not start reliably: {why}")
    for argv in row.spawns:
        result = run_canary(row.agent, argv, project_dir=str(project_dir), timeout_s=timeout_s)
        if not result.blocks:
            problems.append(f"does not block a canary (`{result.canary}`): {result.answer.detail}")
            break
    return "; ".join(problems)


def _problem(agent: str, agent_s: float | None, hook_s: int | None) -> str:
    again = f"run `blastwall install {agent} --timeout SECONDS` again"
    if hook_s is None:
        return (f"the hook does not know {agent}'s timeout, so an approvals wait is not cut to fit it "
                f"(installed by an older blastwall, or a custom --command); {again}")
    spec = TIMEOUTS[agent]
    effective = agent_s if agent_s is not None else spec.default_s
    if effective is not None and effective < hook_s:
        what = "the plugin" if spec.field is None else agent
        return (f"{what} stops the hook after {effective:g} s, before the {hook_s} s the hook plans for, and then "
                f"{spec.on_timeout}; {again}")
    return ""


def _s(seconds: float | None) -> str:
    return f"{seconds:g} s" if seconds is not None else "?"
