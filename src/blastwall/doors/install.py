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
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blastwall.doors.hooks import AGENTS

HOOK_MARKER = "blastwall hook"
PLUGIN_MARKER = "blastwall-managed-plugin"
TIMEOUT_S = 30  # per hook call; agents' defaults (600 s) would stall a session on a hung hook
SCOPES = ("project", "user")

CLAUDE_MATCHER = "Bash|Read|Write|Edit|MultiEdit|NotebookEdit|mcp__.*"
GEMINI_MATCHER = "run_shell_command|read_file|read_many_files|write_file|replace|mcp_.*"
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


def install(agent: str, *, scope: str = "project", project_dir: str | Path, home: str | Path | None = None,
            uninstall: bool = False, command: str | None = None) -> InstallReport:
    """Install (or with `uninstall=True` remove) blastwall's hook for `agent`. Raises `ValueError`."""
    if agent not in AGENTS:
        raise ValueError(f"unknown agent {agent!r}; use one of {', '.join(AGENTS)}")
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}; use project or user")
    base = Path(project_dir) if scope == "project" else Path(home) if home is not None else Path.home()
    path = base / config_path(agent, scope)
    cmd = hook_command(agent, command)
    if agent == "opencode":
        return _install_plugin(path, cmd, uninstall)
    return _install_json(agent, path, cmd, uninstall)


def config_path(agent: str, scope: str) -> Path:
    """Where `agent`'s config lives, relative to the project (project scope) or home (user scope)."""
    if agent == "opencode":
        return Path(".opencode/plugin/blastwall.js") if scope == "project" else Path(".config/opencode/plugin/blastwall.js")
    folder = {"claude-code": ".claude", "cursor": ".cursor", "gemini": ".gemini", "codex": ".codex"}[agent]
    name = "settings.json" if agent in ("claude-code", "gemini") else "hooks.json"
    return Path(folder) / name


def hook_command(agent: str, command: str | None = None) -> str:
    """The command the agent runs: `<command> hook <agent>`; default: this `blastwall` executable.

    A `command` that already contains `blastwall hook` is used as it is.
    """
    if command is not None and command.strip():
        command = command.strip()
        return command if HOOK_MARKER in command else f"{command} hook {agent}"
    exe = shutil.which("blastwall")
    prefix = shlex.quote(os.path.abspath(exe)) if exe else "blastwall"
    return f"{prefix} hook {agent}"


def is_ours(handler: Any, command: str) -> bool:
    if not isinstance(handler, dict):
        return False
    value = handler.get("command")
    return isinstance(value, str) and (HOOK_MARKER in value or value == command)


# --- JSON configs ------------------------------------------------------------------------------


def _install_json(agent: str, path: Path, command: str, uninstall: bool) -> InstallReport:
    original = _load_json(path)
    doc = json.loads(json.dumps(original))  # deep copy
    hooks = doc.get("hooks", {})
    if not isinstance(hooks, dict):
        raise ValueError(f"{path}: `hooks` is not an object; fix or move the file, then run this again")
    if agent == "cursor":
        for event in CURSOR_EVENTS:
            entry = None if uninstall else {"command": command, "timeout": TIMEOUT_S, "failClosed": True}
            _set_flat(hooks, event, entry, command, path)
        if not uninstall:
            doc.setdefault("version", 1)
    else:
        event, group = _group(agent, command)
        _set_grouped(hooks, event, None if uninstall else group, command, path)
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


def _group(agent: str, command: str) -> tuple[str, dict[str, Any]]:
    if agent == "gemini":
        handler = {"name": "blastwall", "type": "command", "command": command, "timeout": TIMEOUT_S * 1000}
        return "BeforeTool", {"matcher": GEMINI_MATCHER, "hooks": [handler]}
    matcher = CLAUDE_MATCHER if agent == "claude-code" else CODEX_MATCHER
    return "PreToolUse", {"matcher": matcher, "hooks": [{"type": "command", "command": command, "timeout": TIMEOUT_S}]}


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


def plugin_source(command: str) -> str:
    """The OpenCode plugin with `command` filled in."""
    from importlib.resources import files

    template = files("blastwall.doors.hooks").joinpath("opencode_plugin.js").read_text(encoding="utf-8")
    return template.replace('"__BLASTWALL_COMMAND__"', json.dumps(command))


def _install_plugin(path: Path, command: str, uninstall: bool) -> InstallReport:
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
    source = plugin_source(command)
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
