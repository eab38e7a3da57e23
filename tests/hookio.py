"""Reading a real hook process's answer the way Codex and Claude Code read it (shared by the
approval, snapshot and exec tests)."""

from __future__ import annotations

import json
import re
import subprocess

REQUEST_ID = re.compile(r"\bbw-[a-z0-9]{8}\b")


def hook_reason(proc: subprocess.CompletedProcess[str]) -> tuple[str, str]:
    """(decision, reason): empty stdout is allow, else `hookSpecificOutput.permissionDecision`."""
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stderr
    if not proc.stdout.strip():
        return "allow", ""
    hso = json.loads(proc.stdout)["hookSpecificOutput"]
    return hso["permissionDecision"], hso["permissionDecisionReason"]


def request_id(text: str) -> str:
    """The approval request id a held action's reason names."""
    m = REQUEST_ID.search(text)
    assert m, text
    return m.group(0)
