"""Real scenes for the approval screens: a git repository with committed, modified and untracked
files, Claude Code hook calls run through blastwall's own hook door (in this process, against the
real store), and the approval page served by uvicorn on a free port for a real browser."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from blastwall.doors.hooks import base, claude_code

GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
COMMITTED = {"src/app.py": "print('app')\n", "src/util.py": "X = 1\n", "README.md": "# demo\n"}
CHANGED = {"src/app.py": "print('changed, not committed')\n", "src/notes.txt": "my notes, never committed\n"}
POLICY = """
[approvals]
mode = "defer"

[approvals.windows.clean-src]
surface = "shell"
pattern = "rm -rf src*"
max = "2h"
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=GIT_ENV)


def make_repo(root: Path) -> Path:
    """A repository where src/ holds a modified file, an untracked one and a committed one."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    for name, text in COMMITTED.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "initial")
    for name, text in CHANGED.items():
        (root / name).write_text(text)
    return root


def bash_call(command: str, cwd: Path, session: str = "s-1", description: str | None = None,
              mode: str = "bypassPermissions") -> dict[str, Any]:
    """A Claude Code PreToolUse payload for Bash (in a mode where no human sees Claude's prompt,
    so an ask becomes a blastwall approval request)."""
    tool_input: dict[str, Any] = {"command": command}
    if description is not None:
        tool_input["description"] = description
    return {"session_id": session, "transcript_path": str(cwd / "t.jsonl"), "cwd": str(cwd),
            "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": tool_input,
            "tool_use_id": f"toolu_{abs(hash((command, session, description))) % 10**8}", "permission_mode": mode}


def hook(data: dict[str, Any]) -> dict[str, Any]:
    """Run one call through the Claude Code door with approvals; its JSON answer ({} for allow)."""
    result = base.handle(claude_code.DOOR, json.dumps(data).encode())
    assert result.exit_code == 0, result
    return json.loads(result.stdout) if result.stdout.strip() else {}


def decision_of(answer: dict[str, Any]) -> str:
    return str((answer.get("hookSpecificOutput") or {}).get("permissionDecision") or "allow")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """`app` served by uvicorn on 127.0.0.1 in a thread until `stop()`."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise AssertionError("the approval page did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
