"""`blastwall install <agent>`: wire `blastwall hook <agent>` into the agent's configuration.

Rules every agent follows:
- idempotent: a second run compares the parsed result with the file and writes nothing;
- the user's other hooks and settings are kept as they are; blastwall's entries are the hook
  handlers whose command contains `blastwall hook` (or is exactly the command being installed);
- the file is backed up (`<file>.blastwall-bak-<timestamp>`) before it is changed;
- a file that cannot be parsed, or whose hook section has an unexpected shape, is refused with
  a `ValueError` and left untouched;
- `uninstall=True` removes only blastwall's entries (and the groups/lists left empty by that).

Config written per agent (project scope / user scope):
- claude-code: `.claude/settings.json` / `~/.claude/settings.json`, `hooks.PreToolUse` group
- cursor:      `.cursor/hooks.json` / `~/.cursor/hooks.json`, `version: 1`, three events, `failClosed`
- gemini:      `.gemini/settings.json` / `~/.gemini/settings.json`, `hooks.BeforeTool` (timeout in ms)
- codex:       `.codex/hooks.json` / `~/.codex/hooks.json`, `hooks.PreToolUse` group
- opencode:    `.opencode/plugin/blastwall.js` / `~/.config/opencode/plugin/blastwall.js`

The command (doors/hook_command.py) is, by default, the interpreter `install` runs in, by
absolute path, started with `-I -S` on blastwall's hook entry: it needs no PATH and runs no
`.pth` file. `command=` (`--command`) replaces it. The hook timeout (`timeout_s`, default 30 s)
goes to two places: the agent's own per-hook field (`TIMEOUTS`, in the agent's unit) and the
command's `--timeout N`, so the hook answers before the agent would kill it
(doors/hooks/budget.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from blastwall.doors.hook_command import HOOK_MARKERS, hook_argv, names_hook, plugin_argv, shell_command
from blastwall.doors.hooks import AGENTS
from blastwall.doors.hooks.budget import DEFAULT_TIMEOUT_S, check_timeout, margin_s

HOOK_MARKER = HOOK_MARKERS[0]  # `blastwall hook`, in commands given with --command (and older installs)
PLUGIN_MARKER = "blastwall-managed-plugin"
SCOPES = ("project", "user")


class AgentTimeout(NamedTuple):
    """An agent's own per-hook timeout setting, as `blastwall install` writes it."""

    field: str | None  # the key in blastwall's handler; None: the agent has no such setting
    per_second: int  # 1: the field is in seconds, 1000: in milliseconds
    default_s: float | None  # what the agent uses when the field is absent (None: not documented)
    on_timeout: str  # what the agent does when it has to kill the hook (a verb phrase)
    source: str


TIMEOUTS: dict[str, AgentTimeout] = {
    "claude-code": AgentTimeout("timeout", 1, 600, "lets the tool call proceed (a non-blocking error)",
                                "code.claude.com/docs/en/hooks"),
    "cursor": AgentTimeout("timeout", 1, None, "blocks the call (blastwall writes `failClosed: true`)",
                           "cursor.com/docs/hooks"),
    "gemini": AgentTimeout("timeout", 1000, 60, "lets the tool call proceed (a failed hook is not a decision)",
                           "gemini-cli docs/hooks/reference.md; packages/core/src/hooks/hookRunner.ts"),
    "codex": AgentTimeout("timeout", 1, 600, "lets the tool call proceed (the hook failed)",
                          "developers.openai.com/codex/hooks; codex-rs hook_config.rs `timeout_sec`, "
                          "serde-renamed `timeout`"),
    "opencode": AgentTimeout(None, 1000, None, "fails the call (OpenCode has no hook timeout; blastwall's plugin "
                             "stops the hook itself)", "opencode.ai/docs/plugins: an awaited in-process function"),
}

CLAUDE_MATCHER = "Bash|Read|NotebookRead|Grep|Glob|LS|Write|Edit|MultiEdit|NotebookEdit|mcp__.*"
GEMINI_MATCHER = "run_shell_command|read_file|read_many_files|grep_search|search_file_content|write_file|replace|mcp_.*"
CODEX_MATCHER = "Bash|apply_patch|mcp__.*"
CURSOR_EVENTS = ("beforeShellExecution", "beforeMCPExecution", "beforeReadFile")

CODEX_NOTE = ("Codex runs a new or changed hook only after you trust it: open /hooks in Codex and trust "
              "blastwall's PreToolUse hook (project hooks also need a trusted project).")


@dataclass(frozen=True)
class InstallReport:
    agent: str
    path: str
    changed: bool
    backup: str | None
    message: str
    timeout_s: int | None = None  # the hook timeout installed (None after an uninstall)
    timeout_note: str = ""  # what that timeout means for this agent (timeout_note())


def install(agent: str, *, scope: str = "project", project_dir: str | Path, home: str | Path | None = None,
            uninstall: bool = False, command: str | None = None, timeout_s: int = DEFAULT_TIMEOUT_S) -> InstallReport:
    """Install (or with `uninstall=True` remove) blastwall's hook for `agent`, with the agent's
    hook timeout set to `timeout_s` seconds. Raises `ValueError`."""
    if agent not in AGENTS:
        raise ValueError(f"unknown agent {agent!r}; use one of {', '.join(AGENTS)}")
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}; use project or user")
    timeout_s = check_timeout(timeout_s)
    path = base_dir(scope, project_dir, home) / config_path(agent, scope)
    cmd = hook_command(agent, command, timeout_s)
    if agent == "opencode":
        report = _install_plugin(path, cmd, uninstall, timeout_s)
    else:
        report = _install_json(agent, path, cmd, uninstall, timeout_s)
    if uninstall:
        return report
    return InstallReport(report.agent, report.path, report.changed, report.backup, report.message, timeout_s,
                         timeout_note(agent, cmd, timeout_s))


def base_dir(scope: str, project_dir: str | Path, home: str | Path | None) -> Path:
    return Path(project_dir) if scope == "project" else Path(home) if home is not None else Path.home()


def timeout_note(agent: str, command: str, timeout_s: int) -> str:
    """What the installed timeout means for `agent`, said plainly (also where it has no setting)."""
    spec = TIMEOUTS[agent]
    answer = f"blastwall answers within {timeout_s - margin_s(timeout_s):g} s"
    if timeout_arg(command) != timeout_s:
        answer = (f"the command was used as given and does not pass `--timeout {timeout_s}`, so the hook cannot "
                  "cut an approvals wait to fit")
    if spec.field is None:
        return (f"hook timeout {timeout_s} s: OpenCode has no hook timeout setting, so blastwall's plugin stops the "
                f"hook after {timeout_s} s and fails the call; {answer}.")
    unit = "milliseconds" if spec.per_second == 1000 else "seconds"
    return (f"hook timeout {timeout_s} s (`{spec.field}: {timeout_s * spec.per_second}`, in {unit}); if {agent} has "
            f"to kill the hook it {spec.on_timeout}, so {answer}.")


def config_path(agent: str, scope: str) -> Path:
    """Where `agent`'s config lives, relative to the project (project scope) or home (user scope)."""
    if agent == "opencode":
        return Path(".opencode/plugin/blastwall.js") if scope == "project" else Path(".config/opencode/plugin/blastwall.js")
    folder = {"claude-code": ".claude", "cursor": ".cursor", "gemini": ".gemini", "codex": ".codex"}[agent]
    name = "settings.json" if agent in ("claude-code", "gemini") else "hooks.json"
    return Path(folder) / name


_TIMEOUT_ARG = re.compile(r"\s--timeout(?:=|\s+)(\d+)\s*$")


def hook_command(agent: str, command: str | None = None, timeout_s: int = DEFAULT_TIMEOUT_S) -> str:
    """The hook command as the agent's config holds it (a shell command string; OpenCode's plugin
    splits it back into `hook_argv`). Default: `hook_argv` (this interpreter, `-I -S`).

    A `command` that already contains `blastwall hook` keeps its own words; only a trailing
    `hook <agent> [--timeout M]` gets `--timeout N` (a wrapper around it is used as it is).
    Any other `command` gets `hook <agent> --timeout N` appended.
    """
    if command is None or not command.strip():
        return shell_command(hook_argv(agent, timeout_s))
    command = command.strip()
    base = _TIMEOUT_ARG.sub("", command) if HOOK_MARKER in command else f"{command} hook {agent}"
    return f"{base} --timeout {timeout_s}" if base.endswith(f"hook {agent}") else command


def timeout_arg(command: str) -> int | None:
    """The `--timeout N` a hook command passes (None: none, as before `--timeout` existed)."""
    m = _TIMEOUT_ARG.search(command)
    return int(m.group(1)) if m else None


def is_ours(handler: Any, command: str) -> bool:
    """blastwall's handler: a command that runs its hook, or its HTTP hook (install_http.py)."""
    if not isinstance(handler, dict):
        return False
    value = handler.get("command")
    if isinstance(value, str) and (names_hook(value) or value == command):
        return True
    url, headers = handler.get("url"), handler.get("headers")
    return handler.get("type") == "http" and isinstance(url, str) and "/hook/claude-code" in url and \
        isinstance(headers, dict) and "X-Blastwall-Token" in headers


# --- JSON configs ------------------------------------------------------------------------------


def _install_json(agent: str, path: Path, command: str, uninstall: bool, timeout_s: int,
                  group: dict[str, Any] | None = None) -> InstallReport:
    """Write (or remove) blastwall's hook in an agent's JSON config; `group` replaces the
    command hook's group (Claude Code's HTTP hook)."""
    original = _load_json(path)
    doc = json.loads(json.dumps(original))  # deep copy
    hooks = doc.get("hooks", {})
    if not isinstance(hooks, dict):
        raise ValueError(f"{path}: `hooks` is not an object; fix or move the file, then run this again")
    if agent == "cursor":
        for event in CURSOR_EVENTS:
            entry = None if uninstall else {"command": command, "timeout": timeout_s, "failClosed": True}
            _set_flat(hooks, event, entry, command, path)
        if not uninstall:
            doc.setdefault("version", 1)
    else:
        event, default = _group(agent, command, timeout_s)
        _set_grouped(hooks, event, None if uninstall else group or default, command, path)
    if hooks:
        doc["hooks"] = hooks
    else:
        doc.pop("hooks", None)
    note = CODEX_NOTE if agent == "codex" and not uninstall else ""
    if doc == original:
        what = "no blastwall hook to remove" if uninstall else "blastwall's hook is already installed"
        return InstallReport(agent, str(path), False, None, _join(what, note))
    backup = _write(path, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    what = "removed blastwall's hook" if uninstall else f"installed `{command}`"
    return InstallReport(agent, str(path), True, backup, _join(what, note))


def _group(agent: str, command: str, timeout_s: int) -> tuple[str, dict[str, Any]]:
    timeout = timeout_s * TIMEOUTS[agent].per_second
    if agent == "gemini":
        handler = {"name": "blastwall", "type": "command", "command": command, "timeout": timeout}
        return "BeforeTool", {"matcher": GEMINI_MATCHER, "hooks": [handler]}
    matcher = CLAUDE_MATCHER if agent == "claude-code" else CODEX_MATCHER
    return "PreToolUse", {"matcher": matcher, "hooks": [{"type": "command", "command": command, "timeout": timeout}]}


def _set_grouped(hooks: dict[str, Any], event: str, group: dict[str, Any] | None, command: str, path: Path) -> None:
    """Remove blastwall's handlers from `hooks[event]` groups; put `group` where the first one was."""
    groups = hooks.get(event, [])
    if not isinstance(groups, list):
        raise ValueError(f"{path}: `hooks.{event}` is not a list; fix or move the file, then run this again")
    kept: list[Any] = []
    at: int | None = None
    for g in groups:
        handlers = g.get("hooks") if isinstance(g, dict) else None
        if not isinstance(handlers, list) or not any(is_ours(h, command) for h in handlers):
            kept.append(g)
            continue
        if at is None:
            at = len(kept)
        rest = [h for h in handlers if not is_ours(h, command)]
        if rest:
            kept.append({**g, "hooks": rest})
    if group is not None:
        kept.insert(len(kept) if at is None else at, group)
    _store(hooks, event, kept)


def _set_flat(hooks: dict[str, Any], event: str, entry: dict[str, Any] | None, command: str, path: Path) -> None:
    """Cursor's shape: `hooks[event]` is a list of handlers."""
    handlers = hooks.get(event, [])
    if not isinstance(handlers, list):
        raise ValueError(f"{path}: `hooks.{event}` is not a list; fix or move the file, then run this again")
    at = next((i for i, h in enumerate(handlers) if is_ours(h, command)), None)
    kept = [h for h in handlers if not is_ours(h, command)]
    if entry is not None:
        kept.insert(len(kept) if at is None else at, entry)
    _store(hooks, event, kept)


def _store(hooks: dict[str, Any], event: str, kept: list[Any]) -> None:
    """Write an event's handlers back; an event left with none is removed."""
    if kept:
        hooks[event] = kept
    else:
        hooks.pop(event, None)


def _load_json(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read it ({exc}); nothing was changed") from exc
    if not text.strip():
        return {}
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc}); blastwall did not touch it. "
                         "Fix the file (or move it away) and run this again") from exc
    if not isinstance(doc, dict):
        raise ValueError(f"{path} is not a JSON object; blastwall did not touch it. Fix or move the file, then run this again")
    return doc


# --- OpenCode plugin ---------------------------------------------------------------------------


PLUGIN_TIMEOUT = re.compile(r"^const TIMEOUT_MS = (\d+);", re.MULTILINE)


PLUGIN_ARGV = re.compile(r"^const ARGV = (\[.*\]);$", re.MULTILINE)
PLUGIN_COMMAND = re.compile(r'^const COMMAND = ("(?:[^"\\]|\\.)*");', re.MULTILINE)  # plugins before ARGV


def plugin_source(command: str, timeout_s: int = DEFAULT_TIMEOUT_S) -> str:
    """The OpenCode plugin with the argv it spawns for `command` (`plugin_argv`) and its own
    timeout (ms) filled in."""
    from importlib.resources import files

    template = files("blastwall.doors.hooks").joinpath("opencode_plugin.js").read_text(encoding="utf-8")
    argv = json.dumps(plugin_argv(command), ensure_ascii=True)
    source = template.replace('["__BLASTWALL_ARGV__"]', argv)
    return PLUGIN_TIMEOUT.sub(f"const TIMEOUT_MS = {check_timeout(timeout_s) * 1000};", source, count=1)


def _install_plugin(path: Path, command: str, uninstall: bool, timeout_s: int) -> InstallReport:
    current: str | None = None
    if path.exists():
        try:
            current = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: cannot read it ({exc}); nothing was changed") from exc
        if PLUGIN_MARKER not in current:
            raise ValueError(f"{path} exists and was not written by blastwall; blastwall did not touch it. "
                             "Move it away and run this again")
    if uninstall:
        if current is None:
            return InstallReport("opencode", str(path), False, None, "no blastwall plugin to remove")
        backup: str | None = _backup(path)
        path.unlink()
        return InstallReport("opencode", str(path), True, backup, "removed blastwall's plugin")
    source = plugin_source(command, timeout_s)
    if current == source:
        return InstallReport("opencode", str(path), False, None, "blastwall's plugin is already installed")
    backup = _write(path, source)
    return InstallReport("opencode", str(path), True, backup,
                         f"installed the plugin; it runs `{command}` before every tool call (restart OpenCode)")


# --- files -------------------------------------------------------------------------------------


def _write(path: Path, text: str) -> str | None:
    """Back up `path` if it exists, then replace it atomically with `text`. Returns the backup path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    backup = _backup(path) if path.exists() else None
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return backup


def _backup(path: Path) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.blastwall-bak-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.blastwall-bak-{stamp}-{n}")
    shutil.copy2(path, target)
    return str(target)


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)
