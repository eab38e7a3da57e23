"""Reading a real hook process's answer the way Codex and Claude Code read it (shared by the
approval, snapshot and exec tests)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

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


def private_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy: str, **extra: str) -> dict[str, str]:
    """Private config and state folders and a policy file with `policy`, for this process and
    for the hook processes a test starts (and an empty `work` folder); returns their environment."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    path = tmp_path / "policy.toml"
    path.write_text(policy)
    monkeypatch.setenv("BLASTWALL_POLICY", str(path))
    (tmp_path / "work").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BLASTWALL_", "CLAUDE_", "CODEX_")) or k.startswith("BLASTWALL_DAEMON")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_STATE_HOME=str(tmp_path / "state"),
               BLASTWALL_POLICY=str(path), **extra)
    return env
