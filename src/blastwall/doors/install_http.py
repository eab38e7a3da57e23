"""`blastwall install claude-code --http`: Claude Code calls the daemon over HTTP, no process per call.

Claude Code's `"type": "http"` hook POSTs the hook input to a URL and reads the response body as
a command hook's stdout. A failed or timed-out HTTP hook is a non-blocking error (the tool call
proceeds) unless the handler sets `"onFailure": "block"`, which Claude Code supports from
`HTTP_MIN_VERSION` on (docs.claude.com hooks reference; ../shared/reference/agent-hooks.md). So
`install --http`:

- asks the installed `claude --version`; without a version that supports `onFailure`, it keeps
  (or writes) the command hook and says why;
- writes the handler in the user's settings only: it carries this machine's endpoint token, which
  does not belong in a project file that may be committed;
- creates the endpoint config (port and token, 0600) and (re)starts the daemon, which then serves
  the endpoint and does not stop when idle (nothing else would start it again).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from blastwall.doors import install as installer
from blastwall.doors.install import CLAUDE_MATCHER, InstallReport

HTTP_MIN_VERSION = (2, 1, 295)  # `onFailure: "block"` (reference: agent-hooks.md, http hooks)


def claude_version() -> tuple[int, int, int] | None:
    """The installed Claude Code's version (`claude --version`), or None when there is none."""
    exe = shutil.which("claude")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"(\d+)\.(\d+)\.(\d+)", out)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def support() -> tuple[bool, str]:
    """Whether this machine's Claude Code can block on a failed HTTP hook, and a sentence why."""
    found = claude_version()
    need = ".".join(map(str, HTTP_MIN_VERSION))
    if found is None:
        return False, f"no `claude` found on PATH to ask its version; HTTP hooks that block on failure need Claude Code {need} or later"
    have = ".".join(map(str, found))
    if found < HTTP_MIN_VERSION:
        return False, f"Claude Code {have} is older than {need}, which HTTP hooks that block on failure need"
    return True, f"Claude Code {have} supports HTTP hooks that block on failure ({need} or later)"


def install_http(*, home: str | Path | None, timeout_s: int, project_dir: str | Path) -> InstallReport:
    ok, why = support()
    if not ok:
        report = installer.install("claude-code", scope="user", project_dir=project_dir, home=home, timeout_s=timeout_s)
        return InstallReport(report.agent, report.path, report.changed, report.backup,
                             installer._join(report.message, f"kept the command hook: {why}"), report.timeout_note)
    from blastwall.daemon import httphook
    from blastwall.locations import config_dir

    folder = config_dir()
    endpoint = httphook.load(folder) or httphook.create(folder)
    url = f"http://127.0.0.1:{endpoint.port}/hook/claude-code?timeout={timeout_s}"
    handler = {"type": "http", "url": url, "headers": {"X-Blastwall-Token": endpoint.token}, "timeout": timeout_s,
               "onFailure": "block"}
    path = installer.base_dir("user", project_dir, home) / installer.config_path("claude-code", "user")
    report = installer._install_json("claude-code", path, "", False, timeout_s,
                                     group={"matcher": CLAUDE_MATCHER, "hooks": [handler]})
    started = restart_daemon()
    return InstallReport(report.agent, report.path, report.changed, report.backup,
                         installer._join(f"HTTP hook on 127.0.0.1:{endpoint.port} ({why})", started))


def restart_daemon() -> str:
    from blastwall.daemon import client

    env = dict(os.environ)
    client.stop(env)
    client.spawn(env)
    for _ in range(600):
        time.sleep(0.05)
        pong = client.ping(env)
        if pong and pong.get("http_port"):
            return ("the daemon serves it now; start it at login (`blastwall daemon start`): without it Claude Code "
                    "blocks every tool call")
    return "the daemon did not start: `blastwall daemon start --foreground` shows why; until then every call blocks"
